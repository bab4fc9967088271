import { Readable } from 'node:stream';
import { validateBankKey, validateBankPrefix } from '../bank/bankKey.js';
import { type BankBody, collectBody } from '../bank/collectBody.js';
import { HoardError } from '../errors/HoardError.js';
import type { Bank, BankObjectInfo, ListOptions, PutOptions } from '../plugin-api/Bank.js';

/**
 * A bank in memory, for fast unit tests of plugins and of core.
 *
 * @remarks Same key rules and semantics as a real bank, so a plugin tested on it behaves the same
 * on bank-fs. Never use it to stand in for an integration test of a real bank.
 */
export class InMemoryBank implements Bank {
  readonly description = 'in-memory bank';
  private readonly objects = new Map<string, { body: Uint8Array; modifiedAt: string }>();
  /** Clock used for leases (ms since epoch); tests may replace it. */
  now: () => number = () => Date.now();

  async put(key: string, body: BankBody, options: PutOptions = {}): Promise<void> {
    validateBankKey(key);
    const bytes = await collectBody(body);
    if (options.ifNoneMatch === '*' && this.objects.has(key)) {
      throw new HoardError('BANK_OBJECT_EXISTS', `Bank object '${key}' already exists`);
    }
    this.objects.set(key, { body: Uint8Array.from(bytes), modifiedAt: new Date(this.now()).toISOString() });
  }

  async get(key: string): Promise<Uint8Array> {
    validateBankKey(key);
    const object = this.objects.get(key);
    if (object === undefined)
      throw new HoardError('BANK_OBJECT_NOT_FOUND', `Bank object '${key}' does not exist`);
    return Uint8Array.from(object.body);
  }

  async getStream(key: string): Promise<Readable> {
    return Readable.from([Buffer.from(await this.get(key))]);
  }

  async head(key: string): Promise<BankObjectInfo | undefined> {
    validateBankKey(key);
    const object = this.objects.get(key);
    return object === undefined
      ? undefined
      : { key, size: object.body.byteLength, modifiedAt: object.modifiedAt };
  }

  async *list(options: ListOptions): AsyncIterable<BankObjectInfo> {
    validateBankPrefix(options.prefix);
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(options.prefix) && (options.marker === undefined || k > options.marker))
      .sort();
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    for (const key of keys.slice(0, limit)) {
      const info = await this.head(key);
      if (info !== undefined) yield info;
    }
  }

  async delete(key: string): Promise<void> {
    validateBankKey(key);
    this.objects.delete(key);
  }

  async acquireLease(owner: string, ttlSeconds: number): Promise<void> {
    // A lease is an object `leases/<owner>`, listable like the other banks' leases.
    await this.put(`leases/${owner}`, JSON.stringify({ owner, expiresAt: this.now() + ttlSeconds * 1000 }));
  }

  async renewLease(owner: string, ttlSeconds: number): Promise<void> {
    await this.acquireLease(owner, ttlSeconds);
  }

  async isLeaseValid(owner: string): Promise<boolean> {
    const object = this.objects.get(`leases/${owner}`);
    if (object === undefined) return false;
    const expiry = (JSON.parse(Buffer.from(object.body).toString('utf8')) as { expiresAt?: unknown })
      .expiresAt;
    return typeof expiry === 'number' && expiry > this.now();
  }

  async releaseLease(owner: string): Promise<void> {
    await this.delete(`leases/${owner}`);
  }

  /** Every key stored, sorted (for assertions). */
  keys(): string[] {
    return [...this.objects.keys()].sort();
  }
}
