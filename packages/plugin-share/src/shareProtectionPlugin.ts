import { defineProtectionPlugin, HoardError, type HookContext, type JsonObject } from '@hoard/core';
import { OPENSTACK_CLIENT_SECTION_SCHEMA } from '@hoard/openstack';
import { shareSchemas } from './schemas.js';
import { manilaFor, SHARE_RESOURCE_TYPE } from './shareProtectable.js';

interface ShareSavedInfo {
  share_id: string;
  snapshot_id: string;
  snapshot_status?: string;
  share_proto: string;
  size: number;
  share_type: string | null;
  name: string | null;
}

async function protect(context: HookContext): Promise<JsonObject> {
  const manila = await manilaFor(context);
  const share = await manila.getShare(context.resource.id, context.signal);
  const params = context.parameters as { snapshot_name: string; description: string; force: boolean };
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
  context.setSavedInfo(info as unknown as JsonObject);
  context.progress.message(`snapshot ${snapshot.id} of share ${share.id}: ${snapshot.status}`);
  await manila.waitForSnapshot(snapshot.id, 'available', {
    signal: context.signal,
    onStatus: (status) => context.progress.message(`snapshot ${snapshot.id}: ${status}`),
  });
  context.setSavedInfo({ ...info, snapshot_status: 'available' } as unknown as JsonObject);
  return { snapshot_id: snapshot.id };
}

async function savedInfoOf(context: HookContext): Promise<ShareSavedInfo> {
  const info = (await context.getSavedInfo()) as unknown as ShareSavedInfo | undefined;
  if (info === undefined) {
    throw new HoardError(
      'CHECKPOINT_INVALID',
      `Checkpoint ${context.checkpoint.id} has no saved info for share '${context.resource.id}'`,
      {
        resourceKey: `${SHARE_RESOURCE_TYPE}#${context.resource.id}`,
      },
    );
  }
  return info;
}

async function restore(context: HookContext): Promise<JsonObject> {
  const manila = await manilaFor(context);
  const info = await savedInfoOf(context);
  const params = context.parameters as {
    share_id?: string;
    restore_name?: string;
    restore_description?: string;
  };
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
    { id: info.snapshot_id, share_proto: info.share_proto, size: info.size, share_type: info.share_type },
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

async function remove(context: HookContext): Promise<JsonObject> {
  const info = (await context.getSavedInfo()) as unknown as ShareSavedInfo | undefined;
  if (info === undefined) return { deleted: false }; // the protect failed before a snapshot existed
  const manila = await manilaFor(context);
  await manila.deleteSnapshot(info.snapshot_id, context.signal);
  await manila.waitForSnapshot(info.snapshot_id, 'deleted', { signal: context.signal });
  return { deleted: true, snapshot_id: info.snapshot_id };
}

/**
 * The protection plugin of Manila shares, as Karbor's Manila spec designed it: protect takes a
 * share snapshot in `main`; restore creates a new share from it (or reverts the share itself when
 * `share_id` names it); delete deletes the snapshot.
 */
export const shareProtectionPlugin = defineProtectionPlugin({
  name: 'share',
  resourceTypes: [SHARE_RESOURCE_TYPE],
  schemas: shareSchemas,
  configSections: { openstack_client: OPENSTACK_CLIENT_SECTION_SCHEMA },
  hooks: {
    protect: { main: protect },
    restore: { main: restore },
    delete: { main: remove },
  },
});
