import { getAttribute, listAttributes, setAttribute } from '@napi-rs/xattr';
import { exactUtf8 } from './entryNames.js';

/** Extended attributes as saved: name → base64 of the value. */
export type SavedXattrs = Record<string, string>;

function isUnsupported(error: unknown): boolean {
  const text = String((error as Error)?.message ?? error);
  return /not supported|ENOTSUP|EOPNOTSUPP|Operation not supported/i.test(text);
}

/**
 * The extended attributes of a file or directory (never follows a symlink: the library uses
 * llistxattr/lgetxattr). `undefined` when there are none, the file system has none, or the path
 * is not valid UTF-8 (the library takes strings only; such entries are reported, not guessed).
 */
export async function readXattrs(absolute: Buffer): Promise<SavedXattrs | undefined> {
  const text = exactUtf8(absolute);
  if (text === undefined) return undefined;
  let names: string[];
  try {
    names = await listAttributes(text);
  } catch (error) {
    if (isUnsupported(error)) return undefined;
    throw error;
  }
  if (names.length === 0) return undefined;
  const saved: SavedXattrs = {};
  for (const name of names.sort()) {
    const value = await getAttribute(text, name);
    if (value !== null) saved[name] = value.toString('base64');
  }
  return Object.keys(saved).length === 0 ? undefined : saved;
}

/**
 * Sets saved extended attributes on `absolute`. Returns the names that could not be set (a
 * `trusted.*` one without root, or a file system without xattrs) so the restore can report them.
 */
export async function writeXattrs(absolute: Buffer, saved: SavedXattrs | undefined): Promise<string[]> {
  if (saved === undefined) return [];
  const text = exactUtf8(absolute);
  const names = Object.keys(saved);
  if (text === undefined) return names;
  const failed: string[] = [];
  for (const name of names) {
    try {
      await setAttribute(text, name, Buffer.from(saved[name]!, 'base64'));
    } catch {
      failed.push(name);
    }
  }
  return failed;
}
