import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readlink, stat } from 'node:fs/promises';
import { HoardError, type HookContexts, type JsonObject, type SchemaType } from '@hoard/core';
import { DIRECTORY_RESOURCE_TYPE } from './directoryProtectable.js';
import { displayPath, exactUtf8, joinPath, savedName, savedTarget } from './entryNames.js';
import { readXattrs } from './extendedAttributes.js';
import { readDirectoryTree, type TreeEntry } from './readDirectoryTree.js';
import type { directorySchemas } from './schemas.js';

/** What the plugin records in a checkpoint (its `savedInfo` schema). */
export type DirectorySavedInfo = SchemaType<typeof directorySchemas.savedInfo>;
type Contexts = HookContexts<typeof directorySchemas>;
type SavedFile = DirectorySavedInfo['files'][number];

/** A failure reading the protected directory: the source's, never blamed on the bank. */
function sourceError(context: Contexts['protect'], absolute: Buffer, error: unknown): HoardError {
  if (error instanceof HoardError) return error;
  const errno = (error as NodeJS.ErrnoException).code;
  const why =
    errno === 'EACCES' || errno === 'EPERM'
      ? 'permission denied'
      : errno === 'ENOENT'
        ? 'it was removed while the directory was being protected'
        : errno === 'ELOOP'
          ? 'it became a symbolic link while the directory was being protected'
          : (error as Error).message;
  return new HoardError(
    'SOURCE_READ_FAILED',
    `Cannot read '${displayPath(absolute)}' from the protected directory: ${why}`,
    {
      resourceKey: `${DIRECTORY_RESOURCE_TYPE}#${context.resource.id}`,
      details: { path: displayPath(absolute), ...(errno !== undefined ? { errno } : {}) },
    },
    { cause: error },
  );
}

function ownership(stats: TreeEntry['stats']): { uid: number; gid: number } {
  return { uid: Number(stats.uid), gid: Number(stats.gid) };
}

/** Streams one regular file into the bank; opened without following links and without blocking. */
async function saveFile(
  context: Contexts['protect'],
  entry: TreeEntry,
  absolute: Buffer,
  object: string,
): Promise<SavedFile> {
  const hash = createHash('sha256');
  let size = 0;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(absolute, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw sourceError(context, absolute, error);
  }
  try {
    const opened = await handle.stat({ bigint: true });
    if (!opened.isFile() || opened.ino !== entry.stats.ino || opened.dev !== entry.stats.dev) {
      throw sourceError(
        context,
        absolute,
        new Error('it was replaced while the directory was being protected'),
      );
    }
    async function* hashed() {
      // No `signal` option: a stream aborted while this generator waits at `yield` (the bank is
      // not pulling) emits an 'error' that nothing listens to any more, which kills the process.
      // The cancel is seen at the next chunk instead, and the stream is always destroyed here.
      const stream = handle.createReadStream({ highWaterMark: 1024 * 1024, autoClose: false });
      try {
        for await (const chunk of stream) {
          context.signal.throwIfAborted();
          const bytes = chunk as Buffer;
          hash.update(bytes);
          size += bytes.length;
          context.progress.bytes(bytes.length);
          yield bytes;
        }
      } catch (error) {
        if ((error as Error).name === 'AbortError' || context.signal.aborted) throw error;
        throw sourceError(context, absolute, error);
      } finally {
        stream.destroy();
      }
    }
    await context.bank.put(object, hashed());
    return {
      ...savedName(entry.relative),
      mode: Number(opened.mode) & 0o7777,
      mtimeMs: Number(opened.mtimeNs / 1000n) / 1000,
      ...ownership(opened),
      size,
      sha256: hash.digest('hex'),
      object,
    };
  } finally {
    await handle.close();
  }
}

/** Files an earlier, interrupted run of this protect saved (from its journal), by saved name. */
async function filesSavedEarlier(context: Contexts['protect']): Promise<Map<string, SavedFile>> {
  const earlier = new Map<string, SavedFile>();
  for (const entry of await context.journal.previous()) {
    const file = entry as unknown as SavedFile;
    if (typeof file?.object === 'string' && typeof file.path === 'string')
      earlier.set(file.pathBase64 ?? file.path, file);
  }
  return earlier;
}

/**
 * The saved entry of an earlier run for this file, if it can be reused: same size and mtime,
 * and its object is in the bank with that size. Otherwise the file is read again.
 */
async function reusable(
  context: Contexts['protect'],
  earlier: ReadonlyMap<string, SavedFile>,
  entry: TreeEntry,
): Promise<SavedFile | undefined> {
  if (earlier.size === 0) return undefined;
  const name = savedName(entry.relative);
  const found = earlier.get(name.pathBase64 ?? name.path);
  if (
    found === undefined ||
    found.size !== Number(entry.stats.size) ||
    found.mtimeMs !== Number(entry.stats.mtimeNs / 1000n) / 1000
  )
    return undefined;
  const object = await context.bank.head(found.object);
  if (object?.size !== found.size) return undefined;
  context.progress.bytes(found.size);
  return found;
}

/** Directories never to enter: the bank's own directory, when the bank is local. */
async function bankDirectories(context: Contexts['protect']): Promise<Map<string, string>> {
  const skip = new Map<string, string>();
  if (context.bank.localRoot === undefined) return skip;
  try {
    const bank = await stat(context.bank.localRoot, { bigint: true });
    skip.set(`${bank.dev}:${bank.ino}`, 'the bank is stored here; a bank is never protected into itself');
  } catch {
    // A bank root that cannot be stat'ed is not inside anything we can read either.
  }
  return skip;
}

/**
 * Protect: every entry under the directory, names as bytes, metadata from `lstat`. Regular files
 * are streamed into the bank with their SHA-256; a file with several names is saved once and its
 * other names recorded as hard links; FIFOs, sockets and devices are left out and listed with why.
 */
export async function protectDirectory(context: Contexts['protect']): Promise<JsonObject> {
  const root = context.resource.id;
  const excluded = new Set(context.parameters.exclude);
  let tree: Awaited<ReturnType<typeof readDirectoryTree>>;
  try {
    tree = await readDirectoryTree(root, {
      isExcluded: (relative) => {
        const text = exactUtf8(relative);
        return text !== undefined && excluded.has(text);
      },
      skipDirectories: await bankDirectories(context),
    });
  } catch (error) {
    throw sourceError(context, Buffer.from(root), error);
  }
  const rootStats = await stat(root, { bigint: true }).catch((error: unknown) => {
    throw sourceError(context, Buffer.from(root), error);
  });
  const rootXattrs = await readXattrs(Buffer.from(root));
  const info: DirectorySavedInfo = {
    root,
    totalBytes: 0,
    rootDirectory: {
      mode: Number(rootStats.mode) & 0o7777,
      mtimeMs: Number(rootStats.mtimeNs / 1000n) / 1000,
      ...ownership(rootStats),
      ...(rootXattrs !== undefined ? { xattrs: rootXattrs } : {}),
    },
    files: [],
    hardLinks: [],
    directories: [],
    symlinks: [],
    leftOut: tree.leftOut.map((e) => ({ ...savedName(e.relative), kind: e.kind, reason: e.reason })),
  };
  const fileCount = tree.entries.filter((e) => e.kind === 'file').length;
  const firstNameOf = new Map<string, number>();
  const earlier = await filesSavedEarlier(context);
  const resumed = { files: 0, bytes: 0 };
  let done = 0;
  context.progress.items(0, fileCount);
  for (const entry of tree.entries) {
    context.signal.throwIfAborted();
    const absolute = joinPath(root, entry.relative);
    const name = savedName(entry.relative);
    if (entry.kind === 'directory') {
      const xattrs = await readXattrs(absolute).catch((e: unknown) => {
        throw sourceError(context, absolute, e);
      });
      info.directories.push({
        ...name,
        mode: Number(entry.stats.mode) & 0o7777,
        mtimeMs: Number(entry.stats.mtimeNs / 1000n) / 1000,
        ...ownership(entry.stats),
        ...(xattrs !== undefined ? { xattrs } : {}),
      });
    } else if (entry.kind === 'symlink') {
      const target = await readlink(absolute, { encoding: 'buffer' }).catch((e: unknown) => {
        throw sourceError(context, absolute, e);
      });
      info.symlinks.push({
        ...name,
        ...savedTarget(target),
        mtimeMs: Number(entry.stats.mtimeNs / 1000n) / 1000,
        ...ownership(entry.stats),
      });
    } else if (entry.kind === 'file') {
      const inode = `${entry.stats.dev}:${entry.stats.ino}`;
      const first = entry.stats.nlink > 1n ? firstNameOf.get(inode) : undefined;
      if (first !== undefined) {
        info.hardLinks!.push({ ...name, file: first });
      } else {
        let saved = await reusable(context, earlier, entry);
        if (saved !== undefined) {
          resumed.files++;
          resumed.bytes += saved.size;
        } else {
          // A resumed run names its objects apart: the earlier runs' objects stay valid for reuse.
          const index = String(info.files.length).padStart(8, '0');
          const object = context.attempt === 1 ? `files/${index}` : `files/a${context.attempt}-${index}`;
          const fresh = await context.workPool.run(() => saveFile(context, entry, absolute, object));
          const xattrs = await readXattrs(absolute).catch(() => undefined);
          if (xattrs !== undefined) fresh.xattrs = xattrs;
          // Recorded once the object is durable: a resumed run may reuse it.
          context.journal.append(fresh as unknown as JsonObject);
          saved = fresh;
        }
        if (entry.stats.nlink > 1n) firstNameOf.set(inode, info.files.length);
        info.files.push(saved);
        info.totalBytes += saved.size;
      }
      context.progress.items(++done, fileCount);
    } else {
      info.leftOut!.push({ ...name, kind: entry.kind, reason: `a ${entry.kind} holds no data to protect` });
    }
  }
  for (const left of info.leftOut!) {
    context.logger.warn('entry left out of the checkpoint', {
      path: left.path,
      kind: left.kind,
      reason: left.reason,
    });
  }
  context.setSavedInfo(info);
  context.logger.info('directory protected', { root, files: info.files.length, bytes: info.totalBytes });
  if (resumed.files > 0) context.logger.info('resumed: files reused from an earlier run', resumed);
  return {
    files: info.files.length,
    resumedFiles: resumed.files,
    resumedBytes: resumed.bytes,
    hardLinks: info.hardLinks!.length,
    bytes: info.totalBytes,
    leftOut: info.leftOut!.map((e) => ({ path: e.path, kind: e.kind, reason: e.reason })),
  };
}
