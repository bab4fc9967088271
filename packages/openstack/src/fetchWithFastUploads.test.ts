import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchWithFastUploads } from './fetchWithFastUploads.js';

let server: http.Server;
let base: string;
const seen: { method?: string; token?: string; sha256?: string; length?: number } = {};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      length += chunk.length;
    });
    req.on('end', () => {
      Object.assign(seen, {
        method: req.method,
        token: req.headers['x-auth-token'],
        sha256: hash.digest('hex'),
        length,
      });
      if (req.url === '/empty') {
        res.writeHead(204, { 'X-Trans-Id': 'tx1' });
        res.end();
      } else if (req.url === '/slow') {
        setTimeout(() => res.end(), 5000);
      } else {
        res.writeHead(201, { 'Content-Type': 'text/plain', Etag: 'abc', 'Set-Cookie': ['a=1', 'b=2'] });
        res.end('created');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('fetchWithFastUploads', () => {
  it('sends a byte body whole with its headers and answers like fetch', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 5);
    const response = await fetchWithFastUploads(`${base}/object`, {
      method: 'PUT',
      body,
      headers: { 'X-Auth-Token': 'token-1' },
    });
    expect(seen).toEqual({
      method: 'PUT',
      token: 'token-1',
      sha256: createHash('sha256').update(body).digest('hex'),
      length: body.length,
    });
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.headers.get('etag')).toBe('abc');
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(await response.text()).toBe('created');
  });

  it('gives a 204 a null body', async () => {
    const response = await fetchWithFastUploads(`${base}/empty`, { method: 'PUT', body: Buffer.from('x') });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    expect(response.headers.get('x-trans-id')).toBe('tx1');
  });

  it('fails like fetch when nothing listens, with the system code as cause', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await fetchWithFastUploads(`http://127.0.0.1:${port}/x`, {
      method: 'PUT',
      body: Buffer.from('x'),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
  });

  it('stops on its signal with the signal reason', async () => {
    const controller = new AbortController();
    const reason = new Error('stop now');
    setTimeout(() => controller.abort(reason), 50);
    const error = await fetchWithFastUploads(`${base}/slow`, {
      method: 'PUT',
      body: Buffer.from('x'),
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(error).toBe(reason);
  });

  it('leaves requests without a byte body to fetch', async () => {
    const response = await fetchWithFastUploads(`${base}/object`, { method: 'POST', body: 'text' });
    expect(response.status).toBe(201);
    expect(seen.length).toBe(4);
  });
});
