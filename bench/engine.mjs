#!/usr/bin/env node
// `pnpm bench:engine`: the operation engine of a real `hoard serve` process with N time
// triggers (crontab `* * * * *`, all in phase: every one fires at each minute's first second),
// each with one scheduled `protect`, on SQLite and on MariaDB. Measured over M minutes:
// - fire lag: when the engine took each fire (its operation log's `started_at`) less when it
//   was due (`expect_start_time`), p50 / p99 / max over every fire;
// - the server's CPU between fires (from 20 s after a minute's fires to 2 s before the next),
//   as % of one core, and its CPU for each minute's burst of fires;
// - database load between fires: MariaDB's statements/s (`Questions`) and its CPU; SQLite runs
//   in the server, so its load is the server's CPU.
// The scheduled protects are of a plan deleted after they were made: each run ends at once,
// `failed` ("plan ... no longer exists"), so what is measured is the engine (take, log, run,
// settle, prune), not N protects a minute, which would measure the bank.
// Targets (issue 11): p99 lag < 1 s, idle CPU < 1 % of a core.
// Options: --triggers N (default 10000), --minutes M (default 3), --quick (1000 triggers,
// 2 minutes), --database sqlite|mysql|both (default both; mysql is
// mysql://openstack:openstack@127.0.0.1, database hoard_bench_engine, dropped and created).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const HOARD = path.join(here, '..', 'packages', 'cli', 'dist', 'bin.js');
const PROVIDER_ID = 'cf56bd3e-97a7-4078-b6d5-f36246333fd9';
const PROJECT = 'bench';
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const quick = process.argv.includes('--quick');
const triggerCount = Number(arg('triggers', quick ? 1000 : 10_000));
const minutes = Number(arg('minutes', quick ? 2 : 3));
const databases = arg('database', 'both') === 'both' ? ['sqlite', 'mysql'] : [arg('database')];
const headers = { 'x-auth-token': `bench:${PROJECT}`, 'content-type': 'application/json' };
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function call(url, method = 'GET', body) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers, agent }, (response) => {
      const chunks = [];
      response.on('data', (c) => chunks.push(c));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode !== 200)
          reject(new Error(`${method} ${url}: ${response.statusCode} ${text}`));
        else resolve(text ? JSON.parse(text) : undefined);
      });
    });
    request.on('error', reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Runs `count` jobs, `concurrency` at once. */
async function times(count, concurrency, job) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

/** A process's user + system CPU time, ms. */
function cpuOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const mysql = (sql) =>
  execFileSync('mysql', ['-uopenstack', '-popenstack', '-h127.0.0.1', '-N', '-B', '-e', sql], {
    encoding: 'utf8',
  });
const questions = () => Number(mysql("SHOW GLOBAL STATUS LIKE 'Questions'").trim().split(/\s+/)[1]);
const mysqldPid = () => {
  for (const name of ['mariadbd', 'mysqld']) {
    try {
      return Number(execFileSync('pidof', [name], { encoding: 'utf8' }).trim().split(' ')[0]);
    } catch {}
  }
  return undefined;
};

async function startServer(dir, databaseUrl) {
  await writeFile(
    path.join(dir, 'hoard.conf'),
    `[DEFAULT]\nosapi_karbor_listen_port = 0\nquota_plans = -1\nmin_interval = 60\nmin_window_time = 20\nmax_window_time = 30\ntrigger_poll_interval = 15\nretained_operation_log_number = 5\n[database]\nconnection = ${databaseUrl}\n`,
  );
  const child = spawn(
    process.execPath,
    [HOARD, 'serve', '--json', '--config', path.join(dir, 'hoard.conf')],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += String(d);
      try {
        resolve(JSON.parse(out).url);
      } catch {}
    });
    child.on('exit', (code) => reject(new Error(`hoard serve exited ${code}: ${out}`)));
  });
  return { url, child };
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

const root = await mkdtemp(path.join(process.env.HOARD_BENCH_DIR ?? '/var/tmp', 'hoard-bench-engine-'));
const rows = [];
try {
  await mkdir(path.join(root, 'data'));
  await writeFile(path.join(root, 'data', 'a.txt'), 'alpha\n');
  await mkdir(path.join(root, 'providers.d'));
  await writeFile(
    path.join(root, 'providers.d', 'local.conf'),
    `[provider]\nname = Local\nid = ${PROVIDER_ID}\nbank = @hoard/bank-fs\nplugin = @hoard/plugin-directory\n[file_system_bank_plugin]\nfile_system_bank_path = ../bank\n`,
  );
  for (const database of databases) {
    let databaseUrl = `sqlite:///${path.join(root, `hoard-${Date.now()}.db`)}`;
    if (database === 'mysql') {
      mysql('DROP DATABASE IF EXISTS hoard_bench_engine; CREATE DATABASE hoard_bench_engine');
      databaseUrl = 'mysql://openstack:openstack@127.0.0.1:3306/hoard_bench_engine';
    }
    const { url, child } = await startServer(root, databaseUrl);
    try {
      const v1 = `${url}/v1/${PROJECT}`;
      const { plan } = await call(`${v1}/plans`, 'POST', {
        plan: {
          name: 'bench',
          provider_id: PROVIDER_ID,
          parameters: {},
          resources: [{ id: path.join(root, 'data'), type: 'Hoard::Local::Directory', name: 'data' }],
        },
      });
      const setupStart = performance.now();
      await times(triggerCount, 16, async (i) => {
        const { trigger_info: trigger } = await call(`${v1}/triggers`, 'POST', {
          trigger_info: {
            name: `t${i}`,
            type: 'time',
            properties: { format: 'crontab', pattern: '* * * * *', window: 30 },
          },
        });
        await call(`${v1}/scheduled_operations`, 'POST', {
          scheduled_operation: {
            name: `o${i}`,
            operation_type: 'protect',
            trigger_id: trigger.id,
            operation_definition: { provider_id: PROVIDER_ID, plan_id: plan.id },
          },
        });
      });
      await call(`${v1}/plans/${plan.id}`, 'DELETE');
      const setupSeconds = (performance.now() - setupStart) / 1000;
      // Fires at each minute's start; measured from the first whole minute after the setup.
      const minute = 60_000;
      const first = Math.ceil((Date.now() + 1000) / minute) * minute;
      const idle = [];
      const burst = [];
      const dbIdle = [];
      const dbCpu = [];
      const dbPid = database === 'mysql' ? mysqldPid() : undefined;
      for (let m = 0; m < minutes; m++) {
        const fireAt = first + m * minute;
        await sleep(Math.max(0, fireAt - 1000 - Date.now()));
        const b0 = cpuOf(child.pid);
        await sleep(Math.max(0, fireAt + 20_000 - Date.now()));
        const b1 = cpuOf(child.pid);
        burst.push(b1 - b0);
        const q0 = database === 'mysql' ? questions() : 0;
        const d0 = dbPid !== undefined ? cpuOf(dbPid) : 0;
        const t0 = Date.now();
        await sleep(Math.max(0, fireAt + 58_000 - Date.now()));
        const elapsed = Date.now() - t0;
        idle.push(((cpuOf(child.pid) - b1) / elapsed) * 100);
        if (database === 'mysql') dbIdle.push(((questions() - q0) * 1000) / elapsed);
        if (dbPid !== undefined) dbCpu.push(((cpuOf(dbPid) - d0) / elapsed) * 100);
      }
      // Every fire's lag, from the operation logs (newest first, 1000 a page).
      const lags = [];
      const statuses = {};
      for (let marker; ; ) {
        const page = (await call(`${v1}/operation_logs?limit=1000${marker ? `&marker=${marker}` : ''}`))
          .operation_logs;
        for (const log of page) {
          statuses[log.status] = (statuses[log.status] ?? 0) + 1;
          const due = Date.parse(log.expect_start_time);
          if (due >= first && due < first + minutes * minute) lags.push(Date.parse(log.started_at) - due);
        }
        if (page.length < 1000) break;
        marker = page[page.length - 1].id;
      }
      lags.sort((a, b) => a - b);
      const mean = (values) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
      rows.push({
        database,
        triggers: triggerCount,
        minutes,
        setupSeconds: Number(setupSeconds.toFixed(1)),
        fires: lags.length,
        expectedFires: triggerCount * minutes,
        lagP50Ms: quantile(lags, 0.5),
        lagP99Ms: quantile(lags, 0.99),
        lagMaxMs: lags[lags.length - 1],
        burstCpuSeconds: Number((mean(burst) / 1000).toFixed(2)),
        idleCpuPercent: Number(mean(idle).toFixed(2)),
        dbStatementsPerSecond: database === 'mysql' ? Number(mean(dbIdle).toFixed(1)) : null,
        dbIdleCpuPercent: dbPid !== undefined ? Number(mean(dbCpu).toFixed(2)) : null,
        statuses,
      });
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
} finally {
  if (!process.argv.includes('--keep')) await rm(root, { recursive: true, force: true });
  agent.destroy();
}

const header = [
  'database',
  'triggers',
  'fires',
  'lag p50 ms',
  'lag p99 ms',
  'lag max ms',
  'burst CPU s',
  'idle CPU %',
  'DB stmt/s idle',
  'DB CPU % idle',
];
const table = [
  header,
  ...rows.map((r) => [
    r.database,
    r.triggers,
    `${r.fires}/${r.expectedFires}`,
    r.lagP50Ms,
    r.lagP99Ms,
    r.lagMaxMs,
    r.burstCpuSeconds,
    r.idleCpuPercent,
    r.dbStatementsPerSecond ?? 'in server',
    r.dbIdleCpuPercent ?? 'in server',
  ]),
];
const widths = header.map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
process.stderr.write(
  `${table.map((row) => row.map((c, i) => String(c).padStart(widths[i])).join('  ')).join('\n')}\n`,
);
process.stderr.write(
  `operation logs by status: ${rows.map((r) => `${r.database} ${JSON.stringify(r.statuses)}`).join('; ')}\n`,
);
process.stdout.write(`${JSON.stringify(rows)}\n`);
