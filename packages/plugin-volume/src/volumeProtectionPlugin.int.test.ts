import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { SwiftBank } from '@hoard/bank-swift';
import { createProtectionService } from '@hoard/core/host';
import { createTestProvider } from '@hoard/core/testing';
import { ObjectStore, Session } from '@hoard/openstack';
import { MINICLOUD_CLOUDS_YAML, minicloud } from '@hoard/openstack/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CinderClient } from './cinder.js';
import { VOLUME_RESOURCE_TYPE, volumeProtectable } from './volumeProtectable.js';
import { volumeProtectionPlugin } from './volumeProtectionPlugin.js';

// The mini-cloud's Cinder keeps each volume as a file on the NFS driver's (bind-mounted) share.
const SHARE = '127.0.0.1:/srv/minicloud/cinder/export';
const MOUNT = path.join('/srv/minicloud/cinder/mnt', createHash('md5').update(SHARE).digest('hex'));
const MARKER_OFFSET = 2 * 1024 * 1024;

let session: Session;
let cinder: CinderClient;
const volumes: string[] = [];

beforeAll(async () => {
  session = new Session(await minicloud('minicloud-demo'));
  cinder = new CinderClient(session);
});

// Waits for the deletes, so that no volume of this file is still in the demo project when the
// next file starts.
afterAll(async () => {
  for (const id of volumes) {
    await session
      .request('volumev3', `/volumes/${id}`, { method: 'DELETE', expect: [202, 404] })
      .then(() => cinder.wait('volume', id, 'deleted', { timeoutMs: 120_000 }))
      .catch(() => {});
  }
});

async function newVolume(): Promise<string> {
  const { volume } = await session.json<{ volume: { id: string } }>('volumev3', '/volumes', {
    method: 'POST',
    json: { volume: { size: 1, name: `hoard-${randomBytes(3).toString('hex')}` } },
  });
  volumes.push(volume.id);
  await cinder.wait('volume', volume.id, 'available', { timeoutMs: 120_000 });
  return volume.id;
}

async function writeMarker(volumeId: string, marker: Buffer): Promise<void> {
  const file = await open(path.join(MOUNT, `volume-${volumeId}`), 'r+');
  await file.write(marker, 0, marker.length, MARKER_OFFSET);
  await file.sync();
  await file.close();
}

async function readMarker(volumeId: string, length: number): Promise<Buffer> {
  const file = await open(path.join(MOUNT, `volume-${volumeId}`), 'r');
  const buffer = Buffer.alloc(length);
  await file.read(buffer, 0, length, MARKER_OFFSET);
  await file.close();
  return buffer;
}

async function service() {
  const bank = await new SwiftBank(new ObjectStore(session), {
    container: `hoard-volume-${randomBytes(4).toString('hex')}`,
  }).open();
  return createProtectionService(
    createTestProvider({
      protectables: [volumeProtectable],
      plugins: [volumeProtectionPlugin],
      bank,
      config: { openstack_client: { cloud: 'minicloud-demo', clouds_yaml: MINICLOUD_CLOUDS_YAML } },
    }),
  );
}

describe('volume plugin on the mini-cloud Cinder', () => {
  it('backs up (full, then incremental), restores the same bytes into a new volume after the original is gone, and deletes the backups', async () => {
    const volumeId = await newVolume();
    const marker = randomBytes(4096);
    await writeMarker(volumeId, marker);
    const hoard = await service();
    const resource = { type: VOLUME_RESOURCE_TYPE, id: volumeId, name: '' };
    const key = `${VOLUME_RESOURCE_TYPE}#${volumeId}`;

    const first = await hoard.protect({ resources: [resource] });
    expect(first.status).toBe('available');
    const second = await hoard.protect({ resources: [resource] });
    expect(second.status).toBe('available');
    const backups = await cinder.listBackups(volumeId);
    expect(backups).toHaveLength(2);
    const snapshots = await session.json<{ snapshots: unknown[] }>('volumev3', '/snapshots', {
      query: { volume_id: volumeId },
    });
    expect(snapshots.snapshots).toEqual([]);

    await session.request('volumev3', `/volumes/${volumeId}`, { method: 'DELETE', expect: [202] });
    await cinder.wait('volume', volumeId, 'deleted', { timeoutMs: 120_000 });

    const restore = await hoard.restore({ checkpointId: first.id });
    expect(restore.status).toBe('success');
    const restored = restore.resources[key]?.result as { volume_id: string; original_volume_id: string };
    volumes.push(restored.volume_id);
    expect(restored.original_volume_id).toBe(volumeId);
    expect((await readMarker(restored.volume_id, marker.length)).equals(marker)).toBe(true);

    // Verify: the backup is there and available; once the incremental one is deleted behind
    // Hoard's back, verify of its checkpoint says so, naming it.
    const verified = await hoard.verify({ checkpointId: first.id });
    expect(verified.status, JSON.stringify(verified.resources)).toBe('success');
    const secondBackup = (await hoard.getCheckpointDetails(second.id)).resourceDetails[key]?.savedInfo?.[
      'backup_id'
    ] as string;
    await cinder.deleteBackup(secondBackup);
    await cinder.wait('backup', secondBackup, 'deleted', { timeoutMs: 120_000 });
    const broken = await hoard.verify({ checkpointId: second.id });
    expect(broken.status).toBe('fail');
    expect(broken.resources[key]?.problems).toEqual([`Cinder backup ${secondBackup} no longer exists`]);

    // The incremental backup depends on the full one: delete it first.
    expect(await hoard.deleteCheckpoint({ checkpointId: second.id })).toMatchObject({ status: 'deleted' });
    expect(await hoard.deleteCheckpoint({ checkpointId: first.id })).toMatchObject({ status: 'deleted' });
    for (const backup of backups) expect(await cinder.getBackup(backup.id)).toBeUndefined();
  });

  it('a failed backup leaves the checkpoint error naming the volume; deleting it removes what was made', async () => {
    const volumeId = await newVolume();
    const hoard = await service();
    const key = `${VOLUME_RESOURCE_TYPE}#${volumeId}`;
    // No earlier backup exists, so an incremental one fails after the snapshot was taken.
    const checkpoint = await hoard.protect({
      resources: [{ type: VOLUME_RESOURCE_TYPE, id: volumeId, name: '' }],
      parameters: { [key]: { backup_mode: 'incremental' } },
    });
    expect(checkpoint.status).toBe('error');
    expect(checkpoint.resources[key]?.status).toBe('failed');
    expect(checkpoint.resources[key]?.error?.message).toContain(`failed for resource '${key}'`);
    expect(checkpoint.resources[key]?.error?.message).toContain('needs an earlier available backup');
    const before = await session.json<{ snapshots: { id: string }[] }>('volumev3', '/snapshots', {
      query: { volume_id: volumeId },
    });
    expect(before.snapshots).toHaveLength(1);
    expect(await hoard.deleteCheckpoint({ checkpointId: checkpoint.id })).toMatchObject({
      status: 'deleted',
    });
    const after = await session.json<{ snapshots: unknown[] }>('volumev3', '/snapshots', {
      query: { volume_id: volumeId },
    });
    expect(after.snapshots).toEqual([]);
  });
});
