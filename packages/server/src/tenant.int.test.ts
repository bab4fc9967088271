/**
 * A whole tenant through the API with the real client: a project of its own with a server booted
 * from an image with a volume attached, a second image and a share; `karbor plan-create` of the
 * project, `checkpoint-create` until available, `verification-create` until success,
 * `restore-create` until success, `checkpoint-delete`. `hoard serve` runs with
 * `auth_strategy = keystone` on the catalog's port; the client logs in as the tenant's user.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Session } from '@hoard/openstack';
import { createTestProject, minicloud, type TestProject, waitUntil } from '@hoard/openstack/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureKarborClient,
  type HoardServe,
  idOf,
  pollUntil,
  runClient,
  startHoardServe,
} from './testing/hoardServe.js';

const manila = { 'X-OpenStack-Manila-API-Version': '2.65' };
const nova = 'compute 2.79';
const suffix = randomBytes(3).toString('hex');
const PROVIDER_ID = randomUUID();
let tenant: TestProject;
let session: Session;
let server: HoardServe;

/** `karbor` as the tenant's user, through the catalog. */
function karbor(args: string[]) {
  return runClient('karbor', args, {
    OS_AUTH_URL: 'http://127.0.0.1:5000/v3',
    OS_USERNAME: tenant.section.username!,
    OS_PASSWORD: tenant.section.password!,
    OS_PROJECT_ID: tenant.projectId,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_IDENTITY_API_VERSION: '3',
  });
}

async function status(service: string, url: string, key: string, headers: Record<string, string> = {}) {
  const response = await session.request(service, url, {
    headers,
    expect: [200, 404],
    ...(service === 'compute' ? { microversion: nova } : {}),
  });
  if (response.status === 404) return 'deleted';
  const body = (await response.json()) as Record<string, { status: string }>;
  return body[key]!.status.toLowerCase();
}

/** Deletes what the project holds, the restored copies included (a project's removal keeps them). */
async function purgeProject(): Promise<void> {
  const servers = await session.json<{ servers: { id: string }[] }>('compute', '/servers', {
    microversion: nova,
  });
  for (const s of servers.servers) {
    await session.request('compute', `/servers/${s.id}`, {
      method: 'DELETE',
      microversion: nova,
      expect: [204, 404],
    });
    await waitUntil(
      `server ${s.id} deleted`,
      async () => (await status('compute', `/servers/${s.id}`, 'server')) === 'deleted',
    );
  }
  const shares = await session.json<{ shares: { id: string }[] }>('sharev2', '/shares', { headers: manila });
  const snapshots = await session.json<{ snapshots: { id: string }[] }>('sharev2', '/snapshots', {
    headers: manila,
  });
  for (const s of shares.shares) {
    await session.request('sharev2', `/shares/${s.id}`, {
      method: 'DELETE',
      headers: manila,
      expect: [202, 404],
    });
    await waitUntil(
      `share ${s.id} deleted`,
      async () => (await status('sharev2', `/shares/${s.id}`, 'share', manila)) === 'deleted',
    );
  }
  for (const s of snapshots.snapshots)
    await session.request('sharev2', `/snapshots/${s.id}`, {
      method: 'DELETE',
      headers: manila,
      expect: [202, 404],
    });
  const backups = await session.json<{ backups: { id: string }[] }>('volumev3', '/backups');
  for (const b of backups.backups) {
    await session.request('volumev3', `/backups/${b.id}`, { method: 'DELETE', expect: [202, 404] });
    await waitUntil(
      `backup ${b.id} deleted`,
      async () => (await status('volumev3', `/backups/${b.id}`, 'backup')) === 'deleted',
    );
  }
  const volumes = await session.json<{ volumes: { id: string }[] }>('volumev3', '/volumes');
  for (const v of volumes.volumes) {
    await waitUntil(`volume ${v.id} released`, async () =>
      ['available', 'error', 'deleted'].includes(await status('volumev3', `/volumes/${v.id}`, 'volume')),
    );
    await session.request('volumev3', `/volumes/${v.id}`, { method: 'DELETE', expect: [202, 404] });
  }
  const images = await session.json<{ images: { id: string }[] }>(
    'image',
    `/v2/images?owner=${tenant.projectId}`,
  );
  for (const i of images.images)
    await session.request('image', `/v2/images/${i.id}`, { method: 'DELETE', expect: [204, 404] });
}

async function image(name: string, bytes: number): Promise<string> {
  const { id } = await session.json<{ id: string }>('image', '/v2/images', {
    method: 'POST',
    json: { name, disk_format: 'raw', container_format: 'bare' },
  });
  await session.request('image', `/v2/images/${id}/file`, {
    method: 'PUT',
    body: randomBytes(bytes),
    headers: { 'Content-Type': 'application/octet-stream' },
    expect: [204],
  });
  await waitUntil(
    `image ${id}`,
    async () => (await session.json<{ status: string }>('image', `/v2/images/${id}`)).status === 'active',
  );
  return id;
}

beforeAll(async () => {
  ensureKarborClient();
  const admin = new Session(await minicloud('minicloud-admin'));
  tenant = await createTestProject(admin, `hoard-api-tenant-${suffix}`);
  session = new Session(tenant.config);
  const root = await mkdtemp(path.join(tmpdir(), 'hoard-serve-tenant-'));
  await mkdir(path.join(root, 'providers.d'));
  const s = tenant.section;
  await writeFile(
    path.join(root, 'providers.d', 'tenant.conf'),
    `[provider]
name = tenant
id = ${PROVIDER_ID}
bank = @hoard/bank-swift
plugin = @hoard/plugin-project
plugin = @hoard/plugin-server
plugin = @hoard/plugin-volume
plugin = @hoard/plugin-image
plugin = @hoard/plugin-share

[openstack_client]
auth_url = ${s.auth_url}
username = ${s.username}
password = ${s.password}
project_id = ${s.project_id}
user_domain_name = Default
project_domain_name = Default

[swift_client]
swift_auth_url = ${s.auth_url}
swift_user = ${s.username}
swift_key = ${s.password}
swift_tenant_name = hoard-api-tenant-${suffix}

[swift_bank_plugin]
bank_swift_object_container = hoard-api-${suffix}
`,
  );
  await writeFile(
    path.join(root, 'hoard.conf'),
    `[DEFAULT]
auth_strategy = keystone
osapi_karbor_listen_port = 8799
[database]
connection = sqlite:///${path.join(root, 'hoard.db')}
[keystone_authtoken]
auth_url = http://127.0.0.1:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = karbor
password = service
`,
  );
  server = await startHoardServe(root, ['--config', path.join(root, 'hoard.conf')]);
});

afterAll(async () => {
  await server?.stop();
  if (session !== undefined) await purgeProject().catch(() => {});
  await tenant?.remove();
});

describe('a whole tenant through python-karborclient', () => {
  it('plan of the project, checkpoint, verification, restore and delete', {
    timeout: 1_200_000,
  }, async () => {
    const boot = await image(`api-boot-${suffix}`, 1024 * 1024 + 7);
    await image(`api-other-${suffix}`, 256 * 1024 + 3);
    const { volume } = await session.json<{ volume: { id: string } }>('volumev3', '/volumes', {
      method: 'POST',
      json: { volume: { size: 1, name: `api-data-${suffix}` } },
    });
    await waitUntil(
      'volume',
      async () => (await status('volumev3', `/volumes/${volume.id}`, 'volume')) === 'available',
    );
    const flavors = await session.json<{ flavors: { id: string; name: string }[] }>('compute', '/flavors', {
      microversion: nova,
    });
    const { server: vm } = await session.json<{ server: { id: string } }>('compute', '/servers', {
      method: 'POST',
      microversion: nova,
      json: {
        server: {
          name: `api-web-${suffix}`,
          flavorRef: flavors.flavors.find((f) => f.name === 'm1.tiny')!.id,
          imageRef: boot,
          networks: 'none',
        },
      },
    });
    await waitUntil(
      'server active',
      async () => (await status('compute', `/servers/${vm.id}`, 'server')) === 'active',
      180_000,
    );
    await session.json('compute', `/servers/${vm.id}/os-volume_attachments`, {
      method: 'POST',
      microversion: nova,
      json: { volumeAttachment: { volumeId: volume.id } },
    });
    await waitUntil(
      'volume in use',
      async () => (await status('volumev3', `/volumes/${volume.id}`, 'volume')) === 'in-use',
      120_000,
    );
    const { share } = await session.json<{ share: { id: string } }>('sharev2', '/shares', {
      method: 'POST',
      headers: manila,
      json: { share: { share_proto: 'NFS', size: 1, name: `api-share-${suffix}` } },
    });
    await waitUntil(
      'share',
      async () => (await status('sharev2', `/shares/${share.id}`, 'share', manila)) === 'available',
    );

    // The provider's own identity is the tenant's user, but the API acts with each caller's
    // token: another project's member sees none of the tenant's resources through it.
    const alt = await new Session(await minicloud('minicloud-alt')).getToken();
    const asAlt = async (method: string, url: string, body?: unknown) => {
      const response = await fetch(`${server.url}/v1/${alt.projectId}${url}`, {
        method,
        headers: { 'X-Auth-Token': alt.value, 'Content-Type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, text: await response.text() };
    };
    const mine = karbor(['protectable-list-instances', 'OS::Cinder::Volume']);
    expect(mine.out).toContain(volume.id);
    for (const type of ['OS::Cinder::Volume', 'OS::Nova::Server', 'OS::Manila::Share', 'OS::Glance::Image']) {
      const listed = await asAlt('GET', `/protectables/${type}/instances`);
      expect(listed.status, listed.text).toBe(200);
      for (const id of [volume.id, vm.id, share.id, boot]) expect(listed.text).not.toContain(id);
    }
    const projects = await asAlt('GET', '/protectables/OS::Keystone::Project/instances');
    expect(projects.text).not.toContain(tenant.projectId);
    expect((await asAlt('GET', `/protectables/OS::Cinder::Volume/instances/${volume.id}`)).status).toBe(404);
    expect(
      (await asAlt('GET', `/protectables/OS::Keystone::Project/instances/${tenant.projectId}`)).status,
    ).toBe(404);
    const stolen = await asAlt('POST', '/plans', {
      plan: {
        name: 'not-mine',
        parameters: {},
        provider_id: PROVIDER_ID,
        resources: [{ id: volume.id, type: 'OS::Cinder::Volume', name: 'data' }],
      },
    });
    expect(stolen.status, stolen.text).toBe(400);
    expect(stolen.text).toContain('does not exist');

    // The plan: the project itself, which depends on everything in it.
    const instance = karbor(['protectable-show-instance', 'OS::Keystone::Project', tenant.projectId]);
    expect(instance.code, instance.err).toBe(0);
    const plan = karbor([
      'plan-create',
      'whole-tenant',
      PROVIDER_ID,
      `${tenant.projectId}=OS::Keystone::Project=tenant`,
      '--parameters',
      'resource_type=OS::Manila::Share,snapshot_name=hoard-api,description=whole tenant',
    ]);
    expect(plan.code, plan.err).toBe(0);
    const planId = idOf(plan.out);

    const started = Date.now();
    const created = karbor(['checkpoint-create', PROVIDER_ID, planId]);
    expect(created.code, created.err).toBe(0);
    const checkpointId = idOf(created.out);
    const shown = await pollUntil(
      () => karbor(['checkpoint-show', PROVIDER_ID, checkpointId]).out,
      (out) => !/status\s*\|\s*protecting/.test(out),
      1200,
    );
    expect(shown).toMatch(/status\s*\|\s*available/);
    for (const id of [vm.id, volume.id, boot, share.id]) expect(shown).toContain(id);
    console.log(
      `whole tenant through the API: checkpoint available in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );

    const verification = karbor(['verification-create', PROVIDER_ID, checkpointId]);
    expect(verification.code, verification.err).toBe(0);
    const verified = await pollUntil(
      () => karbor(['verification-show', idOf(verification.out)]).out,
      (out) => /status\s*\|\s*(success|fail)/.test(out),
      600,
    );
    expect(verified).toMatch(/status\s*\|\s*success/);

    const restore = karbor(['restore-create', PROVIDER_ID, checkpointId]);
    expect(restore.code, restore.err).toBe(0);
    const restored = await pollUntil(
      () => karbor(['restore-show', idOf(restore.out)]).out,
      (out) => /status\s*\|\s*(success|fail)/.test(out),
      1200,
    );
    expect(restored).toMatch(/status\s*\|\s*success/);
    const servers = await session.json<{ servers: { id: string }[] }>('compute', '/servers', {
      microversion: nova,
    });
    expect(servers.servers.length).toBe(2);

    // The restored share was made from the checkpoint's snapshot: Manila keeps the snapshot while
    // it exists, so it goes first; then the checkpoint is deleted with its backups.
    const shares = await session.json<{ shares: { id: string }[] }>('sharev2', '/shares', {
      headers: manila,
    });
    for (const s of shares.shares.filter((x) => x.id !== share.id)) {
      await session.request('sharev2', `/shares/${s.id}`, {
        method: 'DELETE',
        headers: manila,
        expect: [202],
      });
      await waitUntil(
        'restored share deleted',
        async () => (await status('sharev2', `/shares/${s.id}`, 'share', manila)) === 'deleted',
      );
    }
    const deleted = karbor(['checkpoint-delete', PROVIDER_ID, checkpointId]);
    expect(deleted.code, deleted.err).toBe(0);
    const gone = await pollUntil(
      () => karbor(['checkpoint-list', PROVIDER_ID]).out,
      (out) => !out.includes(checkpointId),
      600,
    );
    expect(gone).not.toContain(checkpointId);
    const backups = await session.json<{ backups: unknown[] }>('volumev3', '/backups');
    expect(backups.backups).toEqual([]);
  });
});
