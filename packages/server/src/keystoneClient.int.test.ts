/**
 * `hoard serve` with `auth_strategy = keystone` against the mini-cloud's Keystone, driven by
 * the real python-karborclient (Debian's 2.1.0) with real tokens, through the catalog entry
 * the mini-cloud registers (data-protect / karbor at http://127.0.0.1:8799/v1/%(project_id)s).
 * Projects demo and alt are unprivileged: neither sees nor touches the other's data.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Session } from '@hoard/openstack';
import { MINICLOUD_CLOUDS_YAML, minicloud } from '@hoard/openstack/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureKarborClient,
  type HoardServe,
  idOf,
  pollUntil,
  runClient,
  startHoardServe,
  writeLocalProvider,
} from './testing/hoardServe.js';

const PROVIDER_ID = 'cf56bd3e-97a7-4078-b6d5-f36246333fd9';
const DEMO_ONLY_ID = '5f0c2a4e-6f55-4a35-9a3e-0d1c7a1b9e21';
const API = 'http://127.0.0.1:8799';
let server: HoardServe;
let root: string;
const tokens: Record<string, { value: string; projectId: string }> = {};

/** `karbor` logged in as `user` (password = user name, project = user name) through the catalog. */
function karbor(user: 'demo' | 'alt' | 'admin', args: string[]) {
  return runClient('karbor', args, {
    OS_AUTH_URL: 'http://127.0.0.1:5000/v3',
    OS_USERNAME: user,
    OS_PASSWORD: user,
    OS_PROJECT_NAME: user,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_IDENTITY_API_VERSION: '3',
  });
}

/** The `openstack data protection ...` form, as cloud `minicloud-<user>`. */
function osc(user: 'demo' | 'alt', args: string[]) {
  return runClient('openstack', ['--os-cloud', `minicloud-${user}`, 'data', 'protection', ...args], {
    OS_CLIENT_CONFIG_FILE: MINICLOUD_CLOUDS_YAML,
  });
}

/** A raw request with `user`'s token (or the given one). */
async function api(method: string, urlPath: string, token: string | undefined, body?: unknown) {
  const response = await fetch(`${API}${urlPath}`, {
    method,
    headers: {
      'Content-Type': 'application/json',
      ...(token !== undefined ? { 'X-Auth-Token': token } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text ? (JSON.parse(text) as unknown) : undefined,
  };
}

beforeAll(async () => {
  ensureKarborClient();
  for (const user of ['demo', 'alt', 'admin'] as const) {
    const token = await new Session(await minicloud(`minicloud-${user}`)).getToken();
    tokens[user] = { value: token.value, projectId: token.projectId! };
  }
  root = await mkdtemp(path.join(tmpdir(), 'hoard-serve-keystone-'));
  const providerDir = await writeLocalProvider(root);
  // A provider served to project demo only (a local directory is the server's own disk).
  await writeFile(
    path.join(providerDir, 'demo-only.conf'),
    `[provider]\nname = DemoOnly\nid = ${DEMO_ONLY_ID}\nbank = @hoard/bank-fs\nplugin = @hoard/plugin-directory\nprojects = ${tokens['demo']!.projectId}\n[file_system_bank_plugin]\nfile_system_bank_path = ../demo-only-bank\n`,
  );
  await writeFile(
    path.join(root, 'hoard.conf'),
    [
      '[DEFAULT]',
      'auth_strategy = keystone',
      'osapi_karbor_listen = 127.0.0.1',
      'osapi_karbor_listen_port = 8799',
      '[database]',
      `connection = sqlite:///${path.join(root, 'hoard.db')}`,
      '[keystone_authtoken]',
      'www_authenticate_uri = http://127.0.0.1:5000',
      'auth_url = http://127.0.0.1:5000',
      'memcached_servers = 127.0.0.1:11211',
      'auth_type = password',
      'project_domain_name = Default',
      'user_domain_name = Default',
      'project_name = service',
      'username = karbor',
      'password = service',
      '',
    ].join('\n'),
  );
  server = await startHoardServe(root, ['--config', path.join(root, 'hoard.conf')]);
  expect(server.url).toBe(API);
});

afterAll(async () => {
  await server?.stop();
});

describe('hoard serve with auth_strategy = keystone', () => {
  it('answers 401 with a challenge without a token or with one Keystone does not know', async () => {
    const demo = tokens['demo']!.projectId;
    for (const token of [undefined, 'not-a-token', `${tokens['demo']!.value}x`]) {
      const answer = await api('GET', `/v1/${demo}/plans`, token);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Keystone uri="http://127.0.0.1:5000"');
      expect(answer.json).toEqual({
        error: {
          code: 401,
          title: 'Unauthorized',
          message: 'The request you have made requires authentication.',
        },
      });
    }
    // The service user's password and the token never show in what the server printed.
    expect(server.output()).not.toContain('password = service');
    expect(server.output()).not.toContain(tokens['demo']!.value);
  });

  it("refuses another project's URL and admin-only policies (services, quota updates) for a member", async () => {
    const { value } = tokens['demo']!;
    const other = await api('GET', `/v1/${tokens['alt']!.projectId}/plans`, value);
    expect(other.status).toBe(400);
    expect(other.json).toEqual({ badRequest: { code: 400, message: 'Malformed request url' } });
    // admin_api rules: services and quota updates are for admins.
    const services = karbor('demo', ['service-list']);
    expect(services.code).not.toBe(0);
    expect(services.err).toContain("Policy doesn't allow service:get_all to be performed. (HTTP 403)");
    expect(karbor('admin', ['service-list']).out).toMatch(/karbor-protection.*enabled.*up/);
    const demo = tokens['demo']!.projectId;
    const update = karbor('demo', ['quota-update', demo, '--plans', '500']);
    expect(update.err).toContain('(HTTP 403)');
    // quota-show reads the token's own project; another project's quotas are not a member's.
    expect(karbor('demo', ['quota-show']).out).toMatch(/plans\s*\|\s*50/);
    expect(
      (await api('GET', `/v1/${demo}/quotas/${tokens['alt']!.projectId}`, tokens['demo']!.value)).status,
    ).toBe(403);
    const adminUpdate = karbor('admin', ['quota-update', demo, '--plans', '40']);
    expect(adminUpdate.code, adminUpdate.err).toBe(0);
    expect(karbor('demo', ['quota-show', '--detail']).out).toMatch(/limit = 40/);
  });

  it('karbor CLI through the catalog: plan, checkpoint, restore, verification; alt sees none of it', async () => {
    const data = path.join(root, 'demo-data');
    await mkdir(data, { recursive: true });
    await writeFile(path.join(data, 'a.txt'), 'alpha\n');
    expect(karbor('demo', ['provider-list']).out).toContain(PROVIDER_ID);
    const plan = karbor('demo', [
      'plan-create',
      'demo-plan',
      PROVIDER_ID,
      `${data}=Hoard::Local::Directory=data`,
    ]);
    expect(plan.code, plan.err).toBe(0);
    const planId = idOf(plan.out);
    expect(karbor('demo', ['plan-list']).out).toContain(planId);

    const checkpoint = karbor('demo', ['checkpoint-create', PROVIDER_ID, planId]);
    expect(checkpoint.code, checkpoint.err).toBe(0);
    const checkpointId = idOf(checkpoint.out);
    const shown = await pollUntil(
      () => karbor('demo', ['checkpoint-show', PROVIDER_ID, checkpointId]).out,
      (out) => !/status\s*\|\s*protecting/.test(out),
    );
    expect(shown).toMatch(/status\s*\|\s*available/);
    expect(karbor('demo', ['checkpoint-list', PROVIDER_ID]).out).toMatch(
      new RegExp(`${checkpointId}\\s*\\|\\s*${tokens['demo']!.projectId}\\s*\\|\\s*available`),
    );

    const restore = karbor('demo', [
      'restore-create',
      PROVIDER_ID,
      checkpointId,
      '--parameters',
      `resource_type=Hoard::Local::Directory,target=${path.join(root, 'demo-restored')}`,
    ]);
    expect(restore.code, restore.err).toBe(0);
    const restoreId = idOf(restore.out);
    const restored = await pollUntil(
      () => karbor('demo', ['restore-show', restoreId]).out,
      (out) => /status\s*\|\s*(success|fail)/.test(out),
    );
    expect(restored).toMatch(/status\s*\|\s*success/);

    const verification = karbor('demo', ['verification-create', PROVIDER_ID, checkpointId]);
    expect(verification.code, verification.err).toBe(0);
    const verificationId = idOf(verification.out);
    const verified = await pollUntil(
      () => karbor('demo', ['verification-show', verificationId]).out,
      (out) => /status\s*\|\s*(success|fail)/.test(out),
    );
    expect(verified).toMatch(/status\s*\|\s*success/);
    expect(karbor('demo', ['verification-list']).out).toContain(verificationId);
    expect(karbor('alt', ['verification-list']).out).not.toContain(verificationId);

    // Project alt: lists are empty of demo's data, and every show or delete of it is refused.
    expect(karbor('alt', ['plan-list']).out).not.toContain(planId);
    expect(karbor('alt', ['checkpoint-list', PROVIDER_ID]).out).not.toContain(checkpointId);
    expect(karbor('alt', ['restore-list']).out).not.toContain(restoreId);
    const alt = tokens['alt']!;
    const base = `/v1/${alt.projectId}`;
    const refused = [
      await api('GET', `${base}/plans/${planId}`, alt.value),
      await api('PUT', `${base}/plans/${planId}`, alt.value, { plan: { name: 'stolen' } }),
      await api('DELETE', `${base}/plans/${planId}`, alt.value),
      await api('GET', `${base}/providers/${PROVIDER_ID}/checkpoints/${checkpointId}`, alt.value),
      await api('DELETE', `${base}/providers/${PROVIDER_ID}/checkpoints/${checkpointId}`, alt.value),
      await api('POST', `${base}/providers/${PROVIDER_ID}/checkpoints`, alt.value, {
        checkpoint: { plan_id: planId },
      }),
      await api('GET', `${base}/restores/${restoreId}`, alt.value),
      await api('POST', `${base}/verifications`, alt.value, {
        verification: { provider_id: PROVIDER_ID, checkpoint_id: checkpointId, parameters: {} },
      }),
      await api('GET', `${base}/plans?all_tenants=1`, alt.value),
      await api(
        'GET',
        `${base}/providers/${PROVIDER_ID}/checkpoints?all_tenants=1&project_id=${tokens['demo']!.projectId}`,
        alt.value,
      ),
    ];
    expect(refused.map((r) => r.status)).toEqual([404, 404, 404, 403, 403, 404, 404, 403, 200, 200]);
    expect(JSON.stringify(refused[8]!.json)).not.toContain(planId);
    expect(JSON.stringify(refused[9]!.json)).not.toContain(checkpointId);
    // A restore of demo's checkpoint by alt is recorded failed in alt's project (Karbor's 403).
    const theft = await api('POST', `${base}/restores`, alt.value, {
      restore: { provider_id: PROVIDER_ID, checkpoint_id: checkpointId, parameters: {} },
    });
    expect(theft.status).toBe(403);
    // demo's plan is untouched.
    expect(karbor('demo', ['plan-show', planId]).out).toMatch(/name\s*\|\s*demo-plan/);

    // The admin sees every project's plans with all_tenants.
    const all = await api(
      'GET',
      `/v1/${tokens['admin']!.projectId}/plans?all_tenants=1`,
      tokens['admin']!.value,
    );
    expect(JSON.stringify(all.json)).toContain(planId);

    const deleted = karbor('demo', ['checkpoint-delete', PROVIDER_ID, checkpointId]);
    expect(deleted.code, deleted.err).toBe(0);
  });

  it('serves a provider that names its projects to those projects (and admins) only', async () => {
    expect(karbor('demo', ['provider-list']).out).toContain(DEMO_ONLY_ID);
    expect(karbor('admin', ['provider-list']).out).toContain(DEMO_ONLY_ID);
    expect(karbor('alt', ['provider-list']).out).not.toContain(DEMO_ONLY_ID);
    const alt = tokens['alt']!;
    const base = `/v1/${alt.projectId}`;
    const data = path.join(root, 'alt-data');
    await mkdir(data, { recursive: true });
    const refused = [
      await api('GET', `${base}/providers/${DEMO_ONLY_ID}`, alt.value),
      await api('GET', `${base}/providers/${DEMO_ONLY_ID}/checkpoints`, alt.value),
      await api('POST', `${base}/plans`, alt.value, {
        plan: {
          name: 'alt-plan',
          parameters: {},
          provider_id: DEMO_ONLY_ID,
          resources: [{ id: data, type: 'Hoard::Local::Directory', name: 'data' }],
        },
      }),
    ];
    expect(refused.map((r) => r.status)).toEqual([404, 404, 400]);
    expect(refused[2]!.text).toContain('The provider could not be found.');
    const demo = tokens['demo']!;
    const shown = await api('GET', `/v1/${demo.projectId}/providers/${DEMO_ONLY_ID}`, demo.value);
    expect(shown.status).toBe(200);
  });

  it('the openstack data protection forms that 2.1.0 does not break', () => {
    const providers = osc('demo', ['provider', 'list']);
    expect(providers.code, providers.err).toBe(0);
    expect(providers.out).toContain(PROVIDER_ID);
    const types = osc('demo', ['protectable', 'list']);
    expect(types.code, types.err).toBe(0);
    expect(types.out).toContain('Hoard::Local::Directory');
    const plans = osc('demo', ['plan', 'list']);
    expect(plans.code, plans.err).toBe(0);
    expect(plans.out).toContain('demo-plan');
    expect(osc('alt', ['plan', 'list']).out).not.toContain('demo-plan');
    const checkpoints = osc('demo', ['checkpoint', 'list', PROVIDER_ID]);
    expect(checkpoints.code, checkpoints.err).toBe(0);
    const restores = osc('demo', ['restore', 'list']);
    expect(restores.code, restores.err).toBe(0);
  });
});
