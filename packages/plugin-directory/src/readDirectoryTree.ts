import type { BigIntStats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { joinPath } from './entryNames.js';

/** What kind of entry the walk found. */
export type EntryKind =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'fifo'
  | 'socket'
  | 'character device'
  | 'block device';

/** One entry under the protected directory. */
export interface TreeEntry {
  /** The path relative to the directory, as bytes, `/`-separated. */
  relative: Buffer;
  kind: EntryKind;
  /** `lstat` of the entry (never follows a symlink). */
  stats: BigIntStats;
}

/** Why an entry was left out of the checkpoint. */
export interface LeftOut {
  relative: Buffer;
  kind: EntryKind;
  reason: string;
}

function kindOf(stats: BigIntStats): EntryKind {
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isDirectory()) return 'directory';
  if (stats.isFile()) return 'file';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'character device';
  return 'block device';
}

/** Options of {@link readDirectoryTree}. */
export interface TreeOptions {
  /** Whether the entry at this relative path (bytes) is excluded by the user. */
  isExcluded(relative: Buffer): boolean;
  /** `dev:ino` of directories never to enter (the bank's own directory). */
  skipDirectories: ReadonlyMap<string, string>;
}

/**
 * Every entry under `root`, depth-first, names sorted by bytes, without following symlinks.
 * Names are read as bytes, so a name that is not valid UTF-8 is read exactly as it is.
 */
export async function readDirectoryTree(
  root: string,
  options: TreeOptions,
): Promise<{ entries: TreeEntry[]; leftOut: LeftOut[] }> {
  const entries: TreeEntry[] = [];
  const leftOut: LeftOut[] = [];
  async function visit(relative: Buffer): Promise<void> {
    const names = await readdir(joinPath(root, relative), { encoding: 'buffer' });
    names.sort(Buffer.compare);
    for (const name of names) {
      const child = relative.length === 0 ? name : joinPath(relative, name);
      if (options.isExcluded(child)) continue;
      const stats = await lstat(joinPath(root, child), { bigint: true });
      const kind = kindOf(stats);
      if (kind === 'directory') {
        const skip = options.skipDirectories.get(`${stats.dev}:${stats.ino}`);
        if (skip !== undefined) {
          leftOut.push({ relative: child, kind, reason: skip });
          continue;
        }
      }
      entries.push({ relative: child, kind, stats });
      if (kind === 'directory') await visit(child);
    }
  }
  await visit(Buffer.alloc(0));
  return { entries, leftOut };
}
