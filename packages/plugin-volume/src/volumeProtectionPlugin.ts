import {
  defineProtectionPlugin,
  HoardError,
  type HookContexts,
  type JsonObject,
  type Resource,
  resourceKey,
  type SchemaType,
} from '@hoard/core';
import { OPENSTACK_CONFIG_SECTIONS, type OpenStackConfig } from '@hoard/openstack';
import { volumeSchemas } from './schemas.js';
import { cinderFor, VOLUME_RESOURCE_TYPE } from './volumeProtectable.js';

/** What the volume plugin records in a checkpoint (its `savedInfo` schema). */
type VolumeSavedInfo = SchemaType<typeof volumeSchemas.savedInfo>;
type Contexts = HookContexts<typeof volumeSchemas, OpenStackConfig>;

const notFound = (context: { resource: Resource }): HoardError =>
  new HoardError('RESOURCE_NOT_FOUND', `Volume '${context.resource.id}' no longer exists`, {
    resourceKey: resourceKey(context.resource),
  });

/** Snapshot in prepareFinish: inside the window a server plugin holds its instance quiesced. */
async function protectPrepareFinish(context: Contexts['protect']): Promise<JsonObject> {
  const cinder = await cinderFor(context);
  const params = context.parameters;
  const volume = await cinder.getVolume(context.resource.id, { signal: context.signal });
  if (volume === undefined) throw notFound(context);
  const snapshot = await cinder.createSnapshot(volume.id, `hoard-${context.checkpoint.id}`, {
    signal: context.signal,
  });
  // Recorded now so that a delete can clean up if the protect fails from here on.
  context.setSavedInfo({ volume_id: volume.id, snapshot_id: snapshot.id, size: volume.size });
  await cinder.wait('snapshot', snapshot.id, 'available', {
    signal: context.signal,
    timeoutMs: params.snapshot_timeout * 1000,
    onStatus: (s) => context.progress.message(`snapshot ${snapshot.id}: ${s}`),
  });
  return { snapshot_id: snapshot.id };
}

/** Backup of the snapshot in main (incremental when allowed and possible), then the snapshot goes. */
async function protectMain(context: Contexts['protect']): Promise<JsonObject> {
  const cinder = await cinderFor(context);
  const params = context.parameters;
  const volume = await cinder.getVolume(context.resource.id, { signal: context.signal });
  if (volume === undefined) throw notFound(context);
  const { snapshot_id: snapshotId } = context.published.get(
    resourceKey(context.resource),
    'prepareFinish',
  ) as { snapshot_id: string };
  const earlier = (await cinder.listBackups(volume.id, { signal: context.signal })).some(
    (b) => b.status === 'available',
  );
  if (params.backup_mode === 'incremental' && !earlier) {
    throw new HoardError(
      'PARAMETERS_INVALID',
      `backup_mode 'incremental' needs an earlier available backup of volume ${volume.id}, and there is none`,
      { path: 'backup_mode', resourceKey: resourceKey(context.resource) },
    );
  }
  const incremental = params.backup_mode !== 'full' && earlier;
  const backup = await cinder.createBackup(
    {
      volumeId: volume.id,
      snapshotId,
      incremental,
      name: params.backup_name ?? `hoard-${context.checkpoint.id}`,
      ...(params.backup_description !== undefined ? { description: params.backup_description } : {}),
    },
    { signal: context.signal },
  );
  const info: VolumeSavedInfo = {
    volume_id: volume.id,
    backup_id: backup.id,
    snapshot_id: snapshotId,
    size: volume.size,
    mode: incremental ? 'incremental' : 'full',
    name: volume.name,
    volume_type: volume.volume_type,
    availability_zone: volume.availability_zone,
    bootable: volume.bootable === 'true',
  };
  context.setSavedInfo(info);
  await cinder.wait('backup', backup.id, 'available', {
    signal: context.signal,
    timeoutMs: params.backup_timeout * 1000,
    onStatus: (s) => context.progress.message(`backup ${backup.id}: ${s}`),
  });
  // The snapshot was only the consistent source of the backup.
  await cinder.deleteSnapshot(snapshotId, { signal: context.signal });
  await cinder.wait('snapshot', snapshotId, 'deleted', {
    signal: context.signal,
    timeoutMs: params.snapshot_timeout * 1000,
  });
  context.setSavedInfo({ ...info, snapshot_id: null });
  return { backup_id: backup.id, mode: info.mode };
}

async function restoreMain(context: Contexts['restore']): Promise<JsonObject> {
  const cinder = await cinderFor(context);
  const info = await context.requireSavedInfo();
  const params = context.parameters;
  const volumeId = await cinder.restoreBackup(
    info.backup_id,
    {
      ...(params.volume_id !== undefined ? { volumeId: params.volume_id } : {}),
      name: params.restore_name ?? `${info.name ?? info.volume_id}-restored`,
    },
    { signal: context.signal },
  );
  context.progress.message(`restoring backup ${info.backup_id} into volume ${volumeId}`);
  await cinder.wait('volume', volumeId, 'available', {
    signal: context.signal,
    timeoutMs: params.restore_timeout * 1000,
    onStatus: (s) => context.progress.message(`volume ${volumeId}: ${s}`),
  });
  // Published for the server's restore, which attaches it.
  return { volume_id: volumeId, original_volume_id: info.volume_id };
}

async function deleteMain(context: Contexts['delete']): Promise<JsonObject> {
  const info = await context.getSavedInfo();
  if (info === undefined) return { deleted: [] };
  const cinder = await cinderFor(context);
  const deleted: string[] = [];
  // A protect that failed half-way may have left its temporary snapshot: remove what was made.
  if (info.snapshot_id) {
    await cinder.deleteSnapshot(info.snapshot_id, { signal: context.signal });
    await cinder.wait('snapshot', info.snapshot_id, 'deleted', { signal: context.signal });
    deleted.push(`snapshot ${info.snapshot_id}`);
  }
  if (info.backup_id) {
    const backup = await cinder.getBackup(info.backup_id, { signal: context.signal });
    if (backup !== undefined) {
      // A backup still being made cannot be deleted: wait for it to settle first.
      if (backup.status === 'creating')
        await cinder.wait('backup', info.backup_id, 'available', { signal: context.signal });
      await cinder.deleteBackup(info.backup_id, { signal: context.signal });
      await cinder.wait('backup', info.backup_id, 'deleted', { signal: context.signal });
    }
    deleted.push(`backup ${info.backup_id}`);
  }
  return { deleted };
}

/** Verify: the Cinder backup the checkpoint records still exists and is `available`. */
async function verify(context: {
  config: OpenStackConfig;
  savedInfo: VolumeSavedInfo | undefined;
  signal: AbortSignal;
}) {
  const id = context.savedInfo?.backup_id;
  if (!id) return ['the checkpoint records no Cinder backup of this volume'];
  const backup = await (await cinderFor(context)).getBackup(id, { signal: context.signal });
  if (backup === undefined) return [`Cinder backup ${id} no longer exists`];
  if (backup.status !== 'available') return [`Cinder backup ${id} is ${backup.status}, not available`];
  return [];
}

/**
 * The protection plugin of Cinder volumes.
 *
 * @remarks Protect takes a snapshot in `prepareFinish` (inside a server's quiesce window), backs
 * it up with Cinder backup in `main` (incremental when an earlier backup exists and
 * `backup_mode` allows it) and removes the snapshot. Restore creates a new volume from the backup
 * (or restores into `volume_id`) and publishes the new id for the server's restore. Delete
 * removes the backup, and any snapshot a failed protect left. Verify checks that the backup is
 * still there and `available`.
 */
export const volumeProtectionPlugin = defineProtectionPlugin({
  name: 'volume',
  resourceTypes: [VOLUME_RESOURCE_TYPE],
  schemas: volumeSchemas,
  configSections: OPENSTACK_CONFIG_SECTIONS,
  hooks: {
    protect: { prepareFinish: protectPrepareFinish, main: protectMain },
    restore: { main: restoreMain },
    delete: { main: deleteMain },
  },
  verify,
});
