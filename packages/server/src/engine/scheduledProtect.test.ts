/**
 * A real `hoard serve` process, its engine on the real clock: a `retention_protect` with
 * `max_backups = 2` on a local-directory plan fires at least 4 times and leaves exactly the 2
 * newest checkpoints (issue 11), with test-sized trigger limits.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HoardServe,
  LOCAL_PROVIDER_ID,
  startHoardServe,
  writeLocalProvider,
} from '../testing/hoardServe.js';
import { formatTriggerTime } from './timeTrigger.js';

let root: string;
let server: HoardServe;
const headers = { 'x-auth-token': 'u:sched', 'content-type': 'application/json' };

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'hoard-scheduled-'));
  await writeLocalProvider(root);
  await mkdir(path.join(root, 'data'));
  await writeFile(path.join(root, 'data', 'a.txt'), 'alpha\n');
  // Fires 10 s apart, each runnable for 5 s after it is due; the engine polls every second.
  await writeFile(
    path.join(root, 'hoard.conf'),
    '[DEFAULT]\nosapi_karbor_listen_port = 0\nmin_interval = 10\nmin_window_time = 2\nmax_window_time = 5\ntrigger_poll_interval = 1\n[database]\nconnection = sqlite:///hoard.db\n',
  );
  server = await startHoardServe(root, ['--config', path.join(root, 'hoard.conf')]);
});

afterAll(async () => {
  await server?.stop();
});

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}/v1/sched${url}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

interface Log {
  operation_type: string;
  status: string;
  checkpoint_id: string | null;
  expect_start_time: string | null;
}

describe('a scheduled retention_protect in a real hoard serve', () => {
  it('fires at least 4 times, each once, and keeps exactly the 2 newest checkpoints', async () => {
    const plan = await call<{ plan: { id: string } }>('POST', '/plans', {
      plan: {
        name: 'data',
        provider_id: LOCAL_PROVIDER_ID,
        resources: [{ id: path.join(root, 'data'), type: 'Hoard::Local::Directory', name: 'data' }],
        parameters: {},
      },
    });
    const trigger = await call<{ trigger_info: { id: string } }>('POST', '/triggers', {
      trigger_info: {
        name: 'every 10 s',
        type: 'time',
        properties: {
          format: 'calendar',
          pattern: 'BEGIN:VEVENT\nRRULE:FREQ=SECONDLY;INTERVAL=10\nEND:VEVENT',
          start_time: formatTriggerTime(new Date(Date.now() + 2000)),
          window: 5,
        },
      },
    });
    const operation = await call<{ scheduled_operation: { id: string } }>('POST', '/scheduled_operations', {
      scheduled_operation: {
        name: 'keep two',
        operation_type: 'retention_protect',
        trigger_id: trigger.trigger_info.id,
        operation_definition: { provider_id: LOCAL_PROVIDER_ID, plan_id: plan.plan.id, max_backups: '2' },
      },
    });
    const id = operation.scheduled_operation.id;
    const logs = async () =>
      (
        await call<{ operation_logs: Log[] }>(
          'GET',
          `/operation_logs?scheduled_operation_id=${id}&limit=1000`,
        )
      ).operation_logs;
    const started = Date.now();
    while (
      (await logs()).filter((l) => l.operation_type === 'retention_protect' && l.status === 'success')
        .length < 4
    ) {
      expect(Date.now() - started, JSON.stringify(await logs())).toBeLessThan(100_000);
      await new Promise((r) => setTimeout(r, 500));
    }
    // No more fires; the last run ends (its retention included).
    await call('DELETE', `/scheduled_operations/${id}`);
    while ((await logs()).some((l) => l.status === 'in_progress'))
      await new Promise((r) => setTimeout(r, 200));

    const all = await logs();
    const protects = all.filter((l) => l.operation_type === 'retention_protect');
    expect(protects.filter((l) => l.status === 'failed')).toEqual([]);
    // Each fire ran once: no two runs of one due time.
    const due = protects.map((l) => l.expect_start_time);
    expect(new Set(due).size).toBe(due.length);
    const succeeded = protects
      .filter((l) => l.status === 'success')
      .sort((a, b) => (a.expect_start_time! < b.expect_start_time! ? 1 : -1));
    expect(succeeded.length).toBeGreaterThanOrEqual(4);
    const checkpoints = (
      await call<{ checkpoints: { id: string; status: string }[] }>(
        'GET',
        `/providers/${LOCAL_PROVIDER_ID}/checkpoints`,
      )
    ).checkpoints;
    expect(checkpoints.map((c) => [c.id, c.status])).toEqual(
      succeeded.slice(0, 2).map((l) => [l.checkpoint_id, 'available']),
    );
    const deletes = all.filter((l) => l.operation_type === 'delete');
    expect(deletes.map((l) => l.status)).toEqual(Array(succeeded.length - 2).fill('deleted'));
  }, 150_000);
});
