import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadProviders } from '@hoard/core/host';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../app.js';
import type { OpenDatabase } from '../database/openDatabase.js';

/**
 * The plans API against a real database: the same suite for SQLite (plans.test.ts) and for
 * MariaDB (plans.int.test.ts).
 */
export function planRouteTests(label: string, open: (scratch: string) => Promise<OpenDatabase>): void {
  describe(`plans on ${label}`, () => {
    const PROVIDER_ID = 'cf56bd3e-97a7-4078-b6d5-f36246333fd9';
    const TYPE = 'Hoard::Local::Directory';
    let root: string;
    let data: string;
    let app: FastifyInstance;
    let database: OpenDatabase;
    const as = (project: string) => ({ 'x-auth-token': `u:${project}`, 'content-type': 'application/json' });

    beforeAll(async () => {
      root = await mkdtemp(path.join(tmpdir(), 'hoard-plans-'));
      data = path.join(root, 'data');
      await mkdir(path.join(root, 'providers.d'));
      await mkdir(data);
      await writeFile(
        path.join(root, 'providers.d', 'local.conf'),
        `[provider]\nname = Local\nid = ${PROVIDER_ID}\nbank = @hoard/bank-fs\nplugin = @hoard/plugin-directory\n[file_system_bank_plugin]\nfile_system_bank_path = ../bank\n`,
      );
      const entries = await loadProviders({
        providerDir: path.join(root, 'providers.d'),
        searchFrom: [import.meta.dirname],
      });
      database = await open(root);
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

    const createBody = (name: string, extra: Record<string, unknown> = {}) => ({
      plan: {
        name,
        description: null,
        provider_id: PROVIDER_ID,
        resources: [{ id: data, type: TYPE, name: 'data' }],
        parameters: {},
        ...extra,
      },
    });

    it('creates, shows, updates, lists and deletes a plan with Karbor keys', async () => {
      const created = await app.inject({
        method: 'POST',
        url: '/v1/p1/plans',
        headers: as('p1'),
        payload: createBody('one', { parameters: { [TYPE]: { exclude: ['x'] } } }),
      });
      expect(created.statusCode, created.body).toBe(200);
      const plan = created.json<{ plan: Record<string, unknown> & { id: string } }>().plan;
      expect(Object.keys(plan).sort()).toEqual([
        'description',
        'id',
        'name',
        'parameters',
        'provider_id',
        'resources',
        'status',
      ]);
      expect(plan).toMatchObject({
        name: 'one',
        status: 'suspended',
        parameters: { [TYPE]: { exclude: ['x'] } },
        resources: [{ id: data, type: TYPE, name: 'data' }],
      });
      const shown = await app.inject({ method: 'GET', url: `/v1/p1/plans/${plan.id}`, headers: as('p1') });
      expect(shown.json()).toEqual({ plan });
      const updated = await app.inject({
        method: 'PUT',
        url: `/v1/p1/plans/${plan.id}`,
        headers: as('p1'),
        payload: { plan: { name: 'renamed', status: 'started' } },
      });
      expect(updated.json()).toMatchObject({ plan: { name: 'renamed', status: 'started' } });
      const again = await app.inject({
        method: 'PUT',
        url: `/v1/p1/plans/${plan.id}`,
        headers: as('p1'),
        payload: { plan: { name: 'x' } },
      });
      expect(again.json()).toEqual({
        badRequest: { code: 400, message: 'Invalid plan: The plan can be only updated in suspended status.' },
      });
      const deleted = await app.inject({
        method: 'DELETE',
        url: `/v1/p1/plans/${plan.id}`,
        headers: as('p1'),
      });
      expect(deleted.statusCode).toBe(200);
      expect(deleted.headers['content-type']).toContain('application/json');
      const gone = await app.inject({ method: 'GET', url: `/v1/p1/plans/${plan.id}`, headers: as('p1') });
      expect(gone.statusCode).toBe(404);
    });

    it('answers reads from its cache only while the plans are unchanged, on every server of the database', async () => {
      // A second server on the same database, as two nodes of one deployment.
      const other = await createApiServer({
        providers: (
          await loadProviders({
            providerDir: path.join(root, 'providers.d'),
            searchFrom: [import.meta.dirname],
          })
        ).map((e) => e.provider!),
        auth: { strategy: 'noauth' },
        database,
      });
      try {
        const created = await app.inject({
          method: 'POST',
          url: '/v1/cache/plans',
          headers: as('cache'),
          payload: createBody('before'),
        });
        const id = created.json<{ plan: { id: string } }>().plan.id;
        const read = async (server: FastifyInstance) => {
          const shown = await server.inject({
            method: 'GET',
            url: `/v1/cache/plans/${id}`,
            headers: as('cache'),
          });
          const listed = await server.inject({ method: 'GET', url: '/v1/cache/plans', headers: as('cache') });
          return {
            show:
              shown.statusCode === 200
                ? shown.json<{ plan: { name: string } }>().plan.name
                : shown.statusCode,
            list: listed.json<{ plans: { name: string }[] }>().plans.map((p) => p.name),
          };
        };
        expect(await read(app)).toEqual({ show: 'before', list: ['before'] });
        expect(await read(app)).toEqual({ show: 'before', list: ['before'] });
        // Another project never gets the cached plan.
        const stranger = await app.inject({ method: 'GET', url: `/v1/p9/plans/${id}`, headers: as('p9') });
        expect(stranger.statusCode).toBe(200); // noauth callers are admins: they see every project's plan
        const changed = await other.inject({
          method: 'PUT',
          url: `/v1/cache/plans/${id}`,
          headers: as('cache'),
          payload: { plan: { name: 'after' } },
        });
        expect(changed.statusCode, changed.body).toBe(200);
        expect(await read(app)).toEqual({ show: 'after', list: ['after'] });
        await other.inject({
          method: 'POST',
          url: '/v1/cache/plans',
          headers: as('cache'),
          payload: createBody('second'),
        });
        expect((await read(app)).list.sort()).toEqual(['after', 'second']);
        await other.inject({ method: 'DELETE', url: `/v1/cache/plans/${id}`, headers: as('cache') });
        expect(await read(app)).toEqual({ show: 404, list: ['second'] });
      } finally {
        await other.close();
      }
    });

    it('pages through plans newest first with markers and links, and sorts by name', async () => {
      const ids: string[] = [];
      for (const n of ['c', 'a', 'b', 'e', 'd']) {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/pages/plans',
          headers: as('pages'),
          payload: createBody(n),
        });
        ids.push(res.json<{ plan: { id: string } }>().plan.id);
        // Newest first is by created_at (milliseconds), then by id: two plans made in one
        // millisecond would list in id order, not in the order they were made.
        await new Promise((r) => setTimeout(r, 3));
      }
      const seen: string[] = [];
      let url: string | undefined = '/v1/pages/plans?limit=2';
      while (url !== undefined) {
        const body: { plans: { id: string }[]; plans_links?: { href: string }[] } = (
          await app.inject({ method: 'GET', url, headers: as('pages') })
        ).json();
        seen.push(...body.plans.map((p) => p.id));
        const next = body.plans_links?.[0]?.href;
        url = next === undefined ? undefined : new URL(next).pathname + new URL(next).search;
      }
      expect(seen).toEqual([...ids].reverse());
      const byName = (
        await app.inject({ method: 'GET', url: '/v1/pages/plans?sort=name:asc', headers: as('pages') })
      ).json<{ plans: { name: string }[] }>();
      expect(byName.plans.map((p) => p.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
      const filtered = (
        await app.inject({ method: 'GET', url: '/v1/pages/plans?name=d', headers: as('pages') })
      ).json<{ plans: { name: string }[] }>();
      expect(filtered.plans.map((p) => p.name)).toEqual(['d']);
    });

    it("keeps projects apart: another project's plan is not found and not listed", async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/mine/plans',
        headers: as('mine'),
        payload: createBody('private'),
      });
      const id = res.json<{ plan: { id: string } }>().plan.id;
      const listed = (
        await app.inject({ method: 'GET', url: '/v1/theirs/plans', headers: as('theirs') })
      ).json<{ plans: unknown[] }>();
      expect(listed.plans).toEqual([]);
      // noauth callers are admins (Karbor's NoAuthMiddleware); an admin lists only its own project unless all_tenants.
      const all = (
        await app.inject({
          method: 'GET',
          url: '/v1/theirs/plans?all_tenants=1&project_id=mine',
          headers: as('theirs'),
        })
      ).json<{ plans: { id: string }[] }>();
      expect(all.plans.map((p) => p.id)).toEqual([id]);
    });

    it("refuses bad input with Karbor's faults and stores nothing", async () => {
      const cases: [unknown, string][] = [
        [
          { plan: { name: 'x', provider_id: PROVIDER_ID, parameters: {} } },
          'list resources must be provided when creating a plan.',
        ],
        [createBody('x', { provider_id: 'not-a-uuid' }), 'Invalid input for field/attribute provider_id'],
        [
          createBody('x', { provider_id: '00000000-0000-0000-0000-000000000000' }),
          'The provider could not be found.',
        ],
        [createBody('x', { surprise: 1 }), "'surprise' was unexpected"],
        [
          createBody('x', { resources: [{ id: path.join(root, 'missing'), type: TYPE, name: 'm' }] }),
          'does not exist',
        ],
        [
          createBody('x', { resources: [{ id: 'v1', type: 'OS::Cinder::Volume', name: 'v' }] }),
          'is not protected by provider Local',
        ],
        [
          createBody('x', { resources: [{ id: data, type: TYPE }] }),
          'The keys of resource are id,type and name.',
        ],
        [
          createBody('x', { parameters: { 'OS::Nova::Server': {} } }),
          'The key of plan parameters is invalid.',
        ],
        [
          createBody('x', { parameters: { [TYPE]: { exclude: 'x' } } }),
          'The protect property of plan parameters is invalid',
        ],
        [createBody('   '), 'Invalid input for field/attribute name'],
      ];
      for (const [payload, message] of cases) {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/bad/plans',
          headers: as('bad'),
          payload: payload as object,
        });
        expect(res.statusCode, message).toBe(400);
        expect(
          res.json<{ badRequest: { message: string } }>().badRequest.message,
          JSON.stringify(payload),
        ).toContain(message);
      }
      expect((await app.inject({ method: 'GET', url: '/v1/bad/plans', headers: as('bad') })).json()).toEqual({
        plans: [],
      });
      const badSort = await app.inject({
        method: 'GET',
        url: '/v1/bad/plans?sort=name:sideways',
        headers: as('bad'),
      });
      expect(badSort.json()).toEqual({
        badRequest: { code: 400, message: "Unknown sort direction, must be 'desc' or 'asc'." },
      });
      const badMarker = await app.inject({
        method: 'GET',
        url: `/v1/bad/plans?marker=${PROVIDER_ID}`,
        headers: as('bad'),
      });
      expect(badMarker.statusCode).toBe(404);
      const badId = await app.inject({ method: 'GET', url: '/v1/bad/plans/xyz', headers: as('bad') });
      expect(badId.json()).toEqual({ badRequest: { code: 400, message: 'Invalid plan id provided.' } });
    });

    it('refuses the 51st plan of a project with 413 overLimit', async () => {
      for (let i = 0; i < 50; i++)
        expect(
          (
            await app.inject({
              method: 'POST',
              url: '/v1/full/plans',
              headers: as('full'),
              payload: createBody(`p${i}`),
            })
          ).statusCode,
        ).toBe(200);
      const over = await app.inject({
        method: 'POST',
        url: '/v1/full/plans',
        headers: as('full'),
        payload: createBody('one too many'),
      });
      expect(over.statusCode).toBe(413);
      expect(over.json()).toEqual({
        overLimit: { code: 413, message: 'Maximum number of plans allowed (50) exceeded' },
      });
    });

    it('shows and updates quotas and quota classes, and enforces a lowered limit', async () => {
      const project = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
      const url = `/v1/${project}/quotas/${project}`;
      const call = (
        method: 'GET' | 'PUT' | 'DELETE' | 'POST',
        u: string,
        payload?: Record<string, unknown>,
      ) =>
        app.inject({ method, url: u, headers: as(project), ...(payload !== undefined ? { payload } : {}) });
      expect((await call('GET', url)).json()).toEqual({ quota: { plans: 50, checkpoints: -1, id: project } });
      expect((await call('GET', `${url}/defaults`)).json()).toEqual({
        quota: { plans: 50, checkpoints: -1, id: project },
      });
      const updated = await call('PUT', url, { quota: { plans: '2', tenant_id: 'ignored' } });
      expect(updated.json()).toEqual({ quota: { plans: 2, checkpoints: -1 } });
      expect((await call('POST', `/v1/${project}/plans`, createBody('q1'))).statusCode).toBe(200);
      expect((await call('POST', `/v1/${project}/plans`, createBody('q2'))).statusCode).toBe(200);
      const over = await call('POST', `/v1/${project}/plans`, createBody('q3'));
      expect(over.json()).toEqual({
        overLimit: { code: 413, message: 'Maximum number of plans allowed (2) exceeded' },
      });
      expect((await call('GET', `${url}/detail`)).json()).toEqual({
        quota: {
          plans: { limit: 2, in_use: 2, reserved: 0 },
          checkpoints: { limit: -1, in_use: 0, reserved: 0 },
          id: project,
        },
      });
      expect((await call('PUT', url, { quota: { plans: 'many' } })).json()).toEqual({
        badRequest: { code: 400, message: "Quota 'many' for plans should be integer." },
      });
      expect((await call('PUT', url, { quota: { plans: -2 } })).json()).toEqual({
        badRequest: { code: 400, message: 'Quota limit must be -1 or greater.' },
      });
      expect((await call('GET', `/v1/${project}/quotas/not-a-project`)).json()).toEqual({
        badRequest: { code: 400, message: 'Invalid project id provided.' },
      });
      // Class default changes every project's defaults; a project's own limit stays until deleted.
      const klass = await call('PUT', `/v1/${project}/quota_classes/default`, { quota_class: { plans: 10 } });
      expect(klass.json()).toEqual({ quota_class: { plans: 10, checkpoints: -1 } });
      expect((await call('GET', `/v1/${project}/quota_classes/default`)).json()).toEqual({
        quota_class: { plans: 10, checkpoints: -1, id: 'default' },
      });
      expect((await call('GET', url)).json()).toMatchObject({ quota: { plans: 2 } });
      expect((await call('DELETE', url)).statusCode).toBe(200);
      expect((await call('GET', url)).json()).toMatchObject({ quota: { plans: 10 } });
      await call('PUT', `/v1/${project}/quota_classes/default`, { quota_class: { plans: 50 } });
    });

    it('lists this server as an up karbor-protection service, which cannot be disabled', async () => {
      const list = await app.inject({ method: 'GET', url: '/v1/admin/os-services', headers: as('admin') });
      const { services } = list.json<{ services: Record<string, unknown>[] }>();
      const mine = services.filter((s) => s['binary'] === 'karbor-protection');
      expect(mine.length).toBeGreaterThanOrEqual(1);
      expect(mine[0]).toMatchObject({ status: 'enabled', state: 'up', disabled_reason: null });
      expect(mine[0]!['updated_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
      expect(Object.keys(mine[0]!).sort()).toEqual(
        ['binary', 'disabled_reason', 'host', 'id', 'state', 'status', 'updated_at'].sort(),
      );
      const filtered = await app.inject({
        method: 'GET',
        url: '/v1/admin/os-services?binary=karbor-operationengine',
        headers: as('admin'),
      });
      expect(filtered.json()).toEqual({ services: [] });
      const disable = await app.inject({
        method: 'PUT',
        url: `/v1/admin/os-services/${String(mine[0]!['id'])}`,
        headers: as('admin'),
        payload: { status: 'disabled' },
      });
      expect(disable.json()).toEqual({
        badRequest: {
          code: 400,
          message:
            'Updating a karbor-protection service is not supported. Only karbor-operationengine services can be updated.',
        },
      });
      const missing = await app.inject({
        method: 'PUT',
        url: '/v1/admin/os-services/999999',
        headers: as('admin'),
        payload: { status: 'disabled' },
      });
      expect(missing.statusCode).toBe(404);
    });
  });
}
