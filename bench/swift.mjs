#!/usr/bin/env node
// bank-swift put/get throughput beside plain parallel curl PUT/GET against the same Swift, as a
// ratio, in one run: 1 GiB as 1 MiB objects, as 64 MiB objects, and as one 1 GiB object.
// Needs the mini-cloud (test/minicloud/minicloud up keystone swift). Options: --quick (256 MiB).
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SwiftBank } from '@hoard/bank-swift';
import { ObjectStore, Session } from '@hoard/openstack';
import { minicloud } from '@hoard/openstack/testing';

const quick = process.argv.includes('--quick');
const total = (quick ? 256 : 1024) * 1024 * 1024;
const parallel = 8;
const config = await minicloud('minicloud-admin');
const session = new Session(config);
const token = (await session.getToken()).value;
const base = await session.endpoint('object-store');
const dir = await mkdtemp('/dev/shm/hoard-swift-bench-');

async function pool(items, limit, job) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await job(items[next++]);
    }),
  );
}

function curl(args) {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-sS', '--fail', '-H', `X-Auth-Token: ${token}`, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`curl ${code}: ${err}`))));
  });
}

async function time(fn) {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

const rows = [];
try {
  for (const objectBytes of [1024 * 1024, 64 * 1024 * 1024, total]) {
    const count = total / objectBytes;
    const file = path.join(dir, `object-${objectBytes}.bin`);
    const chunk = Buffer.alloc(objectBytes);
    for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((i * 2654435761) >>> 0, i);
    await writeFile(file, chunk);
    const names = Array.from({ length: count }, (_, i) => `o${String(i).padStart(5, '0')}`);
    const curlContainer = `bench-curl-${objectBytes}-${Date.now()}`;
    const hoardContainer = `bench-hoard-${objectBytes}-${Date.now()}`;
    await curl(['-X', 'PUT', `${base}/${curlContainer}`]);
    const segmentBytes = Number(process.env.HOARD_BENCH_SEGMENT_MIB ?? 16) * 1024 * 1024;
    const bank = await new SwiftBank(new ObjectStore(session), {
      container: hoardContainer,
      segmentBytes,
    }).open();

    const curlPut = await time(() =>
      pool(names, parallel, (n) => curl(['-X', 'PUT', '-T', file, `${base}/${curlContainer}/${n}`])),
    );
    const hoardPut = await time(() =>
      pool(names, parallel, (n) =>
        bank.put(`bench/${n}`, createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })),
      ),
    );
    const curlGet = await time(() =>
      pool(names, parallel, (n) => curl(['-o', '/dev/null', `${base}/${curlContainer}/${n}`])),
    );
    const hoardGet = await time(() =>
      pool(names, parallel, async (n) => {
        for await (const _ of await bank.getStream(`bench/${n}`)) {
          // discard, as curl -o /dev/null does
        }
      }),
    );
    rows.push({ objectBytes, count, curlPut, hoardPut, curlGet, hoardGet });
    await pool(names, parallel, (n) => curl(['-X', 'DELETE', `${base}/${curlContainer}/${n}`]));
    await pool(names, parallel, (n) => bank.delete(`bench/${n}`));
    for (const container of [curlContainer, hoardContainer, `${hoardContainer}_segments`])
      await curl(['-X', 'DELETE', `${base}/${container}`]).catch(() => {}); // _segments exists only for large objects
    await rm(file);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const mib = total / 1024 / 1024;
const pad = (cells, widths) => cells.map((c, i) => String(c).padStart(widths[i])).join('  ');
const w = [12, 7, 13, 14, 9, 13, 14, 9];
console.log(
  `bank-swift vs parallel curl (${parallel} at a time), ${mib} MiB per row; target: >= 70 % of curl`,
);
console.log(
  pad(
    [
      'object size',
      'objects',
      'curl PUT MiB/s',
      'Hoard PUT MiB/s',
      'PUT %',
      'curl GET MiB/s',
      'Hoard GET MiB/s',
      'GET %',
    ],
    w,
  ),
);
for (const r of rows) {
  const size =
    r.objectBytes >= 1024 ** 3 ? `${r.objectBytes / 1024 ** 3} GiB` : `${r.objectBytes / 1024 ** 2} MiB`;
  console.log(
    pad(
      [
        size,
        r.count,
        (mib / r.curlPut).toFixed(0),
        (mib / r.hoardPut).toFixed(0),
        `${((100 * r.curlPut) / r.hoardPut).toFixed(0)} %`,
        (mib / r.curlGet).toFixed(0),
        (mib / r.hoardGet).toFixed(0),
        `${((100 * r.curlGet) / r.hoardGet).toFixed(0)} %`,
      ],
      w,
    ),
  );
}
