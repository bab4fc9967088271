import { randomUUID } from 'node:crypto';
import type { JsonObject } from '@hoard/core';
import { type Kysely, sql } from 'kysely';
import { afterMarker, contains, withTieBreakers } from './keyset.js';
import type { Database, PlansTable } from './schema.js';

/** A plan's resource as Karbor shows it (`extra_info` only when not empty). */
export interface PlanResource {
  id: string;
  type: string;
  name: string;
  extra_info?: Record<string, unknown>;
}

/** A plan as stored, with what the API does not show (project, times). */
export interface PlanRecord {
  id: string;
  name: string;
  description: string | null;
  provider_id: string;
  project_id: string;
  status: string;
  parameters: Record<string, JsonObject>;
  resources: PlanResource[];
  created_at: string;
  updated_at: string | null;
}

/** Columns a plan list can be sorted by. */
export const PLAN_SORT_KEYS = [
  'id',
  'name',
  'status',
  'description',
  'provider_id',
  'created_at',
  'updated_at',
] as const;
export type PlanSortKey = (typeof PLAN_SORT_KEYS)[number];

/** Options of {@link PlanStore.list}. */
export interface PlanListOptions {
  /** Only this project's plans (undefined: every project, for admins with all_tenants). */
  projectId?: string;
  /** Exact `status`; `name` and `description` contain the text. */
  filters: { name?: string; description?: string; status?: string };
  sort: { key: PlanSortKey; dir: 'asc' | 'desc' }[];
  limit: number;
  offset: number;
  /** The plan before the page (it must exist and be visible, or the result is `undefined`). */
  marker?: string;
}

/** Plans in the database (Karbor's `plans` and `resources` tables). */
export class PlanStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'mysql',
  ) {}

  /** The project's plan version (see `plan_versions`): 0 before its first write. */
  async version(projectId: string): Promise<number> {
    const row = await this.db
      .selectFrom('plan_versions')
      .select('version')
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return row === undefined ? 0 : Number(row.version);
  }

  /** Raises the project's plan version, in the write's transaction. */
  private async bump(tx: Kysely<Database>, projectId: string): Promise<void> {
    const insert = tx.insertInto('plan_versions').values({ project_id: projectId, version: 1 });
    await (this.dialect === 'mysql'
      ? insert.onDuplicateKeyUpdate({ version: sql`version + 1` })
      : insert.onConflict((oc) =>
          oc.column('project_id').doUpdateSet({ version: sql`plan_versions.version + 1` }),
        )
    ).execute();
  }

  /** The project of plan `id`, read in a write's transaction. */
  private async projectOf(tx: Kysely<Database>, id: string): Promise<string | undefined> {
    const row = await tx.selectFrom('plans').select('project_id').where('id', '=', id).executeTakeFirst();
    return row?.project_id;
  }

  /** Creates a plan (status `suspended`) with its resources, in one transaction. */
  async create(plan: {
    name: string;
    description: string | null;
    providerId: string;
    projectId: string;
    parameters: Record<string, JsonObject>;
    resources: PlanResource[];
  }): Promise<PlanRecord> {
    const row: PlansTable = {
      id: randomUUID(),
      name: plan.name,
      description: plan.description,
      provider_id: plan.providerId,
      project_id: plan.projectId,
      status: 'suspended',
      parameters: JSON.stringify(plan.parameters),
      created_at: new Date().toISOString(),
      updated_at: null,
    };
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('plans').values(row).execute();
      await insertResources(tx, row.id, plan.resources);
      await this.bump(tx, row.project_id);
    });
    return { ...recordOf(row), resources: plan.resources };
  }

  /** The plan `id` if it exists (in `projectId`, when given). */
  async get(id: string, projectId?: string): Promise<PlanRecord | undefined> {
    let query = this.db.selectFrom('plans').selectAll().where('id', '=', id);
    if (projectId !== undefined) query = query.where('project_id', '=', projectId);
    const row = await query.executeTakeFirst();
    if (row === undefined) return undefined;
    return (await this.withResources([row]))[0];
  }

  /** A page of plans, or `undefined` when the marker is not a visible plan. */
  async list(options: PlanListOptions): Promise<PlanRecord[] | undefined> {
    const sort = withTieBreakers(options.sort);
    let query = this.db.selectFrom('plans').selectAll();
    if (options.projectId !== undefined) query = query.where('project_id', '=', options.projectId);
    const { name, description, status } = options.filters;
    if (status !== undefined) query = query.where('status', '=', status);
    if (name !== undefined) query = query.where(contains('name', name));
    if (description !== undefined) query = query.where(contains('description', description));
    if (options.marker !== undefined) {
      const marker = await this.db
        .selectFrom('plans')
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
    const rows = await query.limit(options.limit).offset(options.offset).execute();
    return this.withResources(rows);
  }

  /** Changes name, description, status and/or resources; `undefined` when there is no such plan. */
  async update(
    id: string,
    changes: { name?: string; description?: string | null; status?: string; resources?: PlanResource[] },
  ): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const set: Partial<PlansTable> = { updated_at: new Date().toISOString() };
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.description !== undefined) set.description = changes.description;
      if (changes.status !== undefined) set.status = changes.status;
      await tx.updateTable('plans').set(set).where('id', '=', id).execute();
      if (changes.resources !== undefined) {
        await tx.deleteFrom('plan_resources').where('plan_id', '=', id).execute();
        await insertResources(tx, id, changes.resources);
      }
      const projectId = await this.projectOf(tx, id);
      if (projectId !== undefined) await this.bump(tx, projectId);
    });
  }

  /** Deletes a plan and its resources. */
  async delete(id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const projectId = await this.projectOf(tx, id);
      await tx.deleteFrom('plan_resources').where('plan_id', '=', id).execute();
      await tx.deleteFrom('plans').where('id', '=', id).execute();
      if (projectId !== undefined) await this.bump(tx, projectId);
    });
  }

  /** How many plans a project has (quota usage). */
  async count(projectId: string): Promise<number> {
    const row = await this.db
      .selectFrom('plans')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private async withResources(rows: PlansTable[]): Promise<PlanRecord[]> {
    if (rows.length === 0) return [];
    const resources = await this.db
      .selectFrom('plan_resources')
      .selectAll()
      .where(
        'plan_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('seq', 'asc')
      .execute();
    const byPlan = new Map<string, PlanResource[]>();
    for (const r of resources) {
      const extra =
        r.resource_extra_info === null
          ? undefined
          : (JSON.parse(r.resource_extra_info) as Record<string, unknown>);
      const list = byPlan.get(r.plan_id) ?? [];
      list.push({
        id: r.resource_id,
        type: r.resource_type,
        name: r.resource_name,
        ...(extra !== undefined && Object.keys(extra).length > 0 ? { extra_info: extra } : {}),
      });
      byPlan.set(r.plan_id, list);
    }
    return rows.map((row) => ({ ...recordOf(row), resources: byPlan.get(row.id) ?? [] }));
  }
}

function recordOf(row: PlansTable): Omit<PlanRecord, 'resources'> {
  return { ...row, parameters: JSON.parse(row.parameters) as PlanRecord['parameters'] };
}

async function insertResources(
  tx: Kysely<Database>,
  planId: string,
  resources: PlanResource[],
): Promise<void> {
  if (resources.length === 0) return;
  await tx
    .insertInto('plan_resources')
    .values(
      resources.map((r) => ({
        plan_id: planId,
        resource_id: r.id,
        resource_type: r.type,
        resource_name: r.name,
        resource_extra_info: r.extra_info === undefined ? null : JSON.stringify(r.extra_info),
      })),
    )
    .execute();
}
