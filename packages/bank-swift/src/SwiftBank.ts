import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  type Bank,
  type BankBody,
  type BankLeftover,
  type BankObjectInfo,
  collectBody,
  HoardError,
  type LeftoverListOptions,
  type ListOptions,
  type PutOptions,
  validateBankKey,
  validateBankPrefix,
  watchBody,
} from '@hoard/core';
import { type ObjectStore, OpenStackError } from '@hoard/openstack';

function validateKeyOrUndefined(key: string): string | undefined {
  try {
    validateBankKey(key);
    return key;
  } catch {
    return undefined;
  }
}

/** Options of {@link SwiftBank}. */
export interface SwiftBankOptions {
  container: string;
  /** Objects larger than this are stored as static large objects of segments this size (default 16 MiB). */
  segmentBytes?: number;
  /** Lease windows the bank asks core to use (Karbor's `[swift_bank_plugin]` options). */
  leaseWindows?: { expireSeconds: number; renewSeconds: number };
}

function failure(
  code: 'BANK_READ_FAILED' | 'BANK_WRITE_FAILED',
  action: string,
  key: string,
  error: unknown,
): HoardError {
  if (error instanceof HoardError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new HoardError(
    code,
    `Swift bank cannot ${action} '${key}': ${message}`,
    { details: { key } },
    { cause: error },
  );
}

/**
 * Cuts a stream into segments of `size` bytes (the last may be shorter), copying each byte once;
 * memory stays bounded by one segment plus one chunk.
 */
async function* segmentsOf(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  size: number,
  first: Buffer[],
): AsyncGenerator<Uint8Array> {
  let parts: Buffer[] = [];
  let length = 0;
  function* drain(): Generator<Uint8Array> {
    while (length >= size) {
      const taken: Buffer[] = [];
      let need = size;
      while (need > 0) {
        const part = parts[0]!;
        if (part.length <= need) {
          taken.push(part);
          parts.shift();
          need -= part.length;
        } else {
          taken.push(part.subarray(0, need));
          parts[0] = part.subarray(need);
          need = 0;
        }
      }
      length -= size;
      yield taken.length === 1 ? taken[0]! : Buffer.concat(taken, size);
    }
  }
  const add = (chunk: Uint8Array | string): void => {
    const bytes =
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    parts.push(bytes);
    length += bytes.length;
  };
  for (const chunk of first) add(chunk);
  yield* drain();
  for await (const chunk of source) {
    add(chunk);
    yield* drain();
  }
  if (length > 0) yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
  parts = [];
}

/**
 * A bank on a Swift container (docs/protocol.md, "Banks").
 *
 * @remarks Small objects are one PUT (atomic in Swift). Larger ones are static large objects: the
 * segments go to `<container>_segments`, then one manifest PUT makes the object appear whole.
 * Leases are objects `leases/<owner>` with `X-Delete-After`, as in Karbor's Swift bank. Keys are
 * validated exactly as bank-fs does; objects another tool left in the container under names that
 * are not valid bank keys are not part of the bank and are never listed.
 */
export class SwiftBank implements Bank {
  readonly description: string;
  readonly leaseWindows?: { expireSeconds: number; renewSeconds: number };
  private readonly segmentContainer: string;
  private readonly segmentBytes: number;

  constructor(
    private readonly store: ObjectStore,
    private readonly options: SwiftBankOptions,
  ) {
    this.description = `Swift container ${options.container}`;
    this.segmentContainer = `${options.container}_segments`;
    this.segmentBytes = options.segmentBytes ?? 16 * 1024 * 1024;
    if (options.leaseWindows) this.leaseWindows = options.leaseWindows;
  }

  /** Creates the container (and checks credentials) on first use. */
  async open(): Promise<this> {
    try {
      await this.store.ensureContainer(this.options.container);
    } catch (error) {
      throw new HoardError(
        'BANK_CONFIG_INVALID',
        `Swift bank cannot use container '${this.options.container}': ${(error as Error).message}`,
        {},
        { cause: error },
      );
    }
    return this;
  }

  async put(key: string, body: BankBody, options: PutOptions = {}): Promise<void> {
    validateBankKey(key);
    const headers: Record<string, string> = options.ifNoneMatch === '*' ? { 'If-None-Match': '*' } : {};
    const watched = typeof body === 'string' || body instanceof Uint8Array ? undefined : watchBody(body);
    try {
      if (typeof body === 'string' || body instanceof Uint8Array) {
        const bytes = await collectBody(body);
        if (bytes.byteLength <= this.segmentBytes) {
          await this.store.put(this.options.container, key, bytes, headers);
          return;
        }
        await this.putLarge(key, segmentsOf([bytes], this.segmentBytes, []), options);
        return;
      }
      // A stream: read up to one segment; if it ends there, one PUT, else a large object.
      const iterator = watched!.chunks[Symbol.asyncIterator]();
      const first: Buffer[] = [];
      let length = 0;
      let done = false;
      while (length <= this.segmentBytes) {
        const next = await iterator.next();
        if (next.done) {
          done = true;
          break;
        }
        const value = next.value;
        const chunk =
          typeof value === 'string'
            ? Buffer.from(value)
            : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
        first.push(chunk);
        length += chunk.length;
      }
      if (done) {
        await this.store.put(this.options.container, key, Buffer.concat(first, length), headers);
        return;
      }
      const rest: AsyncIterable<Uint8Array> = {
        [Symbol.asyncIterator]: () => iterator as AsyncIterator<Uint8Array>,
      };
      await this.putLarge(key, segmentsOf(rest, this.segmentBytes, first), options);
    } catch (error) {
      // The body's source failed (a file that cannot be read): its error, not the bank's.
      if (watched?.sourceFailure !== undefined) throw watched.sourceFailure;
      if (error instanceof OpenStackError && error.status === 412) {
        throw new HoardError('BANK_OBJECT_EXISTS', `Bank object '${key}' already exists`, {
          details: { key },
        });
      }
      throw failure('BANK_WRITE_FAILED', 'write', key, error);
    }
  }

  private async putLarge(
    key: string,
    segments: AsyncIterable<Uint8Array>,
    options: PutOptions,
  ): Promise<void> {
    if (options.ifNoneMatch === '*' && (await this.head(key)) !== undefined) {
      throw new HoardError('BANK_OBJECT_EXISTS', `Bank object '${key}' already exists`, { details: { key } });
    }
    const prefix = `${key}/${randomUUID()}`;
    const written = await this.store.putStaticLargeObject(
      this.options.container,
      key,
      this.segmentContainer,
      prefix,
      segments,
    );
    // Segments of an earlier version of this object are now unreferenced.
    const keep = new Set(written);
    for await (const segment of this.store.list(this.segmentContainer, { prefix: `${key}/` })) {
      if (!keep.has(segment.name) && segment.name.split('/').length === key.split('/').length + 2) {
        await this.store.delete(this.segmentContainer, segment.name);
      }
    }
  }

  /**
   * Segments of a large object whose manifest was never written (the upload was killed before
   * it ended), older than `olderThanSeconds`: one leftover per upload, `<key>/<upload uuid>`.
   */
  async *listLeftovers(
    olderThanSeconds: number,
    options: LeftoverListOptions = {},
  ): AsyncIterable<BankLeftover> {
    if (options.prefix !== undefined && options.prefix !== '') validateBankPrefix(options.prefix);
    const before = Date.now() - olderThanSeconds * 1000;
    const uploads = new Map<string, { size: number; modifiedAt: string }>();
    try {
      const prefix = options.prefix !== undefined && options.prefix !== '' ? { prefix: options.prefix } : {};
      for await (const segment of this.store.list(this.segmentContainer, prefix)) {
        const parts = segment.name.split('/');
        if (parts.length < 3) continue;
        const upload = parts.slice(0, -1).join('/');
        const seen = uploads.get(upload) ?? { size: 0, modifiedAt: '' };
        seen.size += segment.bytes;
        if (segment.lastModified > seen.modifiedAt) seen.modifiedAt = segment.lastModified;
        uploads.set(upload, seen);
      }
    } catch (error) {
      throw failure('BANK_READ_FAILED', 'list segments of', this.segmentContainer, error);
    }
    for (const [upload, seen] of uploads) {
      if (new Date(seen.modifiedAt).getTime() >= before) continue;
      const key = upload.slice(0, upload.lastIndexOf('/'));
      if (validateKeyOrUndefined(key) === undefined) continue;
      if ((await this.head(key)) !== undefined) continue;
      yield {
        id: upload,
        size: seen.size,
        modifiedAt: new Date(seen.modifiedAt).toISOString(),
        what: 'segments of a large object whose upload never finished',
      };
    }
  }

  async removeLeftover(leftover: BankLeftover): Promise<void> {
    const key = leftover.id.slice(0, leftover.id.lastIndexOf('/'));
    validateBankKey(key);
    // Only segments no object refers to: if the object exists now, they are not leftovers.
    if ((await this.head(key)) !== undefined) return;
    try {
      for await (const segment of this.store.list(this.segmentContainer, { prefix: `${leftover.id}/` }))
        await this.store.delete(this.segmentContainer, segment.name);
    } catch (error) {
      throw failure('BANK_WRITE_FAILED', 'delete segments of', leftover.id, error);
    }
  }

  async get(key: string): Promise<Uint8Array> {
    return collectBody(await this.getStream(key));
  }

  async getStream(key: string): Promise<Readable> {
    validateBankKey(key);
    let stream: Readable | undefined;
    try {
      stream = await this.store.get(this.options.container, key);
    } catch (error) {
      throw failure('BANK_READ_FAILED', 'read', key, error);
    }
    if (stream === undefined) {
      throw new HoardError(
        'BANK_OBJECT_NOT_FOUND',
        `Bank object '${key}' does not exist in ${this.description}`,
        {
          details: { key },
        },
      );
    }
    return stream;
  }

  async head(key: string): Promise<BankObjectInfo | undefined> {
    validateBankKey(key);
    try {
      const head = await this.store.head(this.options.container, key);
      return head === undefined ? undefined : { key, size: head.bytes, modifiedAt: head.lastModified };
    } catch (error) {
      throw failure('BANK_READ_FAILED', 'stat', key, error);
    }
  }

  async *list(options: ListOptions): AsyncIterable<BankObjectInfo> {
    validateBankPrefix(options.prefix);
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    if (remaining <= 0) return;
    try {
      for await (const object of this.store.list(this.options.container, {
        prefix: options.prefix,
        ...(options.marker !== undefined ? { marker: options.marker } : {}),
      })) {
        try {
          validateBankKey(object.name);
        } catch {
          continue; // not a bank key: an object someone else put in the container
        }
        yield {
          key: object.name,
          size: object.bytes,
          modifiedAt: new Date(`${object.lastModified}Z`).toISOString(),
        };
        if (--remaining <= 0) return;
      }
    } catch (error) {
      throw failure('BANK_READ_FAILED', 'list', options.prefix, error);
    }
  }

  async delete(key: string): Promise<void> {
    validateBankKey(key);
    try {
      const head = await this.store.head(this.options.container, key);
      // A HEAD of 404 is not proof that nothing is there: an object past its X-Delete-At (a
      // lapsed lease) answers 404 but stays listed until Swift's expirer reaps it, which a
      // deployment may not run. A plain DELETE removes it, and is a 404 when nothing is there.
      await this.store.delete(this.options.container, key, { largeObject: head?.staticLargeObject === true });
    } catch (error) {
      throw failure('BANK_WRITE_FAILED', 'delete', key, error);
    }
  }

  async acquireLease(owner: string, ttlSeconds: number): Promise<void> {
    const key = `leases/${owner}`;
    validateBankKey(key);
    try {
      await this.store.put(this.options.container, key, Buffer.from(owner), {
        'X-Delete-After': String(Math.max(1, Math.round(ttlSeconds))),
      });
    } catch (error) {
      throw failure('BANK_WRITE_FAILED', 'write lease', key, error);
    }
  }

  async renewLease(owner: string, ttlSeconds: number): Promise<void> {
    await this.acquireLease(owner, ttlSeconds);
  }

  async isLeaseValid(owner: string): Promise<boolean> {
    const key = `leases/${owner}`;
    validateBankKey(key);
    try {
      // Swift answers 404 for an object past its X-Delete-At, even before the expirer removes it.
      const head = await this.store.head(this.options.container, key);
      return head !== undefined && (head.deleteAt === undefined || head.deleteAt * 1000 > Date.now());
    } catch (error) {
      throw failure('BANK_READ_FAILED', 'read lease', key, error);
    }
  }

  async releaseLease(owner: string): Promise<void> {
    await this.delete(`leases/${owner}`);
  }
}
