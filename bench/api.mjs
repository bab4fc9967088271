#!/usr/bin/env node
// `pnpm bench:api`: the API server under load. A real `hoard serve` process (keystone off:
// noauth on 127.0.0.1) with N plans in its database and N checkpoints in its bank (bank-fs),
// on SQLite and on MariaDB; clients over HTTP with keep-alive. Prints p50/p99 of plan show, of
// each 1000-item page of a plan list paginated to its end, and of each page of a checkpoint
// list, at 1 and 64 concurrent clients, with requests/s, and the server's peak RSS.
// Targets (issue 10): p99 < 50 ms for a show and < 250 ms for a 1000-item page at 64 clients;
// RSS < 300 MiB.
// The load generator shares the machine's cores with the server, so it is kept lean: node:http
// with keep-alive, not fetch; at 64 clients a page's body is not parsed (as wrk or autocannon
// would not parse it): its items are counted by a key each item has once and the next marker is
// read from its `_links`. At 1 client every page is parsed and its ids checked. The server's own
// CPU time per request is printed as well, which the load generator does not inflate.
// Options: --plans N --checkpoints N (default 10000 each), --quick (1000 each),
// --database sqlite|mysql|both (default both; mysql is mysql://openstack:openstack@127.0.0.1,
// database hoard_bench, dropped and created), --keep (leave the scratch directory).
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
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
const planCount = Number(arg('plans', quick ? 1000 : 10_000));
const checkpointCount = Number(arg('checkpoints', quick ? 1000 : 10_000));
const databases = arg('database', 'both') === 'both' ? ['sqlite', 'mysql'] : [arg('database')];
const headers = { 'x-auth-token': `bench:${PROJECT}`, 'content-type': 'application/json' };

/** Runs `jobs` with at most `concurrency` at once; returns each one's latency in ms. */
async function load(jobs, concurrency) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        const t = performance.now();
        await job();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { n: latencies.length, p50: at(0.5), p99: at(0.99), perSecond: latencies.length / seconds };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** One request; its body's text. */
function request(url, init = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers, agent }, (response) => {
      const chunks = [];
      response.on('data', (c) => chunks.push(c));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode !== 200)
          reject(new Error(`${init.method ?? 'GET'} ${url}: ${response.statusCode} ${text.slice(0, 300)}`));
        else resolve(text);
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

async function call(url, init = {}) {
  const text = await request(url, init);
  return text ? JSON.parse(text) : undefined;
}

/** A process's user + system CPU time, ms. */
function cpuOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
}

/** Peak and current RSS of a process, MiB. */
function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)[1]);
  return { peak: kib('VmHWM') / 1024, now: kib('VmRSS') / 1024 };
}

async function startServer(dir, databaseUrl) {
  await writeFile(
    path.join(dir, 'hoard.conf'),
    `[DEFAULT]\nosapi_karbor_listen_port = 0\nquota_plans = -1\nquota_checkpoints = -1\n[database]\nconnection = ${databaseUrl}\n`,
  );
  const child = spawn(
    process.execPath,
    // HOARD_BENCH_NODE_ARGS: node options for the server (e.g. --cpu-prof --cpu-prof-dir=DIR).
    [
      ...(process.env.HOARD_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
      HOARD,
      'serve',
      '--json',
      '--config',
      path.join(dir, 'hoard.conf'),
    ],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      if (process.env.HOARD_BENCH_SERVER_LOG) appendFileSync(process.env.HOARD_BENCH_SERVER_LOG, d);
      // Lines of node's own (--trace-gc in HOARD_BENCH_NODE_ARGS) start with '['.
      out += String(d)
        .split('\n')
        .filter((line) => !line.startsWith('['))
        .join('\n');
      try {
        resolve(JSON.parse(out).url);
      } catch {}
    });
    child.on('exit', (code) => reject(new Error(`hoard serve exited ${code}: ${out}`)));
  });
  return { url, child };
}

/** A key each item of a collection has once (and nothing else in its page has). */
const ITEM_KEY = { plans: '"provider_id":', checkpoints: '"resource_graph":' };

/** How many times `needle` occurs in `text`. */
function occurrences(text, needle) {
  let n = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) n++;
  return n;
}

/**
 * Pages of `path` (limit 1000) to the end, each page one request; returns the items seen. With
 * `check`, each page is parsed and its ids must be new and in order; without, items are counted
 * by {@link ITEM_KEY} and the next marker is read from the page's `_links`.
 */
async function paginate(base, collection, pages, check) {
  let marker;
  let seen = 0;
  const ids = new Set();
  for (;;) {
    const t = performance.now();
    const text = await request(`${base}?limit=1000${marker ? `&marker=${marker}` : ''}`);
    pages.push(performance.now() - t);
    if (check) {
      const items = JSON.parse(text)[collection];
      for (const item of items) {
        if (ids.has(item.id)) throw new Error(`${collection}: ${item.id} listed twice`);
        ids.add(item.id);
      }
      seen += items.length;
      if (items.length < 1000) return seen;
      marker = items[items.length - 1].id;
    } else {
      const count = occurrences(text, ITEM_KEY[collection]);
      seen += count;
      const link = text.lastIndexOf('marker=');
      if (count < 1000 || link < 0) return seen;
      marker = /^marker=([0-9a-f-]+)/.exec(text.slice(link, link + 60))[1];
    }
  }
}

function pageStats(pages, seconds) {
  pages.sort((a, b) => a - b);
  const at = (q) => pages[Math.min(pages.length - 1, Math.floor(q * pages.length))];
  return { n: pages.length, p50: at(0.5), p99: at(0.99), perSecond: pages.length / seconds };
}

const root = await mkdtemp(path.join(process.env.HOARD_BENCH_DIR ?? '/var/tmp', 'hoard-bench-api-'));
const rows = [];
try {
  const data = path.join(root, 'data');
  await mkdir(data);
  await writeFile(path.join(data, 'a.txt'), 'alpha\n');
  await mkdir(path.join(root, 'providers.d'));
  await writeFile(
    path.join(root, 'providers.d', 'local.conf'),
    `[provider]\nname = Local\nid = ${PROVIDER_ID}\nbank = @hoard/bank-fs\nplugin = @hoard/plugin-directory\n[file_system_bank_plugin]\nfile_system_bank_path = ../bank\n`,
  );
  let checkpointsSeeded = false;
  for (const database of databases) {
    let databaseUrl = `sqlite:///${path.join(root, 'hoard.db')}`;
    if (database === 'mysql') {
      execFileSync('mysql', [
        '-uopenstack',
        '-popenstack',
        '-h127.0.0.1',
        '-e',
        'DROP DATABASE IF EXISTS hoard_bench; CREATE DATABASE hoard_bench',
      ]);
      databaseUrl = 'mysql://openstack:openstack@127.0.0.1:3306/hoard_bench';
    }
    const { url, child } = await startServer(root, databaseUrl);
    try {
      const v1 = `${url}/v1/${PROJECT}`;
      const body = (name) =>
        JSON.stringify({
          plan: {
            name,
            provider_id: PROVIDER_ID,
            resources: [{ id: data, type: 'Hoard::Local::Directory', name: 'data' }],
            parameters: {},
          },
        });
      let t = performance.now();
      const planIds = [];
      await load(
        Array.from({ length: planCount }, (_, i) => async () => {
          planIds.push((await call(`${v1}/plans`, { method: 'POST', body: body(`plan-${i}`) })).plan.id);
        }),
        16,
      );
      const seedPlans = (performance.now() - t) / 1000;
      let seedCheckpoints = 0;
      if (!checkpointsSeeded) {
        t = performance.now();
        const created = [];
        await load(
          Array.from({ length: checkpointCount }, (_, i) => async () => {
            const plan = planIds[i % planIds.length];
            const c = await call(`${v1}/providers/${PROVIDER_ID}/checkpoints`, {
              method: 'POST',
              body: JSON.stringify({ checkpoint: { plan_id: plan } }),
            });
            created.push(c.checkpoint.id);
          }),
          16,
        );
        // Wait for the protects to end (the answer comes once each checkpoint exists).
        for (;;) {
          const page = await call(`${v1}/providers/${PROVIDER_ID}/checkpoints?limit=1000`);
          if (!page.checkpoints.some((c) => c.status === 'protecting')) {
            const last = await call(
              `${v1}/providers/${PROVIDER_ID}/checkpoints/${created[created.length - 1]}`,
            );
            if (last.checkpoint.status !== 'protecting') break;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
        seedCheckpoints = (performance.now() - t) / 1000;
        checkpointsSeeded = true;
      }
      const seeded = `${planCount} plans in ${seedPlans.toFixed(1)} s${seedCheckpoints ? `, ${checkpointCount} checkpoints in ${seedCheckpoints.toFixed(1)} s` : ''}`;
      // RSS while reading (the seeding above is writes), sampled every 50 ms.
      let readPeak = 0;
      const sampler = setInterval(() => {
        readPeak = Math.max(readPeak, rssOf(child.pid).now);
      }, 50);
      /** Runs a phase; adds the server's CPU ms per request to its row. */
      const measured = async (row, run) => {
        const cpu = cpuOf(child.pid);
        const result = await run();
        rows.push({ ...row, ...result, cpuPerRequest: (cpuOf(child.pid) - cpu) / result.n });
      };
      for (const clients of [1, 64]) {
        const shows = Array.from(
          // 200 a client: at 64 clients one stall of the server slows the 64 requests in flight,
          // so a short phase's p99 is its single worst stall, not the service's.
          { length: Math.max(2000, clients * 200) },
          (_, i) => () => call(`${v1}/plans/${planIds[(i * 7919) % planIds.length]}`),
        );
        await measured({ database, what: 'plan show', clients }, () => load(shows, clients));
        for (const [what, base, collection] of [
          ['plan list page', `${v1}/plans`, 'plans'],
          ['checkpoint list page', `${v1}/providers/${PROVIDER_ID}/checkpoints`, 'checkpoints'],
        ]) {
          await measured({ database, what, clients }, async () => {
            const pages = [];
            const rounds = clients === 1 ? 3 : clients;
            const started = performance.now();
            const counts = await Promise.all(
              Array.from({ length: clients }, async () => {
                const seen = [];
                for (let r = 0; r < Math.ceil(rounds / clients); r++)
                  seen.push(await paginate(base, collection, pages, clients === 1));
                return seen;
              }),
            );
            const expected = collection === 'plans' ? planCount : checkpointCount;
            for (const c of counts.flat())
              if (c !== expected) throw new Error(`${what}: paginated ${c} items, expected ${expected}`);
            return pageStats(pages, (performance.now() - started) / 1000);
          });
        }
      }
      clearInterval(sampler);
      const rss = rssOf(child.pid);
      rows.push({
        database,
        what: `server RSS: peak while reading ${readPeak.toFixed(0)} MiB; peak over its life (seeding included) ${rss.peak.toFixed(0)} MiB, now ${rss.now.toFixed(0)} MiB`,
      });
      rows.push({ database, what: `seeded ${seeded}` });
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
} finally {
  if (!process.argv.includes('--keep')) await rm(root, { recursive: true, force: true });
}

const header = [
  'database',
  'request',
  'clients',
  'requests',
  'p50 ms',
  'p99 ms',
  'req/s',
  'server CPU ms/req',
];
const widths = [8, 22, 7, 8, 8, 8, 8, 17];
const pad = (cells) => cells.map((c, i) => String(c).padStart(widths[i])).join('  ');
console.log(
  `API server (hoard serve, noauth, bank-fs): ${planCount} plans, ${checkpointCount} checkpoints, limit 1000`,
);
console.log('targets: p99 < 50 ms for a show, < 250 ms for a 1000-item page, at 64 clients; RSS < 300 MiB');
console.log(pad(header));
for (const r of rows) {
  if (r.clients === undefined) console.log(`${r.database.padStart(8)}  ${r.what}`);
  else
    console.log(
      pad([
        r.database,
        r.what,
        r.clients,
        r.n,
        r.p50.toFixed(1),
        r.p99.toFixed(1),
        r.perSecond.toFixed(0),
        r.cpuPerRequest.toFixed(2),
      ]),
    );
}
