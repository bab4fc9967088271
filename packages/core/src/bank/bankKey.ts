import { HoardError } from '../errors/HoardError.js';

/** Longest key a bank accepts, in bytes. */
export const MAX_BANK_KEY_BYTES = 1024;

// Unreserved characters of RFC 3986 plus '@'; anything else is percent-encoded by the caller.
const SEGMENT = /^(?:[A-Za-z0-9._~@-]|%[0-9A-Fa-f]{2})+$/;

/**
 * Checks a bank key (docs/protocol.md, "Banks") and returns its segments.
 *
 * @remarks Every bank calls this before touching storage, so a hostile key (`..`, absolute paths,
 * NUL, backslashes, over-long keys) is refused the same way everywhere.
 * @throws `BANK_KEY_INVALID` naming the key and what is wrong
 */
export function validateBankKey(key: string, options: { allowTrailingSlash?: boolean } = {}): string[] {
  const fail = (why: string): never => {
    throw new HoardError(
      'BANK_KEY_INVALID',
      `Bank key ${JSON.stringify(key.slice(0, 200))} is invalid: ${why}`,
      {
        details: { key: key.slice(0, 200) },
      },
    );
  };
  if (typeof key !== 'string' || key.length === 0) fail('it is empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_BANK_KEY_BYTES)
    fail(`it is longer than ${MAX_BANK_KEY_BYTES} bytes`);
  if (key.startsWith('/')) fail('it must not start with "/"');
  const body = options.allowTrailingSlash && key.endsWith('/') ? key.slice(0, -1) : key;
  const segments = body.split('/');
  for (const segment of segments) {
    if (segment === '') fail('it has an empty segment');
    if (segment === '.' || segment === '..') fail(`segment "${segment}" is not allowed`);
    if (!SEGMENT.test(segment))
      fail(`segment ${JSON.stringify(segment.slice(0, 100))} has a character that must be percent-encoded`);
  }
  return segments;
}

/**
 * Checks a listing prefix: any prefix of a valid key (it may end in `/` or mid-segment), or empty.
 *
 * @throws `BANK_KEY_INVALID`
 */
export function validateBankPrefix(prefix: string): void {
  if (prefix === '') return;
  const cut = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  // A partial last segment such as "2026-" or "." is fine as a prefix as long as its characters are.
  const segments = cut.split('/');
  const last = segments.pop()!;
  if (segments.length > 0) validateBankKey(segments.join('/'));
  if (last !== '' && !/^(?:[A-Za-z0-9._~@-]|%[0-9A-Fa-f]{0,2})+$/.test(last)) {
    throw new HoardError(
      'BANK_KEY_INVALID',
      `Bank prefix ${JSON.stringify(prefix.slice(0, 200))} is invalid`,
      {
        details: { prefix: prefix.slice(0, 200) },
      },
    );
  }
  if (prefix.endsWith('/') && (last === '.' || last === '..' || last === '')) {
    throw new HoardError(
      'BANK_KEY_INVALID',
      `Bank prefix ${JSON.stringify(prefix.slice(0, 200))} is invalid`,
      {
        details: { prefix: prefix.slice(0, 200) },
      },
    );
  }
}

/**
 * Percent-encodes one key segment (e.g. a resource key or a file name) so it is a valid segment.
 *
 * @remarks Encodes everything but `A-Z a-z 0-9 - _ . ~`; a segment of only dots is encoded too.
 */
export function encodeKeySegment(value: string): string {
  if (value === '') throw new HoardError('BANK_KEY_INVALID', 'A bank key segment cannot be empty');
  const encoded = Buffer.from(value, 'utf8')
    .toString('binary')
    .replace(/[^A-Za-z0-9\-_.~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return /^\.+$/.test(encoded) ? encoded.replace(/\./g, '%2E') : encoded;
}

/** Reverses {@link encodeKeySegment}. */
export function decodeKeySegment(segment: string): string {
  return decodeURIComponent(segment);
}
