import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TRIGGER_SORT_KEYS, type TriggerRecord, type TriggerStore } from '../database/triggerStore.js';
import { formatTriggerTime, parseTimeTrigger, type TimeTriggerOptions } from '../engine/timeTrigger.js';
import { ApiFault, invalidInput } from '../faults.js';
import { allTenantsOf, filtersOf, isUuidLike, limitOf, linksOf, queryOf, sortOf } from '../listing.js';

/** A time trigger's properties (Karbor's schema, `timezone` Hoard's extension). */
const PROPERTIES_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    format: { type: 'string' },
    pattern: { type: 'string' },
    start_time: { type: 'string' },
    end_time: { type: 'string' },
    window: { type: ['integer', 'string'] },
    timezone: { type: 'string' },
  },
} as const;

export const TRIGGER_CREATE_SCHEMA = {
  type: 'object',
  required: ['trigger_info'],
  additionalProperties: false,
  properties: {
    trigger_info: {
      type: 'object',
      required: ['name', 'type', 'properties'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 255 },
        type: { type: 'string', minLength: 1, maxLength: 255 },
        properties: { ...PROPERTIES_SCHEMA, required: ['format', 'pattern'] },
      },
    },
  },
} as const;

const updateSchema = {
  type: 'object',
  required: ['trigger_info'],
  additionalProperties: false,
  properties: {
    trigger_info: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 255 },
        type: { type: 'string', minLength: 1, maxLength: 255 },
        properties: PROPERTIES_SCHEMA,
      },
    },
  },
} as const;

/** Karbor's view: `id, name, type, properties` (no project). */
const triggerView = (t: TriggerRecord) => ({
  id: t.id,
  name: t.name,
  type: t.type,
  properties: t.properties,
});

/** Every property a string, as Karbor's `DictOfStringsField` stores them. */
export const asStrings = (properties: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, String(v)]));

/**
 * Triggers (`karbor/api/v1/triggers.py`): create, list, show, update, delete. Only `time`
 * triggers exist; each is checked as the operation engine checks it (see `parseTimeTrigger`) and
 * stored with its first fire.
 */
export function triggerRoutes(
  app: FastifyInstance,
  triggers: TriggerStore,
  options: TimeTriggerOptions,
  /** Whether scheduled operations still use the trigger (a delete is then 424). */
  inUse: (triggerId: string) => Promise<boolean>,
  now: () => Date = () => new Date(),
): void {
  const context = (request: FastifyRequest) => request.karborContext!;
  const triggerId = (request: FastifyRequest) => {
    const { triggerId: id } = request.params as { triggerId: string };
    if (!isUuidLike(id)) throw new ApiFault(400, 'Invalid trigger id provided.');
    return id;
  };
  /** The trigger, visible to the caller (an admin sees every project's), or 404. */
  const visible = async (request: FastifyRequest, id: string) => {
    const c = context(request);
    const trigger = await triggers.get(id, c.isAdmin ? undefined : c.projectId);
    if (trigger === undefined) throw new ApiFault(404, `Trigger ${id} could not be found.`);
    return trigger;
  };
  /** Checks properties; their first fire (after now) and what is stored (`start_time` filled in). */
  const checked = (properties: Record<string, unknown>) => {
    const at = now();
    const trigger = parseTimeTrigger(properties, options, at);
    const stored = asStrings({ ...properties, start_time: formatTriggerTime(trigger.startTime) });
    return { stored, firstFire: trigger.next(at) };
  };

  app.post('/v1/:projectId/triggers', { schema: { body: TRIGGER_CREATE_SCHEMA } }, async (request) => {
    const { trigger_info: info } = request.body as {
      trigger_info: { name: string; type: string; properties: Record<string, unknown> };
    };
    if (info.name.trim() === '') throw invalidInput('The name of the trigger must not be empty.');
    if (info.type !== 'time') throw invalidInput(`Invalid trigger type:${info.type}`);
    const { stored, firstFire } = checked(info.properties);
    const created = await triggers.create(
      { name: info.name, type: info.type, projectId: context(request).projectId, properties: stored },
      firstFire!,
    );
    return { trigger_info: triggerView(created) };
  });

  app.get('/v1/:projectId/triggers', async (request) => {
    const c = context(request);
    const query = queryOf(request);
    const limit = limitOf(query);
    const filters = filtersOf(query, c.isAdmin, ['name', 'type', 'properties']);
    const projectId = allTenantsOf(query, c.isAdmin) ? filters['project_id'] : c.projectId;
    const page = await triggers.list({
      ...(projectId !== undefined ? { projectId } : {}),
      filters: {
        ...(filters['name'] !== undefined ? { name: filters['name'] } : {}),
        ...(filters['type'] !== undefined ? { type: filters['type'] } : {}),
        ...(filters['properties'] !== undefined ? { properties: filters['properties'] } : {}),
      },
      sort: sortOf(query, TRIGGER_SORT_KEYS),
      limit,
      ...(query['marker'] !== undefined ? { marker: query['marker'] } : {}),
    });
    if (page === undefined) throw new ApiFault(404, `Trigger ${query['marker']} could not be found.`);
    const { links } = linksOf(request, 'triggers', query, page, limit);
    return { triggers: page.map(triggerView), ...(links ? { triggers_links: links } : {}) };
  });

  app.get('/v1/:projectId/triggers/:triggerId', async (request) => ({
    trigger_info: triggerView(await visible(request, triggerId(request))),
  }));

  app.put('/v1/:projectId/triggers/:triggerId', { schema: { body: updateSchema } }, async (request) => {
    const id = triggerId(request);
    const trigger = await visible(request, id);
    const { trigger_info: info } = request.body as {
      trigger_info: { name?: string; type?: string; properties?: Record<string, unknown> };
    };
    if (info.name !== undefined && info.name.trim() === '')
      throw invalidInput('The name of the trigger must not be empty.');
    // As Karbor: `type` is ignored; new properties replace all of them and name their start_time;
    // empty ones are none (the karbor CLI sends `{}` with a rename).
    let properties: Record<string, string> | undefined;
    let nextFire: Date | undefined;
    if (info.properties !== undefined && Object.keys(info.properties).length > 0) {
      if (info.properties['start_time'] === undefined) throw invalidInput('start_time should be supplied');
      ({ stored: properties, firstFire: nextFire } = checked(info.properties));
    }
    await triggers.update(id, {
      ...(info.name !== undefined ? { name: info.name } : {}),
      ...(properties !== undefined ? { properties, nextFire: nextFire ?? null } : {}),
    });
    return {
      trigger_info: triggerView({
        ...trigger,
        ...(info.name !== undefined ? { name: info.name } : {}),
        ...(properties !== undefined ? { properties } : {}),
      }),
    };
  });

  app.delete('/v1/:projectId/triggers/:triggerId', async (request, reply) => {
    const id = triggerId(request);
    await visible(request, id);
    if (await inUse(id)) throw new ApiFault(424, 'Trigger is being used by one or more operations');
    await triggers.delete(id);
    void reply.type('application/json');
    return '';
  });
}
