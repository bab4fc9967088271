import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { collectBody } from '../bank/collectBody.js';
import type { Bank } from '../plugin-api/Bank.js';

/** Hostile keys every bank must refuse with `BANK_KEY_INVALID`. */
export const HOSTILE_BANK_KEYS: readonly string[] = [
  '',
  '..',
  '../escape',
  'a/../../escape',
  '/etc/passwd',
  'a//b',
  'a/./b',
  'a/..',
  'trailing/',
  'nul\u0000byte',
  'back\\slash',
  '..\\..\\windows',
  'percent%2',
  'space here',
  'unicode-é',
  'new\nline',
  'x'.repeat(1025),
  `${'a/'.repeat(512)}b`,
];

/** How a contract run gets a fresh, empty bank. */
export interface BankContractOptions {
  /** Creates a fresh empty bank. */
  create(): Promise<Bank>;
  /** Size of the large streamed object (default 32 MiB). */
  largeObjectBytes?: number;
}

async function keysOf(bank: Bank, prefix: string, marker?: string, limit?: number): Promise<string[]> {
  const out: string[] = [];
  for await (const o of bank.list({
    prefix,
    ...(marker !== undefined ? { marker } : {}),
    ...(limit !== undefined ? { limit } : {}),
  })) {
    out.push(o.key);
  }
  return out;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

/**
 * The Bank contract: one test suite that bank-fs, bank-swift and any third-party bank run unchanged.
 *
 * @param name - the bank's name in test titles
 * @param options - how to get a fresh bank
 */
export function bankContractTests(name: string, options: BankContractOptions): void {
  describe(`Bank contract: ${name}`, () => {
    it('stores and reads bytes, strings and streams', async () => {
      const bank = await options.create();
      await bank.put('a/bytes', new Uint8Array([0, 1, 2, 255]));
      await bank.put('a/string', 'héllo');
      await bank.put('a/stream', Readable.from([Buffer.from('one '), Buffer.from('two')]));
      expect([...(await bank.get('a/bytes'))]).toEqual([0, 1, 2, 255]);
      expect(Buffer.from(await bank.get('a/string')).toString('utf8')).toBe('héllo');
      expect(Buffer.from(await collectBody(await bank.getStream('a/stream'))).toString()).toBe('one two');
      expect(await bank.head('a/string')).toMatchObject({ key: 'a/string', size: 6 });
      await bank.put('a/empty', '');
      expect((await bank.get('a/empty')).byteLength).toBe(0);
    });

    it('reports a missing object', async () => {
      const bank = await options.create();
      expect(await codeOf(bank.get('missing/object'))).toBe('BANK_OBJECT_NOT_FOUND');
      expect(await codeOf(bank.getStream('missing/object'))).toBe('BANK_OBJECT_NOT_FOUND');
      expect(await bank.head('missing/object')).toBeUndefined();
      await bank.delete('missing/object');
    });

    it('lists keys in ascending byte order with prefix, marker and limit', async () => {
      const bank = await options.create();
      const keys = ['b', 'a/b', 'a-c', 'a', 'a.b', 'a/b/c', 'a/a', 'c/d/e', 'a0', 'A'];
      for (const key of keys) await bank.put(key, key);
      const sorted = [...keys].sort();
      expect(await keysOf(bank, '')).toEqual(sorted);
      expect(await keysOf(bank, 'a/')).toEqual(['a/a', 'a/b', 'a/b/c']);
      expect(await keysOf(bank, 'a')).toEqual(sorted.filter((k) => k.startsWith('a')));
      expect(await keysOf(bank, 'a/b')).toEqual(['a/b', 'a/b/c']);
      expect(await keysOf(bank, '', 'a/b', 3)).toEqual(sorted.filter((k) => k > 'a/b').slice(0, 3));
      const paged: string[] = [];
      let marker: string | undefined;
      for (;;) {
        const page = await keysOf(bank, '', marker, 3);
        if (page.length === 0) break;
        paged.push(...page);
        marker = page[page.length - 1];
      }
      expect(paged).toEqual(sorted);
      expect(await keysOf(bank, 'nothing/')).toEqual([]);
    });

    it('lists the same keys with listKeys, when the bank has it', async () => {
      const bank = await options.create();
      const keys = ['b', 'a/b', 'a-c', 'a', 'a/b/c', 'a/a', 'c/d/e'];
      for (const key of keys) await bank.put(key, key);
      if (bank.listKeys === undefined) return; // optional: list serves instead
      for (const [prefix, marker, limit] of [
        ['', undefined, undefined],
        ['a/', undefined, undefined],
        ['a', 'a-c', 2],
        ['', 'a/b', 3],
        ['nothing/', undefined, undefined],
      ] as const) {
        const listed: string[] = [];
        const opts = {
          prefix,
          ...(marker !== undefined ? { marker } : {}),
          ...(limit !== undefined ? { limit } : {}),
        };
        for await (const key of bank.listKeys(opts)) listed.push(key);
        expect(listed, `prefix '${prefix}'`).toEqual(await keysOf(bank, prefix, marker, limit));
      }
    });

    it('overwrites atomically: readers see the old or the new object, never a torn one', async () => {
      const bank = await options.create();
      const old = Buffer.alloc(256 * 1024, 'o');
      const next = Buffer.alloc(256 * 1024, 'n');
      await bank.put('atomic/object', old);
      const reads: Promise<Uint8Array>[] = [];
      const write = bank.put('atomic/object', next);
      for (let i = 0; i < 20; i++) reads.push(bank.get('atomic/object'));
      await write;
      for (const body of await Promise.all(reads)) {
        const text = Buffer.from(body);
        expect(text.equals(old) || text.equals(next)).toBe(true);
      }
      expect(Buffer.from(await bank.get('atomic/object')).equals(next)).toBe(true);
    });

    it('refuses to overwrite with ifNoneMatch', async () => {
      const bank = await options.create();
      await bank.put('once', 'first', { ifNoneMatch: '*' });
      expect(await codeOf(bank.put('once', 'second', { ifNoneMatch: '*' }))).toBe('BANK_OBJECT_EXISTS');
      expect(Buffer.from(await bank.get('once')).toString()).toBe('first');
    });

    it('deletes objects; deleting an absent object is fine', async () => {
      const bank = await options.create();
      await bank.put('d/x', 'x');
      await bank.put('d/y', 'y');
      await bank.delete('d/x');
      await bank.delete('d/x');
      expect(await keysOf(bank, 'd/')).toEqual(['d/y']);
    });

    it('refuses hostile keys in every operation', async () => {
      const bank = await options.create();
      for (const key of HOSTILE_BANK_KEYS) {
        const label = JSON.stringify(key.slice(0, 40));
        expect(await codeOf(bank.put(key, 'x')), `put ${label}`).toBe('BANK_KEY_INVALID');
        expect(await codeOf(bank.get(key)), `get ${label}`).toBe('BANK_KEY_INVALID');
        expect(await codeOf(bank.getStream(key)), `getStream ${label}`).toBe('BANK_KEY_INVALID');
        expect(await codeOf(bank.head(key)), `head ${label}`).toBe('BANK_KEY_INVALID');
        expect(await codeOf(bank.delete(key)), `delete ${label}`).toBe('BANK_KEY_INVALID');
      }
      expect(await codeOf(keysOf(bank, '../'))).toBe('BANK_KEY_INVALID');
      expect(await codeOf(keysOf(bank, '/etc/'))).toBe('BANK_KEY_INVALID');
      // Encoded separators and dots are plain names, not paths.
      await bank.put('enc/%2E%2E%2Fescape', 'safe');
      expect(await keysOf(bank, 'enc/')).toEqual(['enc/%2E%2E%2Fescape']);
    });

    it("passes a failing body's own error through and stores nothing (issue 9, defect 8)", async () => {
      const bank = await options.create();
      const sourceError = Object.assign(new Error('cannot read the source file'), { code: 'EIO' });
      async function* failing() {
        yield Buffer.from('first chunk');
        throw sourceError;
      }
      const thrown = await bank.put('source/fails', failing()).catch((error: unknown) => error);
      // The source failed, not the bank: the error must not be relabelled as a bank write failure.
      expect(thrown).toBe(sourceError);
      expect(await bank.head('source/fails')).toBeUndefined();
      expect(await keysOf(bank, 'source/')).toEqual([]);
    });

    it('holds leases until they expire', async () => {
      const bank = await options.create();
      expect(await bank.isLeaseValid('owner-a')).toBe(false);
      await bank.acquireLease('owner-a', 60);
      expect(await bank.isLeaseValid('owner-a')).toBe(true);
      expect(await bank.isLeaseValid('owner-b')).toBe(false);
      // Two seconds, not one: Swift's X-Delete-After counts whole seconds, so a one-second lease
      // taken late in a second can lapse before the next request (seen once in CI).
      await bank.acquireLease('owner-short', 2);
      expect(await bank.isLeaseValid('owner-short')).toBe(true);
      await new Promise((r) => setTimeout(r, 3200));
      expect(await bank.isLeaseValid('owner-short')).toBe(false);
      await bank.renewLease('owner-short', 60);
      expect(await bank.isLeaseValid('owner-short')).toBe(true);
      // Leases are objects `leases/<owner>`: delete and bank gc find them by listing.
      expect(await keysOf(bank, 'leases/owner-')).toEqual(['leases/owner-a', 'leases/owner-short']);
    });

    it('streams a large object in and out', async () => {
      const bank = await options.create();
      const size = options.largeObjectBytes ?? 32 * 1024 * 1024;
      const chunk = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) & 0xff;
      const written = createHash('sha256');
      async function* source() {
        for (let sent = 0; sent < size; sent += chunk.length) {
          const piece = chunk.subarray(0, Math.min(chunk.length, size - sent));
          written.update(piece);
          yield piece;
        }
      }
      await bank.put('large/object', source());
      expect((await bank.head('large/object'))?.size).toBe(size);
      const read = createHash('sha256');
      let total = 0;
      for await (const piece of await bank.getStream('large/object')) {
        read.update(piece as Buffer);
        total += (piece as Buffer).length;
      }
      expect(total).toBe(size);
      expect(read.digest('hex')).toBe(written.digest('hex'));
    });
  });
}
