import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterMarker, contains, type SortOrder, withTieBreakers } from './keyset.js';
import type { Database, ScheduledOperationsTable } from './schema.js';

/** A scheduled operation as stored (Karbor's view plus its project, user and times). */
export interface ScheduledOperationRecord {
  id: string;
  name: string;
  description: string | null;
  operation_type: string;
  trigger_id: string;
  /** Every value a string, as Karbor's `DictOfStringsField`. */
  operation_definition: Record<string, string>;
  enabled: boolean;
  project_id: string;
  user_id: string;
  created_at: string;
}

export const SCHEDULED_OPERATION_SORT_KEYS = [
  'id',
  'name',
  'operation_type',
  'trigger_id',
  'created_at',
] as const;
export type ScheduledOperationSortKey = (typeof SCHEDULED_OPERATION_SORT_KEYS)[number];

const recordOf = (row: ScheduledOperationsTable): ScheduledOperationRecord => ({
  id: row.id,
  name: row.name,
  description: row.description,
  operation_type: row.operation_type,
  trigger_id: row.trigger_id,
  operation_definition: JSON.parse(row.operation_definition) as Record<string, string>,
  enabled: Number(row.enabled) === 1,
  project_id: row.project_id,
  user_id: row.user_id,
  created_at: row.created_at,
});

/** Scheduled operations in the database (Karbor's `scheduled_operations`). */
export class ScheduledOperationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(operation: {
    name: string;
    description: string | null;
    operationType: string;
    userId: string;
    projectId: string;
    triggerId: string;
    definition: Record<string, string>;
  }): Promise<ScheduledOperationRecord> {
    const row: ScheduledOperationsTable = {
      id: randomUUID(),
      name: operation.name,
      description: operation.description,
      operation_type: operation.operationType,
      user_id: operation.userId,
      project_id: operation.projectId,
      trigger_id: operation.triggerId,
      operation_definition: JSON.stringify(operation.definition),
      enabled: 1,
      created_at: new Date().toISOString(),
      updated_at: null,
    };
    await this.db.insertInto('scheduled_operations').values(row).execute();
    return recordOf(row);
  }

  async get(id: string, projectId?: string): Promise<ScheduledOperationRecord | undefined> {
    let query = this.db.selectFrom('scheduled_operations').selectAll().where('id', '=', id);
    if (projectId !== undefined) query = query.where('project_id', '=', projectId);
    const row = await query.executeTakeFirst();
    return row === undefined ? undefined : recordOf(row);
  }

  /** The enabled operations of each of `triggerIds`, by trigger. */
  async ofTriggers(triggerIds: readonly string[]): Promise<Map<string, ScheduledOperationRecord[]>> {
    const byTrigger = new Map<string, ScheduledOperationRecord[]>();
    for (let i = 0; i < triggerIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('scheduled_operations')
        .selectAll()
        .where('trigger_id', 'in', triggerIds.slice(i, i + 500))
        .where('enabled', '=', 1)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      for (const row of rows) {
        const list = byTrigger.get(row.trigger_id) ?? [];
        list.push(recordOf(row));
        byTrigger.set(row.trigger_id, list);
      }
    }
    return byTrigger;
  }

  /** Whether any operation uses the trigger. */
  async usesTrigger(triggerId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('scheduled_operations')
      .select('id')
      .where('trigger_id', '=', triggerId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async list(options: {
    projectId?: string;
    filters: { name?: string; operation_type?: string; trigger_id?: string; operation_definition?: string };
    sort: SortOrder<ScheduledOperationSortKey>;
    limit: number;
    marker?: string;
  }): Promise<ScheduledOperationRecord[] | undefined> {
    const sort = withTieBreakers(options.sort);
    let query = this.db.selectFrom('scheduled_operations').selectAll();
    if (options.projectId !== undefined) query = query.where('project_id', '=', options.projectId);
    const {
      name,
      operation_type: type,
      trigger_id: trigger,
      operation_definition: definition,
    } = options.filters;
    if (type !== undefined) query = query.where('operation_type', '=', type);
    if (trigger !== undefined) query = query.where('trigger_id', '=', trigger);
    if (name !== undefined) query = query.where(contains('name', name));
    if (definition !== undefined) query = query.where(contains('operation_definition', definition));
    if (options.marker !== undefined) {
      const marker = await this.db
        .selectFrom('scheduled_operations')
        .selectAll()
        .where('id', '=', options.marker)
        .$if(options.projectId !== undefined, (q) => q.where('project_id', '=', options.projectId!))
        .executeTakeFirst();
      if (marker === undefined) return undefined;
      query = query.where((eb) =>
        afterMarker(sort, marker, eb, (key, op, value) => eb(key, op, value as string)),
      );
    }
    for (const s of sort) query = query.orderBy(s.key, s.dir);
    return (await query.limit(options.limit).execute()).map(recordOf);
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('scheduled_operations').where('id', '=', id).execute();
  }
}
