import type { Kysely } from 'kysely';
import type { Database, RunningCheckpointOperationsTable } from './schema.js';

/** A protect or delete of a checkpoint that a server runs (see {@link RunningOperationStore}). */
export type RunningOperation = RunningCheckpointOperationsTable;

/**
 * The checkpoint operations each server is running. A row is written when a protect's checkpoint
 * exists in the bank (or a delete starts) and removed when it ends, however it ends.
 *
 * @remarks Crash: a server killed mid-operation leaves its rows. The next server of the same
 * `services` row (same host) finds them at start: their process is gone, so each protect is
 * recorded interrupted once its lease lapses, and each row removed. A row written without its
 * operation having started (killed between the two) names a checkpoint that is not an
 * abandoned protect: recording leaves it untouched and the row goes.
 */
export class RunningOperationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async add(row: Omit<RunningOperation, 'started_at'>): Promise<void> {
    await this.db
      .insertInto('running_checkpoint_operations')
      .values({ ...row, started_at: new Date().toISOString() })
      .execute();
  }

  async remove(checkpointId: string): Promise<void> {
    await this.db
      .deleteFrom('running_checkpoint_operations')
      .where('checkpoint_id', '=', checkpointId)
      .execute();
  }

  /** The operations a server (by its `services` id) was running. */
  async of(serviceId: number): Promise<RunningOperation[]> {
    return this.db
      .selectFrom('running_checkpoint_operations')
      .selectAll()
      .where('service_id', '=', serviceId)
      .orderBy('started_at')
      .execute();
  }
}
