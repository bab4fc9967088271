import { stat } from 'node:fs/promises';
import path from 'node:path';
import { defineProtectable, HoardError, type Resource } from '@hoard/core';

/** The resource type of a local directory. */
export const DIRECTORY_RESOURCE_TYPE = 'Hoard::Local::Directory';

/** The resource of a directory path (made absolute). */
export async function directoryResource(id: string): Promise<Resource> {
  const absolute = path.resolve(id);
  let info: import('node:fs').Stats;
  try {
    info = await stat(absolute);
  } catch {
    throw new HoardError('RESOURCE_NOT_FOUND', `Directory '${absolute}' does not exist`, {
      resourceKey: `${DIRECTORY_RESOURCE_TYPE}#${absolute}`,
    });
  }
  if (!info.isDirectory()) {
    throw new HoardError('RESOURCE_NOT_FOUND', `'${absolute}' is not a directory`, {
      resourceKey: `${DIRECTORY_RESOURCE_TYPE}#${absolute}`,
    });
  }
  return { type: DIRECTORY_RESOURCE_TYPE, id: absolute, name: path.basename(absolute) || absolute };
}

/**
 * The protectable of local directories: `show` checks a path, `list` returns the directories
 * named in `[local_directory_plugin] directories` (comma-separated). A directory has no children.
 */
export const directoryProtectable = defineProtectable({
  name: 'directory',
  resourceType: DIRECTORY_RESOURCE_TYPE,
  parentTypes: [],
  configSections: {
    local_directory_plugin: {
      type: 'object',
      properties: {
        directories: { type: 'string', description: 'Comma-separated directories that `list` returns' },
      },
    },
  },
  async list(context) {
    const configured = context.config.local_directory_plugin.directories ?? '';
    const paths = configured
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    return Promise.all(paths.map(directoryResource));
  },
  show: async (_context, id) => directoryResource(id),
  getDependentResources: async () => [],
});
