/**
 * Two `hoard serve` processes on one MariaDB (the mini-cloud's), their engines on the real clock
 * (issue 11): the server running a scheduled protect is killed with SIGKILL mid-run. Every fire
 * ran once (the operation logs prove it: one log a due time, no due time missing), the killed
 * run's log ends `failed` with the reason, its checkpoint reads `error` once its lease lapses,
 * and the other server goes on taking every fire.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HoardServe, LOCAL_PROVIDER_ID, startHoardServe } from '../testing/hoardServe.js';

const MARIADB = { host: '127.0.0.1', user: 'openstack', password: 'openstack' };
const name = `hoard_two_${randomBytes(4).toString('hex')}`;
const PROJECT = 'two-servers';
const FIRE_SECONDS = 10;

let root: string;
let sql: Connection;
const servers: HoardServe[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function api<T>(server: HoardServe, method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}/v1/${PROJECT}${url}`, {
    method,
    headers: { 'x-auth-token': `u:${PROJECT}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

interface Log {
  id: string;
  operation_type: string;
  status: string;
  checkpoint_id: string | null;
  expect_start_time: string;
  error_info: string | null;
}

beforeAll(async () => {
  sql = await createConnection(MARIADB);
  await sql.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  root = await mkdtemp(path.join(tmpdir(), 'hoard-two-servers-'));
  await mkdir(path.join(root, 'providers.d'));
  // Leases of 2 s: a dead run's checkpoint reads `error` soon after the kill.
  await writeFile(
    path.join(root, 'providers.d', 'local.conf'),
    `[provider]\nname = Local\nid = ${LOCAL_PROVIDER_ID}\nbank = @hoard/bank-fs\nplugin = @hoard/plugin-directory\nlease_expire_window = 2\nlease_renew_window = 1\n[file_system_bank_plugin]\nfile_system_bank_path = ../bank\n`,
  );
  await writeFile(
    path.join(root, 'hoard.conf'),
    `[DEFAULT]\nosapi_karbor_listen_port = 0\nmin_interval = ${FIRE_SECONDS}\nmin_window_time = 2\nmax_window_time = 5\ntrigger_poll_interval = 1\nretained_operation_log_number = 1000\n[database]\nconnection = mysql+pymysql://${MARIADB.user}:${MARIADB.password}@${MARIADB.host}/${name}\n`,
  );
  // Enough files that a protect runs for a second or more: long enough to be killed in.
  for (let d = 0; d < 20; d++) {
    await mkdir(path.join(root, 'data', `d${d}`), { recursive: true });
    for (let f = 0; f < 100; f++)
      await writeFile(path.join(root, 'data', `d${d}`, `f${f}`), randomBytes(2048 + ((d * 100 + f) % 4096)));
  }
  for (let i = 0; i < 2; i++)
    servers.push(await startHoardServe(root, ['--config', path.join(root, 'hoard.conf')]));
}, 120_000);

afterAll(async () => {
  for (const server of servers) await server.stop();
  await sql?.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await sql?.end();
});

describe('two hoard serve on one MariaDB, one killed mid-run', () => {
  it('runs every fire once; the killed run ends failed with the reason; the other server goes on', {
    timeout: 240_000,
  }, async () => {
    const [a, b] = servers as [HoardServe, HoardServe];
    const plan = await api<{ plan: { id: string } }>(a, 'POST', '/plans', {
      plan: {
        name: 'data',
        provider_id: LOCAL_PROVIDER_ID,
        parameters: {},
        resources: [{ id: path.join(root, 'data'), type: 'Hoard::Local::Directory', name: 'data' }],
      },
    });
    const trigger = await api<{ trigger_info: { id: string } }>(b, 'POST', '/triggers', {
      trigger_info: {
        name: `every ${FIRE_SECONDS} s`,
        type: 'time',
        properties: {
          format: 'calendar',
          pattern: `BEGIN:VEVENT\nRRULE:FREQ=SECONDLY;INTERVAL=${FIRE_SECONDS}\nEND:VEVENT`,
          window: 5,
        },
      },
    });
    const operation = await api<{ scheduled_operation: { id: string } }>(a, 'POST', '/scheduled_operations', {
      scheduled_operation: {
        name: 'protect data',
        operation_type: 'protect',
        trigger_id: trigger.trigger_info.id,
        operation_definition: { provider_id: LOCAL_PROVIDER_ID, plan_id: plan.plan.id },
      },
    });
    const operationId = operation.scheduled_operation.id;
    const logs = async (server: HoardServe) =>
      (
        await api<{ operation_logs: Log[] }>(
          server,
          'GET',
          `/operation_logs?scheduled_operation_id=${operationId}&limit=1000`,
        )
      ).operation_logs;

    // A run after a first success, once its checkpoint is being made: its log and its server's pid.
    let victim: { log: string; pid: number } | undefined;
    for (let i = 0; i < 600 && victim === undefined; i++) {
      const [rows] = await sql.query<RowDataPacket[]>(
        `SELECT l.id, e.pid FROM \`${name}\`.operation_logs l JOIN \`${name}\`.engine_instances e ON e.instance = l.instance
         WHERE l.scheduled_operation_id = ? AND l.status = 'in_progress' AND l.checkpoint_id IS NOT NULL`,
        [operationId],
      );
      const done = (await logs(a)).filter((l) => l.status === 'success').length;
      if (rows.length > 0 && done >= 1)
        victim = { log: rows[0]!['id'] as string, pid: Number(rows[0]!['pid']) };
      else await sleep(50);
    }
    expect(victim, 'no run was seen in progress after a first success').toBeDefined();
    const killed = servers.find((s) => s.process.pid === victim!.pid);
    expect(killed, `the run's pid ${victim!.pid} is neither server's`).toBeDefined();
    const survivor = killed === a ? b : a;
    killed!.process.kill('SIGKILL');
    await new Promise((resolve) => killed!.process.once('exit', resolve));
    const killedAt = Date.now();

    // The survivor fails the dead run (its engine silent for 3 polls) and takes 3 more fires.
    let all: Log[] = [];
    for (let i = 0; i < 900; i++) {
      all = await logs(survivor);
      const after = all.filter(
        (l) => l.status === 'success' && new Date(l.expect_start_time).getTime() > killedAt,
      );
      const dead = all.find((l) => l.id === victim!.log);
      if (after.length >= 3 && dead?.status !== 'in_progress') break;
      await sleep(200);
    }
    const dead = all.find((l) => l.id === victim!.log)!;
    expect(dead.status).toBe('failed');
    expect(dead.error_info).toMatch(/the server running it stopped: .* \(pid \d+\) stopped reporting/);
    const afterKill = all.filter(
      (l) => l.status === 'success' && new Date(l.expect_start_time).getTime() > killedAt,
    );
    expect(afterKill.length, JSON.stringify(all, null, 1)).toBeGreaterThanOrEqual(3);

    // Every fire once: one log a due time, and no due time missing between the first and the last.
    const fires = all.filter((l) => l.operation_type === 'protect');
    const due = fires.map((l) => new Date(l.expect_start_time).getTime()).sort((x, y) => x - y);
    expect(new Set(due).size, JSON.stringify(fires, null, 1)).toBe(due.length);
    for (let i = 1; i < due.length; i++) expect(due[i]! - due[i - 1]!).toBe(FIRE_SECONDS * 1000);
    expect(
      fires.filter((l) => l.status === 'in_progress' && l.id !== fires[0]!.id).length,
    ).toBeLessThanOrEqual(1);

    // The killed run's checkpoint: `error` once its lease lapsed, never left `protecting`.
    expect(dead.checkpoint_id).not.toBeNull();
    {
      let status = '';
      for (let i = 0; i < 100 && status !== 'error'; i++) {
        status = (
          await api<{ checkpoint: { status: string } }>(
            survivor,
            'GET',
            `/providers/${LOCAL_PROVIDER_ID}/checkpoints/${dead.checkpoint_id}`,
          )
        ).checkpoint.status;
        if (status !== 'error') await sleep(200);
      }
      expect(status).toBe('error');
    }
    // Each successful fire's checkpoint is available.
    for (const log of fires.filter((l) => l.status === 'success')) {
      const shown = await api<{ checkpoint: { status: string } }>(
        survivor,
        'GET',
        `/providers/${LOCAL_PROVIDER_ID}/checkpoints/${log.checkpoint_id}`,
      );
      expect(shown.checkpoint.status).toBe('available');
    }
  });
});
