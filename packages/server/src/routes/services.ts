import type { FastifyInstance } from 'fastify';
import { SERVICE_DOWN_MS, type ServiceRow, type ServiceStore } from '../database/serviceStore.js';
import { ApiFault } from '../faults.js';
import { karborTime } from '../listing.js';

/** Karbor's service view: `id, binary, host, status, state, updated_at, disabled_reason`. */
function serviceView(row: ServiceRow) {
  const last = Date.parse(row.updated_at ?? row.created_at);
  return {
    id: row.id,
    binary: row.binary,
    host: row.host,
    status: row.disabled ? 'disabled' : 'enabled',
    state: Date.now() - last <= SERVICE_DOWN_MS ? 'up' : 'down',
    updated_at: row.updated_at === null ? null : karborTime(row.updated_at),
    disabled_reason: row.disabled_reason,
  };
}

/** The services API (admin): list, and enable or disable an operation engine. */
export function serviceRoutes(app: FastifyInstance, services: ServiceStore): void {
  app.get('/v1/:projectId/os-services', async (request) => {
    const { host, binary } = request.query as { host?: string; binary?: string };
    const rows = await services.list({
      ...(typeof host === 'string' && host !== '' ? { host } : {}),
      ...(typeof binary === 'string' && binary !== '' ? { binary } : {}),
    });
    return { services: rows.map(serviceView) };
  });

  app.put('/v1/:projectId/os-services/:serviceId', async (request) => {
    const { serviceId } = request.params as { serviceId: string };
    const id = /^\d{1,15}$/.test(serviceId) ? Number(serviceId) : undefined;
    const row = id === undefined ? undefined : await services.get(id);
    if (row === undefined) throw new ApiFault(404, `Service ${serviceId} could not be found.`);
    if (row.binary !== 'karbor-operationengine')
      throw new ApiFault(
        400,
        `Updating a ${row.binary} service is not supported. Only karbor-operationengine services can be updated.`,
      );
    const body = (request.body ?? {}) as { status?: unknown; disabled_reason?: unknown };
    if (body.disabled_reason !== undefined && typeof body.disabled_reason !== 'string')
      throw new ApiFault(400, 'disabled_reason must be a string.');
    if (body.status === 'enabled') {
      if (body.disabled_reason !== undefined)
        throw new ApiFault(400, "Specifying 'disabled_reason' with status 'enabled' is invalid.");
      await services.setDisabled(row.id, false, null);
    } else if (body.status === 'disabled') {
      await services.setDisabled(row.id, true, (body.disabled_reason as string | undefined) ?? null);
    }
    return { service: serviceView((await services.get(row.id))!) };
  });
}
