import { type Caller, isHoardError, type JsonObject, type Logger } from '@hoard/core';
import type { Provider } from '@hoard/core/host';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PLAN_SORT_KEYS, type PlanRecord, type PlanResource, type PlanStore } from '../database/planStore.js';
import type { QuotaStore } from '../database/quotaStore.js';
import { ApiFault, invalidInput } from '../faults.js';
import type { KeyedLock } from '../keyedLock.js';
import {
  allTenantsOf,
  filtersOf,
  isUuidLike,
  limitOf,
  linksOf,
  offsetOf,
  queryOf,
  sortOf,
} from '../listing.js';
import { RenderedCache } from '../renderedCache.js';
import { servesCaller } from './providers.js';
import { checkQuota } from './quotas.js';

// Karbor's schemas (`karbor/api/schemas/plans.py`, draft 4), with its parameter types.
const name = { type: 'string', minLength: 1, maxLength: 255, pattern: '\\S' } as const;
const description = { type: ['string', 'null'], maxLength: 255 } as const;
const uuid = {
  type: 'string',
  pattern: '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$',
} as const;
const resources = { type: 'array', items: { type: 'object' } } as const;
const parameters = {
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9-_:.# /]{1,255}$': { type: 'object' } },
  additionalProperties: false,
} as const;
const createSchema = {
  type: 'object',
  required: ['plan'],
  additionalProperties: false,
  properties: {
    plan: {
      type: 'object',
      required: ['name', 'provider_id', 'parameters'],
      additionalProperties: false,
      properties: { name, description, provider_id: uuid, parameters, resources },
    },
  },
} as const;
const updateSchema = {
  type: 'object',
  required: ['plan'],
  additionalProperties: false,
  properties: {
    plan: {
      type: 'object',
      additionalProperties: false,
      properties: { name, description, status: { type: ['string', 'null'] }, resources },
    },
  },
} as const;

/** Karbor's plan view: exactly `id, name, description, resources, provider_id, status, parameters`. */
const planView = (p: PlanRecord) => ({
  id: p.id,
  name: p.name,
  description: p.description,
  resources: p.resources,
  provider_id: p.provider_id,
  status: p.status,
  parameters: p.parameters,
});

/** Plans: create, list, show, update, delete (`karbor/api/v1/plans.py`). */
export function planRoutes(
  app: FastifyInstance,
  providers: readonly Provider[],
  plans: PlanStore,
  quotas: QuotaStore,
  quotaLock: KeyedLock,
  logger: Logger,
): void {
  const caller = (request: FastifyRequest) => request.karborContext!;
  const planId = (request: FastifyRequest) => {
    const { planId: id } = request.params as { planId: string };
    if (!isUuidLike(id)) throw new ApiFault(400, 'Invalid plan id provided.');
    return id;
  };
  /** The plan, visible to the caller (an admin sees every project's), or 404. */
  const visiblePlan = async (request: FastifyRequest, id: string) => {
    const context = caller(request);
    const plan = await plans.get(id, context.isAdmin ? undefined : context.projectId);
    if (plan === undefined) throw new ApiFault(404, `Plan ${id} could not be found.`);
    return plan;
  };

  /** Each resource: the keys Karbor requires, a type the provider protects, and it exists. */
  const checkResources = async (
    provider: Provider,
    given: unknown,
    signal: AbortSignal,
    caller: Caller,
  ): Promise<PlanResource[]> => {
    if (!Array.isArray(given) || given.length === 0)
      throw invalidInput('list resources must be provided when creating a plan.');
    const out: PlanResource[] = [];
    for (const item of given as Record<string, unknown>[]) {
      const { id, type, name: resourceName, extra_info: extra, ...rest } = item;
      if (
        typeof id !== 'string' ||
        typeof type !== 'string' ||
        typeof resourceName !== 'string' ||
        Object.keys(rest).length > 0 ||
        (extra !== undefined && extra !== null && (typeof extra !== 'object' || Array.isArray(extra)))
      )
        throw invalidInput(
          'Resource in list must be a dict when creating a plan.The keys of resource are id,type and name.',
        );
      const protectable = provider.protectables.find((p) => p.resourceType === type);
      if (protectable === undefined || !provider.pluginByType.has(type))
        throw invalidInput(
          `resource type ${type} (resource ${id}) is not protected by provider ${provider.name}.`,
        );
      try {
        await protectable.show({ config: provider.config, signal, logger, caller }, id);
      } catch (error) {
        if (isHoardError(error) && error.code === 'RESOURCE_NOT_FOUND')
          throw invalidInput(`The resource ${type} ${id} does not exist.`);
        throw error;
      }
      out.push({
        id,
        type,
        name: resourceName,
        ...(extra !== undefined && extra !== null && Object.keys(extra).length > 0
          ? { extra_info: extra as Record<string, unknown> }
          : {}),
      });
    }
    return out;
  };

  /**
   * Keys `<type>` or `<type>#<resource id>` of a type the provider protects; each value valid
   * for that plugin's protect parameters (Karbor checked only the property names; Hoard checks
   * the whole value against the plugin's schema, and keeps its JSON types).
   */
  const checkParameters = (provider: Provider, given: Record<string, JsonObject>) => {
    for (const [key, value] of Object.entries(given)) {
      const type = key.includes('#') ? key.slice(0, key.indexOf('#')) : key;
      const loaded = provider.pluginByType.get(type);
      if (loaded === undefined) throw invalidInput('The key of plan parameters is invalid.');
      const schema = loaded.schemas.protect;
      if (schema !== undefined && !schema.validate(structuredClone(value))) {
        const problem = schema.validate.errors?.[0];
        throw invalidInput(
          `The protect property of plan parameters is invalid: ${key}${problem?.instancePath ?? ''} ${problem?.message ?? ''}`.trim(),
        );
      }
    }
  };

  app.post('/v1/:projectId/plans', { schema: { body: createSchema } }, async (request) => {
    const { plan } = request.body as {
      plan: {
        name: string;
        description?: string | null;
        provider_id: string;
        parameters: Record<string, JsonObject>;
        resources?: unknown;
      };
    };
    const provider = providers.find(
      (p) => p.id === plan.provider_id && servesCaller(p, request.karborContext!),
    );
    if (provider === undefined) throw invalidInput('The provider could not be found.');
    const checked = await checkResources(
      provider,
      plan.resources,
      AbortSignal.timeout(120_000),
      request.caller!,
    );
    checkParameters(provider, plan.parameters);
    const projectId = caller(request).projectId;
    const created = await quotaLock.run(projectId, async () => {
      await checkQuota(quotas, projectId, 'plans', () => plans.count(projectId));
      return plans.create({
        name: plan.name,
        description: plan.description ?? null,
        providerId: provider.id,
        projectId,
        parameters: plan.parameters,
        resources: checked,
      });
    });
    return { plan: planView(created) };
  });

  const rendered = new RenderedCache();
  const json = (reply: FastifyReply, body: Buffer | string) =>
    reply.type('application/json; charset=utf-8').send(body);

  app.get('/v1/:projectId/plans', async (request, reply) => {
    const context = caller(request);
    const query = queryOf(request);
    const limit = limitOf(query);
    const filters = filtersOf(query, context.isAdmin, ['name', 'status', 'description']);
    const allTenants = allTenantsOf(query, context.isAdmin);
    const projectId = allTenants ? filters['project_id'] : context.projectId;
    // A page of one project's plans is answered from the cache while that project's plans have
    // not changed. The key names what the page is made from: the project listed, whether the
    // caller is an admin (which filters apply) and the URL (the links name the host asked).
    const key =
      projectId !== undefined
        ? `list\0${projectId}\0${context.isAdmin}\0${request.protocol}://${request.host}${request.url}`
        : undefined;
    const version = projectId !== undefined ? await plans.version(projectId) : 0;
    const render = async () => {
      const page = await plans.list({
        ...(projectId !== undefined ? { projectId } : {}),
        filters: {
          ...(filters['name'] !== undefined ? { name: filters['name'] } : {}),
          ...(filters['description'] !== undefined ? { description: filters['description'] } : {}),
          ...(filters['status'] !== undefined ? { status: filters['status'] } : {}),
        },
        sort: sortOf(query, PLAN_SORT_KEYS),
        limit,
        offset: offsetOf(query),
        ...(query['marker'] !== undefined ? { marker: query['marker'] } : {}),
      });
      if (page === undefined) throw new ApiFault(404, `Plan ${query['marker']} could not be found.`);
      const { links } = linksOf(request, 'plans', query, page, limit);
      return JSON.stringify({ plans: page.map(planView), ...(links ? { plans_links: links } : {}) });
    };
    return json(
      reply,
      key !== undefined ? await rendered.render(key, projectId!, version, render) : await render(),
    );
  });

  app.get('/v1/:projectId/plans/:planId', async (request, reply) => {
    const id = planId(request);
    const context = caller(request);
    const key = `show\0${id}`;
    const entry = rendered.peek(key);
    if (entry !== undefined && (context.isAdmin || entry.scope === context.projectId)) {
      const hit = rendered.fresh(key, await plans.version(entry.scope));
      if (hit !== undefined) return json(reply, hit);
    }
    // The version of the plan's project, read before the plan that is rendered: the caller's own
    // project first (where a plan usually is); another project's (an admin's read) costs a second
    // read of the plan, after its version.
    let version = await plans.version(context.projectId);
    let plan = await visiblePlan(request, id);
    if (plan.project_id !== context.projectId) {
      version = await plans.version(plan.project_id);
      plan = await visiblePlan(request, id);
    }
    const body = JSON.stringify({ plan: planView(plan) });
    rendered.set(key, plan.project_id, version, body);
    return json(reply, body);
  });

  app.put('/v1/:projectId/plans/:planId', { schema: { body: updateSchema } }, async (request) => {
    const id = planId(request);
    const { plan: changes } = request.body as {
      plan: { name?: string; description?: string | null; status?: string | null; resources?: unknown };
    };
    if (!['name', 'resources', 'status', 'description'].some((k) => k in changes))
      throw new ApiFault(400, 'Missing updated parameters in request body.');
    const plan = await visiblePlan(request, id);
    if (plan.status !== 'suspended')
      throw new ApiFault(400, 'Invalid plan: The plan can be only updated in suspended status.');
    const provider = providers.find(
      (p) => p.id === plan.provider_id && servesCaller(p, request.karborContext!),
    );
    if (changes.resources !== undefined && provider === undefined)
      throw invalidInput('The provider could not be found.');
    const checked =
      changes.resources !== undefined
        ? await checkResources(provider!, changes.resources, AbortSignal.timeout(120_000), request.caller!)
        : undefined;
    await plans.update(id, {
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...('description' in changes ? { description: changes.description ?? null } : {}),
      ...(changes.status !== undefined && changes.status !== null ? { status: changes.status } : {}),
      ...(checked !== undefined ? { resources: checked } : {}),
    });
    return { plan: planView((await plans.get(id))!) };
  });

  app.delete('/v1/:projectId/plans/:planId', async (request, reply) => {
    const id = planId(request);
    await visiblePlan(request, id);
    await plans.delete(id);
    void reply.type('application/json');
    return '';
  });
}
