import { defineProtectionPlugin, type HookContexts, type JsonObject } from '@hoard/core';
import { DIRECTORY_RESOURCE_TYPE } from './directoryProtectable.js';
import { protectDirectory } from './protectDirectory.js';
import { restoreDirectory } from './restoreDirectory.js';
import { directorySchemas } from './schemas.js';

type Contexts = HookContexts<typeof directorySchemas>;

async function deleteMain(context: Contexts['delete']): Promise<JsonObject> {
  let deleted = 0;
  const keys: string[] = [];
  for await (const object of context.bank.list()) keys.push(object.key);
  for (const key of keys) {
    context.signal.throwIfAborted();
    await context.bank.delete(key);
    context.progress.items(++deleted, keys.length);
  }
  return { deletedObjects: deleted };
}

/**
 * The protection plugin of local directories.
 *
 * @remarks Protect streams every file into the bank with its mode, owner, mtime, extended
 * attributes and SHA-256 in the saved info; names are bytes and round-trip exactly. Restore writes
 * into `target` (default: a new sibling path; never over existing files unless `overwrite: true`),
 * never through a symlink it did not make, and verifies every hash. Delete removes the
 * checkpoint's data. docs/protocol.md, "Directory plugin", has the whole policy.
 */
export const directoryProtectionPlugin = defineProtectionPlugin({
  name: 'directory',
  resourceTypes: [DIRECTORY_RESOURCE_TYPE],
  schemas: directorySchemas,
  hooks: {
    protect: { main: protectDirectory },
    restore: { main: restoreDirectory },
    delete: { main: deleteMain },
  },
  // Protect resumes from its journal (files already stored are reused); delete is idempotent.
  rerunnableHooks: { protect: ['main'], delete: ['main'] },
});
