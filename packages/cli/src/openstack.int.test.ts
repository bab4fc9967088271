// The `hoard` command on the mini-cloud: protectable discovery, a whole-project protect into
// bank-swift, a restore and a delete, all through the real binary, in a project of its own.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Session } from '@hoard/openstack';
import { createTestProject, minicloud, type TestProject, waitUntil } from '@hoard/openstack/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHoard, scratchDir, writeFiles } from './testing/cliHarness.js';

const manilaHeaders = { 'X-OpenStack-Manila-API-Version': '2.65' };
const suffix = randomBytes(3).toString('hex');
let tenant: TestProject;
let session: Session;
let dir: string;
const cleanup: (() => Promise<unknown>)[] = [];

const until = waitUntil;

const shareStatus = async (id: string): Promise<string> => {
  const response = await session.request('sharev2', `/shares/${id}`, {
    headers: manilaHeaders,
    expect: [200, 404],
  });
  if (response.status === 404) return 'deleted';
  return ((await response.json()) as { share: { status: string } }).share.status;
};

beforeAll(async () => {
  const admin = new Session(await minicloud('minicloud-admin'));
  const name = `hoard-cli-${suffix}`;
  tenant = await createTestProject(admin, name);
  cleanup.push(() => tenant.remove());
  session = new Session(tenant.config);
  dir = await scratchDir('hoard-cli-openstack-');
  const s = tenant.section;
  await writeFiles(dir, {
    'providers.d/tenant.conf': `[provider]
name = tenant
id = ${randomUUID()}
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
swift_tenant_name = ${name}

[swift_bank_plugin]
bank_swift_object_container = hoard-cli-${suffix}
`,
  });
});

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
});

const hoard = (...args: string[]) =>
  runHoard([...args, '--provider-dir', path.join(dir, 'providers.d'), '--json'], { cwd: dir });

describe('hoard on the mini-cloud', () => {
  it('discovers, protects, restores and deletes a whole project through the command', async () => {
    // An image and a share: the quick resources (a volume backup takes 15 s here; the tenant
    // test of plugin-server covers volumes and servers).
    const data = randomBytes(256 * 1024 + 1);
    const { id: imageId } = await session.json<{ id: string }>('image', '/v2/images', {
      method: 'POST',
      json: { name: `cli-image-${suffix}`, disk_format: 'raw', container_format: 'bare' },
    });
    cleanup.push(() =>
      session.request('image', `/v2/images/${imageId}`, { method: 'DELETE', expect: [204, 404] }),
    );
    await session.request('image', `/v2/images/${imageId}/file`, {
      method: 'PUT',
      body: data,
      headers: { 'Content-Type': 'application/octet-stream' },
      expect: [204],
    });
    const { share } = await session.json<{ share: { id: string } }>('sharev2', '/shares', {
      method: 'POST',
      headers: manilaHeaders,
      json: { share: { share_proto: 'NFS', size: 1, name: `cli-share-${suffix}` } },
    });
    cleanup.push(async () => {
      await session.request('sharev2', `/shares/${share.id}`, {
        method: 'DELETE',
        headers: manilaHeaders,
        expect: [202, 404],
      });
      await until('share deleted', async () => (await shareStatus(share.id)) === 'deleted');
    });
    await until('share available', async () => (await shareStatus(share.id)) === 'available');
    await until(
      'image active',
      async () =>
        (await session.json<{ status: string }>('image', `/v2/images/${imageId}`)).status === 'active',
    );

    const types = hoard('protectable', 'types', '--provider', 'tenant');
    expect(types.stderr).toBe('');
    expect(types.json<{ type: string; protectionPlugin: string }[]>()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'OS::Keystone::Project', protectionPlugin: '@hoard/plugin-project' }),
        expect.objectContaining({ type: 'OS::Manila::Share', protectionPlugin: '@hoard/plugin-share' }),
      ]),
    );
    const shares = hoard('protectable', 'list', 'OS::Manila::Share', '--provider', 'tenant');
    expect(shares.json<{ id: string }[]>().map((r) => r.id)).toEqual([share.id]);
    const shown = hoard('protectable', 'show', 'OS::Glance::Image', imageId, '--provider', 'tenant');
    expect(shown.json()).toMatchObject({
      type: 'OS::Glance::Image',
      id: imageId,
      name: `cli-image-${suffix}`,
    });
    const missing = hoard('protectable', 'show', 'OS::Glance::Image', randomUUID(), '--provider', 'tenant');
    expect(missing.code).not.toBe(0);
    expect(missing.json<{ error: { code: string } }>().error.code).toBe('RESOURCE_NOT_FOUND');

    const project = `OS::Keystone::Project#${tenant.projectId}`;
    const graph = hoard('protectable', 'graph', project, '--provider', 'tenant');
    expect(graph.code, graph.stderr).toBe(0);
    const document = graph.json<{
      resources: { type: string; id: string; dependsOn?: { type: string; id: string }[] }[];
    }>();
    expect(document.resources.find((r) => r.type === 'OS::Keystone::Project')?.dependsOn).toEqual(
      expect.arrayContaining([
        { type: 'OS::Glance::Image', id: imageId },
        { type: 'OS::Manila::Share', id: share.id },
      ]),
    );

    const parameters = path.join(dir, 'parameters.json');
    await writeFile(
      parameters,
      JSON.stringify({ 'OS::Manila::Share': { snapshot_name: 'hoard-cli', description: 'CLI test' } }),
    );
    const protect = hoard(
      'protect',
      '--provider',
      'tenant',
      '--resource',
      project,
      '--parameters',
      parameters,
    );
    expect(protect.code, protect.stdout + protect.stderr).toBe(0);
    const checkpoint = protect.json<{ id: string; status: string; resources: Record<string, unknown> }>();
    expect(checkpoint.status).toBe('available');
    expect(Object.keys(checkpoint.resources).sort()).toEqual(
      [project, `OS::Glance::Image#${imageId}`, `OS::Manila::Share#${share.id}`].sort(),
    );
    // The secret never reaches the checkpoint or the output.
    expect(protect.stdout + protect.stderr).not.toContain(tenant.section.password!);

    const listed = hoard('checkpoint', 'list', '--provider', 'tenant');
    expect(listed.json<{ id: string }[]>().map((c) => c.id)).toContain(checkpoint.id);

    const restore = hoard('restore', '--provider', 'tenant', '--checkpoint', checkpoint.id);
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    const record = restore.json<{
      status: string;
      resources: Record<string, { result?: Record<string, string> }>;
    }>();
    expect(record.status).toBe('success');
    const restoredImage = record.resources[`OS::Glance::Image#${imageId}`]?.result?.['image_id'];
    const restoredShare = record.resources[`OS::Manila::Share#${share.id}`]?.result?.['share_id'];
    expect(restoredImage).toBeDefined();
    expect(restoredShare).toBeDefined();
    cleanup.push(() =>
      session.request('image', `/v2/images/${restoredImage}`, { method: 'DELETE', expect: [204, 404] }),
    );
    cleanup.push(async () => {
      await session.request('sharev2', `/shares/${restoredShare}`, {
        method: 'DELETE',
        headers: manilaHeaders,
        expect: [202, 404],
      });
      await until('restored share deleted', async () => (await shareStatus(restoredShare!)) === 'deleted');
    });
    const image = await session.json<{ checksum: string; status: string }>(
      'image',
      `/v2/images/${restoredImage}`,
    );
    expect(image).toMatchObject({ status: 'active', checksum: createHash('md5').update(data).digest('hex') });
    expect(await shareStatus(restoredShare!)).toBe('available');

    // Manila keeps a snapshot while a share made from it exists: remove the restored share first.
    await session.request('sharev2', `/shares/${restoredShare}`, {
      method: 'DELETE',
      headers: manilaHeaders,
      expect: [202],
    });
    await until('restored share deleted', async () => (await shareStatus(restoredShare!)) === 'deleted');
    const deleted = hoard('checkpoint', 'delete', checkpoint.id, '--provider', 'tenant');
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    const snapshots = await session.json<{ snapshots: { name: string }[] }>('sharev2', '/snapshots', {
      headers: manilaHeaders,
    });
    expect(snapshots.snapshots.filter((s) => s.name === 'hoard-cli')).toEqual([]);
    expect(hoard('checkpoint', 'list', '--provider', 'tenant').json<unknown[]>()).toEqual([]);
  });
});
