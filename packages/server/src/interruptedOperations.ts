import { hostname } from 'node:os';
import { isHoardError, type Logger } from '@hoard/core';
import { messageOf, type Provider } from '@hoard/core/host';
import type { RunningOperations, ServiceOf } from './routes/checkpoints.js';

/** How often a protect whose lease has not lapsed yet is tried again. */
const RETRY_MS = 2_000;

/**
 * At start: the checkpoint operations of servers of this host (same `services` row) that died
 * running them. Each protect is shown `error` (reason `interrupted`) at once and
 * recorded so in the bank once its lease lapses (at most the provider's `lease_expire_window`),
 * with the reason; it can then be resumed (`hoard checkpoint resume`) or deleted. A delete is
 * left to read `error-deleting` (its lease lapses the same way) and can be asked again.
 *
 * @remarks Why not resume: a protect acts with its caller's token, which is held in memory only
 * and died with the process.
 */
export async function recordInterruptedOperations(
  running: RunningOperations,
  providers: readonly Provider[],
  serviceOf: ServiceOf,
  shutdown: AbortSignal,
  logger: Logger,
): Promise<void> {
  const rows = await running.store.cutOff(running.serviceId);
  for (const row of rows) if (row.operation === 'protect') running.interrupted.add(row.checkpoint_id);
  if (rows.length > 0)
    logger.warn('operations cut off by the last stop of this server', {
      protects: rows.filter((r) => r.operation === 'protect').length,
      deletes: rows.filter((r) => r.operation === 'delete').length,
    });
  const reason = `hoard serve on ${hostname()} stopped while protecting this checkpoint; resume it or delete it`;
  await Promise.all(
    rows.map(async (row) => {
      const provider = providers.find((p) => p.id === row.provider_id);
      if (provider !== undefined && row.operation === 'protect') {
        const service = await serviceOf(provider);
        for (;;) {
          try {
            await service.recordInterruption(row.checkpoint_id, reason);
            break;
          } catch (error) {
            if (isHoardError(error) && error.code === 'CHECKPOINT_NOT_FOUND') break;
            if (!isHoardError(error) || error.code !== 'CHECKPOINT_IN_USE')
              logger.warn('could not record an interrupted protect; trying again', {
                checkpoint: row.checkpoint_id,
                error: messageOf(error),
              });
            if (shutdown.aborted) return;
            await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
          }
        }
      }
      await running.store.remove(row.checkpoint_id);
      running.interrupted.delete(row.checkpoint_id);
    }),
  );
}
