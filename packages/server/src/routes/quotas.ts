import type { FastifyInstance, FastifyRequest } from 'fastify';
import { QUOTA_RESOURCES, type QuotaLimits, type QuotaStore } from '../database/quotaStore.js';
import { ApiFault } from '../faults.js';
import { isUuidLike } from '../listing.js';

/** How much of each quota a project uses now. */
export type QuotaUsage = (projectId: string) => Promise<QuotaLimits>;

/** Karbor's `metadata` type: the body of a quota or quota-class update. */
const metadata = {
  type: ['object', 'null'],
  patternProperties: { '^[a-zA-Z0-9-_:.# ]{1,255}$': { type: ['boolean', 'string', 'integer'] } },
  additionalProperties: false,
} as const;
const updateSchema = (key: string) =>
  ({
    type: 'object',
    required: [key],
    additionalProperties: false,
    properties: { [key]: metadata },
  }) as const;

/**
 * The limits given in an update: Karbor's checks (`quotas.py` `update`), keys other than
 * `plans` and `checkpoints` ignored as Karbor ignores them.
 */
function limitsOf(body: Record<string, unknown> | null): Partial<QuotaLimits> {
  const limits: Partial<QuotaLimits> = {};
  for (const resource of QUOTA_RESOURCES) {
    const value = body?.[resource];
    if (value === undefined) continue;
    const text = String(value);
    if (typeof value === 'boolean' || !/^\s*[-+]?\d+\s*$/.test(text))
      throw new ApiFault(400, `Quota '${text}' for ${resource} should be integer.`);
    const limit = Number(text);
    if (limit < -1) throw new ApiFault(400, 'Quota limit must be -1 or greater.');
    limits[resource] = limit;
  }
  return limits;
}

/**
 * Quotas and quota classes (`/quotas/{project_id}`, `/quota_classes/{class_name}`), with
 * Karbor's shapes: `{"quota": {"plans", "checkpoints", "id"}}`; updates answer without `id`.
 */
export function quotaRoutes(app: FastifyInstance, quotas: QuotaStore, usage: QuotaUsage): void {
  /** The project named in the path: uuid-like, and the caller's own unless an admin asks. */
  const target = (request: FastifyRequest) => {
    const { quotaProjectId } = request.params as { quotaProjectId: string };
    if (!isUuidLike(quotaProjectId)) throw new ApiFault(400, 'Invalid project id provided.');
    const context = request.karborContext!;
    if (!context.isAdmin && quotaProjectId !== context.projectId) throw new ApiFault(403, 'Not authorized.');
    return quotaProjectId;
  };

  app.get('/v1/:projectId/quotas/:quotaProjectId', async (request) => {
    const id = target(request);
    return { quota: { ...(await quotas.limits(id)), id } };
  });
  app.get('/v1/:projectId/quotas/:quotaProjectId/detail', async (request) => {
    const id = target(request);
    const [limits, used] = await Promise.all([quotas.limits(id), usage(id)]);
    const detail = Object.fromEntries(
      QUOTA_RESOURCES.map((r) => [r, { limit: limits[r], in_use: used[r], reserved: 0 }]),
    );
    return { quota: { ...detail, id } };
  });
  app.get('/v1/:projectId/quotas/:quotaProjectId/defaults', async (request) => {
    const id = target(request);
    return { quota: { ...(await quotas.defaults()), id } };
  });
  app.put(
    '/v1/:projectId/quotas/:quotaProjectId',
    { schema: { body: updateSchema('quota') } },
    async (request) => {
      const id = target(request);
      await quotas.setProject(
        id,
        limitsOf((request.body as { quota: Record<string, unknown> | null }).quota),
      );
      return { quota: await quotas.limits(id) };
    },
  );
  app.delete('/v1/:projectId/quotas/:quotaProjectId', async (request, reply) => {
    await quotas.deleteProject(target(request));
    return reply.type('application/json').send('');
  });

  app.get('/v1/:projectId/quota_classes/:className', async (request) => {
    const { className } = request.params as { className: string };
    return { quota_class: { ...(await quotas.classLimits(className)), id: className } };
  });
  app.put(
    '/v1/:projectId/quota_classes/:className',
    { schema: { body: updateSchema('quota_class') } },
    async (request) => {
      const { className } = request.params as { className: string };
      if (className.length > 255)
        throw new ApiFault(400, 'The quota class name is longer than 255 characters.');
      const body = (request.body as { quota_class: Record<string, unknown> | null }).quota_class;
      await quotas.setClass(className, limitsOf(body));
      return { quota_class: await quotas.classLimits(className) };
    },
  );
}

/**
 * Refuses one more of `resource` when the project is at its limit: 413 `overLimit` with
 * Karbor's text (`PlanLimitExceeded`, `CheckpointLimitExceeded`).
 */
export async function checkQuota(
  quotas: QuotaStore,
  projectId: string,
  resource: 'plans' | 'checkpoints',
  inUse: () => Promise<number>,
): Promise<void> {
  const limit = (await quotas.limits(projectId))[resource];
  if (limit < 0) return;
  if ((await inUse()) >= limit)
    throw new ApiFault(413, `Maximum number of ${resource} allowed (${limit}) exceeded`);
}
