/**
 * The real python-karborclient (Debian's python3-karborclient 2.1.0) against the real
 * `hoard serve`, in Karbor's noauth mode: no cloud needed (issue 10's embedded default).
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureKarborClient,
  type HoardServe,
  runClient,
  startHoardServe,
  writeLocalProvider,
} from './testing/hoardServe.js';

const PROVIDER_ID = 'cf56bd3e-97a7-4078-b6d5-f36246333fd9';
let server: HoardServe;
let url: string;
let root: string;

/** Runs `karbor` in noauth mode as project `project`. */
function karbor(args: string[], project = 'demo', urlProject = project) {
  return runClient('karbor', [
    '--os-no-client-auth',
    '--karbor-url',
    `${url}/v1/${urlProject}`,
    '--os-auth-token',
    `admin:${project}`,
    ...args,
  ]);
}

beforeAll(async () => {
  ensureKarborClient();
  root = await mkdtemp(path.join(tmpdir(), 'hoard-serve-'));
  await writeLocalProvider(root);
  server = await startHoardServe(root, ['--port', '0']);
  url = server.url;
});

afterAll(async () => {
  await server?.stop();
});

describe('python-karborclient against hoard serve (noauth)', () => {
  it('provider-list and provider-show', () => {
    const list = karbor(['provider-list']);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(new RegExp(`${PROVIDER_ID}\\s*\\|\\s*Local\\s*\\|\\s*Local directories`));
    const show = karbor(['provider-show', PROVIDER_ID]);
    expect(show.code, show.err).toBe(0);
    expect(show.out).toContain('extended_info_schema');
    expect(show.out).toContain('Hoard::Local::Directory');
  });

  it('protectable-list, protectable-show and protectable-list-instances', () => {
    const list = karbor(['protectable-list']);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toContain('Hoard::Local::Directory');
    const show = karbor(['protectable-show', 'Hoard::Local::Directory']);
    expect(show.code, show.err).toBe(0);
    expect(show.out).toMatch(/dependent_types\s*\|\s*\[\]/);
    const instance = karbor(['protectable-show-instance', 'Hoard::Local::Directory', root]);
    expect(instance.code, instance.err).toBe(0);
    expect(instance.out).toMatch(new RegExp(`id\\s*\\|\\s*${root}`));
    const instances = karbor(['protectable-list-instances', 'Hoard::Local::Directory']);
    expect(instances.code, instances.err).toBe(0);
    expect(instances.out).toContain('Dependent resources');
  });

  it('plan-create (which first fetches the resource), plan-list, plan-show, plan-update, plan-delete', async () => {
    const data = path.join(root, 'data');
    await mkdir(data, { recursive: true });
    const created = karbor(['plan-create', 'nightly', PROVIDER_ID, `${data}=Hoard::Local::Directory=data`]);
    expect(created.code, created.err).toBe(0);
    const id = /\|\s*id\s*\|\s*([0-9a-f-]{36})/.exec(created.out)?.[1];
    expect(id, created.out).toBeDefined();
    expect(created.out).toMatch(/status\s*\|\s*suspended/);
    const listed = karbor(['plan-list']);
    expect(listed.out).toMatch(new RegExp(`${id}\\s*\\|\\s*nightly`));
    const updated = karbor(['plan-update', id!, '--name', 'weekly']);
    expect(updated.code, updated.err).toBe(0);
    expect(karbor(['plan-show', id!]).out).toMatch(/name\s*\|\s*weekly/);
    // Another project does not see it.
    expect(karbor(['plan-list'], 'other').out).not.toContain(id!);
    const missing = karbor([
      'plan-create',
      'x',
      PROVIDER_ID,
      `${path.join(root, 'nothing')}=Hoard::Local::Directory=n`,
    ]);
    expect(missing.code).not.toBe(0);
    const deleted = karbor(['plan-delete', id!]);
    expect(deleted.code, deleted.err).toBe(0);
    expect(karbor(['plan-list']).out).not.toContain(id!);
  });

  it('checkpoint-create of a plan, checkpoint-show until available, checkpoint-list, checkpoint-delete', async () => {
    const data = path.join(root, 'to-protect');
    await mkdir(data, { recursive: true });
    await writeFile(path.join(data, 'a.txt'), 'alpha\n');
    const plan = karbor(['plan-create', 'docs', PROVIDER_ID, `${data}=Hoard::Local::Directory=docs`]);
    const planId = /\|\s*id\s*\|\s*([0-9a-f-]{36})/.exec(plan.out)![1]!;
    const created = karbor(['checkpoint-create', PROVIDER_ID, planId]);
    expect(created.code, created.err).toBe(0);
    expect(created.out).toMatch(/status\s*\|\s*protecting/);
    const id = /\|\s*id\s*\|\s*([0-9a-f-]{36})/.exec(created.out)![1]!;
    let shown = '';
    for (let i = 0; i < 60 && !/status\s*\|\s*available/.test(shown); i++) {
      await new Promise((r) => setTimeout(r, 500));
      shown = karbor(['checkpoint-show', PROVIDER_ID, id]).out;
    }
    expect(shown).toMatch(/status\s*\|\s*available/);
    expect(shown).toContain(planId);
    const reset = karbor(['checkpoint-reset-state', PROVIDER_ID, id]);
    expect(reset.code, reset.err).toBe(0);
    expect(karbor(['checkpoint-show', PROVIDER_ID, id]).out).toMatch(/status\s*\|\s*error/);
    const back = karbor(['checkpoint-reset-state', PROVIDER_ID, id, '--available']);
    expect(back.code, back.err).toBe(0);
    expect(karbor(['checkpoint-show', PROVIDER_ID, id]).out).toMatch(/status\s*\|\s*available/);
    const listed = karbor(['checkpoint-list', PROVIDER_ID]);
    expect(listed.out).toMatch(new RegExp(`${id}\\s*\\|\\s*demo\\s*\\|\\s*available`));
    expect(karbor(['checkpoint-list', PROVIDER_ID], 'other').out).not.toContain(id);
    const target = path.join(root, 'restored');
    const restore = karbor([
      'restore-create',
      PROVIDER_ID,
      id,
      '--parameters',
      `resource_type=Hoard::Local::Directory,target=${target}`,
    ]);
    expect(restore.code, restore.err).toBe(0);
    const restoreId = /\|\s*id\s*\|\s*([0-9a-f-]{36})/.exec(restore.out)![1]!;
    let restored = '';
    for (let i = 0; i < 60 && !/status\s*\|\s*(success|fail)/.test(restored); i++) {
      await new Promise((r) => setTimeout(r, 500));
      restored = karbor(['restore-show', restoreId]).out;
    }
    expect(restored).toMatch(/status\s*\|\s*success/);
    expect(await readFile(path.join(target, 'a.txt'), 'utf8')).toBe('alpha\n');
    expect(karbor(['restore-list']).out).toContain(restoreId);
    const deleted = karbor(['checkpoint-delete', PROVIDER_ID, id]);
    expect(deleted.code, deleted.err).toBe(0);
    let after = id;
    for (let i = 0; i < 60 && after.includes(id); i++) {
      await new Promise((r) => setTimeout(r, 500));
      after = karbor(['checkpoint-list', PROVIDER_ID]).out;
    }
    expect(after).not.toContain(id);
  });

  it('trigger-create, trigger-list, trigger-show, trigger-update, trigger-delete', () => {
    const created = karbor([
      'trigger-create',
      'hourly',
      'time',
      'format=crontab,pattern=0 * * * *,window=900',
    ]);
    expect(created.code, created.err).toBe(0);
    const id = /\|\s*id\s*\|\s*([0-9a-f-]{36})/.exec(created.out)?.[1];
    expect(id, created.out).toBeDefined();
    expect(created.out).toContain('0 * * * *');
    expect(karbor(['trigger-list']).out).toMatch(new RegExp(`${id}\\s*\\|\\s*hourly\\s*\\|\\s*time`));
    expect(karbor(['trigger-list'], 'other').out).not.toContain(id!);
    const renamed = karbor(['trigger-update', id!, '--name', 'every hour']);
    expect(renamed.code, renamed.err).toBe(0);
    expect(karbor(['trigger-show', id!]).out).toMatch(/name\s*\|\s*every hour/);
    const tooOften = karbor(['trigger-create', 'often', 'time', 'format=crontab,pattern=*/5 * * * *']);
    expect(tooOften.code).not.toBe(0);
    expect(tooOften.err).toContain('The interval of two adjacent time points is less than 3600 (HTTP 400)');
    const deleted = karbor(['trigger-delete', id!]);
    expect(deleted.code, deleted.err).toBe(0);
    expect(karbor(['trigger-list']).out).not.toContain(id!);
  });

  it('scheduledoperation-create, -list, -show, -delete and operationlog-list', async () => {
    const data = path.join(root, 'scheduled');
    await mkdir(data, { recursive: true });
    const plan = karbor([
      'plan-create',
      'scheduled',
      PROVIDER_ID,
      `${data}=Hoard::Local::Directory=scheduled`,
    ]);
    const planId = /\|\s*id\s*\|\s*([0-9a-f-]{36})/.exec(plan.out)![1]!;
    const trigger = karbor([
      'trigger-create',
      'nightly',
      'time',
      'format=crontab,pattern=0 3 * * *,window=900,timezone=Europe/Paris',
    ]);
    expect(trigger.code, trigger.err).toBe(0);
    expect(trigger.out).toContain('Europe/Paris');
    const triggerId = /\|\s*id\s*\|\s*([0-9a-f-]{36})/.exec(trigger.out)![1]!;
    const created = karbor([
      'scheduledoperation-create',
      'keep three',
      'retention_protect',
      triggerId,
      `provider_id=${PROVIDER_ID},plan_id=${planId},max_backups=3`,
    ]);
    expect(created.code, created.err).toBe(0);
    const id = /\|\s*id\s*\|\s*([0-9a-f-]{36})/.exec(created.out)![1]!;
    expect(created.out).toContain('max_backups');
    expect(karbor(['scheduledoperation-list']).out).toMatch(
      new RegExp(`${id}\\s*\\|\\s*keep three\\s*\\|`), // the client shows id and name only
    );
    expect(karbor(['scheduledoperation-show', id]).out).toMatch(/enabled\s*\|\s*True/);
    // The trigger is in use: Karbor's 424.
    expect(karbor(['trigger-delete', triggerId]).code).not.toBe(0);
    const logs = karbor(['operationlog-list']);
    expect(logs.code, logs.err).toBe(0);
    const deleted = karbor(['scheduledoperation-delete', id]);
    expect(deleted.code, deleted.err).toBe(0);
    expect(karbor(['scheduledoperation-list']).out).not.toContain(id);
    expect(karbor(['trigger-delete', triggerId]).code).toBe(0);
  });

  it("gets Karbor's errors: an unknown provider, an unknown type, another project's URL", () => {
    const missing = karbor(['provider-show', '00000000-0000-0000-0000-000000000000']);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain(
      'Provider 00000000-0000-0000-0000-000000000000 could not be found. (HTTP 404)',
    );
    const type = karbor(['protectable-show', 'OS::Nova::Nothing']);
    expect(type.err).toContain('Invalid protectable type provided. (HTTP 400)');
    const other = karbor(['provider-list'], 'demo', 'someone-else');
    expect(other.err).toContain('Malformed request url (HTTP 400)');
  });
});
