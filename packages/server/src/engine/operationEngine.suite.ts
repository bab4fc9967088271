import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadProviders } from '@hoard/core/host';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../app.js';
import type { OpenDatabase } from '../database/openDatabase.js';
import { OperationLogStore } from '../database/operationLogStore.js';
import { TriggerStore } from '../database/triggerStore.js';
import { writeLocalProvider } from '../testing/hoardServe.js';

const PROVIDER_ID = 'cf56bd3e-97a7-4078-b6d5-f36246333fd9';
const DEVSTACK = {
  minIntervalSeconds: 60,
  minWindowSeconds: 20,
  maxWindowSeconds: 30,
  defaultFormat: 'crontab' as const,
};
const as = { 'x-auth-token': 'u:e1', 'content-type': 'application/json' };
/**
 * The operation engine against a real database: the same suite for SQLite
 * (operationEngine.test.ts) and MariaDB (operationEngine.int.test.ts).
 */
export function operationEngineTests(label: string, open: (scratch: string) => Promise<OpenDatabase>): void {
  let root: string;
  let database: OpenDatabase;
  /** Two servers on one database, their engines driven by one fake clock. */
  const servers: FastifyInstance[] = [];
  const engines: { poll(): Promise<void>; settled(): Promise<void> }[] = [];
  let now = new Date('2030-01-01T00:00:05Z');

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'hoard-engine-'));
    await mkdir(path.join(root, 'data'));
    await writeFile(path.join(root, 'data', 'a.txt'), 'alpha\n');
    await writeLocalProvider(root);
    database = await open(root);
    for (let i = 0; i < 2; i++) {
      const entries = await loadProviders({
        providerDir: path.join(root, 'providers.d'),
        searchFrom: [import.meta.dirname],
      });
      servers.push(
        await createApiServer({
          providers: entries.map((e) => e.provider!),
          auth: { strategy: 'noauth' },
          database,
          timeTriggers: DEVSTACK,
          // Polls only when the test says so.
          engine: {
            pollIntervalMs: 3_600_000,
            now: () => now,
            retainedLogs: 3,
            onEngine: (e) => engines.push(e),
          },
        }),
      );
    }
    // Each engine's first poll (at start) has ended: only the test's polls take fires.
    await Promise.all(engines.map((e) => e.poll()));
  });

  afterAll(async () => {
    for (const server of servers) await server.close();
    await database.close();
  });

  const api = async <T>(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    payload?: unknown,
    server = servers[0]!,
  ) => {
    const res = await server.inject({
      method,
      url: `/v1/e1${url}`,
      headers: as,
      ...(payload ? { payload } : {}),
    });
    return { status: res.statusCode, body: (res.body === '' ? undefined : res.json()) as T };
  };

  interface Log {
    id: string;
    operation_type: string;
    status: string;
    checkpoint_id: string | null;
    expect_start_time: string | null;
    error_info: string | null;
  }
  const logsOf = async (operationId: string) =>
    (
      await api<{ operation_logs: Log[] }>(
        'GET',
        `/operation_logs?scheduled_operation_id=${operationId}&limit=1000`,
      )
    ).body.operation_logs;

  /** Both engines poll at once; then waits until no run is in progress. */
  async function fire(at: string, operationId: string): Promise<void> {
    now = new Date(at);
    await Promise.all(engines.map((e) => e.poll()));
    await Promise.all(engines.map((e) => e.settled()));
    expect((await logsOf(operationId)).filter((l) => l.status === 'in_progress')).toEqual([]);
  }

  describe(`the operation engine on ${label} (fake clock, two engines on one database)`, () => {
    it('runs each fire of a retention_protect once, keeps the 2 newest, drops a missed fire, fails an orphaned run', async () => {
      const trigger = await api<{ trigger_info: { id: string } }>('POST', '/triggers', {
        trigger_info: {
          name: 'every minute',
          type: 'time',
          properties: {
            format: 'crontab',
            pattern: '* * * * *',
            start_time: '2030-01-01 00:00:00',
            window: 30,
          },
        },
      });
      expect(trigger.status).toBe(200);
      const triggerId = trigger.body.trigger_info.id;
      const plan = await api<{ plan: { id: string } }>('POST', '/plans', {
        plan: {
          name: 'data',
          provider_id: PROVIDER_ID,
          resources: [{ id: path.join(root, 'data'), type: 'Hoard::Local::Directory', name: 'data' }],
          parameters: {},
        },
      });
      const definition = { provider_id: PROVIDER_ID, plan_id: plan.body.plan.id, max_backups: 2 };
      const bad = await api('POST', '/scheduled_operations', {
        scheduled_operation: {
          name: 'x',
          operation_type: 'retention_protect',
          trigger_id: triggerId,
          operation_definition: { ...definition, max_backups: 'two' },
        },
      });
      expect(bad.status).toBe(400);
      const created = await api<{
        scheduled_operation: { id: string; operation_definition: Record<string, string>; enabled: boolean };
      }>('POST', '/scheduled_operations', {
        scheduled_operation: {
          name: 'keep two',
          description: 'every minute',
          operation_type: 'retention_protect',
          trigger_id: triggerId,
          operation_definition: definition,
        },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      const operation = created.body.scheduled_operation;
      expect(operation).toMatchObject({ enabled: true, operation_definition: { max_backups: '2' } });
      // In use: the trigger cannot be deleted (Karbor's 424).
      expect((await api('DELETE', `/triggers/${triggerId}`)).status).toBe(424);

      for (const minute of [0, 1, 2, 3, 4]) await fire(`2030-01-01T00:0${minute}:05Z`, operation.id);
      const logs = await logsOf(operation.id);
      const protects = logs.filter((l) => l.operation_type === 'retention_protect');
      // retained_operation_log_number = 3: the logs of the 3 newest fires.
      expect(
        protects.map((l) => [l.expect_start_time, l.status]).sort(),
        JSON.stringify(logs, null, 1),
      ).toEqual([2, 3, 4].map((m) => [`2030-01-01T00:0${m}:00.000Z`, 'success']));
      const deletes = logs.filter((l) => l.operation_type === 'delete');
      expect(
        deletes.map((l) => l.status),
        JSON.stringify(logs, null, 1),
      ).toEqual(['deleted', 'deleted', 'deleted']);
      const checkpoints = (
        await api<{ checkpoints: { id: string; status: string }[] }>(
          'GET',
          `/providers/${PROVIDER_ID}/checkpoints`,
        )
      ).body.checkpoints;
      const newest = protects
        .sort((a, b) => (a.expect_start_time! < b.expect_start_time! ? 1 : -1))
        .slice(0, 2)
        .map((l) => l.checkpoint_id);
      expect(checkpoints.map((c) => [c.id, c.status])).toEqual(newest.map((id) => [id, 'available']));

      // Every server was down from 00:05 to 00:10:45: the 00:05 fire is past its 30 s window.
      await fire('2030-01-01T00:10:45Z', operation.id);
      const dropped = (await logsOf(operation.id)).filter((l) => l.status === 'dropped_out_of_window');
      expect(dropped).toHaveLength(1);
      expect(dropped[0]!.expect_start_time).toBe('2030-01-01T00:05:00.000Z');
      expect(dropped[0]!.error_info).toMatch(/after its window \(30 s\) ended/);
      expect((await new TriggerStore(database.db).nextFire(triggerId))?.toISOString()).toBe(
        '2030-01-01T00:11:00.000Z',
      );

      // A run whose engine died (its row in progress, the engine gone) is failed with the reason.
      await database.db
        .insertInto('operation_logs')
        .values({
          id: '0b7d6a1e-2f6c-4d43-9a56-2b1c0e6f9a10',
          project_id: 'e1',
          operation_type: 'protect',
          checkpoint_id: null,
          plan_id: plan.body.plan.id,
          provider_id: PROVIDER_ID,
          restore_id: null,
          scheduled_operation_id: operation.id,
          status: 'in_progress',
          expect_start_time: '2030-01-01T00:09:00.000Z',
          started_at: '2030-01-01T00:09:00.000Z',
          ended_at: null,
          error_info: null,
          extra_info: null,
          instance: 'a-dead-engine',
        })
        .execute();
      await fire('2030-01-01T00:10:50Z', operation.id);
      const orphan = (await logsOf(operation.id)).find(
        (l) => l.id === '0b7d6a1e-2f6c-4d43-9a56-2b1c0e6f9a10',
      );
      expect(orphan).toMatchObject({ status: 'failed' });
      expect(orphan!.error_info).toMatch(/the server running it stopped/);

      // Deleting the operation frees the trigger.
      expect((await api('DELETE', `/scheduled_operations/${operation.id}`)).status).toBe(200);
      expect((await api('DELETE', `/triggers/${triggerId}`)).status).toBe(200);
    });

    it('writes a fire and its logs in one transaction: a failed log write leaves the fire to take', async () => {
      const triggers = new TriggerStore(database.db);
      const trigger = await triggers.create(
        {
          name: 'atomic',
          type: 'time',
          projectId: 'e1',
          properties: { format: 'crontab', pattern: '* * * * *' },
        },
        new Date('2030-02-01T00:00:00Z'),
      );
      const log = {
        project_id: 'e1',
        operation_type: 'protect',
        checkpoint_id: null,
        plan_id: null,
        provider_id: null,
        restore_id: null,
        scheduled_operation_id: null,
        status: 'in_progress',
        expect_start_time: '2030-02-01T00:00:00.000Z',
        started_at: '2030-02-01T00:00:05.000Z',
        ended_at: null,
        error_info: null,
        extra_info: null,
        instance: null,
      };
      const due = '2030-02-01T00:00:00.000Z';
      const take = async (logs: (typeof log)[]) =>
        (
          await triggers.takeFires([
            { triggerId: trigger.id, executionTime: due, next: new Date('2030-02-01T00:01:00Z'), logs },
          ])
        )[0];
      // The crash stand-in: the insert of the logs fails after the compare-and-swap.
      await expect(take([{ ...log, status: null as unknown as string }])).rejects.toThrow();
      expect((await triggers.nextFire(trigger.id))?.toISOString()).toBe(due);
      const ids = await take([log]);
      expect(ids).toHaveLength(1);
      expect(await take([log])).toBeUndefined();
      expect((await triggers.nextFire(trigger.id))?.toISOString()).toBe('2030-02-01T00:01:00.000Z');
      await database.db.deleteFrom('operation_logs').where('id', '=', ids![0]!).execute();
      await triggers.delete(trigger.id);
    });

    it('prunes an operation to the logs of its newest fires, never a run in progress or a failed delete', async () => {
      const store = new OperationLogStore(database.db);
      const operationId = '6f1c2a4e-0d1b-4c7e-8a3f-5b2d9e7c1a00';
      const row = (minute: number, changes: Partial<{ operation_type: string; status: string }> = {}) => ({
        project_id: 'e1',
        operation_type: 'protect',
        checkpoint_id: null,
        plan_id: null,
        provider_id: null,
        restore_id: null,
        scheduled_operation_id: operationId,
        status: 'success',
        expect_start_time: null,
        started_at: `2030-03-01T00:${String(minute).padStart(2, '0')}:00.000Z`,
        ended_at: null,
        error_info: null,
        extra_info: null,
        instance: null,
        ...changes,
      });
      const ids: Record<string, string> = {};
      for (const minute of [1, 2, 3, 4, 5, 6]) ids[`fire${minute}`] = await store.add(row(minute));
      ids['deleteAfter1'] = await store.add({
        ...row(1),
        started_at: '2030-03-01T00:01:30.000Z',
        operation_type: 'delete',
        status: 'deleted',
      });
      ids['failedDelete'] = await store.add({
        ...row(1),
        started_at: '2030-03-01T00:01:40.000Z',
        operation_type: 'delete',
        status: 'error-deleting',
      });
      ids['deleteAfter5'] = await store.add({
        ...row(5),
        started_at: '2030-03-01T00:05:30.000Z',
        operation_type: 'delete',
        status: 'deleted',
      });
      ids['running0'] = await store.add(row(0, { status: 'in_progress' }));
      expect(await store.prune(operationId, 3)).toBe(4);
      const left = await store.list({ filters: { scheduled_operation_id: operationId }, limit: 100 });
      const names = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
      expect(left!.map((l) => names[l.id]).sort()).toEqual(
        ['deleteAfter5', 'failedDelete', 'fire4', 'fire5', 'fire6', 'running0'].sort(),
      );
      expect(await store.prune(operationId, 3)).toBe(0);
      await database.db
        .deleteFrom('operation_logs')
        .where('scheduled_operation_id', '=', operationId)
        .execute();
    });
  });
}
