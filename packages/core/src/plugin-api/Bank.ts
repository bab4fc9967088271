import type { Readable } from 'node:stream';
import type { ConfigOf, ConfigSections } from './types.js';

/** Metadata of a stored object. */
export interface BankObjectInfo {
  key: string;
  size: number;
  /** Last modification, ISO 8601. */
  modifiedAt: string;
}

/** Options of {@link Bank.put}. */
export interface PutOptions {
  /** `'*'`: fail with `BANK_OBJECT_EXISTS` if the key already exists. */
  ifNoneMatch?: '*';
}

/**
 * Something an interrupted write left in a bank outside its key space: a partial temporary file
 * (bank-fs), segments no object refers to (Swift). Found by `hoard bank check`, removed by
 * `hoard bank gc`.
 */
export interface BankLeftover {
  /** The bank's own name for it (a path under the bank root, a segment prefix). */
  id: string;
  size: number;
  /** Last modification, ISO 8601. */
  modifiedAt: string;
  /** What it is, for people. */
  what: string;
}

/** Options of {@link Bank.listLeftovers}. */
export interface LeftoverListOptions {
  /** A key directory (ending in `/`): only leftovers of writes to keys under it. */
  prefix?: string;
}

/** Options of {@link Bank.list}. */
export interface ListOptions {
  /** Only keys starting with this string. */
  prefix: string;
  /** Only keys sorting strictly after this key. */
  marker?: string;
  /** At most this many keys. */
  limit?: number;
}

/**
 * Object-store semantics over `/`-separated string keys (see docs/protocol.md, "Banks").
 *
 * @remarks Each key segment is percent-encoded by the caller; an invalid key is `BANK_KEY_INVALID`.
 * Writes are atomic. A bank never reads or writes outside its root, whatever the key.
 */
export interface Bank {
  /** A human description (e.g. the directory or container), never containing secrets. */
  readonly description: string;
  /**
   * The absolute directory this bank stores its objects in, when it is on this machine's file
   * system (bank-fs); plugins that read local files leave it out so a bank is never protected
   * into itself.
   */
  readonly localRoot?: string;
  /** Stores an object atomically. */
  put(
    key: string,
    body: Uint8Array | string | Readable | AsyncIterable<Uint8Array>,
    options?: PutOptions,
  ): Promise<void>;
  /** Reads a whole object; `BANK_OBJECT_NOT_FOUND` if absent. */
  get(key: string): Promise<Uint8Array>;
  /** Streams an object; `BANK_OBJECT_NOT_FOUND` if absent. */
  getStream(key: string): Promise<Readable>;
  /** Metadata of an object, or `undefined` if absent. */
  head(key: string): Promise<BankObjectInfo | undefined>;
  /** Keys in ascending byte order, lazily, paginated by `marker`/`limit`. */
  list(options: ListOptions): AsyncIterable<BankObjectInfo>;
  /**
   * The keys `list` gives, in its order and pages, without their size and time: optional, for a
   * bank where a key costs much less than its metadata (a file system's `lstat` per file). Core
   * lists its indices with it when a bank has it.
   */
  listKeys?(options: ListOptions): AsyncIterable<string>;
  /** Deletes an object; deleting an absent object is not an error. */
  delete(key: string): Promise<void>;
  /** Takes (or refreshes) the lease of `owner` for `ttlSeconds`. */
  acquireLease(owner: string, ttlSeconds: number): Promise<void>;
  /** Extends the lease of `owner`. */
  renewLease(owner: string, ttlSeconds: number): Promise<void>;
  /** Whether `owner` holds an unexpired lease. */
  isLeaseValid(owner: string): Promise<boolean>;
  /** Gives a lease up before it expires (optional; an unreleased lease simply expires). */
  releaseLease?(owner: string): Promise<void>;
  /**
   * Lease windows this bank's configuration asks for (e.g. Karbor's `[swift_bank_plugin]`
   * `lease_expire_window`/`lease_renew_window`); they take precedence over the provider's.
   */
  readonly leaseWindows?: { expireSeconds: number; renewSeconds: number };
  /**
   * Leftovers of interrupted writes last modified more than `olderThanSeconds` ago (younger ones
   * may belong to a write still running). Optional: a bank whose writes leave nothing omits it.
   *
   * @param options - `prefix`: only leftovers of writes to keys under this key directory (it
   *   ends in `/`), e.g. one checkpoint's, which its delete removes
   */
  listLeftovers?(olderThanSeconds: number, options?: LeftoverListOptions): AsyncIterable<BankLeftover>;
  /** Removes one leftover that `listLeftovers` returned; it checks again that it is one. */
  removeLeftover?(leftover: BankLeftover): Promise<void>;
  /** Releases resources (connections, handles). */
  close?(): Promise<void>;
}

/** What a bank factory receives. */
export interface BankCreateContext<C = Record<string, Record<string, unknown>>> {
  /** Validated configuration sections the bank declares, defaults applied. */
  config: C;
  /** Directory of the provider file, to resolve relative paths. */
  baseDir: string;
}

/**
 * Options of {@link defineBank}.
 *
 * @typeParam C - the configuration sections; they type `context.config` of `create`
 */
export interface BankOptions<C extends ConfigSections = ConfigSections> {
  /** Short name, e.g. `fs`. */
  name: string;
  /** Configuration sections the bank reads from a provider file, each with its JSON schema. */
  configSections?: C;
  /** Creates the bank from its validated configuration. */
  create(context: BankCreateContext<NoInfer<ConfigOf<C>>>): Promise<Bank>;
}

/** A bank plugin: a branded, versioned {@link BankOptions}. */
export interface BankPlugin extends BankOptions {
  readonly $$type: '@hoard/Bank';
  readonly apiVersion: 1;
}

/**
 * Declares a bank plugin.
 *
 * @param options - the bank's name, configuration sections and factory
 * @returns the branded plugin object that a package exports as a `hoard.banks` entry point
 */
export function defineBank<const C extends ConfigSections = ConfigSections>(
  options: BankOptions<C>,
): BankPlugin {
  // Core validates the configuration against these schemas before `create` sees it.
  return { ...options, $$type: '@hoard/Bank', apiVersion: 1 } as BankPlugin;
}
