import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadProviders, type Provider } from '@hoard/core/host';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from './app.js';
import { serve } from './serve.js';

const PROVIDER_ID = 'cf56bd3e-97a7-4078-b6d5-f36246333fd9';
let root: string;
let providers: Provider[];
let app: FastifyInstance;
const token = { 'x-auth-token': 'alice:p1', 'content-type': 'application/json' };

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'hoard-server-'));
  await mkdir(path.join(root, 'providers.d'));
  await mkdir(path.join(root, 'data', 'sub'), { recursive: true });
  await writeFile(
    path.join(root, 'providers.d', 'local.conf'),
    `[provider]\nname = Local\ndescription = Directories into a directory\nid = ${PROVIDER_ID}\nbank = @hoard/bank-fs\nplugin = @hoard/plugin-directory\n[file_system_bank_plugin]\nfile_system_bank_path = ../bank\n`,
  );
  const entries = await loadProviders({
    providerDir: path.join(root, 'providers.d'),
    searchFrom: [import.meta.dirname],
  });
  expect(entries.map((e) => e.error?.message)).toEqual([undefined]);
  providers = entries.map((e) => e.provider!);
  app = await createApiServer({ providers, auth: { strategy: 'noauth' } });
});

afterAll(async () => {
  await app.close();
});

describe('the API server (Karbor v1)', () => {
  it('noauth without a token answers 204 with the token to use, as Karbor does', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/v1/p1/providers',
      headers: { 'x-auth-project-id': 'p1' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['x-auth-token']).toBe('admin:p1');
  });

  it('lists and shows providers with their schemas by resource type', async () => {
    const list = await app.inject({ method: 'GET', url: '/v1/p1/providers', headers: token });
    expect(list.statusCode).toBe(200);
    expect(list.headers['content-type']).toContain('application/json');
    expect(list.headers['x-openstack-request-id']).toMatch(/^req-/);
    const providersBody = list.json<{ providers: { id: string; name: string }[] }>().providers;
    expect(providersBody.map((p) => [p.id, p.name])).toEqual([[PROVIDER_ID, 'Local']]);
    const show = await app.inject({ method: 'GET', url: `/v1/p1/providers/${PROVIDER_ID}`, headers: token });
    const provider = show.json<{
      provider: { extended_info_schema: Record<string, Record<string, unknown>> };
    }>().provider;
    expect(Object.keys(provider.extended_info_schema).sort()).toEqual([
      'options_schema',
      'restore_schema',
      'saved_info_schema',
      'verify_schema',
    ]);
    expect(provider.extended_info_schema['restore_schema']!['Hoard::Local::Directory']).toMatchObject({
      type: 'object',
    });
  });

  it("answers Karbor's faults: unknown or malformed provider ids, bad limits, another project's URL", async () => {
    const cases: [string, number, string, string][] = [
      [`/v1/p1/providers/${PROVIDER_ID.replace('cf', 'aa')}`, 404, 'itemNotFound', 'could not be found'],
      ['/v1/p1/providers/not-an-id', 400, 'badRequest', 'Invalid provider id provided.'],
      ['/v1/p1/providers?limit=x', 400, 'badRequest', 'limit param must be an integer'],
      ['/v1/p1/providers?limit=0', 400, 'badRequest', 'limit param must be positive'],
      ['/v1/p1/providers?marker=nope', 404, 'itemNotFound', 'Provider nope could not be found.'],
      ['/v1/p2/providers', 400, 'badRequest', 'Malformed request url'],
      ['/v1/p1/no-such-collection', 404, 'itemNotFound', 'could not be found'],
      ['/v1/p1/protectables/OS::Nova::Nothing', 400, 'badRequest', 'Invalid protectable type provided.'],
    ];
    for (const [url, status, name, text] of cases) {
      const res = await app.inject({ method: 'GET', url, headers: token });
      expect(res.statusCode, url).toBe(status);
      expect(res.headers['content-type'], url).toContain('application/json');
      const body = res.json<Record<string, { code: number; message: string }>>();
      expect(Object.keys(body), url).toEqual([name]);
      expect(body[name]!.code, url).toBe(status);
      expect(body[name]!.message, url).toContain(text);
    }
  });

  it('refuses a malformed JSON body and takes an empty one with a JSON content type', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/p1/providers',
      headers: token,
      payload: '{"a":',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ badRequest: { code: 400, message: 'Malformed request body' } });
    const empty = await app.inject({
      method: 'GET',
      url: '/v1/p1/protectables',
      headers: token,
      payload: '',
    });
    expect(empty.statusCode).toBe(200);
  });

  it('paginates with Karbor links when a page is full', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/v1/p1/providers?limit=1&name=Local',
      headers: token,
    });
    const body = res.json<{ providers_links: { rel: string; href: string }[] }>();
    expect(body.providers_links).toEqual([
      { rel: 'next', href: `http://localhost:80/v1/p1/providers?limit=1&name=Local&marker=${PROVIDER_ID}` },
    ]);
    const next = await app.inject({
      method: 'GET',
      url: new URL(body.providers_links[0]!.href).pathname + new URL(body.providers_links[0]!.href).search,
      headers: token,
    });
    expect(next.json()).toEqual({ providers: [] });
  });

  it('lists protectable types and shows instances with their dependent resources', async () => {
    const types = await app.inject({ method: 'GET', url: '/v1/p1/protectables', headers: token });
    expect(types.json()).toEqual({ protectable_type: ['Hoard::Local::Directory'] });
    const shown = await app.inject({
      method: 'GET',
      url: '/v1/p1/protectables/Hoard::Local::Directory',
      headers: token,
    });
    expect(shown.json()).toEqual({
      protectable_type: { name: 'Hoard::Local::Directory', dependent_types: [] },
    });
    const dir = path.join(root, 'data');
    const instance = await app.inject({
      method: 'GET',
      url: `/v1/p1/protectables/Hoard::Local::Directory/instances/${encodeURIComponent(dir)}`,
      headers: token,
    });
    expect(instance.statusCode).toBe(200);
    expect(instance.json()).toMatchObject({
      instance: { id: dir, type: 'Hoard::Local::Directory', dependent_resources: [] },
    });
    const missing = await app.inject({
      method: 'GET',
      url: `/v1/p1/protectables/Hoard::Local::Directory/instances/${encodeURIComponent(path.join(root, 'gone'))}`,
      headers: token,
    });
    expect(missing.statusCode).toBe(404);
    const notDict = await app.inject({
      method: 'GET',
      url: '/v1/p1/protectables/Hoard::Local::Directory/instances?parameters=5',
      headers: token,
    });
    expect(notDict.json()).toEqual({ badRequest: { code: 400, message: 'The parameters must be a dict.' } });
  });

  it('refuses noauth on an address that is not loopback, before loading anything', async () => {
    await expect(
      serve({ listen: '0.0.0.0', providerDir: path.join(root, 'providers.d') }),
    ).rejects.toMatchObject({
      code: 'SERVER_CONFIG_INVALID',
    });
  });

  it("answers triggers, scheduled operations and operation logs with Karbor's shapes before the engine exists", async () => {
    const get = (url: string) => app.inject({ method: 'GET', url, headers: token });
    expect((await get('/v1/p1/triggers')).json()).toEqual({ triggers: [] });
    expect((await get('/v1/p1/scheduled_operations')).json()).toEqual({ operations: [] });
    expect((await get('/v1/p1/operation_logs')).json()).toEqual({ operation_logs: [] });
    expect((await get('/v1/p1/triggers/nope')).json()).toEqual({
      badRequest: { code: 400, message: 'Invalid trigger id provided.' },
    });
    const id = '2a9ce1f3-cc1a-4516-9435-0ebb13caa398';
    expect((await get(`/v1/p1/scheduled_operations/${id}`)).json()).toEqual({
      itemNotFound: { code: 404, message: `Scheduled Operation ${id} could not be found.` },
    });
    const create = await app.inject({
      method: 'POST',
      url: '/v1/p1/triggers',
      headers: token,
      payload: {
        trigger_info: {
          name: 't',
          type: 'time',
          properties: { format: 'calendar', pattern: 'BEGIN:VEVENT\nRRULE:FREQ=HOURLY\nEND:VEVENT' },
        },
      },
    });
    expect(create.statusCode).toBe(503);
    const malformed = await app.inject({
      method: 'POST',
      url: '/v1/p1/triggers',
      headers: token,
      payload: { trigger_info: { name: 't', type: 'time', properties: {} } },
    });
    expect(malformed.json()).toMatchObject({ badRequest: { code: 400 } });
    expect(create.json()).toMatchObject({ serviceUnavailable: { code: 503 } });
  });
});

describe('the OpenAPI document', () => {
  it('lists every /v1 route with its parameters and policy rule', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{
      openapi: string;
      paths: Record<
        string,
        Record<string, { summary?: string; parameters?: { name: string }[]; requestBody?: unknown }>
      >;
    }>();
    expect(doc.openapi).toBe('3.0.3');
    const provider = doc.paths['/v1/{projectId}/providers/{providerId}']!;
    expect(provider['get']!.summary).toBe('policy provider:get');
    expect(provider['get']!.parameters!.map((p) => p.name).sort()).toEqual(['projectId', 'providerId']);
    expect(doc.paths['/v1/{projectId}/triggers']!['post']!.summary).toBe('policy trigger:create');
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/v1/')).length).toBeGreaterThanOrEqual(10);
  });
});
