import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** What quotas limit: Karbor's two resources. */
export const QUOTA_RESOURCES = ['plans', 'checkpoints'] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];
/** A limit for each resource; -1 is unlimited. */
export type QuotaLimits = Record<QuotaResource, number>;

/**
 * Quotas as Karbor's `DbQuotaDriver` keeps them: a project's own limits, else those of quota
 * class `default`, else the configured defaults (`quota_plans`, `quota_checkpoints`).
 */
export class QuotaStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly configured: QuotaLimits,
  ) {}

  /** The defaults: class `default` over the configured ones. */
  async defaults(): Promise<QuotaLimits> {
    return this.classLimits('default');
  }

  /** The limits of a quota class (its own, the rest from the configured defaults). */
  async classLimits(className: string): Promise<QuotaLimits> {
    const rows = await this.db
      .selectFrom('quota_classes')
      .selectAll()
      .where('class_name', '=', className)
      .execute();
    return overlay({ ...this.configured }, rows);
  }

  /** The limits of a project. */
  async limits(projectId: string): Promise<QuotaLimits> {
    const rows = await this.db.selectFrom('quotas').selectAll().where('project_id', '=', projectId).execute();
    return overlay(await this.defaults(), rows);
  }

  /** Sets some of a project's limits. */
  async setProject(projectId: string, limits: Partial<QuotaLimits>): Promise<void> {
    await this.upsert('quotas', 'project_id', projectId, limits);
  }

  /** Sets some of a class's limits. */
  async setClass(className: string, limits: Partial<QuotaLimits>): Promise<void> {
    await this.upsert('quota_classes', 'class_name', className, limits);
  }

  /** Forgets a project's own limits (it has the defaults again). */
  async deleteProject(projectId: string): Promise<void> {
    await this.db.deleteFrom('quotas').where('project_id', '=', projectId).execute();
  }

  private async upsert(
    table: 'quotas' | 'quota_classes',
    key: 'project_id' | 'class_name',
    owner: string,
    limits: Partial<QuotaLimits>,
  ): Promise<void> {
    const now = new Date().toISOString();
    // Delete-then-insert in one transaction: one statement text for SQLite and MySQL.
    await this.db.transaction().execute(async (tx) => {
      for (const [resource, limit] of Object.entries(limits)) {
        if (limit === undefined) continue;
        await tx.deleteFrom(table).where(key, '=', owner).where('resource', '=', resource).execute();
        await tx
          .insertInto(table)
          .values({ [key]: owner, resource, hard_limit: limit, updated_at: now } as never)
          .execute();
      }
    });
  }
}

function overlay(
  limits: QuotaLimits,
  rows: readonly { resource: string; hard_limit: number }[],
): QuotaLimits {
  for (const row of rows)
    if ((QUOTA_RESOURCES as readonly string[]).includes(row.resource))
      limits[row.resource as QuotaResource] = Number(row.hard_limit);
  return limits;
}
