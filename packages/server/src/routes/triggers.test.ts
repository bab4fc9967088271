import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../app.js';
import { type OpenDatabase, openDatabase } from '../database/openDatabase.js';
import { TriggerStore } from '../database/triggerStore.js';

let app: FastifyInstance;
let database: OpenDatabase;
const as = (project: string) => ({ 'x-auth-token': `u:${project}`, 'content-type': 'application/json' });
const WEEKLY = 'BEGIN:VEVENT\nRRULE:FREQ=WEEKLY;INTERVAL=1;\nEND:VEVENT';

beforeAll(async () => {
  database = await openDatabase('sqlite://');
  app = await createApiServer({ providers: [], auth: { strategy: 'noauth' }, database });
});
afterAll(async () => {
  await app.close();
  await database.close();
});

const create = (project: string, info: Record<string, unknown>) =>
  app.inject({
    method: 'POST',
    url: `/v1/${project}/triggers`,
    headers: as(project),
    payload: { trigger_info: info },
  });

describe('triggers through the API', () => {
  it("creates, shows, lists, updates and deletes a time trigger with Karbor's shapes, keeping its next fire", async () => {
    const created = await create('t1', {
      name: 'weekly',
      type: 'time',
      properties: { format: 'calendar', pattern: WEEKLY, start_time: '2030-01-07 08:30:00', window: 1800 },
    });
    expect(created.statusCode, created.body).toBe(200);
    const trigger = created.json<{ trigger_info: { id: string } }>().trigger_info;
    expect(trigger).toEqual({
      id: trigger.id,
      name: 'weekly',
      type: 'time',
      properties: { format: 'calendar', pattern: WEEKLY, start_time: '2030-01-07 08:30:00', window: '1800' },
    });
    const store = new TriggerStore(database.db);
    expect((await store.nextFire(trigger.id))?.toISOString()).toBe('2030-01-07T08:30:00.000Z');

    const shown = await app.inject({
      method: 'GET',
      url: `/v1/t1/triggers/${trigger.id}`,
      headers: as('t1'),
    });
    expect(shown.json()).toEqual({ trigger_info: trigger });
    const listed = await app.inject({ method: 'GET', url: '/v1/t1/triggers', headers: as('t1') });
    expect(listed.json()).toEqual({ triggers: [trigger] });
    // Another project does not list it (noauth callers are admins, so a show would find it).
    expect((await app.inject({ method: 'GET', url: '/v1/t2/triggers', headers: as('t2') })).json()).toEqual({
      triggers: [],
    });

    const update = (body: Record<string, unknown>) =>
      app.inject({
        method: 'PUT',
        url: `/v1/t1/triggers/${trigger.id}`,
        headers: as('t1'),
        payload: { trigger_info: body },
      });
    const renamed = await update({ name: 'weekly backup', type: 'ignored', properties: {} });
    expect(renamed.json()).toMatchObject({ trigger_info: { name: 'weekly backup', type: 'time' } });
    const noStart = await update({ properties: { format: 'crontab', pattern: '0 3 * * *' } });
    expect(noStart.statusCode).toBe(400);
    expect(noStart.json()).toEqual({
      badRequest: { code: 400, message: 'Invalid input received: start_time should be supplied' },
    });
    const daily = await update({
      properties: { format: 'crontab', pattern: '0 3 * * *', start_time: '2030-02-01 00:00:00' },
    });
    expect(daily.statusCode, daily.body).toBe(200);
    expect(daily.json()).toMatchObject({
      trigger_info: {
        properties: { format: 'crontab', pattern: '0 3 * * *', start_time: '2030-02-01 00:00:00' },
      },
    });
    expect((await store.nextFire(trigger.id))?.toISOString()).toBe('2030-02-01T03:00:00.000Z');

    const deleted = await app.inject({
      method: 'DELETE',
      url: `/v1/t1/triggers/${trigger.id}`,
      headers: as('t1'),
    });
    expect(deleted.statusCode).toBe(200);
    expect(
      (await app.inject({ method: 'GET', url: `/v1/t1/triggers/${trigger.id}`, headers: as('t1') }))
        .statusCode,
    ).toBe(404);
    expect(await store.nextFire(trigger.id)).toBeUndefined();
  });

  it('pages and filters triggers by name', async () => {
    for (const name of ['alpha', 'beta', 'alphabet'])
      expect(
        (await create('t3', { name, type: 'time', properties: { format: 'crontab', pattern: '0 * * * *' } }))
          .statusCode,
      ).toBe(200);
    const named = await app.inject({ method: 'GET', url: '/v1/t3/triggers?name=alpha', headers: as('t3') });
    expect(
      named
        .json<{ triggers: { name: string }[] }>()
        .triggers.map((t) => t.name)
        .sort(),
    ).toEqual(['alpha', 'alphabet']);
    const first = await app.inject({ method: 'GET', url: '/v1/t3/triggers?limit=2', headers: as('t3') });
    const page = first.json<{
      triggers: { id: string }[];
      triggers_links: { rel: string; href: string }[];
    }>();
    expect(page.triggers).toHaveLength(2);
    const next = new URL(page.triggers_links[0]!.href);
    const rest = await app.inject({
      method: 'GET',
      url: `${next.pathname}${next.search}`,
      headers: as('t3'),
    });
    expect(rest.json<{ triggers: unknown[] }>().triggers).toHaveLength(1);
  });

  it("refuses bad triggers with Karbor's faults and stores nothing", async () => {
    const refused = async (info: Record<string, unknown>) => {
      const res = await create('t4', info);
      return `${res.statusCode} ${JSON.stringify(res.json())}`;
    };
    expect(
      await refused({ name: 'x', type: 'event', properties: { format: 'crontab', pattern: '0 * * * *' } }),
    ).toBe('400 {"badRequest":{"code":400,"message":"Invalid input received: Invalid trigger type:event"}}');
    expect(
      await refused({
        name: 'x',
        type: 'time',
        properties: { format: 'crontab', pattern: '0 * * * *', window: 10 },
      }),
    ).toMatch(/The trigger windows 10 must be between 900 and 1800/);
    expect(
      await refused({ name: 'x', type: 'time', properties: { format: 'crontab', pattern: '*/5 * * * *' } }),
    ).toMatch(/The interval of two adjacent time points is less than 3600/);
    expect(
      await refused({
        name: 'x',
        type: 'time',
        properties: { format: 'crontab', pattern: '0 * * * *', color: 'red' },
      }),
    ).toMatch(/^400 .*color/);
    expect(
      await refused({ name: ' ', type: 'time', properties: { format: 'crontab', pattern: '0 * * * *' } }),
    ).toMatch(/must not be empty/);
    expect(
      await refused({ name: 'x', type: 'time', properties: { format: 'calendar', pattern: 'nonsense' } }),
    ).toMatch(/The trigger pattern\(nonsense\) is invalid/);
    expect((await app.inject({ method: 'GET', url: '/v1/t4/triggers', headers: as('t4') })).json()).toEqual({
      triggers: [],
    });
    expect(
      (await app.inject({ method: 'GET', url: '/v1/t4/triggers/not-an-id', headers: as('t4') })).json(),
    ).toEqual({
      badRequest: { code: 400, message: 'Invalid trigger id provided.' },
    });
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/v1/t4/triggers/2a9ce1f3-cc1a-4516-9435-0ebb13caa398',
          headers: as('t4'),
        })
      ).statusCode,
    ).toBe(404);
  });
});
