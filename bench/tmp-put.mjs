import http from 'node:http';
import { Session } from '@hoard/openstack';
import { minicloud } from '@hoard/openstack/testing';

const session = new Session(await minicloud('minicloud-admin'));
const token = (await session.getToken()).value;
const base = await session.endpoint('object-store');
await fetch(`${base}/tmpbench`, { method: 'PUT', headers: { 'X-Auth-Token': token } });
const body = Buffer.alloc(64 * 1024 * 1024, 7);
const N = 16,
  P = 8;
async function pool(job) {
  let next = 0;
  await Promise.all(
    Array.from({ length: P }, async () => {
      while (next < N) await job(next++);
    }),
  );
}
const time = async (name, job) => {
  const t = performance.now();
  await pool(job);
  console.log(name, ((N * 64) / ((performance.now() - t) / 1000)).toFixed(0), 'MiB/s');
};
await time('fetch', async (i) => {
  const r = await fetch(`${base}/tmpbench/f${i}`, {
    method: 'PUT',
    body,
    headers: { 'X-Auth-Token': token },
  });
  await r.arrayBuffer();
  if (r.status !== 201) throw new Error(r.status);
});
await time('session', async (i) => {
  await session.request('object-store', `/tmpbench/s${i}`, { method: 'PUT', body, expect: [201] });
});
const agent = new http.Agent({ keepAlive: true });
await time(
  'http',
  (i) =>
    new Promise((res, rej) => {
      const u = new URL(`${base}/tmpbench/h${i}`);
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'PUT',
          agent,
          headers: { 'X-Auth-Token': token, 'Content-Length': body.length },
        },
        (r) => {
          r.resume();
          r.on('end', () => (r.statusCode === 201 ? res() : rej(new Error(r.statusCode))));
        },
      );
      req.on('error', rej);
      req.end(body);
    }),
);
await time('fetch', async (i) => {
  const r = await fetch(`${base}/tmpbench/f${i}`, {
    method: 'PUT',
    body,
    headers: { 'X-Auth-Token': token },
  });
  await r.arrayBuffer();
  if (r.status !== 201) throw new Error(r.status);
});
await time(
  'http',
  (i) =>
    new Promise((res, rej) => {
      const u = new URL(`${base}/tmpbench/h${i}`);
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'PUT',
          agent,
          headers: { 'X-Auth-Token': token, 'Content-Length': body.length },
        },
        (r) => {
          r.resume();
          r.on('end', () => (r.statusCode === 201 ? res() : rej(new Error(r.statusCode))));
        },
      );
      req.on('error', rej);
      req.end(body);
    }),
);
