/**
 * 10,000 malformed requests against the API, made from its own OpenAPI document (every route,
 * its path parameters and the bodies it validates): each must be answered with Karbor's fault
 * JSON and a 4xx status, never a 5xx nor a stack trace, and the server must answer a good request
 * after them with its heap back where it was. HOARD_FUZZ_SEED replays a run; HOARD_FUZZ_COUNT
 * changes its size.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadProviders } from '@hoard/core/host';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from './app.js';
import { type OpenDatabase, openDatabase } from './database/openDatabase.js';
import { writeLocalProvider } from './testing/hoardServe.js';

const SEED = Number(process.env['HOARD_FUZZ_SEED'] ?? Date.now() % 1_000_000);
const COUNT = Number(process.env['HOARD_FUZZ_COUNT'] ?? 10_000);
let app: FastifyInstance;
let database: OpenDatabase;

/** mulberry32: a small seeded generator, so that a failing run can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Operation = { method: string; path: string; body?: { schema: Schema } };
type Schema = { type?: string | string[]; properties?: Record<string, Schema>; required?: string[] };

beforeAll(async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'hoard-fuzz-'));
  await writeLocalProvider(root);
  const entries = await loadProviders({
    providerDir: path.join(root, 'providers.d'),
    searchFrom: [import.meta.dirname],
  });
  database = await openDatabase('sqlite://');
  app = await createApiServer({
    providers: entries.map((e) => e.provider!),
    auth: { strategy: 'noauth' },
    database,
    bodyLimit: 64 * 1024,
  });
});

afterAll(async () => {
  await app.close();
  await database.close();
});

/** A heap measure after a full collection. */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('10,000 malformed requests', () => {
  it("are each answered with Karbor's fault and a 4xx, and leave the server as it was", {
    timeout: 600_000,
  }, async () => {
    const next = random(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>
      >;
    }>();
    const operations: Operation[] = [];
    for (const [p, methods] of Object.entries(doc.paths)) {
      if (!p.startsWith('/v1/')) continue;
      for (const [method, op] of Object.entries(methods)) {
        const schema = op.requestBody?.content['application/json']?.schema;
        operations.push({ method: method.toUpperCase(), path: p, ...(schema ? { body: { schema } } : {}) });
      }
    }
    expect(operations.length).toBeGreaterThan(30);

    const junk = [
      '',
      'x',
      '../../etc/passwd',
      '%00',
      '%2e%2e%2f',
      'null',
      '-1',
      '0',
      '1e309',
      '🙂'.repeat(50),
      'a'.repeat(5000),
      "'; DROP TABLE plans; --",
      '{}',
      '00000000-0000-0000-0000-00000000000g',
    ];
    const values: unknown[] = [
      null,
      true,
      -1,
      1.5,
      'x'.repeat(300),
      [],
      {},
      [1, 2],
      { $ne: 1 },
      '',
      '\u0000',
    ];
    /** A body that breaks its schema: a wrong type, a missing required key, an unknown key, junk. */
    const badBody = (schema: Schema | undefined): string | Record<string, unknown> => {
      const kind = next();
      if (kind < 0.15) return pick(['{', '{"a":', '[]', 'null', '"text"', '\u0000\u0001', '{"a":1}}']);
      if (schema?.properties === undefined || kind < 0.25) return { [pick(junk) || 'k']: pick(values) };
      const top = Object.keys(schema.properties)[0]!;
      const inner = schema.properties[top]!;
      const body: Record<string, unknown> = {};
      const fields: Record<string, unknown> = {};
      for (const [name] of Object.entries(inner.properties ?? {})) fields[name] = pick(values);
      const how = next();
      if (how < 0.3) delete fields[pick(inner.required ?? Object.keys(fields))];
      else if (how < 0.6) fields[`unknown_${Math.floor(next() * 100)}`] = 1;
      body[top] = how > 0.9 ? pick(values) : fields;
      return body;
    };
    const badQuery = () =>
      pick([
        'limit=abc',
        'limit=-5',
        'limit=0',
        'offset=-1',
        'offset=x',
        'marker=00000000-0000-0000-0000-000000000000',
        'sort=name:sideways',
        'sort_key=id&sort=name',
        'all_tenants=maybe',
        'parameters=%5B1%2C2%5D',
        'parameters=not%20python',
        'start_date=2020-13-45',
      ]);

    const failures: string[] = [];
    const started = heapAfterGc();
    let afterWarmup = started;
    for (let i = 0; i < COUNT; i++) {
      if (i === Math.min(1000, Math.floor(COUNT / 5))) afterWarmup = heapAfterGc();
      const op = pick(operations);
      const url = op.path
        .replace('{projectId}', 'fuzz')
        .replace(/\{[^}]+\}/g, () => encodeURIComponent(pick(junk) || 'z'));
      const withBody = op.method === 'POST' || op.method === 'PUT';
      const query = op.method === 'GET' && next() < 0.5 ? `?${badQuery()}` : '';
      const oversize = withBody && next() < 0.02;
      const request: InjectOptions = {
        method: op.method as NonNullable<InjectOptions['method']>,
        url: `${url}${query}`,
        headers: {
          'x-auth-token': 'fuzz:fuzz',
          'content-type':
            next() < 0.05
              ? pick(['text/plain', 'application/xml', 'multipart/form-data'])
              : 'application/json',
        },
        ...(withBody
          ? { payload: oversize ? `{"plan":"${'a'.repeat(70 * 1024)}"}` : badBody(op.body?.schema) }
          : {}),
      };
      const res = await app.inject(request);
      const text = res.body;
      const shown =
        String(request.url).length > 120 ? `${String(request.url).slice(0, 120)}...` : request.url;
      const where = `#${i} ${request.method} ${shown} → ${res.statusCode} ${text.slice(0, 200)}`;
      if (res.statusCode >= 500) failures.push(where);
      else if (res.statusCode >= 400) {
        let fault: unknown;
        try {
          fault = JSON.parse(text);
        } catch {
          fault = undefined;
        }
        const first = fault && typeof fault === 'object' ? Object.values(fault)[0] : undefined;
        if (
          !String(res.headers['content-type']).includes('application/json') ||
          typeof first !== 'object' ||
          first === null ||
          (first as { code?: unknown }).code !== res.statusCode
        )
          failures.push(`not a fault body: ${where}`);
      }
      if (/\n\s+at |node_modules|\.ts:\d+/.test(text)) failures.push(`stack trace: ${where}`);
      if (failures.length > 20) break;
    }
    const ended = heapAfterGc();
    const summary = `seed ${SEED}, ${COUNT} requests over ${operations.length} operations; heap ${(started / 2 ** 20).toFixed(1)} MiB at start, ${(afterWarmup / 2 ** 20).toFixed(1)} MiB after warm-up, ${(ended / 2 ** 20).toFixed(1)} MiB at the end`;
    console.log(`fuzz: ${summary}`);
    expect(failures, summary).toEqual([]);
    // Flat: after warm-up the heap does not grow with the requests (a leak of even 1 KiB each
    // would be 9 MiB here).
    expect(ended - afterWarmup, summary).toBeLessThan(8 * 2 ** 20);
    // And the server still serves.
    const ok = await app.inject({
      method: 'GET',
      url: '/v1/fuzz/providers',
      headers: { 'x-auth-token': 'fuzz:fuzz' },
    });
    expect(ok.statusCode).toBe(200);
  });
});
