import { randomUUID } from 'node:crypto';
import { isProcessAlive } from '@hoard/core';
import type { Kysely } from 'kysely';
import type { Database, RunningCheckpointOperationsTable } from './schema.js';

/** This server process, among those that ran on this host (a pid can be reused). */
export const PROCESS_INSTANCE = randomUUID();

/**
 * Whether the server process `pid` (instance `instance`) of this host is gone: its pid is not
 * alive, or is this process's own under another instance (a dead process's, a container's restart).
 */
export function isGoneHere(pid: number, instance: string | null): boolean {
  return pid === process.pid ? instance !== PROCESS_INSTANCE : !isProcessAlive(pid);
}

/** A protect or delete of a checkpoint that a server runs (see {@link RunningOperationStore}). */
export type RunningOperation = RunningCheckpointOperationsTable;

/**
 * The checkpoint operations each server is running. A row is written when a protect's checkpoint
 * exists in the bank (or a delete starts) and removed when it ends, however it ends.
 *
 * @remarks Crash: a server killed mid-operation leaves its rows. The next server of the same
 * `services` row (same host) finds them at start, those whose process is gone: each protect is
 * recorded interrupted once its lease lapses, and each row removed. A row written without its
 * operation having started (killed between the two) names a checkpoint that is not an
 * abandoned protect: recording leaves it untouched and the row goes.
 */
export class RunningOperationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async add(row: Omit<RunningOperation, 'started_at' | 'pid' | 'instance'>): Promise<void> {
    await this.db
      .insertInto('running_checkpoint_operations')
      .values({ ...row, pid: process.pid, instance: PROCESS_INSTANCE, started_at: new Date().toISOString() })
      .execute();
  }

  async remove(checkpointId: string): Promise<void> {
    await this.db
      .deleteFrom('running_checkpoint_operations')
      .where('checkpoint_id', '=', checkpointId)
      .execute();
  }

  /**
   * The operations that servers of this host (`services` id) were running and whose process is
   * gone: another live server of the same host keeps its own.
   */
  async cutOff(serviceId: number): Promise<RunningOperation[]> {
    const rows = await this.db
      .selectFrom('running_checkpoint_operations')
      .selectAll()
      .where('service_id', '=', serviceId)
      .where('instance', '!=', PROCESS_INSTANCE)
      .orderBy('started_at')
      .execute();
    return rows.filter((row) => isGoneHere(Number(row.pid), row.instance));
  }
}
