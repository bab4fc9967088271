import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Database, ServicesTable } from './schema.js';

/** How often a service reports that it is alive (Karbor's `report_interval`). */
export const REPORT_INTERVAL_MS = 10_000;
/** A service silent for longer is `down` (Karbor's `service_down_time`). */
export const SERVICE_DOWN_MS = 60_000;

/** A row of `services`, as read. */
export type ServiceRow = Omit<ServicesTable, 'id'> & { id: number };

/**
 * Karbor's `services` table: every process that runs operations registers itself under its
 * host and binary and reports every 10 s; the services API lists them `up` or `down`.
 */
export class ServiceStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Registers `binary` on this host (again, after a restart: the row is kept, its id too) and
   * reports until the returned function is called.
   */
  async register(binary: string, host = hostname()): Promise<{ id: number; stop(): Promise<void> }> {
    const now = new Date().toISOString();
    const existing = await this.find(host, binary);
    if (existing === undefined) {
      try {
        await this.db
          .insertInto('services')
          .values({
            host,
            binary,
            disabled: 0,
            disabled_reason: null,
            report_count: 0,
            created_at: now,
            updated_at: now,
          })
          .execute();
      } catch (error) {
        // Another process registered the same host and binary at the same moment: use its row.
        if ((await this.find(host, binary)) === undefined) throw error;
      }
    }
    const row = (await this.find(host, binary))!;
    const report = async () => {
      await this.db
        .updateTable('services')
        .set((eb) => ({ report_count: eb('report_count', '+', 1), updated_at: new Date().toISOString() }))
        .where('id', '=', row.id)
        .execute();
    };
    await report();
    let reporting: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      // A failed report is retried at the next tick; the service just looks down meanwhile.
      reporting = report().catch(() => undefined);
    }, REPORT_INTERVAL_MS);
    timer.unref();
    return {
      id: row.id,
      stop: async () => {
        clearInterval(timer);
        await reporting;
      },
    };
  }

  async list(filters: { host?: string; binary?: string } = {}): Promise<ServiceRow[]> {
    let query = this.db.selectFrom('services').selectAll().orderBy('id');
    if (filters.host !== undefined) query = query.where('host', '=', filters.host);
    if (filters.binary !== undefined) query = query.where('binary', '=', filters.binary);
    return (await query.execute()).map(normalize);
  }

  async get(id: number): Promise<ServiceRow | undefined> {
    const row = await this.db.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : normalize(row);
  }

  async setDisabled(id: number, disabled: boolean, reason: string | null): Promise<void> {
    await this.db
      .updateTable('services')
      .set({ disabled: disabled ? 1 : 0, disabled_reason: reason })
      .where('id', '=', id)
      .execute();
  }

  private async find(host: string, binary: string): Promise<ServiceRow | undefined> {
    const row = await this.db
      .selectFrom('services')
      .selectAll()
      .where('host', '=', host)
      .where('binary', '=', binary)
      .executeTakeFirst();
    return row === undefined ? undefined : normalize(row);
  }
}

function normalize(row: ServiceRow): ServiceRow {
  return {
    ...row,
    id: Number(row.id),
    disabled: Number(row.disabled),
    report_count: Number(row.report_count),
  };
}
