import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { afterMarker, contains, type SortOrder, withTieBreakers } from './keyset.js';
import type { Database, OperationLogsTable, TriggersTable } from './schema.js';

/** A trigger as stored: Karbor's view (`id, name, type, properties`, every property a string) and its project. */
export interface TriggerRecord {
  id: string;
  name: string;
  type: string;
  properties: Record<string, string>;
  project_id: string;
  created_at: string;
}

export const TRIGGER_SORT_KEYS = ['id', 'name', 'type', 'created_at'] as const;
export type TriggerSortKey = (typeof TRIGGER_SORT_KEYS)[number];

const recordOf = (row: TriggersTable): TriggerRecord => ({
  id: row.id,
  name: row.name,
  type: row.type,
  properties: JSON.parse(row.properties) as Record<string, string>,
  project_id: row.project_id,
  created_at: row.created_at,
});

/** Triggers and their next fires in the database (Karbor's `triggers` and `trigger_executions`). */
export class TriggerStore {
  constructor(
    private readonly db: Kysely<Database>,
    /** MySQL/MariaDB locks the fires it takes (`FOR UPDATE`); SQLite has one writer at a time. */
    private readonly dialect: 'sqlite' | 'mysql' = 'sqlite',
  ) {}

  /** Creates a trigger with its first fire, in one transaction. */
  async create(
    trigger: { name: string; type: string; projectId: string; properties: Record<string, string> },
    firstFire: Date,
  ): Promise<TriggerRecord> {
    const row: TriggersTable = {
      id: randomUUID(),
      name: trigger.name,
      type: trigger.type,
      project_id: trigger.projectId,
      properties: JSON.stringify(trigger.properties),
      created_at: new Date().toISOString(),
      updated_at: null,
    };
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('triggers').values(row).execute();
      await tx
        .insertInto('trigger_executions')
        .values({ trigger_id: row.id, execution_time: firstFire.toISOString() })
        .execute();
    });
    return recordOf(row);
  }

  /** The trigger `id` (in `projectId`, when given). */
  async get(id: string, projectId?: string): Promise<TriggerRecord | undefined> {
    let query = this.db.selectFrom('triggers').selectAll().where('id', '=', id);
    if (projectId !== undefined) query = query.where('project_id', '=', projectId);
    const row = await query.executeTakeFirst();
    return row === undefined ? undefined : recordOf(row);
  }

  /** Its next fire, if it has one left. */
  async nextFire(id: string): Promise<Date | undefined> {
    const row = await this.db
      .selectFrom('trigger_executions')
      .select('execution_time')
      .where('trigger_id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : new Date(row.execution_time);
  }

  /** A page of triggers, or `undefined` when the marker is not a visible trigger. */
  async list(options: {
    projectId?: string;
    filters: { name?: string; type?: string; properties?: string };
    sort: SortOrder<TriggerSortKey>;
    limit: number;
    marker?: string;
  }): Promise<TriggerRecord[] | undefined> {
    const sort = withTieBreakers(options.sort);
    let query = this.db.selectFrom('triggers').selectAll();
    if (options.projectId !== undefined) query = query.where('project_id', '=', options.projectId);
    const { name, type, properties } = options.filters;
    if (type !== undefined) query = query.where('type', '=', type);
    if (name !== undefined) query = query.where(contains('name', name));
    if (properties !== undefined) query = query.where(contains('properties', properties));
    if (options.marker !== undefined) {
      const marker = await this.db
        .selectFrom('triggers')
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

  /**
   * Renames a trigger and/or replaces its properties; with new properties, its next fire is
   * replaced in the same transaction (none: `null`, the trigger has no fire left).
   */
  async update(
    id: string,
    changes: { name?: string; properties?: Record<string, string>; nextFire?: Date | null },
  ): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('triggers')
        .set({
          updated_at: new Date().toISOString(),
          ...(changes.name !== undefined ? { name: changes.name } : {}),
          ...(changes.properties !== undefined ? { properties: JSON.stringify(changes.properties) } : {}),
        })
        .where('id', '=', id)
        .execute();
      if (changes.nextFire !== undefined) {
        await tx.deleteFrom('trigger_executions').where('trigger_id', '=', id).execute();
        if (changes.nextFire !== null)
          await tx
            .insertInto('trigger_executions')
            .values({ trigger_id: id, execution_time: changes.nextFire.toISOString() })
            .execute();
      }
    });
  }

  /** Fires due by `now`, oldest first, with their triggers. */
  async due(now: Date, limit: number): Promise<{ trigger: TriggerRecord; executionTime: string }[]> {
    const rows = await this.db
      .selectFrom('trigger_executions')
      .innerJoin('triggers', 'triggers.id', 'trigger_executions.trigger_id')
      .selectAll('triggers')
      .select('trigger_executions.execution_time')
      .where('trigger_executions.execution_time', '<=', now.toISOString())
      // The same order in every engine: their transactions lock fires in one order (no deadlock).
      .orderBy('trigger_executions.execution_time')
      .orderBy('trigger_executions.trigger_id')
      .limit(limit)
      .execute();
    return rows.map(({ execution_time, ...row }) => ({
      trigger: recordOf(row),
      executionTime: execution_time,
    }));
  }

  /**
   * Takes fires: moves each on to its `next` (or removes it, none left), only if no one did
   * first, and writes the operation logs of each fire taken, all in one transaction. Karbor's
   * compare-and-swap: of engines that race for one fire, exactly one takes it. A crash cannot
   * take a fire and lose its logs: a fire moves on only with them (a run's log `in_progress`,
   * owned by its engine, which the other engines fail with the reason if that engine stops).
   *
   * @returns for each fire, the ids of its logs if this call took it, else `undefined`
   */
  async takeFires(
    fires: readonly {
      triggerId: string;
      executionTime: string;
      next: Date | undefined;
      logs: readonly Omit<OperationLogsTable, 'id'>[];
    }[],
  ): Promise<(string[] | undefined)[]> {
    if (fires.length === 0) return [];
    return this.db.transaction().execute(async (tx) => {
      // Which fires are still as read: those are this call's. MySQL locks them until the commit;
      // SQLite's write below fails (SQLITE_BUSY, the batch taken again at the next poll) if
      // another connection wrote since this read, so no fire is taken twice.
      let current = tx
        .selectFrom('trigger_executions')
        .select(['trigger_id', 'execution_time'])
        .where(
          'trigger_id',
          'in',
          fires.map((f) => f.triggerId),
        );
      if (this.dialect === 'mysql') current = current.forUpdate();
      const now = new Map((await current.execute()).map((r) => [r.trigger_id, r.execution_time]));
      const mine = fires.map((f) => now.get(f.triggerId) === f.executionTime);
      const moved = fires.filter((f, i) => mine[i] && f.next !== undefined);
      const ended = fires.filter((f, i) => mine[i] && f.next === undefined);
      if (moved.length > 0) {
        const result = await tx
          .updateTable('trigger_executions')
          .set({
            execution_time: sql<string>`case trigger_id ${sql.join(
              moved.map((f) => sql`when ${f.triggerId} then ${f.next!.toISOString()}`),
              sql` `,
            )} end`,
          })
          .where(
            'trigger_id',
            'in',
            moved.map((f) => f.triggerId),
          )
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== moved.length)
          throw new Error(`fires changed while taken: ${result.numUpdatedRows} of ${moved.length} moved on`);
      }
      if (ended.length > 0)
        await tx
          .deleteFrom('trigger_executions')
          .where(
            'trigger_id',
            'in',
            ended.map((f) => f.triggerId),
          )
          .execute();
      const taken: (string[] | undefined)[] = [];
      const rows: OperationLogsTable[] = [];
      fires.forEach((fire, i) => {
        if (!mine[i]) {
          taken.push(undefined);
          return;
        }
        const logs = fire.logs.map((log) => ({ ...log, id: randomUUID() }));
        rows.push(...logs);
        taken.push(logs.map((l) => l.id));
      });
      for (let i = 0; i < rows.length; i += 200)
        await tx
          .insertInto('operation_logs')
          .values(rows.slice(i, i + 200))
          .execute();
      return taken;
    });
  }

  /** The earliest next fire of any trigger (`undefined`: none). */
  async earliestFire(): Promise<Date | undefined> {
    const row = await this.db
      .selectFrom('trigger_executions')
      .select('execution_time')
      .orderBy('execution_time')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : new Date(row.execution_time);
  }

  /** Deletes a trigger and its next fire. */
  async delete(id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('trigger_executions').where('trigger_id', '=', id).execute();
      await tx.deleteFrom('triggers').where('id', '=', id).execute();
    });
  }
}
