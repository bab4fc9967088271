import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  chmod,
  chown,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  symlink,
  unlink,
  utimes,
} from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import {
  HoardError,
  type HookContexts,
  isProcessAlive,
  type JsonObject,
  pseudoFileSystemOf,
} from '@hoard/core';
import { DIRECTORY_RESOURCE_TYPE } from './directoryProtectable.js';
import {
  displayPath,
  joinPath,
  relativeBytes,
  type SavedName,
  splitPath,
  targetBytes,
} from './entryNames.js';
import { writeXattrs } from './extendedAttributes.js';
import type { DirectorySavedInfo } from './protectDirectory.js';
import type { directorySchemas } from './schemas.js';

type Contexts = HookContexts<typeof directorySchemas>;
type SavedFile = DirectorySavedInfo['files'][number];

const SETUID_SETGID = 0o6000;

async function lstatOrUndefined(location: Buffer | string) {
  try {
    return await lstat(location);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
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

const STAGING_MARK = '.hoard-partial-';

/**
 * The staging sibling of a restore: `<target>.hoard-partial-<host>-<pid>-<random>`. Host and pid
 * let a later restore to the same target tell a staging tree whose process is gone (a restore
 * killed with -9) from one still being written.
 */
function stagingName(target: string): string {
  return `${target}${STAGING_MARK}${hostname().replace(/[^A-Za-z0-9.-]/g, '_')}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Removes staging trees of earlier restores to `target` on this host whose process is gone. */
async function removeStaleStaging(context: Contexts['restore'], target: string): Promise<string[]> {
  const parent = path.dirname(target);
  const prefix = `${path.basename(target)}${STAGING_MARK}${hostname().replace(/[^A-Za-z0-9.-]/g, '_')}-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || isProcessAlive(pid)) continue;
    const stale = path.join(parent, name);
    const found = await lstatOrUndefined(stale);
    if (!found?.isDirectory()) continue; // never follow a link planted under that name
    await rm(stale, { recursive: true, force: true });
    context.logger.warn('removed the staging tree of a restore that did not finish', { path: stale });
    removed.push(stale);
  }
  return removed;
}

function tempName(): string {
  return `.hoard-restore-${randomBytes(6).toString('hex')}`;
}

/**
 * Writes a checkpoint's tree under one directory without ever following a symbolic link it did
 * not create (docs/protocol.md, "Directory plugin: restore").
 *
 * Every directory on the way to an entry is checked with `lstat` and created when missing; a
 * symlink or file found where a directory belongs is removed (the entry itself, never what it
 * points to) and replaced by a directory. Files, links and hard links are written to a temporary
 * name in their (checked) directory and renamed over the destination: each entry is replaced
 * atomically, and `rename` replaces a symlink rather than writing through it.
 */
class RestoreTree {
  private readonly ready = new Set<string>();
  /** Files restored so far, by index in the saved info (for hard links). */
  readonly restoredFiles = new Map<number, Buffer>();
  readonly privilegesCleared: string[] = [];
  readonly xattrsNotRestored: string[] = [];

  constructor(
    readonly root: Buffer,
    private readonly context: Contexts['restore'],
    readonly ownershipRestored: boolean,
  ) {}

  /** The absolute path of directory `relative`, every part of it now a real directory. */
  async directory(relative: Buffer): Promise<Buffer> {
    let current = this.root;
    for (const part of relative.length === 0 ? [] : splitPath(relative)) {
      current = joinPath(current, part);
      const key = current.toString('hex');
      if (this.ready.has(key)) continue;
      const found = await lstatOrUndefined(current);
      if (found !== undefined && !found.isDirectory()) {
        // A symlink (or a file) where the checkpoint has a directory: remove the entry itself.
        this.context.logger.warn('replacing an entry that is in the way of a directory', {
          path: displayPath(current),
          was: found.isSymbolicLink() ? 'symlink' : 'file',
        });
        await unlink(current);
      }
      if (found === undefined || !found.isDirectory()) await mkdir(current, 0o700);
      this.ready.add(key);
    }
    return current;
  }

  /** The parent directory (made ready) and the destination of entry `saved`. */
  async placeOf(saved: SavedName): Promise<{ parent: Buffer; destination: Buffer; relative: Buffer }> {
    const relative = relativeBytes(saved);
    const slash = relative.lastIndexOf(0x2f);
    const parent = await this.directory(slash < 0 ? Buffer.alloc(0) : relative.subarray(0, slash));
    const destination = joinPath(parent, relative.subarray(slash + 1));
    const existing = await lstatOrUndefined(destination);
    if (existing?.isDirectory()) {
      throw new HoardError(
        'RESTORE_TARGET_CONFLICT',
        `Cannot restore '${saved.path}': a directory of that name is in the way in the restore target; move it and restore again`,
        {
          resourceKey: `${DIRECTORY_RESOURCE_TYPE}#${this.context.resource.id}`,
          details: { path: saved.path },
        },
      );
    }
    return { parent, destination, relative };
  }

  /** The mode to apply: setuid/setgid only when ownership is restored too and not group/world-writable. */
  fileMode(saved: { path: string; mode: number }): number {
    if ((saved.mode & SETUID_SETGID) === 0) return saved.mode;
    if (this.ownershipRestored && (saved.mode & 0o022) === 0) return saved.mode;
    this.privilegesCleared.push(saved.path);
    return saved.mode & ~SETUID_SETGID;
  }

  async file(index: number, file: SavedFile): Promise<void> {
    const { parent, destination } = await this.placeOf(file);
    const temp = joinPath(parent, Buffer.from(tempName()));
    const hash = createHash('sha256');
    const handle = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      try {
        for await (const chunk of await this.context.bank.getStream(file.object)) {
          this.context.signal.throwIfAborted();
          const bytes = chunk as Buffer;
          hash.update(bytes);
          await handle.write(bytes);
          this.context.progress.bytes(bytes.length);
        }
        await handle.sync();
        const actual = hash.digest('hex');
        if (actual !== file.sha256) {
          throw new HoardError(
            'CHECKPOINT_INVALID',
            `File '${file.path}' read back from the bank has SHA-256 ${actual}, expected ${file.sha256}: the checkpoint data is damaged`,
            { resourceKey: `${DIRECTORY_RESOURCE_TYPE}#${this.context.resource.id}`, path: file.path },
          );
        }
        // Owner first: chown clears setuid/setgid, chmod then sets the saved mode.
        if (this.ownershipRestored && file.uid !== undefined && file.gid !== undefined)
          await handle.chown(file.uid, file.gid);
        await handle.chmod(this.fileMode(file));
        await handle.utimes(file.mtimeMs / 1000, file.mtimeMs / 1000);
      } finally {
        await handle.close();
      }
      const failed = await writeXattrs(temp, file.xattrs);
      for (const name of failed) this.xattrsNotRestored.push(`${file.path}: ${name}`);
      await rename(temp, destination);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    this.restoredFiles.set(index, destination);
  }

  async hardLink(saved: NonNullable<DirectorySavedInfo['hardLinks']>[number]): Promise<void> {
    const first = this.restoredFiles.get(saved.file);
    if (first === undefined) {
      throw new HoardError(
        'CHECKPOINT_INVALID',
        `Hard link '${saved.path}' names file ${saved.file}, which the checkpoint does not hold`,
        { resourceKey: `${DIRECTORY_RESOURCE_TYPE}#${this.context.resource.id}`, path: saved.path },
      );
    }
    const { parent, destination } = await this.placeOf(saved);
    const temp = joinPath(parent, Buffer.from(tempName()));
    await link(first, temp);
    await rename(temp, destination).catch(async (error: unknown) => {
      await unlink(temp).catch(() => {});
      throw error;
    });
  }

  async symlink(saved: DirectorySavedInfo['symlinks'][number]): Promise<void> {
    const { parent, destination } = await this.placeOf(saved);
    const temp = joinPath(parent, Buffer.from(tempName()));
    await symlink(targetBytes(saved), temp);
    try {
      if (this.ownershipRestored && saved.uid !== undefined && saved.gid !== undefined)
        await lchown(temp, saved.uid, saved.gid);
      if (saved.mtimeMs !== undefined) await lutimes(temp, saved.mtimeMs / 1000, saved.mtimeMs / 1000);
      await rename(temp, destination);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
  }

  /** A directory's own metadata, applied last (a read-only directory would refuse its entries). */
  async directoryMetadata(
    absolute: Buffer,
    saved: {
      path: string;
      mode: number;
      mtimeMs?: number;
      uid?: number;
      gid?: number;
      xattrs?: Record<string, string>;
    },
  ): Promise<void> {
    const found = await lstat(absolute);
    if (!found.isDirectory()) return; // replaced behind our back: never chmod through a link
    if (this.ownershipRestored && saved.uid !== undefined && saved.gid !== undefined)
      await chown(absolute, saved.uid, saved.gid);
    await chmod(absolute, saved.mode);
    for (const name of await writeXattrs(absolute, saved.xattrs))
      this.xattrsNotRestored.push(`${saved.path}: ${name}`);
    if (saved.mtimeMs !== undefined) await utimes(absolute, saved.mtimeMs / 1000, saved.mtimeMs / 1000);
  }
}

/**
 * Restore: into `target` (default a new sibling `<name>-restored-<suffix>`), through a hidden
 * staging sibling renamed into place at the end, or, with `overwrite`, entry by entry into the
 * existing directory. Every file's SHA-256 is verified before it gets its name.
 */
export async function restoreDirectory(context: Contexts['restore']): Promise<JsonObject> {
  const info = await context.requireSavedInfo();
  const resourceKey = `${DIRECTORY_RESOURCE_TYPE}#${context.resource.id}`;
  const overwrite = context.parameters.overwrite;
  const suffix = (context.restoreId ?? randomBytes(4).toString('hex')).slice(-8);
  const target = path.resolve(context.parameters.target ?? `${info.root}-restored-${suffix}`);
  const pseudo = await pseudoFileSystemOf(target);
  if (pseudo !== undefined) {
    throw new HoardError(
      'PARAMETERS_INVALID',
      `Restore target '${target}' is on ${pseudo}, a pseudo file system where nothing can be restored`,
      { path: 'target', resourceKey },
    );
  }
  if (!overwrite && !(await isEmptyOrMissing(target))) {
    throw new HoardError(
      'PARAMETERS_INVALID',
      `Restore target '${target}' exists and is not empty; choose another target or set "overwrite": true`,
      { path: 'target', resourceKey },
    );
  }
  const asRoot = process.geteuid?.() === 0;
  const removedStaleStaging = await removeStaleStaging(context, target);
  const staging = overwrite ? target : stagingName(target);
  await mkdir(staging, { recursive: true, mode: 0o700 });
  const tree = new RestoreTree(Buffer.from(staging), context, asRoot);
  try {
    for (const directory of info.directories) await tree.directory(relativeBytes(directory));
    context.progress.items(0, info.files.length);
    for (const [index, file] of info.files.entries()) {
      context.signal.throwIfAborted();
      await context.workPool.run(() => tree.file(index, file));
      context.progress.items(index + 1, info.files.length);
    }
    for (const hardLink of info.hardLinks ?? []) await tree.hardLink(hardLink);
    for (const link of info.symlinks) await tree.symlink(link);
    for (const directory of [...info.directories].reverse())
      await tree.directoryMetadata(await tree.directory(relativeBytes(directory)), directory);
    if (info.rootDirectory !== undefined)
      await tree.directoryMetadata(Buffer.from(staging), { path: '.', ...info.rootDirectory });
    if (staging !== target) {
      await rm(target, { recursive: false, force: true }).catch(() => {});
      await rename(staging, target);
    }
  } catch (error) {
    if (staging !== target) await rm(staging, { recursive: true, force: true });
    throw error;
  }
  for (const cleared of tree.privilegesCleared)
    context.logger.warn('setuid/setgid not restored', { path: cleared });
  context.logger.info('directory restored', { target, files: info.files.length });
  const ownershipSaved = info.rootDirectory?.uid !== undefined;
  return {
    target,
    files: info.files.length,
    hardLinks: info.hardLinks?.length ?? 0,
    bytes: info.totalBytes,
    verified: true,
    ownership: !ownershipSaved
      ? 'not saved in this checkpoint'
      : asRoot
        ? 'restored'
        : `not restored: the restore runs as uid ${process.geteuid?.()}, not root`,
    privilegesCleared: tree.privilegesCleared,
    xattrsNotRestored: tree.xattrsNotRestored,
    leftOut: (info.leftOut ?? []).map((e) => ({ path: e.path, kind: e.kind, reason: e.reason })),
    removedStaleStaging,
  };
}
