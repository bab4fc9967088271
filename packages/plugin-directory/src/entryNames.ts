import { HoardError } from '@hoard/core';

/**
 * How the directory plugin records a name (docs/protocol.md, "Directory plugin: names").
 *
 * On Linux a file name is bytes. A relative path that is valid UTF-8 is saved as the string
 * `path`; any other is saved as `pathBase64` (its exact bytes) with a lossy `path` for display.
 * Protect and restore share this one policy, so every name that can be protected round-trips.
 * `\` and other bytes are ordinary name characters; only `/` separates, and only NUL, empty, `.`
 * and `..` parts are refused.
 */
export interface SavedName {
  path: string;
  pathBase64?: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const SLASH = 0x2f;

/** The UTF-8 string of `bytes` if it round-trips exactly, else `undefined`. */
export function exactUtf8(bytes: Uint8Array): string | undefined {
  try {
    const text = strictUtf8.decode(bytes);
    return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** The saved form of a relative path given as bytes. */
export function savedName(relative: Buffer): SavedName {
  const text = exactUtf8(relative);
  return text !== undefined
    ? { path: text }
    : { path: relative.toString('utf8'), pathBase64: relative.toString('base64') };
}

/** The saved form of a symlink target (bytes too). */
export function savedTarget(target: Buffer): { target: string; targetBase64?: string } {
  const text = exactUtf8(target);
  return text !== undefined
    ? { target: text }
    : { target: target.toString('utf8'), targetBase64: target.toString('base64') };
}

/** The bytes a saved symlink target stands for. */
export function targetBytes(saved: { target: string; targetBase64?: string }): Buffer {
  return saved.targetBase64 !== undefined
    ? Buffer.from(saved.targetBase64, 'base64')
    : Buffer.from(saved.target, 'utf8');
}

/**
 * The bytes of a saved relative path, checked: saved info comes from a bank and is not trusted,
 * so a path that would leave the restore target is `CHECKPOINT_INVALID`.
 */
export function relativeBytes(saved: SavedName): Buffer {
  const bytes =
    saved.pathBase64 !== undefined
      ? Buffer.from(saved.pathBase64, 'base64')
      : Buffer.from(saved.path, 'utf8');
  const parts = splitPath(bytes);
  const bad = parts.some(
    (part) =>
      part.length === 0 ||
      part.includes(0) ||
      (part.length === 1 && part[0] === 0x2e) ||
      (part.length === 2 && part[0] === 0x2e && part[1] === 0x2e),
  );
  if (bytes.length === 0 || bad) {
    throw new HoardError(
      'CHECKPOINT_INVALID',
      `Saved path ${JSON.stringify(saved.path)} would leave the restore target`,
      { details: { path: saved.path } },
    );
  }
  return bytes;
}

/** `relative` split at each `/` byte. */
export function splitPath(relative: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= relative.length; i++) {
    if (i === relative.length || relative[i] === SLASH) {
      parts.push(relative.subarray(start, i));
      start = i + 1;
    }
  }
  return parts;
}

/** `base` and `relative` joined with `/`, as bytes (Node's fs takes Buffer paths as they are). */
export function joinPath(base: Buffer | string, relative: Buffer): Buffer {
  const head = typeof base === 'string' ? Buffer.from(base, 'utf8') : base;
  if (relative.length === 0) return head;
  return Buffer.concat([head, Buffer.from('/'), relative]);
}

/** A path for messages: its UTF-8 text, invalid bytes shown as U+FFFD. */
export function displayPath(bytes: Buffer | string): string {
  return typeof bytes === 'string' ? bytes : bytes.toString('utf8');
}
