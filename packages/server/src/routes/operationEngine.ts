import type { FastifyInstance } from 'fastify';
import { ApiFault } from '../faults.js';
import { isUuidLike } from '../listing.js';
import { SCHEDULED_OPERATION_CREATE_SCHEMA } from './scheduledOperations.js';
import { TRIGGER_CREATE_SCHEMA } from './triggers.js';

/**
 * Triggers, scheduled operations and operation logs on a server without a database (the engine
 * needs one), routed with Karbor's shapes: lists are empty, a uuid-like id is not found, a
 * malformed one is 400 with Karbor's text, and a create whose body passes Karbor's schema is 503
 * saying why (a malformed one is 400). The client gets
 * Karbor's answers for all of them, never a 404 for the route itself.
 */
/** The create schemas of the served routes, so a body is refused here as it would be there. */
const CREATE_SCHEMAS = {
  triggers: TRIGGER_CREATE_SCHEMA,
  scheduled_operations: SCHEDULED_OPERATION_CREATE_SCHEMA,
} as const;

export function operationEngineRoutes(app: FastifyInstance): void {
  const collections = [
    {
      path: 'triggers',
      list: 'triggers',
      name: 'Trigger',
      invalid: 'Invalid trigger id provided.',
      param: 'triggerId',
    },
    {
      path: 'scheduled_operations',
      list: 'operations',
      name: 'Scheduled Operation',
      invalid: 'Invalid operation id provided.',
      param: 'operationId',
    },
    {
      path: 'operation_logs',
      list: 'operation_logs',
      name: 'OperationLog',
      invalid: 'Invalid operation log id provided.',
      param: 'operationLogId',
    },
  ] as const;
  for (const c of collections) {
    const notFound = (params: unknown) => {
      const id = (params as Record<string, string>)[c.param]!;
      if (!isUuidLike(id)) throw new ApiFault(400, c.invalid);
      throw new ApiFault(404, `${c.name} ${id} could not be found.`);
    };
    app.get(`/v1/:projectId/${c.path}`, async () => ({ [c.list]: [] }));
    app.get(`/v1/:projectId/${c.path}/:${c.param}`, async (request) => notFound(request.params));
    if (c.path === 'operation_logs') continue;
    app.delete(`/v1/:projectId/${c.path}/:${c.param}`, async (request) => notFound(request.params));
    app.post(`/v1/:projectId/${c.path}`, { schema: { body: CREATE_SCHEMAS[c.path] } }, async () => {
      throw new ApiFault(
        503,
        'This Hoard server has no database, which the operation engine needs: triggers and scheduled operations cannot be created.',
      );
    });
    if (c.path === 'triggers')
      app.put(`/v1/:projectId/${c.path}/:${c.param}`, async (request) => notFound(request.params));
  }
}
