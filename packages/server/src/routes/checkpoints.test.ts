import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadProviders } from '@hoard/core/host';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../app.js';
import { type OpenDatabase, openDatabase } from '../database/openDatabase.js';
import { writeLocalProvider } from '../testing/hoardServe.js';

const PROVIDER_ID = 'cf56bd3e-97a7-4078-b6d5-f36246333fd9';
const TYPE = 'Hoard::Local::Directory';
let root: string;
let data: string;
let app: FastifyInstance;
let database: OpenDatabase;
const as = (project: string) => ({ 'x-auth-token': `u:${project}`, 'content-type': 'application/json' });
const base = (project: string) => `/v1/${project}/providers/${PROVIDER_ID}/checkpoints`;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'hoard-checkpoints-'));
  data = path.join(root, 'data');
  await mkdir(data);
  for (let i = 0; i < 5; i++) await writeFile(path.join(data, `f${i}.txt`), `file ${i}\n`);
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
  });
});

afterAll(async () => {
  await app.close();
  await database.close();
});

async function planIn(project: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: `/v1/${project}/plans`,
    headers: as(project),
    payload: {
      plan: {
        name: 'docs',
        provider_id: PROVIDER_ID,
        resources: [{ id: data, type: TYPE, name: 'data' }],
        parameters: {},
      },
    },
  });
  return res.json<{ plan: { id: string } }>().plan.id;
}

/** Polls `url` until `done` holds (the client does the same). */
async function until<T>(
  url: string,
  project: string,
  done: (status: number, body: T) => boolean,
): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const res = await app.inject({ method: 'GET', url, headers: as(project) });
    const body = res.json<T>();
    if (done(res.statusCode, body)) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never got there`);
}

describe('checkpoints through the API', () => {
  it('protects a plan asynchronously, shows and lists it with Karbor keys, then deletes it from the bank', async () => {
    const planId = await planIn('p1');
    const created = await app.inject({
      method: 'POST',
      url: base('p1'),
      headers: as('p1'),
      payload: { checkpoint: { plan_id: planId, 'extra-info': { a: 'b' } } },
    });
    expect(created.statusCode, created.body).toBe(200);
    const checkpoint = created.json<{ checkpoint: Record<string, unknown> & { id: string } }>().checkpoint;
    expect(checkpoint).toMatchObject({
      status: 'protecting',
      project_id: 'p1',
      extra_info: '{"created_by":"manual"}',
      protection_plan: { id: planId, name: 'docs' },
    });
    expect(JSON.parse(checkpoint['resource_graph'] as string)).toEqual([
      { '0x0': [TYPE, data, 'data', null] },
      [],
    ]);
    const shown = await until<{ checkpoint: Record<string, unknown> }>(
      `${base('p1')}/${checkpoint.id}`,
      'p1',
      (_s, b) => b.checkpoint['status'] !== 'protecting',
    );
    expect(Object.keys(shown.checkpoint).sort()).toEqual([
      'created_at',
      'extra_info',
      'id',
      'project_id',
      'protection_plan',
      'resource_graph',
      'status',
    ]);
    expect(shown.checkpoint).toMatchObject({
      status: 'available',
      protection_plan: { id: planId, name: 'docs', provider_id: PROVIDER_ID },
    });
    expect(shown.checkpoint['created_at']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const listed = (
      await app.inject({ method: 'GET', url: `${base('p1')}?plan_id=${planId}`, headers: as('p1') })
    ).json<{ checkpoints: { id: string }[] }>();
    expect(listed.checkpoints.map((c) => c.id)).toEqual([checkpoint.id]);
    expect((await app.inject({ method: 'GET', url: base('p2'), headers: as('p2') })).json()).toEqual({
      checkpoints: [],
    });
    // Restore it through the API: an in_progress record, then success with per-resource status.
    const target = path.join(root, 'restored');
    const restore = await app.inject({
      method: 'POST',
      url: '/v1/p1/restores',
      headers: as('p1'),
      payload: {
        restore: {
          provider_id: PROVIDER_ID,
          checkpoint_id: checkpoint.id,
          restore_target: null,
          restore_auth: { type: 'password', username: 'u', password: 'secret-pw' },
          parameters: { [TYPE]: { target } },
        },
      },
    });
    expect(restore.statusCode, restore.body).toBe(200);
    const made = restore.json<{ restore: Record<string, unknown> & { id: string } }>().restore;
    expect(Object.keys(made).sort()).toEqual([
      'checkpoint_id',
      'id',
      'parameters',
      'project_id',
      'provider_id',
      'resources_reason',
      'resources_status',
      'restore_target',
      'status',
    ]);
    expect(restore.body).not.toContain('secret-pw');
    const done = await until<{ restore: { status: string; resources_status: Record<string, string> } }>(
      `/v1/p1/restores/${made.id}`,
      'p1',
      (_s, b) => b.restore.status !== 'in_progress',
    );
    expect(done.restore).toMatchObject({
      status: 'success',
      resources_status: { [`${TYPE}#${data}`]: 'available' },
    });
    expect((await readdir(target)).sort()).toEqual(['f0.txt', 'f1.txt', 'f2.txt', 'f3.txt', 'f4.txt']);
    const restoresListed = (
      await app.inject({ method: 'GET', url: '/v1/p1/restores?status=success', headers: as('p1') })
    ).json<{ restores: { id: string }[] }>();
    expect(restoresListed.restores.map((r) => r.id)).toEqual([made.id]);
    // Into a target that is not empty: recorded fail, answered 200, as Karbor does.
    const again = await app.inject({
      method: 'POST',
      url: '/v1/p1/restores',
      headers: as('p1'),
      payload: {
        restore: {
          provider_id: PROVIDER_ID,
          checkpoint_id: checkpoint.id,
          parameters: { [TYPE]: { target } },
        },
      },
    });
    const second = again.json<{ restore: { id: string } }>().restore;
    const failed = await until<{ restore: { status: string; resources_reason: Record<string, string> } }>(
      `/v1/p1/restores/${second.id}`,
      'p1',
      (_s, b) => b.restore.status !== 'in_progress',
    );
    expect(failed.restore.status).toBe('fail');
    expect(Object.keys(failed.restore.resources_reason).length).toBeGreaterThan(0);
    const deleted = await app.inject({
      method: 'DELETE',
      url: `${base('p1')}/${checkpoint.id}`,
      headers: as('p1'),
    });
    expect(deleted.json()).toEqual({});
    await until(`${base('p1')}/${checkpoint.id}`, 'p1', (status) => status === 404);
    // A checkpoint is gone for the API once its metadata is; the delete then removes its status
    // and index entries, so the bank is checked once the delete has had time to end.
    const leftIn = async () =>
      (await readdir(path.join(root, 'bank', 'hoard', 'checkpoints+')).catch(() => [])).filter((n) =>
        n.includes(checkpoint.id),
      );
    let left = await leftIn();
    for (let i = 0; i < 100 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      left = await leftIn();
    }
    expect(left).toEqual([]);
  });

  it('resets a checkpoint to error and back to available (os-resetState)', async () => {
    const planId = await planIn('p3');
    const created = await app.inject({
      method: 'POST',
      url: base('p3'),
      headers: as('p3'),
      payload: { checkpoint: { plan_id: planId } },
    });
    expect(created.statusCode, created.body).toBe(200);
    const id = created.json<{ checkpoint: { id: string } }>().checkpoint.id;
    const url = `${base('p3')}/${id}`;
    await until<{ checkpoint: { status: string } }>(
      url,
      'p3',
      (_s, b) => b.checkpoint.status === 'available',
    );
    const reset = (state: unknown, project = 'p3') =>
      app.inject({
        method: 'PUT',
        url: `${base(project)}/${id}`,
        headers: as(project),
        payload: { 'os-resetState': { state } },
      });
    // Progress is shown while the protect runs here, not once it has ended.
    expect((await app.inject({ method: 'GET', url, headers: as('p3') })).json()).not.toHaveProperty(
      'checkpoint.hoard_progress',
    );
    const toError = await reset('error');
    expect(toError.statusCode).toBe(200);
    expect(toError.json()).toEqual({});
    const shown = await app.inject({ method: 'GET', url, headers: as('p3') });
    expect(shown.json()).toMatchObject({ checkpoint: { status: 'error', status_reason: 'reset' } });
    expect((await reset('deleted')).statusCode).toBe(400);
    const other = await app.inject({
      method: 'PUT',
      url,
      headers: as('p3'),
      payload: { 'os-resetState': { state: 'error', extra: 1 } },
    });
    expect(other.statusCode).toBe(400);
    expect((await reset('available')).statusCode).toBe(200);
    const back = await app.inject({ method: 'GET', url, headers: as('p3') });
    expect(back.json()).toMatchObject({ checkpoint: { status: 'available' } });
  });

  it("lists this server's writes at once and another server's within two seconds", async () => {
    const planId = await planIn('p7');
    const created = await app.inject({
      method: 'POST',
      url: base('p7'),
      headers: as('p7'),
      payload: { checkpoint: { plan_id: planId } },
    });
    const id = created.json<{ checkpoint: { id: string } }>().checkpoint.id;
    const list = async (server = app) =>
      (await server.inject({ method: 'GET', url: base('p7'), headers: as('p7') })).json<{
        checkpoints: { id: string; status: string }[];
      }>().checkpoints;
    // Listed at once (while protecting, or already available), then available once it is.
    expect((await list()).map((c) => c.id)).toEqual([id]);
    await until<{ checkpoint: { status: string } }>(
      `${base('p7')}/${id}`,
      'p7',
      (_s, b) => b.checkpoint.status === 'available',
    );
    await until<{ checkpoints: { status: string }[] }>(
      base('p7'),
      'p7',
      (_s, b) => b.checkpoints[0]?.status === 'available',
    );
    // This server's reset-state is listed at once.
    const reset = (server: FastifyInstance, state: string) =>
      server.inject({
        method: 'PUT',
        url: `${base('p7')}/${id}`,
        headers: as('p7'),
        payload: { 'os-resetState': { state } },
      });
    expect((await reset(app, 'error')).statusCode).toBe(200);
    expect((await list())[0]?.status).toBe('error');
    // Another server on the same bank and database: what it writes is shown at once, and a new
    // checkpoint of its own is listed here within 2 s.
    const entries = await loadProviders({
      providerDir: path.join(root, 'providers.d'),
      searchFrom: [import.meta.dirname],
    });
    const other = await createApiServer({
      providers: entries.map((e) => e.provider!),
      auth: { strategy: 'noauth' },
      database,
    });
    try {
      expect((await list(other))[0]?.status).toBe('error');
      expect((await reset(other, 'available')).statusCode).toBe(200);
      expect((await list(other))[0]?.status).toBe('available');
      const shown = await app.inject({ method: 'GET', url: `${base('p7')}/${id}`, headers: as('p7') });
      expect(shown.json()).toMatchObject({ checkpoint: { status: 'available' } });
      const second = (
        await other.inject({
          method: 'POST',
          url: base('p7'),
          headers: as('p7'),
          payload: { checkpoint: { plan_id: planId } },
        })
      ).json<{ checkpoint: { id: string } }>().checkpoint.id;
      expect((await list(other)).map((c) => c.id)).toEqual([second, id]);
      const started = Date.now();
      while ((await list())[0]?.id !== second) {
        expect(Date.now() - started).toBeLessThan(2500);
        await new Promise((r) => setTimeout(r, 50));
      }
      await until<{ checkpoint: { status: string } }>(
        `${base('p7')}/${second}`,
        'p7',
        (_s, b) => b.checkpoint.status === 'available',
      );
    } finally {
      await other.close();
    }
  });

  it('verifies a checkpoint: success, then fail naming a damaged data object', async () => {
    const planId = await planIn('p4');
    const created = await app.inject({
      method: 'POST',
      url: base('p4'),
      headers: as('p4'),
      payload: { checkpoint: { plan_id: planId } },
    });
    const id = created.json<{ checkpoint: { id: string } }>().checkpoint.id;
    await until<{ checkpoint: { status: string } }>(
      `${base('p4')}/${id}`,
      'p4',
      (_s, b) => b.checkpoint.status === 'available',
    );
    const verify = () =>
      app.inject({
        method: 'POST',
        url: '/v1/p4/verifications',
        headers: as('p4'),
        payload: { verification: { provider_id: PROVIDER_ID, checkpoint_id: id, parameters: {} } },
      });
    const first = await verify();
    expect(first.statusCode, first.body).toBe(200);
    const v = first.json<{ verification: Record<string, unknown> & { id: string } }>().verification;
    expect(Object.keys(v).sort()).toEqual(
      [
        'checkpoint_id',
        'id',
        'parameters',
        'project_id',
        'provider_id',
        'resources_reason',
        'resources_status',
        'status',
      ].sort(),
    );
    expect(v.status).toBe('in_progress');
    const done = await until<{ verification: { status: string; resources_status: Record<string, string> } }>(
      `/v1/p4/verifications/${v.id}`,
      'p4',
      (_s, b) => b.verification.status !== 'in_progress',
    );
    expect(done.verification.status).toBe('success');
    expect(Object.values(done.verification.resources_status)).toEqual(['available']);

    // Damage one data object in the bank: the next verification fails and names it.
    const bank = path.join(root, 'bank');
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else files.push(full);
      }
    };
    // bank-fs keeps key directories as `<segment>+` under the container directory `hoard`.
    await walk(path.join(bank, 'hoard', 'checkpoints+', `${id}+`));
    const victim = files.find((f) => f.includes(`${path.sep}data+${path.sep}`))!;
    await writeFile(victim, 'tampered');
    const second = (await verify()).json<{ verification: { id: string } }>().verification;
    const failed = await until<{
      verification: { status: string; resources_reason: Record<string, string> };
    }>(`/v1/p4/verifications/${second.id}`, 'p4', (_s, b) => b.verification.status !== 'in_progress');
    expect(failed.verification.status).toBe('fail');
    expect(Object.values(failed.verification.resources_reason)[0]).toMatch(
      /data object '.*' is \d+ bytes; \d+ were written|does not hash/,
    );
    const list = await app.inject({ method: 'GET', url: '/v1/p4/verifications', headers: as('p4') });
    expect(list.json<{ verifications: { id: string }[] }>().verifications.map((x) => x.id)).toEqual([
      second.id,
      v.id,
    ]);
  });

  it('refuses a checkpoint over the project quota with 413 overLimit', async () => {
    const project = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
    const planId = await planIn(project);
    const quota = await app.inject({
      method: 'PUT',
      url: `/v1/${project}/quotas/${project}`,
      headers: as(project),
      payload: { quota: { checkpoints: 1 } },
    });
    expect(quota.json()).toEqual({ quota: { plans: 50, checkpoints: 1 } });
    const create = () =>
      app.inject({
        method: 'POST',
        url: base(project),
        headers: as(project),
        payload: { checkpoint: { plan_id: planId } },
      });
    const [first, second] = await Promise.all([create(), create()]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([200, 413]);
    expect((first.statusCode === 413 ? first : second).json()).toEqual({
      overLimit: { code: 413, message: 'Maximum number of checkpoints allowed (1) exceeded' },
    });
    const detail = await app.inject({
      method: 'GET',
      url: `/v1/${project}/quotas/${project}/detail`,
      headers: as(project),
    });
    expect(detail.json()).toMatchObject({ quota: { checkpoints: { limit: 1, in_use: 1 } } });
  });

  it('publishes the request bodies it validates in its OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>
      >;
    }>();
    const create = doc.paths['/v1/{projectId}/plans']!['post']!.requestBody!;
    expect(JSON.stringify(create.content['application/json']!.schema)).toContain('provider_id');
    expect(doc.paths['/v1/{projectId}/verifications']!['post']!.requestBody).toBeDefined();
    expect(doc.paths['/v1/{projectId}/quotas/{quotaProjectId}']!['put']!.requestBody).toBeDefined();
  });

  it("answers Karbor's faults for unknown plans, providers and checkpoints", async () => {
    const noPlan = await app.inject({
      method: 'POST',
      url: base('p1'),
      headers: as('p1'),
      payload: { checkpoint: { plan_id: '11111111-1111-1111-1111-111111111111' } },
    });
    expect(noPlan.json()).toEqual({
      itemNotFound: { code: 404, message: 'Plan 11111111-1111-1111-1111-111111111111 could not be found.' },
    });
    const badBody = await app.inject({
      method: 'POST',
      url: base('p1'),
      headers: as('p1'),
      payload: { checkpoint: { plan_id: 'x' } },
    });
    expect(badBody.statusCode).toBe(400);
    const unknown = await app.inject({
      method: 'GET',
      url: `${base('p1')}/22222222-2222-2222-2222-222222222222`,
      headers: as('p1'),
    });
    expect(unknown.json()).toEqual({
      itemNotFound: {
        code: 404,
        message: 'Checkpoint 22222222-2222-2222-2222-222222222222 could not be found.',
      },
    });
    const badId = await app.inject({ method: 'GET', url: `${base('p1')}/nope`, headers: as('p1') });
    expect(badId.json()).toEqual({ badRequest: { code: 400, message: 'Invalid checkpoint id provided.' } });
  });
});
