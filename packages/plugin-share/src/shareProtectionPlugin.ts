import {
  defineProtectionPlugin,
  HoardError,
  type HookContexts,
  type JsonObject,
  type SchemaType,
} from '@hoard/core';
import { OPENSTACK_CONFIG_SECTIONS, type OpenStackConfig } from '@hoard/openstack';
import { shareSchemas } from './schemas.js';
import { manilaFor, SHARE_RESOURCE_TYPE } from './shareProtectable.js';

/** What the share plugin records in a checkpoint (its `savedInfo` schema). */
type ShareSavedInfo = SchemaType<typeof shareSchemas.savedInfo>;
type Contexts = HookContexts<typeof shareSchemas, OpenStackConfig>;

async function protect(context: Contexts['protect']): Promise<JsonObject> {
  const manila = await manilaFor(context);
  const share = await manila.getShare(context.resource.id, context.signal);
  const params = context.parameters;
  const snapshot = await manila.createSnapshot(
    share.id,
    { name: params.snapshot_name, description: params.description, force: params.force },
    context.signal,
  );
  // Recorded before waiting: if the snapshot never becomes available, delete still finds it.
  const info: ShareSavedInfo = {
    share_id: share.id,
    snapshot_id: snapshot.id,
    snapshot_status: snapshot.status,
    share_proto: share.share_proto,
    size: share.size,
    share_type: share.share_type,
    name: share.name,
  };
  context.setSavedInfo(info);
  context.progress.message(`snapshot ${snapshot.id} of share ${share.id}: ${snapshot.status}`);
  await manila.waitForSnapshot(snapshot.id, 'available', {
    signal: context.signal,
    onStatus: (status) => context.progress.message(`snapshot ${snapshot.id}: ${status}`),
  });
  context.setSavedInfo({ ...info, snapshot_status: 'available' });
  return { snapshot_id: snapshot.id };
}

async function restore(context: Contexts['restore']): Promise<JsonObject> {
  const manila = await manilaFor(context);
  const info = await context.requireSavedInfo();
  const params = context.parameters;
  if (params.share_id !== undefined) {
    if (params.share_id !== info.share_id) {
      throw new HoardError(
        'PARAMETERS_INVALID',
        `share_id '${params.share_id}': a share can only be reverted to its own snapshot (snapshot ${info.snapshot_id} is of share ${info.share_id}); leave share_id out to restore into a new share`,
        { path: 'share_id', resourceKey: `${SHARE_RESOURCE_TYPE}#${context.resource.id}` },
      );
    }
    await manila.revertToSnapshot(info.share_id, info.snapshot_id, context.signal);
    await manila.waitForShare(info.share_id, {
      signal: context.signal,
      onStatus: (s) => context.progress.message(`share ${info.share_id}: ${s}`),
    });
    return { share_id: info.share_id, reverted: true };
  }
  const share = await manila.createShareFromSnapshot(
    {
      id: info.snapshot_id,
      share_proto: info.share_proto,
      size: info.size,
      share_type: info.share_type ?? null,
    },
    {
      name: params.restore_name ?? `${info.name ?? info.share_id}-restored`,
      ...(params.restore_description !== undefined ? { description: params.restore_description } : {}),
    },
    context.signal,
  );
  context.progress.message(`new share ${share.id}: ${share.status}`);
  await manila.waitForShare(share.id, {
    signal: context.signal,
    onStatus: (s) => context.progress.message(`share ${share.id}: ${s}`),
  });
  return { share_id: share.id, from_snapshot: info.snapshot_id };
}

async function remove(context: Contexts['delete']): Promise<JsonObject> {
  const info = await context.getSavedInfo();
  // The protect failed before a snapshot existed.
  if (info?.snapshot_id === undefined) return { deleted: false };
  const manila = await manilaFor(context);
  await manila.deleteSnapshot(info.snapshot_id, context.signal);
  await manila.waitForSnapshot(info.snapshot_id, 'deleted', { signal: context.signal });
  return { deleted: true, snapshot_id: info.snapshot_id };
}

/** Verify: the Manila snapshot the checkpoint records still exists and is `available`. */
async function verify(context: {
  config: OpenStackConfig;
  savedInfo: ShareSavedInfo | undefined;
  signal: AbortSignal;
}) {
  const id = context.savedInfo?.snapshot_id;
  if (!id) return ['the checkpoint records no Manila snapshot of this share'];
  const snapshot = await (await manilaFor(context)).getSnapshot(id, context.signal);
  if (snapshot === undefined) return [`Manila snapshot ${id} no longer exists`];
  if (snapshot.status !== 'available') return [`Manila snapshot ${id} is ${snapshot.status}, not available`];
  return [];
}

/**
 * The protection plugin of Manila shares, as Karbor's Manila spec designed it: protect takes a
 * share snapshot in `main`; restore creates a new share from it (or reverts the share itself when
 * `share_id` names it); delete deletes the snapshot. Verify checks that the snapshot is still
 * there and `available`.
 */
export const shareProtectionPlugin = defineProtectionPlugin({
  name: 'share',
  resourceTypes: [SHARE_RESOURCE_TYPE],
  schemas: shareSchemas,
  configSections: OPENSTACK_CONFIG_SECTIONS,
  hooks: {
    protect: { main: protect },
    restore: { main: restore },
    delete: { main: remove },
  },
  verify,
});
