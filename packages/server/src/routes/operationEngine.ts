import type { FastifyInstance } from 'fastify';
import { ApiFault } from '../faults.js';
import { isUuidLike } from '../listing.js';

/**
 * Triggers, scheduled operations and operation logs, routed with Karbor's shapes before the
 * operation engine exists (issue 11 brings it): lists are empty, a uuid-like id is not found, a
 * malformed one is 400 with Karbor's text, and a create is 503 saying why. The client gets
 * Karbor's answers for all of them, never a 404 for the route itself.
 */
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
    app.post(`/v1/:projectId/${c.path}`, async () => {
      throw new ApiFault(
        503,
        'The operation engine is not running in this Hoard server yet: triggers and scheduled operations cannot be created.',
      );
    });
    if (c.path === 'triggers')
      app.put(`/v1/:projectId/${c.path}/:${c.param}`, async (request) => notFound(request.params));
  }
}
