import path from 'node:path';
import { defineBank } from '@hoard/core';
import { FileSystemBank } from './FileSystemBank.js';

/** The `[file_system_bank_plugin]` section, with Karbor's option names (see docs/protocol.md, "Provider files"). */
export const FILE_SYSTEM_BANK_SECTION_SCHEMA = {
  type: 'object',
  required: ['file_system_bank_path'],
  properties: {
    file_system_bank_path: {
      type: 'string',
      minLength: 1,
      description: 'Directory holding the bank (relative to the provider file)',
    },
    bank_object_container: {
      type: 'string',
      default: 'hoard',
      // A plain directory name: '.' and '..' would move the bank's root.
      pattern: '^(?!\\.\\.?$)[A-Za-z0-9._-]+$',
      description: 'Sub-directory of file_system_bank_path used as the container',
    },
  },
} as const;

/**
 * The bank-fs plugin: checkpoints in `<file_system_bank_path>/<bank_object_container>/`.
 */
export const fileSystemBank = defineBank({
  name: 'fs',
  configSections: { file_system_bank_plugin: FILE_SYSTEM_BANK_SECTION_SCHEMA },
  async create({ config, baseDir }) {
    const section = config.file_system_bank_plugin;
    return FileSystemBank.create(
      path.join(path.resolve(baseDir, section.file_system_bank_path), section.bank_object_container),
    );
  },
});
