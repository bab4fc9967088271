import { type Caller, isHoardError, type JsonObject, type Logger } from '@hoard/core';
import {
  type CheckpointRecord,
  createProtectionService,
  messageOf,
  type ProtectionService,
  type Provider,
} from '@hoard/core/host';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import PQueue from 'p-queue';
import type { PlanRecord, PlanStore } from '../database/planStore.js';
import type { QuotaStore } from '../database/quotaStore.js';
import type { RunningOperationStore } from '../database/runningOperationStore.js';
import { ApiFault } from '../faults.js';
import type { KeyedLock } from '../keyedLock.js';
import { allTenantsOf, filtersOf, isUuidLike, limitOf, linksOf, queryOf } from '../listing.js';
import type { OperationProgress } from '../operationProgress.js';
import { RenderedCache } from '../renderedCache.js';
import { providerById } from './providers.js';
import { checkQuota } from './quotas.js';

/** What the API records with a checkpoint (`hostInfo` in the bank), Karbor's index.json fields. */
interface KarborHostInfo {
  protection_plan: { id: string; name: string; provider_id: string; resources: JsonObject[] };
  extra_info: JsonObject;
}

const createSchema = {
  type: 'object',
  required: ['checkpoint'],
  additionalProperties: false,
  properties: {
    checkpoint: {
      type: 'object',
      required: ['plan_id'],
      additionalProperties: false,
      properties: {
        plan_id: { type: 'string', pattern: '^[0-9a-fA-F-]{32,36}$' },
        'extra-info': { type: ['object', 'null'] },
      },
    },
  },
} as const;

const resetStateSchema = {
  type: 'object',
  required: ['os-resetState'],
  additionalProperties: false,
  properties: {
    'os-resetState': {
      type: 'object',
      required: ['state'],
      additionalProperties: false,
      properties: { state: { type: 'string', enum: ['available', 'error'] } },
    },
  },
} as const;

/**
 * Karbor's `resource_graph`, a JSON string: `[{"<sid>": [type, id, name, extra_info]}, [[parent
 * sid, [child sids]], ...]]`, sids `0x0`, `0x1`, ... in node order.
 */
function karborGraph(record: CheckpointRecord): string {
  const resources = record.graph.resources;
  const sid = (i: number) => `0x${i.toString(16)}`;
  const index = new Map(resources.map((r, i) => [`${r.type}#${r.id}`, i]));
  const nodes = Object.fromEntries(
    resources.map((r, i) => [sid(i), [r.type, r.id, r.name, r.extra ?? null]]),
  );
  const edges = resources.flatMap((r, i) => {
    const children = (r.dependsOn ?? [])
      .map((d) => index.get(`${d.type}#${d.id}`))
      .filter((c): c is number => c !== undefined);
    return children.length > 0 ? [[sid(i), children.map(sid)]] : [];
  });
  return JSON.stringify([nodes, edges]);
}

/** Karbor's checkpoint view: `id, project_id, status, protection_plan, resource_graph, created_at, extra_info`. */
function checkpointView(record: CheckpointRecord) {
  const info = record.hostInfo as KarborHostInfo | undefined;
  return {
    id: record.id,
    project_id: record.projectId ?? null,
    status: record.status === 'corrupt' ? 'error' : record.status,
    protection_plan: info?.protection_plan ?? {
      id: record.planId ?? null,
      name: null,
      provider_id: record.providerId,
      resources: [],
    },
    resource_graph: karborGraph(record),
    created_at: record.createdAt.slice(0, 10),
    extra_info: JSON.stringify(info?.extra_info ?? {}),
    // Hoard's extension (ignored by the client): why a checkpoint is not available.
    ...(record.reason !== undefined ? { status_reason: record.reason } : {}),
    ...(record.error !== undefined ? { hoard_error: record.error.message } : {}),
  };
}

/**
 * How stale a checkpoint list may be for what other servers (or `hoard` commands) wrote to the
 * bank: its index entries are read at most this long ago, and a rendered page is answered for at
 * most this long, so a new or purged checkpoint is listed at most twice this late. What this
 * server writes (a protect or delete starting or ending, a reset-state) is seen at once; a show
 * is always current. Pages read by many clients at once then cost one render a second each, not
 * one per client.
 */
const LISTING_AGE_MS = 1000;

/**
 * How old a settled status (`available`, `error`) a page may be rendered with, for what other
 * servers wrote: a status read costs a bank read (four system calls on bank-fs), and settled
 * statuses change only by a reset-state or a delete. `protecting` and `deleting` are read at each
 * render.
 */
const LISTING_STATUS_AGE_MS = 10_000;

/** The checkpoint operations this server runs, and those its predecessor was running when it died. */
export interface RunningOperations {
  store: RunningOperationStore;
  /** This server's `services` row. */
  serviceId: number;
  /** Checkpoints whose protect the predecessor was running: shown `error`, reason `interrupted`. */
  interrupted: Set<string>;
}

/** What the operation engine asks of the checkpoint routes: the API's own protect and delete. */
export interface CheckpointOperations {
  protectPlan(
    plan: PlanRecord,
    provider: Provider,
    caller: Caller,
    extraInfo: JsonObject,
  ): Promise<{ id: string; createdAt: string; done: Promise<CheckpointRecord> }>;
  deleteCheckpoint(
    provider: Provider,
    checkpointId: string,
    caller: Caller,
  ): Promise<{ done: Promise<unknown> }>;
}

/** The protection service of a provider (one each, made on first use). */
export type ServiceOf = (provider: Provider) => Promise<ProtectionService>;

/** How many checkpoints a project has in the banks of `providers` (quota usage). */
export async function countCheckpoints(
  providers: readonly Provider[],
  serviceOf: ServiceOf,
  projectId: string,
): Promise<number> {
  let count = 0;
  for (const provider of providers)
    count += await (await serviceOf(provider)).countCheckpoints({ projectId, maxAgeMs: LISTING_AGE_MS });
  return count;
}

/** Checkpoint pages read from the banks at once (see the list route). */
const LISTINGS_AT_ONCE = 4;

/** One protection service per provider, made on first use. */
export function protectionServices(logger: Logger): ServiceOf {
  const services = new Map<string, Promise<ProtectionService>>();
  return (provider) => {
    let service = services.get(provider.id);
    if (service === undefined) {
      service = createProtectionService(provider, { logger });
      services.set(provider.id, service);
      service.catch(() => services.delete(provider.id));
    }
    return service;
  };
}

/** Checkpoints of a provider: create (an asynchronous protect of a plan), list, show, delete. */
export function checkpointRoutes(
  app: FastifyInstance,
  providers: readonly Provider[],
  plans: PlanStore,
  serviceOf: ServiceOf,
  inBackground: (work: Promise<unknown>) => void,
  shutdown: AbortSignal,
  quotas: QuotaStore,
  quotaLock: KeyedLock,
  checkpointsInUse: (projectId: string) => Promise<number>,
  progress: OperationProgress,
  running: RunningOperations,
  logger: Logger,
): CheckpointOperations {
  const view = (record: CheckpointRecord) => {
    const shown = { ...checkpointView(record), ...progress.of(record.id) };
    // This server's predecessor died protecting it: it is not protecting, whatever its lease says.
    const cutOff =
      record.status === 'protecting' || (record.status === 'error' && record.reason === 'abandoned');
    if (cutOff && running.interrupted.has(record.id))
      return { ...shown, status: 'error', status_reason: 'interrupted' };
    return shown;
  };
  /** Raised by each of this server's checkpoint writes: rendered pages before it are not answered. */
  let written = 0;
  const pages = new RenderedCache();
  /** Runs a protect's or a delete's promise with its row in the database while it runs. */
  const trackRun = <T>(
    provider: Provider,
    operation: 'protect' | 'delete',
    checkpointId: string,
    work: Promise<T>,
  ) => {
    const added = running.store
      .add({
        checkpoint_id: checkpointId,
        provider_id: provider.id,
        operation,
        service_id: running.serviceId,
      })
      .catch((error: unknown) =>
        logger.warn('could not record a running operation', { error: messageOf(error) }),
      );
    written++;
    void work
      .catch(() => undefined)
      .then(async () => {
        written++;
        await added;
        await running.store.remove(checkpointId);
      })
      .catch((error: unknown) =>
        logger.warn('could not remove a running operation', { error: messageOf(error) }),
      );
  };
  const listings = new PQueue({ concurrency: LISTINGS_AT_ONCE });
  const json = (reply: FastifyReply, body: Buffer) =>
    reply.type('application/json; charset=utf-8').send(body);
  const ids = (request: FastifyRequest) => {
    const { providerId, checkpointId } = request.params as { providerId: string; checkpointId?: string };
    const provider = providerById(providers, providerId, request.karborContext!);
    if (checkpointId !== undefined && !isUuidLike(checkpointId))
      throw new ApiFault(400, 'Invalid checkpoint id provided.');
    return { provider, checkpointId };
  };
  /** The checkpoint, of this provider and visible to the caller. */
  const visible = async (request: FastifyRequest, provider: Provider, id: string) => {
    let record: CheckpointRecord;
    try {
      record = await (await serviceOf(provider)).getCheckpoint(id);
    } catch (error) {
      if (isHoardError(error) && error.code === 'CHECKPOINT_NOT_FOUND')
        throw new ApiFault(404, `Checkpoint ${id} could not be found.`);
      throw error;
    }
    if (record.providerId !== provider.id) throw new ApiFault(404, `Checkpoint ${id} could not be found.`);
    const context = request.karborContext!;
    if (!context.isAdmin && record.projectId !== context.projectId)
      throw new ApiFault(403, `The checkpoint ${id} is not allowed to be accessed.`);
    return record;
  };

  /**
   * Starts a protect of `plan` with its parameters: answers once the checkpoint exists (its index
   * entries written), the protect going on. The quota is checked first, in the project's lock.
   * `done` settles when the protect ends.
   */
  const protectPlan = async (
    plan: PlanRecord,
    provider: Provider,
    caller: Caller,
    extraInfo: JsonObject,
  ): Promise<{ id: string; createdAt: string; done: Promise<CheckpointRecord> }> => {
    const service = await serviceOf(provider);
    const resources = plan.resources.map((r) => ({ type: r.type, id: r.id, name: r.name }));
    const protectionPlan = {
      id: plan.id,
      name: plan.name,
      resources: plan.resources.map((r) => ({ ...r, extra_info: r.extra_info ?? null })) as JsonObject[],
    };
    const hostInfo = {
      protection_plan: { ...protectionPlan, provider_id: provider.id },
      extra_info: extraInfo,
    };
    // The count and the new checkpoint's index entries are one step per project.
    return quotaLock.run(plan.project_id, async () => {
      await checkQuota(quotas, plan.project_id, 'checkpoints', () => checkpointsInUse(plan.project_id));
      return new Promise<{ id: string; createdAt: string; done: Promise<CheckpointRecord> }>(
        (resolve, reject) => {
          const tracked = progress.track();
          // onCheckpointCreated runs after the first await of protect, so `protect` is set by then.
          const protect: Promise<CheckpointRecord> = service.protect({
            resources,
            parameters: plan.parameters,
            planId: plan.id,
            projectId: plan.project_id,
            hostInfo,
            signal: shutdown,
            caller,
            onEvent: tracked.onEvent,
            onCheckpointCreated: (checkpoint) => {
              tracked.attach(checkpoint.id);
              trackRun(provider, 'protect', checkpoint.id, protect);
              resolve({ ...checkpoint, done: protect });
            },
          });
          void protect.finally(tracked.done).catch(() => undefined);
          protect.catch((error: unknown) =>
            reject(new ApiFault(400, `Create checkpoint failed: ${messageOf(error)}`)),
          );
          inBackground(protect);
        },
      );
    });
  };

  /** Starts the delete of a checkpoint; `done` settles when it ends. */
  const deleteCheckpoint = async (provider: Provider, checkpointId: string, caller: Caller) => {
    const deletion = (await serviceOf(provider)).deleteCheckpoint({ checkpointId, caller });
    trackRun(provider, 'delete', checkpointId, deletion);
    inBackground(deletion);
    return { done: deletion };
  };

  app.post(
    '/v1/:projectId/providers/:providerId/checkpoints',
    { schema: { body: createSchema } },
    async (request) => {
      const { provider } = ids(request);
      const { checkpoint } = request.body as { checkpoint: { plan_id: string } };
      const context = request.karborContext!;
      const plan = await plans.get(checkpoint.plan_id, context.isAdmin ? undefined : context.projectId);
      if (plan === undefined) throw new ApiFault(404, `Plan ${checkpoint.plan_id} could not be found.`);
      if (plan.provider_id !== provider.id)
        throw new ApiFault(
          400,
          'Invalid plan: The parameter provider_id is not the same as the value in the plan.',
        );
      // Karbor stores {"created_by": "manual"} whatever the body says (its schema forbids the key
      // the controller reads); Hoard does the same, so that clients see what they saw.
      const extraInfo = { created_by: 'manual' };
      const created = await protectPlan(plan, provider, request.caller!, extraInfo);
      return {
        checkpoint: {
          id: created.id,
          project_id: plan.project_id,
          status: 'protecting',
          protection_plan: {
            id: plan.id,
            name: plan.name,
            resources: plan.resources.map((r) => ({ ...r, extra_info: r.extra_info ?? null })),
          },
          // Karbor answers null here, which makes `openstack data protection checkpoint create`
          // crash parsing it; Hoard answers the plan's resources as an unlinked graph.
          resource_graph: JSON.stringify([
            Object.fromEntries(
              plan.resources.map((r, i) => [`0x${i.toString(16)}`, [r.type, r.id, r.name, null]]),
            ),
            [],
          ]),
          created_at: created.createdAt.slice(0, 10),
          extra_info: JSON.stringify(extraInfo),
        },
      };
    },
  );

  app.get('/v1/:projectId/providers/:providerId/checkpoints', async (request, reply) => {
    const { provider } = ids(request);
    const context = request.karborContext!;
    const query = queryOf(request);
    const limit = limitOf(query);
    const filters = filtersOf(query, context.isAdmin, ['project_id', 'plan_id', 'start_date', 'end_date']);
    const allTenants = allTenantsOf(query, context.isAdmin);
    const projectId = allTenants ? filters['project_id'] : context.projectId;
    for (const key of ['start_date', 'end_date'] as const)
      if (filters[key] !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(filters[key]!))
        throw new ApiFault(400, `Invalid input received: ${key} must be YYYY-MM-DD.`);
    const service = await serviceOf(provider);
    const marker = query['marker'];
    // The key names what the page is made from: provider, project listed, whether the caller is
    // an admin (which filters apply), and the URL (its query; the links name the host asked).
    const key = `${provider.id}\0${projectId ?? '*'}\0${context.isAdmin}\0${request.protocol}://${request.host}${request.url}`;
    const body = await pages.render(
      key,
      provider.id,
      written,
      async () => {
        if (marker !== undefined) await visible(request, provider, marker);
        // Read one page at a time from the bank's indices, filtering by plan and dates. Without a
        // filter the index does not apply itself, a page is read as it is asked for; with one, twice
        // as many at a time. At most LISTINGS_AT_ONCE pages are read at once: each holds a page of
        // records in memory, and more at once would not be read faster.
        const postFiltered =
          filters['start_date'] !== undefined ||
          filters['end_date'] !== undefined ||
          (filters['plan_id'] !== undefined && projectId !== undefined);
        const out: CheckpointRecord[] = [];
        let after = marker;
        for (;;) {
          const size = postFiltered ? limit * 2 : limit - out.length;
          const batch = await listings.add(() =>
            service.listCheckpoints({
              limit: size,
              maxAgeMs: LISTING_AGE_MS,
              maxStatusAgeMs: LISTING_STATUS_AGE_MS,
              ...(after !== undefined ? { marker: after } : {}),
              ...(projectId !== undefined ? { projectId } : {}),
              ...(filters['plan_id'] !== undefined && projectId === undefined
                ? { planId: filters['plan_id'] }
                : {}),
            }),
          );
          for (const record of batch) {
            const day = record.createdAt.slice(0, 10);
            if (filters['plan_id'] !== undefined && record.planId !== filters['plan_id']) continue;
            if (filters['start_date'] !== undefined && day < filters['start_date']!) continue;
            if (filters['end_date'] !== undefined && day > filters['end_date']!) continue;
            out.push(record);
            if (out.length === limit) break;
          }
          if (out.length === limit || batch.length < size) break;
          after = batch[batch.length - 1]!.id;
        }
        const { links } = linksOf(request, 'checkpoints', query, out, limit);
        return JSON.stringify({ checkpoints: out.map(view), ...(links ? { checkpoints_links: links } : {}) });
      },
      LISTING_AGE_MS,
    );
    return json(reply, body);
  });

  app.get('/v1/:projectId/providers/:providerId/checkpoints/:checkpointId', async (request) => {
    const { provider, checkpointId } = ids(request);
    return { checkpoint: view(await visible(request, provider, checkpointId!)) };
  });

  app.delete('/v1/:projectId/providers/:providerId/checkpoints/:checkpointId', async (request) => {
    const { provider, checkpointId } = ids(request);
    const record = await visible(request, provider, checkpointId!);
    if (!['available', 'error', 'error-deleting', 'corrupt'].includes(record.status))
      throw new ApiFault(
        409,
        `Checkpoint ${record.id} is ${record.status}; it can be deleted once available or error.`,
      );
    await deleteCheckpoint(provider, record.id, request.caller!);
    return {};
  });

  // Karbor's reset-state; an `error` checkpoint is made available only if its data is whole.
  app.put(
    '/v1/:projectId/providers/:providerId/checkpoints/:checkpointId',
    { schema: { body: resetStateSchema } },
    async (request) => {
      const { provider, checkpointId } = ids(request);
      const record = await visible(request, provider, checkpointId!);
      const { state } = (request.body as { 'os-resetState': { state: 'available' | 'error' } })[
        'os-resetState'
      ];
      try {
        await (await serviceOf(provider)).resetCheckpointStatus(record.id, state);
        written++;
      } catch (error) {
        if (
          isHoardError(error) &&
          (error.code === 'CHECKPOINT_NOT_AVAILABLE' || error.code === 'CHECKPOINT_IN_USE')
        )
          throw new ApiFault(400, `The checkpoint ${record.id} can not be reset. ${error.message}`);
        throw error;
      }
      return {};
    },
  );
  return { protectPlan, deleteCheckpoint };
}
