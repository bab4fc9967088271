import type { Provider } from '@hoard/core/host';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OperationLogRecord, OperationLogStore } from '../database/operationLogStore.js';
import type { PlanStore } from '../database/planStore.js';
import {
  SCHEDULED_OPERATION_SORT_KEYS,
  type ScheduledOperationRecord,
  type ScheduledOperationStore,
} from '../database/scheduledOperationStore.js';
import type { TriggerStore } from '../database/triggerStore.js';
import { retentionRuleOf } from '../engine/retention.js';
import { ApiFault, invalidInput } from '../faults.js';
import { allTenantsOf, filtersOf, isUuidLike, limitOf, linksOf, queryOf, sortOf } from '../listing.js';
import { asStrings } from './triggers.js';

const UUID = '^[0-9a-fA-F-]{32,36}$';

/** Karbor's schema (`karbor/api/schemas/scheduled_operations.py`): extra definition keys allowed. */
export const SCHEDULED_OPERATION_CREATE_SCHEMA = {
  type: 'object',
  required: ['scheduled_operation'],
  additionalProperties: false,
  properties: {
    scheduled_operation: {
      type: 'object',
      required: ['operation_type', 'trigger_id', 'operation_definition'],
      additionalProperties: false,
      properties: {
        name: { type: ['string', 'null'], maxLength: 255 },
        description: { type: ['string', 'null'], maxLength: 255 },
        operation_type: { type: 'string', minLength: 1, maxLength: 255 },
        trigger_id: { type: 'string', pattern: UUID },
        operation_definition: {
          type: 'object',
          required: ['provider_id', 'plan_id'],
          properties: {
            provider_id: { type: 'string', pattern: UUID },
            plan_id: { type: 'string', pattern: UUID },
          },
          additionalProperties: { type: ['string', 'integer', 'number', 'boolean'] },
        },
      },
    },
  },
} as const;

/** Karbor's view: `id, name, description, operation_type, trigger_id, operation_definition, enabled`. */
const operationView = (o: ScheduledOperationRecord) => ({
  id: o.id,
  name: o.name,
  description: o.description,
  operation_type: o.operation_type,
  trigger_id: o.trigger_id,
  operation_definition: o.operation_definition,
  enabled: o.enabled,
});

/** Karbor's operation log view, with Hoard's `expect_start_time` (when the fire was due). */
const logView = (l: OperationLogRecord) => ({
  id: l.id,
  operation_type: l.operation_type,
  checkpoint_id: l.checkpoint_id,
  plan_id: l.plan_id,
  provider_id: l.provider_id,
  restore_id: l.restore_id,
  scheduled_operation_id: l.scheduled_operation_id,
  status: l.status,
  started_at: l.started_at,
  ended_at: l.ended_at,
  error_info: l.error_info,
  extra_info: l.extra_info,
  expect_start_time: l.expect_start_time,
});

/** Scheduled operations (create, list, show, delete) and operation logs (list, show). */
export function scheduledOperationRoutes(
  app: FastifyInstance,
  operations: ScheduledOperationStore,
  triggers: TriggerStore,
  plans: PlanStore,
  providers: readonly Provider[],
  logs: OperationLogStore,
): void {
  const context = (request: FastifyRequest) => request.karborContext!;
  const idOf = (request: FastifyRequest, key: string, invalid: string) => {
    const id = (request.params as Record<string, string>)[key]!;
    if (!isUuidLike(id)) throw new ApiFault(400, invalid);
    return id;
  };
  const visible = async (request: FastifyRequest, id: string) => {
    const c = context(request);
    const operation = await operations.get(id, c.isAdmin ? undefined : c.projectId);
    if (operation === undefined) throw new ApiFault(404, `Scheduled Operation ${id} could not be found.`);
    return operation;
  };

  app.post(
    '/v1/:projectId/scheduled_operations',
    { schema: { body: SCHEDULED_OPERATION_CREATE_SCHEMA } },
    async (request) => {
      const c = context(request);
      const { scheduled_operation: given } = request.body as {
        scheduled_operation: {
          name?: string | null;
          description?: string | null;
          operation_type: string;
          trigger_id: string;
          operation_definition: Record<string, unknown>;
        };
      };
      if (given.name === undefined || given.name === null || given.name.trim() === '')
        throw new ApiFault(400, 'Operation name or type or definition is not provided.');
      if (given.operation_type !== 'protect' && given.operation_type !== 'retention_protect')
        throw invalidInput(`Invalid operation type: ${given.operation_type}`);
      const trigger = await triggers.get(given.trigger_id);
      if (trigger === undefined) throw new ApiFault(404, `Trigger ${given.trigger_id} could not be found.`);
      if (trigger.project_id !== c.projectId) throw new ApiFault(400, 'Invalid trigger id provided.');
      const definition = asStrings(given.operation_definition);
      const plan = await plans.get(definition['plan_id']!, c.projectId);
      if (plan === undefined) throw invalidInput('Invalid operation definition, reason:Plan_id is invalid');
      if (plan.provider_id !== definition['provider_id'] || !providers.some((p) => p.id === plan.provider_id))
        throw invalidInput('Invalid operation definition, reason:Provider_id is conflict');
      if (given.operation_type === 'retention_protect') retentionRuleOf(definition);
      const created = await operations.create({
        name: given.name,
        description: given.description ?? null,
        operationType: given.operation_type,
        userId: c.userId,
        projectId: c.projectId,
        triggerId: trigger.id,
        definition,
      });
      return { scheduled_operation: operationView(created) };
    },
  );

  app.get('/v1/:projectId/scheduled_operations', async (request) => {
    const c = context(request);
    const query = queryOf(request);
    const limit = limitOf(query);
    const filters = filtersOf(query, c.isAdmin, [
      'name',
      'operation_type',
      'trigger_id',
      'operation_definition',
    ]);
    const projectId = allTenantsOf(query, c.isAdmin) ? filters['project_id'] : c.projectId;
    const page = await operations.list({
      ...(projectId !== undefined ? { projectId } : {}),
      filters: {
        ...(filters['name'] !== undefined ? { name: filters['name'] } : {}),
        ...(filters['operation_type'] !== undefined ? { operation_type: filters['operation_type'] } : {}),
        ...(filters['trigger_id'] !== undefined ? { trigger_id: filters['trigger_id'] } : {}),
        ...(filters['operation_definition'] !== undefined
          ? { operation_definition: filters['operation_definition'] }
          : {}),
      },
      sort: sortOf(query, SCHEDULED_OPERATION_SORT_KEYS),
      limit,
      ...(query['marker'] !== undefined ? { marker: query['marker'] } : {}),
    });
    if (page === undefined)
      throw new ApiFault(404, `Scheduled Operation ${query['marker']} could not be found.`);
    const { links } = linksOf(request, 'scheduled_operations', query, page, limit);
    return { operations: page.map(operationView), ...(links ? { operations_links: links } : {}) };
  });

  app.get('/v1/:projectId/scheduled_operations/:operationId', async (request) => ({
    scheduled_operation: operationView(
      await visible(request, idOf(request, 'operationId', 'Invalid operation id provided.')),
    ),
  }));

  app.delete('/v1/:projectId/scheduled_operations/:operationId', async (request, reply) => {
    const operation = await visible(request, idOf(request, 'operationId', 'Invalid operation id provided.'));
    // No fire after this one starts it; a run under way ends as it would.
    await operations.delete(operation.id);
    void reply.type('application/json');
    return '';
  });

  app.get('/v1/:projectId/operation_logs', async (request) => {
    const c = context(request);
    const query = queryOf(request);
    const limit = limitOf(query);
    const filters = filtersOf(query, c.isAdmin, [
      'checkpoint_id',
      'plan_id',
      'restore_id',
      'status',
      'scheduled_operation_id',
    ]);
    const projectId = allTenantsOf(query, c.isAdmin) ? filters['project_id'] : c.projectId;
    const picked = Object.fromEntries(
      (['checkpoint_id', 'plan_id', 'restore_id', 'status', 'scheduled_operation_id'] as const)
        .filter((k) => filters[k] !== undefined)
        .map((k) => [k, filters[k]!]),
    );
    const page = await logs.list({
      ...(projectId !== undefined ? { projectId } : {}),
      filters: picked,
      limit,
      ...(query['marker'] !== undefined ? { marker: query['marker'] } : {}),
    });
    if (page === undefined) throw new ApiFault(404, `OperationLog ${query['marker']} could not be found.`);
    const { links } = linksOf(request, 'operation_logs', query, page, limit);
    return { operation_logs: page.map(logView), ...(links ? { operation_logs_links: links } : {}) };
  });

  app.get('/v1/:projectId/operation_logs/:operationLogId', async (request) => {
    const c = context(request);
    const id = idOf(request, 'operationLogId', 'Invalid operation log id provided.');
    const log = await logs.get(id, c.isAdmin ? undefined : c.projectId);
    if (log === undefined) throw new ApiFault(404, `OperationLog ${id} could not be found.`);
    return { operation_log: logView(log) };
  });
}
