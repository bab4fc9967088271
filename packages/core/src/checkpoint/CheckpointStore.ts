import { v7 as uuidv7 } from 'uuid';
import { encodeKeySegment } from '../bank/bankKey.js';
import { HoardError, isHoardError } from '../errors/HoardError.js';
import { processSecrets, scrubSecrets } from '../logging/scrubSecrets.js';
import type { Bank, BankLeftover } from '../plugin-api/Bank.js';
import { HOOK_NAMES, type HookName, type JsonObject } from '../plugin-api/types.js';
import type {
  CheckpointMetadata,
  CheckpointRecord,
  CheckpointStatusRecord,
  RestoreRecord,
  StoredError,
} from './types.js';

const CHECKPOINT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One data object as a protect hook wrote it. */
export interface ObjectLogEntry {
  size: number;
  /** Hex SHA-256 of its bytes. */
  sha256: string;
}

/** `objects/<hook>-<attempt>.json`: data key (relative to the section) → entry, `null` when deleted. */
export interface ObjectLogRecord {
  objects: Record<string, ObjectLogEntry | null>;
}

/** Checkpoint metadata kept in memory by a store at most. */
const METADATA_CACHE_ENTRIES = 20_000;

/** The index prefixes a listing reads: every checkpoint (by date), one project's, one plan's. */
const INDEX_PREFIX = {
  all: 'indices/by-date/',
  project: (projectId: string) => `indices/by-project/${encodeKeySegment(projectId)}/`,
  plan: (planId: string) => `indices/by-plan/${encodeKeySegment(planId)}/`,
};
/** Statuses a listing may show from a recent read (nothing runs on them). */
const SETTLED: ReadonlySet<string> = new Set(['available', 'error', 'error-deleting']);

/** Bank keys of the checkpoint layout (docs/protocol.md, "Banks"). */
export const checkpointKeys = {
  root: (id: string) => `checkpoints/${id}/`,
  metadata: (id: string) => `checkpoints/${id}/metadata.json`,
  status: (id: string) => `checkpoints/${id}/status.json`,
  resource: (id: string, key: string) => `checkpoints/${id}/resources/${encodeKeySegment(key)}/`,
  savedInfo: (id: string, key: string) =>
    `checkpoints/${id}/resources/${encodeKeySegment(key)}/saved-info.json`,
  resourceData: (id: string, key: string) => `checkpoints/${id}/resources/${encodeKeySegment(key)}/data/`,
  /** One per run of a protect (1, then one per resume), created only-if-absent: the fencing token. */
  attempt: (id: string, attempt: number) =>
    `checkpoints/${id}/attempts/${String(attempt).padStart(6, '0')}.json`,
  /** A hook that started (written only for hooks that are not safe to run again). */
  taskStarted: (id: string, key: string, hook: string) =>
    `checkpoints/${id}/resources/${encodeKeySegment(key)}/tasks/${hook}.started`,
  /** A hook that finished, with the value it published. */
  taskDone: (id: string, key: string, hook: string) =>
    `checkpoints/${id}/resources/${encodeKeySegment(key)}/tasks/${hook}.json`,
  /** The data objects a protect hook wrote (size and SHA-256 of each), run `attempt`: what verify checks. */
  objectLog: (id: string, key: string, hook: string, attempt: number) =>
    `checkpoints/${id}/resources/${encodeKeySegment(key)}/objects/${hook}-${String(attempt).padStart(6, '0')}.json`,
  /** Where the object logs of a resource are. */
  objectLogs: (id: string, key: string) => `checkpoints/${id}/resources/${encodeKeySegment(key)}/objects/`,
  /** A hook's journal entries, batch `sequence` of run `attempt`. */
  journal: (id: string, key: string, hook: string, attempt: number, sequence: number) =>
    `checkpoints/${id}/resources/${encodeKeySegment(key)}/journal/${hook}/${String(attempt).padStart(6, '0')}-${String(sequence).padStart(8, '0')}.json`,
  byDate: (date: string, id: string) => `indices/by-date/${date}/${id}`,
  byPlan: (plan: string, id: string) => `indices/by-plan/${encodeKeySegment(plan)}/${id}`,
  byProject: (project: string, id: string) => `indices/by-project/${encodeKeySegment(project)}/${id}`,
  restore: (id: string) => `restores/${id}.json`,
};

/**
 * Serialises an error for a bank record. Messages are built without secrets; a service that
 * echoes one anyway is caught by scrubbing every registered secret and URL password.
 */
export function storedError(error: unknown): StoredError {
  if (isHoardError(error)) return processSecrets.scrubValue(error.toJSON() as StoredError);
  return {
    code: 'OPERATION_FAILED',
    message: scrubSecrets(error instanceof Error ? error.message : String(error)),
  };
}

/**
 * Lease owners, one per running operation (docs/protocol.md, "Leases and fencing"): a protect or
 * delete of a checkpoint, and a restore reading one (a reader lease: a delete waits for it).
 */
export const leaseOwners = {
  protect: (checkpointId: string) => `protect-${checkpointId}`,
  delete: (checkpointId: string) => `delete-${checkpointId}`,
  read: (checkpointId: string, restoreId: string) => `${readerLeasePrefix(checkpointId)}${restoreId}`,
};

/** The lease owner prefix of restores reading checkpoint `checkpointId`. */
export function readerLeasePrefix(checkpointId: string): string {
  return `read-${checkpointId}-`;
}

/** The creation time a UUIDv7 checkpoint id carries (its first 48 bits: Unix milliseconds). */
function createdAtOfId(id: string): string {
  return new Date(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toISOString();
}

/** A checkpoint whose `metadata.json` cannot be read: listed as such, deletable, never restorable. */
function corruptMetadataRecord(id: string, reason: string): CheckpointRecord {
  const createdAt = createdAtOfId(id);
  return {
    formatVersion: 1,
    id,
    providerId: '',
    providerName: '',
    createdAt,
    leaseOwner: '',
    parameters: {},
    graph: { resources: [] },
    status: 'corrupt',
    reason,
    corruptRecord: 'metadata',
    updatedAt: createdAt,
    resources: {},
  };
}

const STATUSES: readonly string[] = ['protecting', 'available', 'error', 'deleting', 'error-deleting'];

/** Checks what Hoard relies on in `metadata.json` (a record damaged or edited by hand). */
function checkMetadataShape(id: string, metadata: CheckpointMetadata): void {
  const m = metadata as unknown as Record<string, unknown>;
  const problem =
    typeof m !== 'object' || m === null
      ? 'is not an object'
      : m['id'] !== id
        ? `names checkpoint ${JSON.stringify(m['id'])}`
        : typeof m['providerId'] !== 'string' || typeof m['createdAt'] !== 'string'
          ? 'lacks providerId or createdAt'
          : typeof m['graph'] !== 'object' ||
              m['graph'] === null ||
              !Array.isArray((m['graph'] as { resources?: unknown }).resources)
            ? 'has no resource graph'
            : undefined;
  if (problem !== undefined)
    throw new HoardError('CHECKPOINT_INVALID', `Bank object '${checkpointKeys.metadata(id)}' ${problem}`);
}

/** Checks what Hoard relies on in `status.json`. */
function checkStatusShape(id: string, status: CheckpointStatusRecord): void {
  const s = status as unknown as Record<string, unknown>;
  if (
    typeof s !== 'object' ||
    s === null ||
    !STATUSES.includes(s['status'] as string) ||
    typeof s['resources'] !== 'object' ||
    s['resources'] === null
  ) {
    throw new HoardError(
      'CHECKPOINT_INVALID',
      `Bank object '${checkpointKeys.status(id)}' is not a checkpoint status record`,
    );
  }
}

/** Options of {@link CheckpointStore.list}. */
export interface ListCheckpointsOptions {
  /** Only checkpoints older than this one (ids sort by creation time). */
  marker?: string;
  limit?: number;
  projectId?: string;
  planId?: string;
  /**
   * Only checkpoints of this provider (banks can be shared). Checkpoints whose metadata is
   * unreadable, so whose provider is unknown, are listed for every provider.
   */
  providerId?: string;
  /**
   * A listing may be this stale (default 0: everything read now): index entries and settled
   * statuses (`available`, `error`, `error-deleting`) read up to this long ago by this store.
   * What this store (or one made with {@link CheckpointStore.over}) wrote is seen at once; a
   * `protecting` or `deleting` status is always read again, with its lease. One checkpoint's
   * `get` is always current.
   */
  maxAgeMs?: number;
  /** How old a settled status a listing may show, if not `maxAgeMs` (settled ones change least). */
  maxStatusAgeMs?: number;
}

/** Index entries under one prefix as last listed: ids newest first, with when. */
interface ListedIndex {
  ids: string[];
  readAt: number;
}

/** How many index prefixes a store keeps listed (each holds its ids, ~40 bytes each). */
const INDEX_CACHE_PREFIXES = 64;

/**
 * What the stores over one bank (and its fenced views) have read and written: immutable metadata,
 * settled statuses, index listings. Shared, so that an operation's writes through its fenced
 * store are seen by the listings of the service's store at once.
 */
class ReadCache {
  /**
   * Metadata read before, by id: `metadata.json` is written once, when the checkpoint is created
   * (only-if-absent), and never changed, so a listing need not read it again. A cached entry
   * whose `status.json` has gone (the checkpoint was purged) is dropped and read afresh.
   */
  readonly metadata = new Map<string, CheckpointMetadata>();
  /** Settled statuses as last read, with when (see `ListCheckpointsOptions.maxAgeMs`). */
  readonly statuses = new Map<string, { status: CheckpointStatusRecord; readAt: number }>();
  /** Index listings by prefix (most recently used last). */
  readonly indices = new Map<string, ListedIndex>();
  /** Raised by every index write of these stores: a listing read across one is not kept. */
  indexWrites = 0;

  /** Records that `id` got (`added`) or lost its index entries under the listed prefixes. */
  indexed(id: string, prefixes: readonly string[], added: boolean): void {
    this.indexWrites++;
    for (const prefix of added ? prefixes : [...this.indices.keys()]) {
      const listed = this.indices.get(prefix);
      if (listed === undefined) continue;
      const at = listed.ids.indexOf(id);
      if (!added) {
        if (at >= 0) listed.ids.splice(at, 1);
        continue;
      }
      if (at >= 0) continue;
      // Newest first: a new id (UUIDv7) goes before the first older one.
      const before = listed.ids.findIndex((other) => other < id);
      listed.ids.splice(before < 0 ? listed.ids.length : before, 0, id);
    }
  }
}

/**
 * Reads and writes checkpoints in a bank, in the layout of docs/protocol.md,
 *
 * @remarks Checkpoint ids are UUIDv7, so they sort by creation time and listing newest-first
 * needs only the index keys, not every checkpoint's metadata.
 */
export class CheckpointStore {
  private cache = new ReadCache();

  constructor(private readonly bank: Bank) {}

  /**
   * A store over another view of the same bank (a lease-fenced one), sharing what this store has
   * read and written: its writes are seen by this store's listings at once.
   */
  over(bank: Bank): CheckpointStore {
    const store = new CheckpointStore(bank);
    store.cache = this.cache;
    return store;
  }

  /** A new checkpoint id (time-ordered). */
  static newId(): string {
    return uuidv7();
  }

  /** Whether a string is a well-formed checkpoint id. */
  static isValidId(id: string): boolean {
    return CHECKPOINT_ID.test(id);
  }

  private async putJson(key: string, value: unknown): Promise<void> {
    await this.bank.put(key, `${JSON.stringify(value, null, 2)}\n`);
  }

  private async getJson<T>(key: string): Promise<T | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = await this.bank.get(key);
    } catch (error) {
      if (isHoardError(error) && error.code === 'BANK_OBJECT_NOT_FOUND') return undefined;
      throw error;
    }
    try {
      return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
    } catch (error) {
      throw new HoardError(
        'CHECKPOINT_INVALID',
        `Bank object '${key}' is not valid JSON`,
        {},
        { cause: error },
      );
    }
  }

  /**
   * Writes a new checkpoint's index entries, then its metadata and its `protecting` status.
   *
   * @remarks Index entries first: a crash (or a full disk) after them leaves an index entry
   * without a checkpoint, which listing skips and `bank gc` removes; the other order could leave
   * a checkpoint that no listing shows.
   */
  async create(metadata: CheckpointMetadata, resources: string[]): Promise<void> {
    const prefixes = [INDEX_PREFIX.all];
    this.cache.indexWrites++;
    await this.bank.put(checkpointKeys.byDate(metadata.createdAt.slice(0, 10), metadata.id), '');
    if (metadata.projectId !== undefined) {
      prefixes.push(INDEX_PREFIX.project(metadata.projectId));
      await this.bank.put(checkpointKeys.byProject(metadata.projectId, metadata.id), '');
    }
    if (metadata.planId !== undefined) {
      prefixes.push(INDEX_PREFIX.plan(metadata.planId));
      await this.bank.put(checkpointKeys.byPlan(metadata.planId, metadata.id), '');
    }
    // Listed before its metadata exists, it is skipped as an index entry without a checkpoint.
    this.cache.indexed(metadata.id, prefixes, true);
    await this.bank.put(checkpointKeys.metadata(metadata.id), `${JSON.stringify(metadata, null, 2)}\n`, {
      ifNoneMatch: '*',
    });
    await this.writeStatus(metadata.id, {
      status: 'protecting',
      updatedAt: new Date().toISOString(),
      resources: Object.fromEntries(resources.map((k) => [k, { status: 'protecting' }])),
    });
  }

  /** Writes `status.json`. */
  async writeStatus(id: string, status: CheckpointStatusRecord): Promise<void> {
    this.cache.statuses.delete(id);
    await this.putJson(checkpointKeys.status(id), status);
  }

  /** The stored `status.json` as it is (no effective status); `undefined` when absent. */
  async readStatus(id: string): Promise<CheckpointStatusRecord | undefined> {
    return this.getJson<CheckpointStatusRecord>(checkpointKeys.status(id));
  }

  /** Writes a resource's validated saved info. */
  async writeSavedInfo(id: string, resourceKey: string, info: JsonObject): Promise<void> {
    await this.putJson(checkpointKeys.savedInfo(id, resourceKey), info);
  }

  /** Reads a resource's saved info. */
  /** Records what one protect hook wrote to a resource's data section (see {@link ObjectLogRecord}). */
  async writeObjectLog(
    id: string,
    resourceKey: string,
    hook: string,
    attempt: number,
    log: ObjectLogRecord,
  ): Promise<void> {
    await this.putJson(checkpointKeys.objectLog(id, resourceKey, hook, attempt), log);
  }

  /**
   * What the protect hooks of a resource wrote, every log applied in key order (hook and run):
   * data key → size and SHA-256, or `null` for an object a later hook deleted.
   */
  async readObjectLogs(id: string, resourceKey: string): Promise<Map<string, ObjectLogEntry | null>> {
    const objects = new Map<string, ObjectLogEntry | null>();
    const keys: string[] = [];
    for await (const object of this.bank.list({ prefix: checkpointKeys.objectLogs(id, resourceKey) }))
      if (object.key.endsWith('.json')) keys.push(object.key);
    // Logs of one run are applied in the order their hooks run, runs in order.
    const order = (k: string) => {
      const name = k.slice(k.lastIndexOf('/') + 1);
      const [hook, attempt] = [name.slice(0, name.lastIndexOf('-')), name.slice(name.lastIndexOf('-') + 1)];
      return `${attempt}/${String(HOOK_NAMES.indexOf(hook as HookName)).padStart(2, '0')}`;
    };
    keys.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
    for (const key of keys) {
      const log = await this.getJson<ObjectLogRecord>(key);
      if (
        log === undefined ||
        typeof log !== 'object' ||
        typeof log.objects !== 'object' ||
        log.objects === null
      )
        throw new HoardError('CHECKPOINT_INVALID', `Bank object '${key}' is not an object log`);
      for (const [name, entry] of Object.entries(log.objects)) objects.set(name, entry);
    }
    return objects;
  }

  async readSavedInfo(id: string, resourceKey: string): Promise<JsonObject | undefined> {
    return this.getJson<JsonObject>(checkpointKeys.savedInfo(id, resourceKey));
  }

  /**
   * Reads a checkpoint with its effective status: a `protecting` checkpoint whose lease expired
   * is reported `error` with reason `abandoned`, a `deleting` one `error-deleting`.
   *
   * @throws `CHECKPOINT_NOT_FOUND`
   */
  async get(id: string, maxAgeMs = 0): Promise<CheckpointRecord> {
    if (!CheckpointStore.isValidId(id)) {
      throw new HoardError('CHECKPOINT_NOT_FOUND', `Checkpoint '${id}' does not exist (not a checkpoint id)`);
    }
    const cached = this.cache.metadata.get(id);
    let metadata: CheckpointMetadata | undefined = cached;
    try {
      if (metadata === undefined) {
        metadata = await this.getJson<CheckpointMetadata>(checkpointKeys.metadata(id));
        if (metadata !== undefined) {
          checkMetadataShape(id, metadata);
          if (this.cache.metadata.size >= METADATA_CACHE_ENTRIES)
            this.cache.metadata.delete(this.cache.metadata.keys().next().value!);
          this.cache.metadata.set(id, metadata);
        }
      }
    } catch (error) {
      if (!isHoardError(error) || error.code !== 'CHECKPOINT_INVALID') throw error;
      return corruptMetadataRecord(id, error.message);
    }
    if (metadata === undefined) {
      throw new HoardError(
        'CHECKPOINT_NOT_FOUND',
        `Checkpoint '${id}' does not exist in ${this.bank.description}`,
      );
    }
    let status: CheckpointStatusRecord | undefined;
    const recent = this.cache.statuses.get(id);
    try {
      if (recent !== undefined && maxAgeMs > 0 && performance.now() - recent.readAt <= maxAgeMs) {
        status = recent.status;
      } else {
        const readAt = performance.now();
        status = await this.getJson<CheckpointStatusRecord>(checkpointKeys.status(id));
        if (status !== undefined) checkStatusShape(id, status);
        if (status !== undefined && SETTLED.has(status.status)) {
          if (this.cache.statuses.size >= METADATA_CACHE_ENTRIES && !this.cache.statuses.has(id))
            this.cache.statuses.delete(this.cache.statuses.keys().next().value!);
          this.cache.statuses.set(id, { status, readAt });
        } else this.cache.statuses.delete(id);
      }
    } catch (error) {
      if (!isHoardError(error) || error.code !== 'CHECKPOINT_INVALID') throw error;
      return {
        ...metadata,
        status: 'corrupt',
        reason: error.message,
        corruptRecord: 'status',
        updatedAt: metadata.createdAt,
        resources: {},
      };
    }
    if (status === undefined && cached !== undefined) {
      // Purged since it was cached (or never finished): read it as if for the first time.
      this.cache.metadata.delete(id);
      return this.get(id);
    }
    const record: CheckpointRecord = {
      ...metadata,
      ...(status ?? { status: 'error', reason: 'incomplete', updatedAt: metadata.createdAt, resources: {} }),
    };
    if (record.status === 'protecting' && !(await this.bank.isLeaseValid(metadata.leaseOwner))) {
      record.status = 'error';
      record.reason = 'abandoned';
    } else if (record.status === 'deleting' && !(await this.bank.isLeaseValid(leaseOwners.delete(id)))) {
      record.status = 'error-deleting';
      record.reason = 'abandoned';
    }
    return record;
  }

  /** Keys under `prefix`, through the bank's `listKeys` when it has one. */
  private async *listKeys(prefix: string): AsyncIterable<string> {
    if (this.bank.listKeys !== undefined) {
      yield* this.bank.listKeys({ prefix });
      return;
    }
    for await (const object of this.bank.list({ prefix })) yield object.key;
  }

  /** Ids under an index prefix, newest first: as listed up to `maxAgeMs` ago, or listed now. */
  private async indexIds(prefix: string, maxAgeMs: number): Promise<readonly string[]> {
    const listed = this.cache.indices.get(prefix);
    if (listed !== undefined && maxAgeMs > 0 && performance.now() - listed.readAt <= maxAgeMs) {
      this.cache.indices.delete(prefix);
      this.cache.indices.set(prefix, listed);
      return listed.ids;
    }
    const readAt = performance.now();
    const writes = this.cache.indexWrites;
    const ids: string[] = [];
    for await (const key of this.listKeys(prefix)) {
      const id = key.slice(key.lastIndexOf('/') + 1);
      if (CheckpointStore.isValidId(id)) ids.push(id);
    }
    ids.sort().reverse();
    // Kept only if no write of these stores went on meanwhile (the listing may have missed it).
    this.cache.indices.delete(prefix);
    if (writes === this.cache.indexWrites) {
      this.cache.indices.set(prefix, { ids, readAt });
      if (this.cache.indices.size > INDEX_CACHE_PREFIXES)
        this.cache.indices.delete(this.cache.indices.keys().next().value!);
    }
    return ids;
  }

  /** Checkpoint ids, newest first, from the index keys only. */
  async listIds(options: ListCheckpointsOptions = {}): Promise<string[]> {
    const prefix =
      options.projectId !== undefined
        ? INDEX_PREFIX.project(options.projectId)
        : options.planId !== undefined
          ? INDEX_PREFIX.plan(options.planId)
          : INDEX_PREFIX.all;
    const ids = await this.indexIds(prefix, options.maxAgeMs ?? 0);
    const start = options.marker === undefined ? 0 : ids.findIndex((id) => id < options.marker!);
    if (start < 0) return [];
    return ids.slice(start, options.limit === undefined ? undefined : start + options.limit);
  }

  /**
   * How many checkpoints the index lists (of a project or plan, and of a provider): index entries
   * whose metadata exists, without reading any status (a quota's usage).
   */
  async count(options: Omit<ListCheckpointsOptions, 'marker' | 'limit'> = {}): Promise<number> {
    const { providerId, ...rest } = options;
    const ids = await this.listIds(rest);
    let count = 0;
    for (let at = 0; at < ids.length; at += 32) {
      const window = ids.slice(at, at + 32);
      const providers = await Promise.all(window.map((id) => this.providerOf(id)));
      for (const provider of providers)
        if (
          provider !== undefined &&
          (providerId === undefined || provider === null || provider === providerId)
        )
          count++;
    }
    return count;
  }

  /** The provider of checkpoint `id` from its metadata; `null` if unreadable, `undefined` if absent. */
  private async providerOf(id: string): Promise<string | null | undefined> {
    const cached = this.cache.metadata.get(id);
    if (cached !== undefined) return cached.providerId;
    try {
      const record = await this.get(id);
      return record.corruptRecord === 'metadata' ? null : record.providerId;
    } catch (error) {
      if (isHoardError(error) && error.code === 'CHECKPOINT_NOT_FOUND') return undefined;
      throw error;
    }
  }

  /**
   * Checkpoints newest first; reads the metadata of the page returned (and, with `providerId`, of
   * the other providers' checkpoints it passes over).
   */
  async list(options: ListCheckpointsOptions = {}): Promise<CheckpointRecord[]> {
    const { limit, providerId, ...rest } = options;
    const ids = await this.listIds(providerId === undefined ? options : rest);
    const out: CheckpointRecord[] = [];
    // Read in windows of up to 32 checkpoints at once (a bank's reads overlap), kept in order.
    for (let at = 0; at < ids.length && (limit === undefined || out.length < limit); ) {
      const window = ids.slice(at, at + Math.min(32, limit === undefined ? 32 : limit - out.length));
      at += window.length;
      const records = await Promise.all(
        window.map(async (id) => {
          try {
            return await this.get(id, options.maxStatusAgeMs ?? options.maxAgeMs);
          } catch (error) {
            if (isHoardError(error) && error.code === 'CHECKPOINT_NOT_FOUND') return undefined; // index without checkpoint
            throw error;
          }
        }),
      );
      for (const record of records) {
        if (record === undefined) continue;
        if (
          providerId !== undefined &&
          record.providerId !== providerId &&
          record.corruptRecord !== 'metadata'
        )
          continue;
        if (limit === undefined || out.length < limit) out.push(record);
      }
    }
    return out;
  }

  /**
   * Deletes every object of a checkpoint whose metadata is unreadable: everything under its root
   * and every index entry that names it (found by listing, since its dates and plan are unknown).
   * Same order as {@link purge}: index entries last.
   */
  async purgeCorrupt(id: string): Promise<void> {
    const keys: string[] = [];
    for await (const object of this.bank.list({ prefix: checkpointKeys.root(id) })) keys.push(object.key);
    const indexKeys: string[] = [];
    for await (const object of this.bank.list({ prefix: 'indices/' }))
      if (object.key.endsWith(`/${id}`)) indexKeys.push(object.key);
    const last = [checkpointKeys.metadata(id), checkpointKeys.status(id)];
    for (const key of keys) if (!last.includes(key)) await this.bank.delete(key);
    for (const key of last) await this.bank.delete(key);
    this.cache.indexed(id, [], false);
    for (const key of indexKeys) await this.bank.delete(key);
    this.cache.indexed(id, [], false);
  }

  /**
   * Deletes every object of a checkpoint and its index entries, in an order where a crash or a
   * failed call at any point leaves either a checkpoint that lists and can be deleted again (data
   * going, metadata still there) or garbage that no listing shows and `bank gc` removes (status
   * or index entries of a checkpoint without metadata): data, then metadata, then status, then
   * the index entries. Never the index first: a checkpoint with metadata but no index entry is
   * invisible to `checkpoint list` and looks to `bank check` like one to re-index.
   */
  async purge(record: CheckpointMetadata): Promise<void> {
    const keys: string[] = [];
    for await (const object of this.bank.list({ prefix: checkpointKeys.root(record.id) }))
      keys.push(object.key);
    const statusKey = checkpointKeys.status(record.id);
    const metadataKey = checkpointKeys.metadata(record.id);
    for (const key of keys) if (key !== statusKey && key !== metadataKey) await this.bank.delete(key);
    await this.bank.delete(metadataKey);
    await this.bank.delete(statusKey);
    this.cache.indexed(record.id, [], false);
    await this.bank.delete(checkpointKeys.byDate(record.createdAt.slice(0, 10), record.id));
    if (record.projectId !== undefined)
      await this.bank.delete(checkpointKeys.byProject(record.projectId, record.id));
    if (record.planId !== undefined) await this.bank.delete(checkpointKeys.byPlan(record.planId, record.id));
    this.cache.indexed(record.id, [], false);
  }

  /**
   * Removes what dead writers of checkpoint `id` left: partial objects under its root (the
   * bank's leftovers) and its protect lease once lapsed. Called by a delete that holds the
   * checkpoint's delete lease after its protect's lease was found lapsed, so no live writer owns
   * them; a fenced writer that wakes later writes at most its in-flight object, which
   * `bank gc` removes.
   */
  async removeWriterLeftovers(id: string): Promise<void> {
    if (this.bank.listLeftovers !== undefined && this.bank.removeLeftover !== undefined) {
      const found: BankLeftover[] = [];
      for await (const leftover of this.bank.listLeftovers(0, { prefix: checkpointKeys.root(id) }))
        found.push(leftover);
      for (const leftover of found) await this.bank.removeLeftover(leftover);
    }
    const owner = leaseOwners.protect(id);
    if (this.bank.releaseLease !== undefined && !(await this.bank.isLeaseValid(owner)))
      await this.bank.releaseLease(owner);
  }

  /** Writes a restore record. */
  async writeRestore(record: RestoreRecord): Promise<void> {
    await this.putJson(checkpointKeys.restore(record.id), record);
  }

  /**
   * Reads a restore record with its effective status: `in_progress` whose lease lapsed (its
   * process died) is reported `fail` with reason `abandoned`.
   */
  async readRestore(id: string): Promise<RestoreRecord | undefined> {
    const record = await this.getJson<RestoreRecord>(checkpointKeys.restore(id));
    if (
      record?.status === 'in_progress' &&
      record.leaseOwner !== undefined &&
      !(await this.bank.isLeaseValid(record.leaseOwner))
    ) {
      return { ...record, status: 'fail', reason: 'abandoned' };
    }
    return record;
  }

  /** The stored restore record as it is (no effective status). */
  async readRawRestore(id: string): Promise<RestoreRecord | undefined> {
    return this.getJson<RestoreRecord>(checkpointKeys.restore(id));
  }

  /**
   * Restores reading a checkpoint now: the owners of its live reader leases
   * (`leases/read-<checkpoint id>-<restore id>`).
   */
  async liveReaders(checkpointId: string): Promise<string[]> {
    const owners: string[] = [];
    for await (const object of this.bank.list({ prefix: `leases/${readerLeasePrefix(checkpointId)}` })) {
      const owner = object.key.slice('leases/'.length);
      if (await this.bank.isLeaseValid(owner)) owners.push(owner);
    }
    return owners;
  }

  /**
   * Restore records, newest first (restore ids sort by creation time), optionally of one
   * checkpoint.
   */
  async listRestores(options: { checkpointId?: string; limit?: number } = {}): Promise<RestoreRecord[]> {
    const ids: string[] = [];
    for await (const object of this.bank.list({ prefix: 'restores/' })) {
      const name = object.key.slice('restores/'.length);
      if (name.endsWith('.json') && CheckpointStore.isValidId(name.slice(0, -'.json'.length)))
        ids.push(name.slice(0, -'.json'.length));
    }
    ids.sort().reverse();
    const out: RestoreRecord[] = [];
    for (const id of ids) {
      if (options.limit !== undefined && out.length >= options.limit) break;
      const record = await this.readRestore(id);
      if (record === undefined) continue; // deleted meanwhile
      if (options.checkpointId !== undefined && record.checkpointId !== options.checkpointId) continue;
      out.push(record);
    }
    return out;
  }

  /** Deletes a restore record (never what the restore created). */
  async deleteRestore(id: string): Promise<void> {
    await this.bank.delete(checkpointKeys.restore(id));
  }
}
