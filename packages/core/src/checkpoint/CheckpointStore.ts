import { v7 as uuidv7 } from 'uuid';
import { encodeKeySegment } from '../bank/bankKey.js';
import { HoardError, isHoardError } from '../errors/HoardError.js';
import type { Bank } from '../plugin-api/Bank.js';
import type { JsonObject } from '../plugin-api/types.js';
import type {
  CheckpointMetadata,
  CheckpointRecord,
  CheckpointStatusRecord,
  RestoreRecord,
  StoredError,
} from './types.js';

const CHECKPOINT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Bank keys of the checkpoint layout (docs/protocol.md, "Banks"). */
export const checkpointKeys = {
  root: (id: string) => `checkpoints/${id}/`,
  metadata: (id: string) => `checkpoints/${id}/metadata.json`,
  status: (id: string) => `checkpoints/${id}/status.json`,
  resource: (id: string, key: string) => `checkpoints/${id}/resources/${encodeKeySegment(key)}/`,
  savedInfo: (id: string, key: string) =>
    `checkpoints/${id}/resources/${encodeKeySegment(key)}/saved-info.json`,
  resourceData: (id: string, key: string) => `checkpoints/${id}/resources/${encodeKeySegment(key)}/data/`,
  byDate: (date: string, id: string) => `indices/by-date/${date}/${id}`,
  byPlan: (plan: string, id: string) => `indices/by-plan/${encodeKeySegment(plan)}/${id}`,
  byProject: (project: string, id: string) => `indices/by-project/${encodeKeySegment(project)}/${id}`,
  restore: (id: string) => `restores/${id}.json`,
};

/** Serialises an error for a bank record (never with secrets: messages are built without them). */
export function storedError(error: unknown): StoredError {
  if (isHoardError(error)) return error.toJSON() as StoredError;
  return { code: 'OPERATION_FAILED', message: error instanceof Error ? error.message : String(error) };
}

/** Options of {@link CheckpointStore.list}. */
export interface ListCheckpointsOptions {
  /** Only checkpoints older than this one (ids sort by creation time). */
  marker?: string;
  limit?: number;
  projectId?: string;
  planId?: string;
}

/**
 * Reads and writes checkpoints in a bank, in the layout of docs/protocol.md,
 *
 * @remarks Checkpoint ids are UUIDv7, so they sort by creation time and listing newest-first
 * needs only the index keys, not every checkpoint's metadata.
 */
export class CheckpointStore {
  constructor(private readonly bank: Bank) {}

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
    if ((await this.bank.head(key)) === undefined) return undefined;
    const bytes = await this.bank.get(key);
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

  /** Writes a new checkpoint's metadata, its `protecting` status and its index entries. */
  async create(metadata: CheckpointMetadata, resources: string[]): Promise<void> {
    await this.bank.put(checkpointKeys.metadata(metadata.id), `${JSON.stringify(metadata, null, 2)}\n`, {
      ifNoneMatch: '*',
    });
    await this.writeStatus(metadata.id, {
      status: 'protecting',
      updatedAt: new Date().toISOString(),
      resources: Object.fromEntries(resources.map((k) => [k, { status: 'protecting' }])),
    });
    await this.bank.put(checkpointKeys.byDate(metadata.createdAt.slice(0, 10), metadata.id), '');
    if (metadata.projectId !== undefined)
      await this.bank.put(checkpointKeys.byProject(metadata.projectId, metadata.id), '');
    if (metadata.planId !== undefined)
      await this.bank.put(checkpointKeys.byPlan(metadata.planId, metadata.id), '');
  }

  /** Writes `status.json`. */
  async writeStatus(id: string, status: CheckpointStatusRecord): Promise<void> {
    await this.putJson(checkpointKeys.status(id), status);
  }

  /** Writes a resource's validated saved info. */
  async writeSavedInfo(id: string, resourceKey: string, info: JsonObject): Promise<void> {
    await this.putJson(checkpointKeys.savedInfo(id, resourceKey), info);
  }

  /** Reads a resource's saved info. */
  async readSavedInfo(id: string, resourceKey: string): Promise<JsonObject | undefined> {
    return this.getJson<JsonObject>(checkpointKeys.savedInfo(id, resourceKey));
  }

  /**
   * Reads a checkpoint with its effective status: a `protecting` checkpoint whose lease expired
   * is reported `error` with reason `abandoned`.
   *
   * @throws `CHECKPOINT_NOT_FOUND`
   */
  async get(id: string): Promise<CheckpointRecord> {
    if (!CheckpointStore.isValidId(id)) {
      throw new HoardError('CHECKPOINT_NOT_FOUND', `Checkpoint '${id}' does not exist (not a checkpoint id)`);
    }
    const metadata = await this.getJson<CheckpointMetadata>(checkpointKeys.metadata(id));
    if (metadata === undefined) {
      throw new HoardError(
        'CHECKPOINT_NOT_FOUND',
        `Checkpoint '${id}' does not exist in ${this.bank.description}`,
      );
    }
    const status = await this.getJson<CheckpointStatusRecord>(checkpointKeys.status(id));
    const record: CheckpointRecord = {
      ...metadata,
      ...(status ?? { status: 'error', reason: 'incomplete', updatedAt: metadata.createdAt, resources: {} }),
    };
    if (record.status === 'protecting' && !(await this.bank.isLeaseValid(metadata.leaseOwner))) {
      record.status = 'error';
      record.reason = 'abandoned';
    }
    return record;
  }

  /** Checkpoint ids, newest first, from the index keys only. */
  async listIds(options: ListCheckpointsOptions = {}): Promise<string[]> {
    const prefix =
      options.projectId !== undefined
        ? `indices/by-project/${encodeKeySegment(options.projectId)}/`
        : options.planId !== undefined
          ? `indices/by-plan/${encodeKeySegment(options.planId)}/`
          : 'indices/by-date/';
    const ids: string[] = [];
    for await (const object of this.bank.list({ prefix })) {
      const id = object.key.slice(object.key.lastIndexOf('/') + 1);
      if (CheckpointStore.isValidId(id)) ids.push(id);
    }
    ids.sort().reverse();
    const start = options.marker === undefined ? 0 : ids.findIndex((id) => id < options.marker!);
    if (start < 0) return [];
    return ids.slice(start, options.limit === undefined ? undefined : start + options.limit);
  }

  /** Checkpoints newest first; reads metadata only of the page returned. */
  async list(options: ListCheckpointsOptions = {}): Promise<CheckpointRecord[]> {
    const ids = await this.listIds(options);
    const out: CheckpointRecord[] = [];
    for (const id of ids) {
      try {
        out.push(await this.get(id));
      } catch (error) {
        if (isHoardError(error) && error.code === 'CHECKPOINT_NOT_FOUND') continue; // index without checkpoint
        throw error;
      }
    }
    return out;
  }

  /** Deletes every object of a checkpoint (status last) and its index entries. */
  async purge(record: CheckpointMetadata): Promise<void> {
    const keys: string[] = [];
    for await (const object of this.bank.list({ prefix: checkpointKeys.root(record.id) }))
      keys.push(object.key);
    const statusKey = checkpointKeys.status(record.id);
    const metadataKey = checkpointKeys.metadata(record.id);
    for (const key of keys) if (key !== statusKey && key !== metadataKey) await this.bank.delete(key);
    await this.bank.delete(checkpointKeys.byDate(record.createdAt.slice(0, 10), record.id));
    if (record.projectId !== undefined)
      await this.bank.delete(checkpointKeys.byProject(record.projectId, record.id));
    if (record.planId !== undefined) await this.bank.delete(checkpointKeys.byPlan(record.planId, record.id));
    await this.bank.delete(metadataKey);
    await this.bank.delete(statusKey);
  }

  /** Writes a restore record. */
  async writeRestore(record: RestoreRecord): Promise<void> {
    await this.putJson(checkpointKeys.restore(record.id), record);
  }

  /** Reads a restore record. */
  async readRestore(id: string): Promise<RestoreRecord | undefined> {
    return this.getJson<RestoreRecord>(checkpointKeys.restore(id));
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
