import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  open,
  readdir,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  utimes,
} from 'node:fs/promises';
import path from 'node:path';
import {
  defineProtectionPlugin,
  HoardError,
  type HookContexts,
  type JsonObject,
  pseudoFileSystemOf,
  type SchemaType,
} from '@hoard/core';
import { DIRECTORY_RESOURCE_TYPE } from './directoryProtectable.js';
import { directorySchemas } from './schemas.js';

/** What the plugin records in a checkpoint (its `savedInfo` schema). */
type DirectorySavedInfo = SchemaType<typeof directorySchemas.savedInfo>;
type Contexts = HookContexts<typeof directorySchemas>;
/** One file recorded in the saved info. */
type SavedFile = DirectorySavedInfo['files'][number];

/** Relative paths in POSIX form, depth-first, sorted, without following symlinks. */
async function walk(
  root: string,
  exclude: ReadonlySet<string>,
  relative = '',
): Promise<{ path: string; kind: 'file' | 'directory' | 'symlink' }[]> {
  const out: { path: string; kind: 'file' | 'directory' | 'symlink' }[] = [];
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (exclude.has(child)) continue;
    if (entry.isSymbolicLink()) out.push({ path: child, kind: 'symlink' });
    else if (entry.isDirectory()) {
      out.push({ path: child, kind: 'directory' });
      out.push(...(await walk(root, exclude, child)));
    } else if (entry.isFile()) out.push({ path: child, kind: 'file' });
    // Sockets, FIFOs and devices are not data; they are left out.
  }
  return out;
}

/**
 * A saved path must stay inside the restore target: the checkpoint is data from a bank and is
 * not trusted.
 */
function safeJoin(target: string, relative: string): string {
  const parts = relative.split('/');
  if (
    relative.startsWith('/') ||
    parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))
  ) {
    throw new HoardError(
      'CHECKPOINT_INVALID',
      `Saved path ${JSON.stringify(relative)} would leave the restore target`,
    );
  }
  return path.join(target, ...parts);
}

async function isEmptyOrMissing(directory: string): Promise<boolean> {
  try {
    return (await readdir(directory)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
}

async function protectMain(context: Contexts['protect']): Promise<JsonObject> {
  const root = context.resource.id;
  const exclude = new Set(context.parameters.exclude);
  const entries = await walk(root, exclude);
  const files = entries.filter((e) => e.kind === 'file');
  const info: DirectorySavedInfo = { root, totalBytes: 0, files: [], directories: [], symlinks: [] };
  let done = 0;
  context.progress.items(0, files.length);
  for (const entry of entries) {
    context.signal.throwIfAborted();
    const absolute = path.join(root, ...entry.path.split('/'));
    if (entry.kind === 'directory') {
      info.directories.push({ path: entry.path, mode: (await lstat(absolute)).mode & 0o7777 });
    } else if (entry.kind === 'symlink') {
      info.symlinks.push({ path: entry.path, target: await readlink(absolute) });
    } else {
      const object = `files/${String(done).padStart(8, '0')}`;
      const saved = await context.workPool.run(async () => {
        const before = await stat(absolute);
        const hash = createHash('sha256');
        let size = 0;
        async function* hashed() {
          for await (const chunk of createReadStream(absolute, {
            highWaterMark: 1024 * 1024,
            signal: context.signal,
          })) {
            const bytes = chunk as Buffer;
            hash.update(bytes);
            size += bytes.length;
            context.progress.bytes(bytes.length);
            yield bytes;
          }
        }
        await context.bank.put(object, hashed());
        return {
          path: entry.path,
          mode: before.mode & 0o7777,
          mtimeMs: before.mtimeMs,
          size,
          sha256: hash.digest('hex'),
          object,
        };
      });
      info.files.push(saved);
      info.totalBytes += saved.size;
      context.progress.items(++done, files.length);
    }
  }
  context.setSavedInfo(info);
  context.logger.info('directory protected', { root, files: info.files.length, bytes: info.totalBytes });
  return { files: info.files.length, bytes: info.totalBytes };
}

async function restoreFile(
  context: Contexts['restore'],
  file: SavedFile,
  destination: string,
): Promise<void> {
  const temp = path.join(path.dirname(destination), `.hoard-restore-${randomBytes(6).toString('hex')}`);
  const hash = createHash('sha256');
  const handle = await open(temp, 'wx', 0o600);
  try {
    for await (const chunk of await context.bank.getStream(file.object)) {
      context.signal.throwIfAborted();
      const bytes = chunk as Buffer;
      hash.update(bytes);
      await handle.write(bytes);
      context.progress.bytes(bytes.length);
    }
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  const actual = hash.digest('hex');
  if (actual !== file.sha256) {
    await rm(temp, { force: true });
    throw new HoardError(
      'CHECKPOINT_INVALID',
      `File '${file.path}' read back from the bank has SHA-256 ${actual}, expected ${file.sha256}: the checkpoint data is damaged`,
      { resourceKey: `${DIRECTORY_RESOURCE_TYPE}#${context.resource.id}`, path: file.path },
    );
  }
  await chmod(temp, file.mode);
  await utimes(temp, file.mtimeMs / 1000, file.mtimeMs / 1000);
  await rename(temp, destination);
}

async function restoreMain(context: Contexts['restore']): Promise<JsonObject> {
  const info = await context.requireSavedInfo();
  const overwrite = context.parameters.overwrite;
  const suffix = (context.restoreId ?? randomBytes(4).toString('hex')).slice(-8);
  const target = path.resolve(context.parameters.target ?? `${info.root}-restored-${suffix}`);
  const pseudo = await pseudoFileSystemOf(target);
  if (pseudo !== undefined) {
    throw new HoardError(
      'PARAMETERS_INVALID',
      `Restore target '${target}' is on ${pseudo}, a pseudo file system where nothing can be restored`,
      { path: 'target', resourceKey: `${DIRECTORY_RESOURCE_TYPE}#${context.resource.id}` },
    );
  }
  if (!overwrite && !(await isEmptyOrMissing(target))) {
    throw new HoardError(
      'PARAMETERS_INVALID',
      `Restore target '${target}' exists and is not empty; choose another target or set "overwrite": true`,
      { path: 'target', resourceKey: `${DIRECTORY_RESOURCE_TYPE}#${context.resource.id}` },
    );
  }
  // Without overwrite, restore into a hidden sibling and rename it into place at the end, so a
  // failed restore never leaves a half-filled target.
  const staging = overwrite ? target : `${target}.hoard-partial-${randomBytes(4).toString('hex')}`;
  await mkdir(staging, { recursive: true });
  try {
    for (const directory of info.directories)
      await mkdir(safeJoin(staging, directory.path), { recursive: true });
    let done = 0;
    context.progress.items(0, info.files.length);
    for (const file of info.files) {
      context.signal.throwIfAborted();
      const destination = safeJoin(staging, file.path);
      await mkdir(path.dirname(destination), { recursive: true });
      await context.workPool.run(() => restoreFile(context, file, destination));
      context.progress.items(++done, info.files.length);
    }
    for (const link of info.symlinks) {
      const destination = safeJoin(staging, link.path);
      await rm(destination, { force: true });
      await symlink(link.target, destination);
    }
    // Directory modes last: a read-only directory would refuse the files written into it.
    for (const directory of [...info.directories].reverse())
      await chmod(safeJoin(staging, directory.path), directory.mode);
    if (staging !== target) {
      await rm(target, { recursive: false, force: true }).catch(() => {});
      await rename(staging, target);
    }
  } catch (error) {
    if (staging !== target) await rm(staging, { recursive: true, force: true });
    throw error;
  }
  context.logger.info('directory restored', { target, files: info.files.length });
  return { target, files: info.files.length, bytes: info.totalBytes, verified: true };
}

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
 * @remarks Protect streams every file into the bank with its mode, mtime and SHA-256 in the saved
 * info. Restore writes into `target` (default: a new sibling path; never over existing files
 * unless `overwrite: true`) and verifies every hash. Delete removes the checkpoint's data.
 */
export const directoryProtectionPlugin = defineProtectionPlugin({
  name: 'directory',
  resourceTypes: [DIRECTORY_RESOURCE_TYPE],
  schemas: directorySchemas,
  hooks: {
    protect: { main: protectMain },
    restore: { main: restoreMain },
    delete: { main: deleteMain },
  },
});
