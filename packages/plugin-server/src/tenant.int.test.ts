// The whole tenant on the mini-cloud: a project with a server booted from an image and two
// attached volumes holding known data, a second image and a share, protected into bank-swift, deleted, restored, and the
// checkpoint deleted again without leaving anything behind.
import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { SwiftBank } from '@hoard/bank-swift';
import { collectBody } from '@hoard/core';
import { createProtectionService, type ExecutorEvent } from '@hoard/core/host';
import { createTestProvider } from '@hoard/core/testing';
import { ObjectStore, Session } from '@hoard/openstack';
import { createTestProject, minicloud, type TestProject, waitUntil } from '@hoard/openstack/testing';
import { imageProtectable, imageProtectionPlugin } from '@hoard/plugin-image';
import { PROJECT_RESOURCE_TYPE, projectProtectable, projectProtectionPlugin } from '@hoard/plugin-project';
import { SHARE_RESOURCE_TYPE, shareProtectable, shareProtectionPlugin } from '@hoard/plugin-share';
import { volumeProtectable, volumeProtectionPlugin } from '@hoard/plugin-volume';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NovaClient } from './nova.js';
import { SERVER_RESOURCE_TYPE, serverProtectable } from './serverProtectable.js';
import { serverProtectionPlugin } from './serverProtectionPlugin.js';

const MOUNT = path.join(
  '/srv/minicloud/cinder/mnt',
  createHash('md5').update('127.0.0.1:/srv/minicloud/cinder/export').digest('hex'),
);
const manilaHeaders = { 'X-OpenStack-Manila-API-Version': '2.65' };

let session: Session;
let nova: NovaClient;
let tenant: TestProject;
const cleanup: (() => Promise<unknown>)[] = [];

// A project of its own: "the whole tenant" is then exactly what this test makes, whatever other
// tests left in the shared demo project.
beforeAll(async () => {
  const admin = new Session(await minicloud('minicloud-admin'));
  tenant = await createTestProject(admin, `hoard-tenant-${randomBytes(3).toString('hex')}`);
  cleanup.push(() => tenant.remove());
  session = new Session(tenant.config);
  nova = new NovaClient(session);
});

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
});

const until = waitUntil;

async function image(name: string, data: Buffer): Promise<string> {
  const created = await session.json<{ id: string }>('image', '/v2/images', {
    method: 'POST',
    json: { name, disk_format: 'raw', container_format: 'bare' },
  });
  cleanup.push(() =>
    session.request('image', `/v2/images/${created.id}`, { method: 'DELETE', expect: [204, 404] }),
  );
  await session.request('image', `/v2/images/${created.id}/file`, {
    method: 'PUT',
    body: data,
    headers: { 'Content-Type': 'application/octet-stream' },
    expect: [204],
  });
  await until(
    `image ${created.id}`,
    async () =>
      (await session.json<{ status: string }>('image', `/v2/images/${created.id}`)).status === 'active',
  );
  return created.id;
}

// Deletes a volume once nothing holds it any more (a server being deleted detaches it first).
async function deleteVolume(id: string): Promise<void> {
  await until(`volume ${id} released`, async () =>
    ['available', 'error', 'deleted'].includes(await volumeStatus(id)),
  );
  await session.request('volumev3', `/volumes/${id}`, { method: 'DELETE', expect: [202, 404] });
  await until(`volume ${id} deleted`, async () => (await volumeStatus(id)) === 'deleted');
}

async function deleteServer(id: string): Promise<void> {
  await nova.deleteServer(id);
  await nova.waitStatus(id, 'DELETED', { timeoutMs: 120_000 });
}

async function volumeStatus(id: string): Promise<string> {
  const response = await session.request('volumev3', `/volumes/${id}`, { expect: [200, 404] });
  if (response.status === 404) return 'deleted';
  return ((await response.json()) as { volume: { status: string } }).volume.status;
}

describe('a whole tenant on the mini-cloud', () => {
  it('protects the project, survives the loss of everything, restores it, and deletes the checkpoint cleanly', async () => {
    const suffix = randomBytes(3).toString('hex');
    const bootData = randomBytes(1024 * 1024 + 7);
    const otherData = randomBytes(512 * 1024 + 3);
    const bootImage = await image(`tenant-boot-${suffix}`, bootData);
    const otherImage = await image(`tenant-other-${suffix}`, otherData);

    const volumes: { id: string; marker: Buffer }[] = [];
    for (const n of [1, 2]) {
      const { volume } = await session.json<{ volume: { id: string } }>('volumev3', '/volumes', {
        method: 'POST',
        json: { volume: { size: 1, name: `tenant-data${n}-${suffix}` } },
      });
      cleanup.push(() => deleteVolume(volume.id));
      await until('volume', async () => (await volumeStatus(volume.id)) === 'available');
      const marker = randomBytes(4096);
      const file = await open(path.join(MOUNT, `volume-${volume.id}`), 'r+');
      await file.write(marker, 0, marker.length, 2 * 1024 * 1024);
      await file.close();
      volumes.push({ id: volume.id, marker });
    }

    const serverId = await nova.createServer({
      name: `tenant-web-${suffix}`,
      flavorRef: await nova.flavorId('m1.tiny'),
      imageRef: bootImage,
      networks: 'none',
      metadata: { role: 'web' },
    });
    cleanup.push(() => deleteServer(serverId));
    await nova.waitStatus(serverId, 'ACTIVE', { timeoutMs: 180_000 });
    for (const volume of volumes) {
      await nova.attachVolume(serverId, volume.id, null);
      await nova.waitVolumeInUse(volume.id, { timeoutMs: 120_000 });
    }

    const { share } = await session.json<{ share: { id: string } }>('sharev2', '/shares', {
      method: 'POST',
      headers: manilaHeaders,
      json: { share: { share_proto: 'NFS', size: 1, name: `tenant-share-${suffix}` } },
    });
    cleanup.push(() =>
      session.request('sharev2', `/shares/${share.id}`, {
        method: 'DELETE',
        headers: manilaHeaders,
        expect: [202, 404],
      }),
    );
    await until(
      'share',
      async () =>
        (
          await session.json<{ share: { status: string } }>('sharev2', `/shares/${share.id}`, {
            headers: manilaHeaders,
          })
        ).share.status === 'available',
    );

    const bank = await new SwiftBank(new ObjectStore(session), {
      container: `hoard-tenant-${suffix}`,
    }).open();
    const hoard = await createProtectionService(
      createTestProvider({
        protectables: [
          projectProtectable,
          serverProtectable,
          volumeProtectable,
          imageProtectable,
          shareProtectable,
        ],
        plugins: [
          projectProtectionPlugin,
          serverProtectionPlugin,
          volumeProtectionPlugin,
          imageProtectionPlugin,
          shareProtectionPlugin,
        ],
        bank,
        config: { openstack_client: tenant.section },
      }),
    );
    const projectId = tenant.projectId;
    const timing: Record<string, number> = {};
    const onEvent = (event: ExecutorEvent) => {
      if (event.type === 'task-finished') {
        const type = event.resourceKey.slice(0, event.resourceKey.indexOf('#'));
        timing[type] = (timing[type] ?? 0) + event.durationMs;
      }
    };

    let started = Date.now();
    const checkpoint = await hoard.protect({
      resources: [{ type: PROJECT_RESOURCE_TYPE, id: projectId, name: 'demo' }],
      parameters: {
        [SHARE_RESOURCE_TYPE]: { snapshot_name: 'hoard', description: 'tenant test' },
        [SERVER_RESOURCE_TYPE]: { quiesce: 'pause' },
      },
      onEvent,
    });
    const protectSeconds = (Date.now() - started) / 1000;
    expect(checkpoint.status, JSON.stringify(checkpoint.resources)).toBe('available');
    const keys = Object.keys(checkpoint.resources);
    for (const key of [
      `${SERVER_RESOURCE_TYPE}#${serverId}`,
      `OS::Glance::Image#${bootImage}`,
      `OS::Glance::Image#${otherImage}`,
      `OS::Cinder::Volume#${volumes[0]!.id}`,
      `OS::Cinder::Volume#${volumes[1]!.id}`,
      `${SHARE_RESOURCE_TYPE}#${share.id}`,
    ]) {
      expect(keys).toContain(key);
    }
    const serverNode = checkpoint.graph.resources.find((r) => r.id === serverId);
    expect(serverNode?.dependsOn).toContainEqual({ type: 'OS::Glance::Image', id: bootImage });
    for (const volume of volumes)
      expect(serverNode?.dependsOn).toContainEqual({ type: 'OS::Cinder::Volume', id: volume.id });
    console.log(
      `protect of the tenant: ${protectSeconds.toFixed(1)} s; hook time by type (ms): ${JSON.stringify(timing)}`,
    );

    // Lose everything but the share (Manila keeps a share while it has snapshots).
    await nova.deleteServer(serverId);
    await nova.waitStatus(serverId, 'DELETED', { timeoutMs: 120_000 });
    for (const volume of volumes) {
      await until('volume detached', async () => (await volumeStatus(volume.id)) === 'available');
      await session.request('volumev3', `/volumes/${volume.id}`, { method: 'DELETE', expect: [202] });
      await until('volume deleted', async () => (await volumeStatus(volume.id)) === 'deleted');
    }
    for (const id of [bootImage, otherImage])
      await session.request('image', `/v2/images/${id}`, { method: 'DELETE', expect: [204] });

    for (const k of Object.keys(timing)) delete timing[k];
    started = Date.now();
    const restore = await hoard.restore({ checkpointId: checkpoint.id, onEvent });
    const restoreSeconds = (Date.now() - started) / 1000;
    expect(restore.status, JSON.stringify(restore.resources)).toBe('success');
    console.log(
      `restore of the tenant: ${restoreSeconds.toFixed(1)} s; hook time by type (ms): ${JSON.stringify(timing)}`,
    );

    const restoredVolumes: string[] = [];
    for (const volume of volumes) {
      const restoredVolume = restore.resources[`OS::Cinder::Volume#${volume.id}`]?.result as {
        volume_id: string;
      };
      restoredVolumes.push(restoredVolume.volume_id);
      cleanup.push(() => deleteVolume(restoredVolume.volume_id));
      const check = await open(path.join(MOUNT, `volume-${restoredVolume.volume_id}`), 'r');
      const readBack = Buffer.alloc(volume.marker.length);
      await check.read(readBack, 0, volume.marker.length, 2 * 1024 * 1024);
      await check.close();
      expect(readBack.equals(volume.marker)).toBe(true);
    }

    for (const [original, data] of [
      [bootImage, bootData],
      [otherImage, otherData],
    ] as const) {
      const result = restore.resources[`OS::Glance::Image#${original}`]?.result as { image_id: string };
      cleanup.push(() =>
        session.request('image', `/v2/images/${result.image_id}`, { method: 'DELETE', expect: [204, 404] }),
      );
      const response = await session.request('image', `/v2/images/${result.image_id}/file`);
      expect(
        Buffer.from(await collectBody(response.body as unknown as AsyncIterable<Uint8Array>)).equals(data),
      ).toBe(true);
    }

    const restoredServer = restore.resources[`${SERVER_RESOURCE_TYPE}#${serverId}`]?.result as {
      server_id: string;
    };
    cleanup.push(() => deleteServer(restoredServer.server_id));
    const server = await nova.getServer(restoredServer.server_id);
    const restoredBoot = restore.resources[`OS::Glance::Image#${bootImage}`]?.result as { image_id: string };
    expect(server).toMatchObject({
      status: 'ACTIVE',
      metadata: { role: 'web' },
      image: { id: restoredBoot.image_id },
    });
    // Both restored volumes are attached to the restored server, as Nova and Cinder both see it.
    const attachments = await nova.volumeAttachments(restoredServer.server_id);
    expect(attachments.map((a) => a.volumeId).sort()).toEqual([...restoredVolumes].sort());
    for (const id of restoredVolumes) expect(await volumeStatus(id)).toBe('in-use');

    const restoredShare = restore.resources[`${SHARE_RESOURCE_TYPE}#${share.id}`]?.result as {
      share_id: string;
      from_snapshot: string;
    };
    cleanup.push(() =>
      session.request('sharev2', `/shares/${restoredShare.share_id}`, {
        method: 'DELETE',
        headers: manilaHeaders,
        expect: [202, 404],
      }),
    );
    const { share: shareFromSnapshot } = await session.json<{
      share: { status: string; snapshot_id: string };
    }>('sharev2', `/shares/${restoredShare.share_id}`, {
      headers: manilaHeaders,
    });
    expect(shareFromSnapshot).toMatchObject({
      status: 'available',
      snapshot_id: restoredShare.from_snapshot,
    });

    // Delete the checkpoint: no backup, snapshot or bank object of it remains.
    const backups = await session.json<{ backups: { id: string; name: string; volume_id: string }[] }>(
      'volumev3',
      '/backups/detail',
    );
    const ours = backups.backups.filter((b) => b.name === `hoard-${checkpoint.id}`);
    expect(ours.map((b) => b.volume_id).sort(), JSON.stringify(backups.backups)).toEqual(
      volumes.map((v) => v.id).sort(),
    );
    expect(await hoard.deleteCheckpoint({ checkpointId: checkpoint.id })).toMatchObject({
      status: 'deleted',
    });
    const after = await session.json<{ backups: { id: string }[] }>('volumev3', '/backups/detail');
    for (const backup of ours) expect(after.backups.map((b) => b.id)).not.toContain(backup.id);
    const volumeSnapshots = await session.json<{ snapshots: { name: string }[] }>('volumev3', '/snapshots');
    expect(volumeSnapshots.snapshots.filter((snap) => snap.name === `hoard-${checkpoint.id}`)).toEqual([]);
    const snapshot = await session.request('sharev2', `/snapshots/${restoredShare.from_snapshot}`, {
      headers: manilaHeaders,
      expect: [200, 404],
    });
    expect(snapshot.status).toBe(404);
    const left: string[] = [];
    for await (const o of bank.list({ prefix: 'checkpoints/' })) left.push(o.key);
    expect(left).toEqual([]);
  });
});
