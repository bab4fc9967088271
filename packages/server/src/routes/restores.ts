import { isHoardError, type JsonObject, type Logger } from '@hoard/core';
import {
  type CheckpointRecord,
  messageOf,
  type ProtectionService,
  type Provider,
  type RestoreRecord,
} from '@hoard/core/host';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  OPERATION_RECORD_SORT_KEYS,
  type OperationRecord,
  type OperationRecordStore,
} from '../database/operationRecordStore.js';
import { ApiFault } from '../faults.js';
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
import type { OperationProgress } from '../operationProgress.js';
import type { RequestContext } from '../requestContext.js';
import type { ServiceOf } from './checkpoints.js';
import { servesCaller } from './providers.js';

const uuid = { type: 'string', pattern: '^[0-9a-fA-F-]{32,36}$' } as const;
const createSchema = {
  type: 'object',
  required: ['restore'],
  additionalProperties: false,
  properties: {
    restore: {
      type: 'object',
      required: ['provider_id', 'checkpoint_id', 'parameters'],
      additionalProperties: false,
      properties: {
        provider_id: { type: 'string', minLength: 1, maxLength: 255 },
        checkpoint_id: uuid,
        restore_target: { type: ['string', 'null'], maxLength: 255 },
        // Passed to the flow by Karbor, never stored nor shown; Hoard restores into this cloud.
        restore_auth: { type: ['object', 'null'] },
        parameters: { type: 'object', additionalProperties: { type: 'object' } },
      },
    },
  },
} as const;

/** Karbor's restore view: exactly these keys (no `restore_auth`). */
const restoreView = (r: OperationRecord) => ({
  id: r.id,
  project_id: r.project_id,
  provider_id: r.provider_id,
  checkpoint_id: r.checkpoint_id,
  restore_target: r.restore_target,
  parameters: r.parameters,
  status: r.status,
  resources_status: r.resources_status,
  resources_reason: r.resources_reason,
});

/**
 * A checkpoint the caller may restore or verify: 404 when there is none, 403 when it is another
 * project's (Karbor's `AccessCheckpointNotAllowed`) and the caller is no admin.
 */
export async function callersCheckpoint(
  service: ProtectionService,
  checkpointId: string,
  context: RequestContext,
): Promise<CheckpointRecord> {
  let checkpoint: CheckpointRecord;
  try {
    checkpoint = await service.getCheckpoint(checkpointId);
  } catch (error) {
    if (isHoardError(error) && error.code === 'CHECKPOINT_NOT_FOUND')
      throw new ApiFault(404, `Checkpoint ${checkpointId} could not be found.`);
    throw error;
  }
  if (!context.isAdmin && checkpoint.projectId !== context.projectId)
    throw new ApiFault(403, `The checkpoint ${checkpoint.id} is not allowed to be accessed.`);
  return checkpoint;
}

/** Karbor's per-resource words for how a resource's restore stands. */
function resourcesOf(record: Pick<RestoreRecord, 'resources' | 'status' | 'error' | 'reason'>) {
  const status: Record<string, string> = {};
  const reason: Record<string, string> = {};
  for (const [key, r] of Object.entries(record.resources)) {
    status[key] = r.status === 'done' ? 'available' : r.status === 'restoring' ? 'restoring' : 'error';
    if (r.error !== undefined) reason[key] = r.error.message;
    else if (r.status === 'cancelled' || r.status === 'skipped') reason[key] = r.status;
  }
  // A restore that failed says why, even when no single resource carries the error.
  if (record.status === 'fail' && Object.keys(reason).length === 0)
    reason['restore'] = record.error?.message ?? record.reason ?? 'failed';
  return { status, reason };
}

/** Restores: create (asynchronous), list, show (`karbor/api/v1/restores.py`). */
export function restoreRoutes(
  app: FastifyInstance,
  providers: readonly Provider[],
  restores: OperationRecordStore,
  serviceOf: ServiceOf,
  inBackground: (work: Promise<unknown>) => void,
  shutdown: AbortSignal,
  logger: Logger,
  progress: OperationProgress,
): void {
  app.post('/v1/:projectId/restores', { schema: { body: createSchema } }, async (request) => {
    const { restore } = request.body as {
      restore: {
        provider_id: string;
        checkpoint_id: string;
        restore_target?: string | null;
        parameters: Record<string, JsonObject>;
      };
    };
    const context = request.karborContext!;
    const provider = providers.find((p) => p.id === restore.provider_id && servesCaller(p, context));
    if (provider === undefined)
      throw new ApiFault(404, `Provider ${restore.provider_id} could not be found.`);
    const service = await serviceOf(provider);
    const checkpoint = await callersCheckpoint(service, restore.checkpoint_id, context);
    const row = await restores.create({
      projectId: context.projectId,
      providerId: provider.id,
      checkpointId: checkpoint.id,
      restoreTarget: restore.restore_target ?? null,
      parameters: restore.parameters,
    });
    // As Karbor: a restore that cannot start is recorded `fail`, and the answer is still 200.
    const tracked = progress.track();
    tracked.attach(row.id);
    const started = await new Promise<boolean>((resolve) => {
      const run = service
        .restore({
          checkpointId: checkpoint.id,
          parameters: restore.parameters,
          signal: shutdown,
          caller: request.caller!,
          onRestoreStarted: ({ id }) => {
            void restores.update(row.id, { hoardRestoreId: id });
            resolve(true);
          },
          onEvent: (event) => {
            tracked.onEvent(event);
            if (event.type === 'task-failed')
              logger.warn('restore hook failed', { restore: row.id, resource: event.resourceKey });
          },
        })
        .then(async (record) => {
          const { status, reason } = resourcesOf(record);
          await restores.update(row.id, {
            status: record.status,
            resourcesStatus: status,
            resourcesReason: reason,
          });
        })
        .catch(async (error: unknown) => {
          await restores.update(row.id, { status: 'fail', resourcesReason: { restore: messageOf(error) } });
          resolve(false);
        })
        .finally(tracked.done);
      inBackground(run);
    });
    const now = await restores.get(row.id);
    void started;
    return { restore: restoreView(now ?? row) };
  });

  recordReadRoutes(app, restores, {
    collection: 'restores',
    member: 'restore',
    idParam: 'restoreId',
    name: 'Restore',
    view: (row) => ({ ...restoreView(row), ...progress.of(row.id) }),
  });
}

/**
 * List and show of restores or verifications: Karbor's filters (`status`; `all_tenants` for
 * admins), sort, marker and links; a non-admin sees only its project's.
 */
export function recordReadRoutes(
  app: FastifyInstance,
  store: OperationRecordStore,
  names: {
    collection: 'restores' | 'verifications';
    member: 'restore' | 'verification';
    idParam: string;
    name: string;
    view: (row: OperationRecord) => Record<string, unknown>;
  },
): void {
  app.get(`/v1/:projectId/${names.collection}`, async (request) => {
    const context = request.karborContext!;
    const query = queryOf(request);
    const limit = limitOf(query);
    const filters = filtersOf(query, context.isAdmin, ['status']);
    const projectId = allTenantsOf(query, context.isAdmin) ? filters['project_id'] : context.projectId;
    const page = await store.list({
      ...(projectId !== undefined ? { projectId } : {}),
      ...(filters['status'] !== undefined ? { status: filters['status'] } : {}),
      sort: sortOf(query, OPERATION_RECORD_SORT_KEYS),
      limit,
      offset: offsetOf(query),
      ...(query['marker'] !== undefined ? { marker: query['marker'] } : {}),
    });
    if (page === undefined) throw new ApiFault(404, `${names.name} ${query['marker']} could not be found.`);
    const { links } = linksOf(request, names.collection, query, page, limit);
    return {
      [names.collection]: page.map(names.view),
      ...(links ? { [`${names.collection}_links`]: links } : {}),
    };
  });

  app.get(`/v1/:projectId/${names.collection}/:${names.idParam}`, async (request: FastifyRequest) => {
    const id = (request.params as Record<string, string>)[names.idParam]!;
    if (!isUuidLike(id)) throw new ApiFault(400, `Invalid ${names.member} id provided.`);
    const context = request.karborContext!;
    const row = await store.get(id, context.isAdmin ? undefined : context.projectId);
    if (row === undefined) throw new ApiFault(404, `${names.name} ${id} could not be found.`);
    return { [names.member]: names.view(row) };
  });
}
