import type { JsonObject, Logger } from '@hoard/core';
import { messageOf, type Provider, type VerificationResult } from '@hoard/core/host';
import type { FastifyInstance } from 'fastify';
import type { OperationRecord, OperationRecordStore } from '../database/operationRecordStore.js';
import { ApiFault } from '../faults.js';
import type { ServiceOf } from './checkpoints.js';
import { servesCaller } from './providers.js';
import { callersCheckpoint, recordReadRoutes } from './restores.js';

const createSchema = {
  type: 'object',
  required: ['verification'],
  additionalProperties: false,
  properties: {
    verification: {
      type: 'object',
      required: ['provider_id', 'checkpoint_id'],
      additionalProperties: false,
      properties: {
        provider_id: { type: 'string', minLength: 1, maxLength: 255 },
        checkpoint_id: { type: 'string', pattern: '^[0-9a-fA-F-]{32,36}$' },
        parameters: { type: ['object', 'null'], additionalProperties: { type: 'object' } },
      },
    },
  },
} as const;

/** Karbor's verification view: exactly these keys. */
const verificationView = (r: OperationRecord) => ({
  id: r.id,
  project_id: r.project_id,
  provider_id: r.provider_id,
  checkpoint_id: r.checkpoint_id,
  parameters: r.parameters,
  status: r.status,
  resources_status: r.resources_status,
  resources_reason: r.resources_reason,
});

/** Karbor's per-resource words (`available` / `error`) and each failed resource's problems. */
function resourcesOf(result: VerificationResult) {
  const status: Record<string, string> = {};
  const reason: Record<string, string> = {};
  for (const [key, r] of Object.entries(result.resources)) {
    status[key] = r.status === 'verified' ? 'available' : 'error';
    if (r.problems.length > 0) reason[key] = r.problems.join('; ');
  }
  return { status, reason };
}

/**
 * Verifications (`karbor/api/v1/verifications.py`): create runs core's verify in the server
 * (every data object against its recorded SHA-256, saved info, the plugins' verify hooks);
 * list and show. As Karbor, one that cannot start is recorded `fail` and answered 200; unlike
 * Karbor, another project's checkpoint is refused (403), as for restores.
 */
export function verificationRoutes(
  app: FastifyInstance,
  providers: readonly Provider[],
  verifications: OperationRecordStore,
  serviceOf: ServiceOf,
  inBackground: (work: Promise<unknown>) => void,
  shutdown: AbortSignal,
  logger: Logger,
): void {
  app.post('/v1/:projectId/verifications', { schema: { body: createSchema } }, async (request) => {
    const { verification } = request.body as {
      verification: {
        provider_id: string;
        checkpoint_id: string;
        parameters?: Record<string, JsonObject> | null;
      };
    };
    const context = request.karborContext!;
    const provider = providers.find((p) => p.id === verification.provider_id && servesCaller(p, context));
    if (provider === undefined)
      throw new ApiFault(404, `Provider ${verification.provider_id} could not be found.`);
    const service = await serviceOf(provider);
    const checkpoint = await callersCheckpoint(service, verification.checkpoint_id, context);
    const parameters = verification.parameters ?? {};
    const row = await verifications.create({
      projectId: context.projectId,
      providerId: provider.id,
      checkpointId: checkpoint.id,
      restoreTarget: null,
      parameters,
    });
    const run = service
      .verify({ checkpointId: checkpoint.id, parameters, signal: shutdown, caller: request.caller! })
      .then(async (result) => {
        const { status, reason } = resourcesOf(result);
        await verifications.update(row.id, {
          status: result.status,
          resourcesStatus: status,
          resourcesReason: reason,
        });
        if (result.status === 'fail') logger.warn('verification found problems', { verification: row.id });
      })
      .catch(async (error: unknown) => {
        await verifications.update(row.id, {
          status: 'fail',
          resourcesReason: { verification: messageOf(error) },
        });
      });
    inBackground(run);
    return { verification: verificationView(row) };
  });

  recordReadRoutes(app, verifications, {
    collection: 'verifications',
    member: 'verification',
    idParam: 'verificationId',
    name: 'Verification',
    view: verificationView,
  });
}
