import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Database, OperationLogsTable } from './schema.js';

/** An operation log as stored. */
export type OperationLogRecord = OperationLogsTable;

/** Karbor's `operation_logs`, and the heartbeats of the engines that write them. */
export class OperationLogStore {
  constructor(private readonly db: Kysely<Database>) {}

  async add(log: Omit<OperationLogsTable, 'id'>): Promise<string> {
    const id = randomUUID();
    await this.db
      .insertInto('operation_logs')
      .values({ ...log, id })
      .execute();
    return id;
  }

  async update(id: string, changes: Partial<Omit<OperationLogsTable, 'id'>>): Promise<void> {
    await this.db.updateTable('operation_logs').set(changes).where('id', '=', id).execute();
  }

  async get(id: string, projectId?: string): Promise<OperationLogRecord | undefined> {
    let query = this.db.selectFrom('operation_logs').selectAll().where('id', '=', id);
    if (projectId !== undefined) query = query.where('project_id', '=', projectId);
    return query.executeTakeFirst();
  }

  /** Logs newest first, after `marker`'s (an id of the same listing). */
  async list(options: {
    projectId?: string;
    filters: {
      checkpoint_id?: string;
      plan_id?: string;
      restore_id?: string;
      status?: string;
      scheduled_operation_id?: string;
    };
    limit: number;
    marker?: string;
  }): Promise<OperationLogRecord[] | undefined> {
    let query = this.db.selectFrom('operation_logs').selectAll();
    if (options.projectId !== undefined) query = query.where('project_id', '=', options.projectId);
    for (const [key, value] of Object.entries(options.filters))
      if (value !== undefined) query = query.where(key as keyof typeof options.filters, '=', value);
    if (options.marker !== undefined) {
      const marker = await this.get(options.marker, options.projectId);
      if (marker === undefined) return undefined;
      query = query.where((eb) =>
        eb.or([
          eb('started_at', '<', marker.started_at),
          eb.and([eb('started_at', '=', marker.started_at), eb('id', '<', marker.id)]),
        ]),
      );
    }
    return query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
  }

  /**
   * Keeps the logs of the newest `keep` fires of scheduled operation `operationId`, with the
   * retention deletes that followed them (Karbor's `retained_operation_log_number`, its
   * `destroy_oldest`); older ones go, except runs still `in_progress` and deletes that ended
   * `error-deleting` (their checkpoint is still there, and someone must see why). Returns how
   * many were removed.
   */
  async prune(operationId: string, keep: number): Promise<number> {
    const oldestKept = await this.db
      .selectFrom('operation_logs')
      .select(['started_at', 'id'])
      .where('scheduled_operation_id', '=', operationId)
      .where('operation_type', '!=', 'delete')
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .offset(Math.max(0, keep - 1))
      .limit(1)
      .executeTakeFirst();
    if (oldestKept === undefined) return 0;
    const result = await this.db
      .deleteFrom('operation_logs')
      .where('scheduled_operation_id', '=', operationId)
      .where('status', 'not in', ['in_progress', 'error-deleting'])
      .where((eb) =>
        eb.or([
          eb('started_at', '<', oldestKept.started_at),
          eb.and([
            eb('started_at', '=', oldestKept.started_at),
            eb('id', '<', oldestKept.id),
            eb('operation_type', '!=', 'delete'),
          ]),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Which of `operationIds` have a run `in_progress`. */
  async runningOf(operationIds: readonly string[]): Promise<Set<string>> {
    const running = new Set<string>();
    for (let i = 0; i < operationIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('operation_logs')
        .select('scheduled_operation_id')
        .where('status', '=', 'in_progress')
        .where('scheduled_operation_id', 'in', operationIds.slice(i, i + 500))
        .execute();
      for (const row of rows)
        if (row.scheduled_operation_id !== null) running.add(row.scheduled_operation_id);
    }
    return running;
  }

  /** Says that engine `instance` is alive (and registers it). */
  async heartbeat(instance: string, at: Date): Promise<void> {
    const updated = await this.db
      .updateTable('engine_instances')
      .set({ heartbeat_at: at.toISOString() })
      .where('instance', '=', instance)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0)
      await this.db
        .insertInto('engine_instances')
        .values({ instance, host: hostname(), pid: process.pid, heartbeat_at: at.toISOString() })
        .execute();
  }

  async removeInstance(instance: string): Promise<void> {
    await this.db.deleteFrom('engine_instances').where('instance', '=', instance).execute();
  }

  /**
   * Logs `in_progress` whose engine has stopped: silent since `silentSince`, or gone from
   * `engine_instances`, or (passed in `deadInstances`) known dead.
   */
  async orphans(
    silentSince: Date,
  ): Promise<(OperationLogRecord & { host: string | null; pid: number | null })[]> {
    return this.db
      .selectFrom('operation_logs')
      .leftJoin('engine_instances', 'engine_instances.instance', 'operation_logs.instance')
      .selectAll('operation_logs')
      .select(['engine_instances.host', 'engine_instances.pid'])
      .where('operation_logs.status', '=', 'in_progress')
      .where((eb) =>
        eb.or([
          eb('engine_instances.instance', 'is', null),
          eb('engine_instances.heartbeat_at', '<', silentSince.toISOString()),
        ]),
      )
      .execute();
  }

  /** Moves a log from `in_progress` to `status`, only if it is still `in_progress` (one engine wins). */
  async settleIfRunning(id: string, changes: Partial<Omit<OperationLogsTable, 'id'>>): Promise<boolean> {
    const result = await this.db
      .updateTable('operation_logs')
      .set(changes)
      .where('id', '=', id)
      .where('status', '=', 'in_progress')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
