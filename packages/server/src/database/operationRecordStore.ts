import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { JsonObject } from '@hoard/core';
import type { Kysely } from 'kysely';
import { afterMarker, withTieBreakers } from './keyset.js';
import { isGoneHere, PROCESS_INSTANCE } from './runningOperationStore.js';
import type { Database, RestoresTable } from './schema.js';

/** A restore or a verification as the API shows it (Karbor's `RestoreViewBuilder.detail`) plus what it keeps. */
export interface OperationRecord {
  id: string;
  project_id: string;
  provider_id: string;
  checkpoint_id: string;
  restore_target: string | null;
  parameters: Record<string, JsonObject>;
  status: string;
  resources_status: Record<string, string> | null;
  resources_reason: Record<string, string> | null;
  hoard_restore_id: string | null;
  created_at: string;
}

export const OPERATION_RECORD_SORT_KEYS = [
  'id',
  'status',
  'created_at',
  'checkpoint_id',
  'provider_id',
] as const;
export type OperationRecordSortKey = (typeof OPERATION_RECORD_SORT_KEYS)[number];

const rowOf = (r: RestoresTable): OperationRecord => ({
  id: r.id,
  project_id: r.project_id,
  provider_id: r.provider_id,
  checkpoint_id: r.checkpoint_id,
  restore_target: r.restore_target,
  parameters: JSON.parse(r.parameters) as Record<string, JsonObject>,
  status: r.status,
  resources_status:
    r.resources_status === null ? null : (JSON.parse(r.resources_status) as Record<string, string>),
  resources_reason:
    r.resources_reason === null ? null : (JSON.parse(r.resources_reason) as Record<string, string>),
  hoard_restore_id: r.hoard_restore_id,
  created_at: r.created_at,
});

/**
 * Restores or verifications in the database (Karbor's `restores` and `verifications` tables,
 * which have the same columns here; a verification's `restore_target` is always null).
 */
export class OperationRecordStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly table: 'restores' | 'verifications' = 'restores',
  ) {}

  /** Records a restore `in_progress`. */
  async create(restore: {
    projectId: string;
    providerId: string;
    checkpointId: string;
    restoreTarget: string | null;
    parameters: Record<string, JsonObject>;
  }): Promise<OperationRecord> {
    const row: RestoresTable = {
      id: randomUUID(),
      project_id: restore.projectId,
      provider_id: restore.providerId,
      checkpoint_id: restore.checkpointId,
      restore_target: restore.restoreTarget,
      parameters: JSON.stringify(restore.parameters),
      status: 'in_progress',
      resources_status: null,
      resources_reason: null,
      hoard_restore_id: null,
      created_at: new Date().toISOString(),
      updated_at: null,
      runner_host: hostname(),
      runner_pid: process.pid,
      runner_instance: PROCESS_INSTANCE,
    };
    await this.db.insertInto(this.table).values(row).execute();
    return rowOf(row);
  }

  /** Changes how a restore stands. */
  async update(
    id: string,
    changes: {
      status?: string;
      resourcesStatus?: Record<string, string>;
      resourcesReason?: Record<string, string>;
      hoardRestoreId?: string;
    },
  ): Promise<void> {
    await this.db
      .updateTable(this.table)
      .set({
        updated_at: new Date().toISOString(),
        ...(changes.status !== undefined ? { status: changes.status } : {}),
        ...(changes.resourcesStatus !== undefined
          ? { resources_status: JSON.stringify(changes.resourcesStatus) }
          : {}),
        ...(changes.resourcesReason !== undefined
          ? { resources_reason: JSON.stringify(changes.resourcesReason) }
          : {}),
        ...(changes.hoardRestoreId !== undefined ? { hoard_restore_id: changes.hoardRestoreId } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  /** The restore `id` (in `projectId`, when given). */
  async get(id: string, projectId?: string): Promise<OperationRecord | undefined> {
    let query = this.db.selectFrom(this.table).selectAll().where('id', '=', id);
    if (projectId !== undefined) query = query.where('project_id', '=', projectId);
    const row = await query.executeTakeFirst();
    return row === undefined ? undefined : rowOf(row);
  }

  /** A page of restores, newest first unless sorted otherwise; `undefined` for an unknown marker. */
  async list(options: {
    projectId?: string;
    status?: string;
    sort: { key: OperationRecordSortKey; dir: 'asc' | 'desc' }[];
    limit: number;
    offset: number;
    marker?: string;
  }): Promise<OperationRecord[] | undefined> {
    const sort = withTieBreakers(options.sort);
    let query = this.db.selectFrom(this.table).selectAll();
    if (options.projectId !== undefined) query = query.where('project_id', '=', options.projectId);
    if (options.status !== undefined) query = query.where('status', '=', options.status);
    if (options.marker !== undefined) {
      const marker = await this.get(options.marker, options.projectId);
      if (marker === undefined) return undefined;
      const values = marker as unknown as Record<OperationRecordSortKey, string>;
      query = query.where((eb) =>
        afterMarker(sort, values, eb, (key, op, value) => eb(key, op, value as string)),
      );
    }
    for (const s of sort) query = query.orderBy(s.key, s.dir);
    return (await query.limit(options.limit).offset(options.offset).execute()).map(rowOf);
  }

  /**
   * Restores (or verifications) left `in_progress` by a server that stopped: each runs in the
   * server that started it, so one whose server process is gone is one nobody runs. They are
   * marked `fail` with `reason`; those another live server runs are left alone (two servers on
   * one database, or a `hoard serve` beside another).
   *
   * @returns how many were marked
   */
  async failInterrupted(reason: string): Promise<number> {
    const rows = await this.db
      .selectFrom(this.table)
      .select(['id', 'resources_reason', 'runner_host', 'runner_pid', 'runner_instance'])
      .where('status', '=', 'in_progress')
      .execute();
    // Only those whose server is gone: of this host, its process dead; rows from before the
    // runner was recorded. Another host's are left to the next server of that host.
    const stale = rows.filter(
      (row) =>
        row.runner_host === null ||
        row.runner_pid === null ||
        (row.runner_host === hostname() && isGoneHere(Number(row.runner_pid), row.runner_instance)),
    );
    for (const row of stale)
      await this.db
        .updateTable(this.table)
        .set({
          status: 'fail',
          updated_at: new Date().toISOString(),
          resources_reason: JSON.stringify({
            ...(row.resources_reason === null ? {} : JSON.parse(row.resources_reason)),
            [this.table === 'restores' ? 'restore' : 'verification']: reason,
          }),
        })
        .where('id', '=', row.id)
        // Not one that ended meanwhile.
        .where('status', '=', 'in_progress')
        .execute();
    return stale.length;
  }
}
