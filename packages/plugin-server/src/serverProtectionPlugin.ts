import {
  defineProtectionPlugin,
  HoardError,
  type HookContexts,
  type JsonObject,
  resourceKey,
  type SchemaType,
} from '@hoard/core';
import { OPENSTACK_CONFIG_SECTIONS, OPENSTACK_RESOURCE_TYPES, type OpenStackConfig } from '@hoard/openstack';
import { serverSchemas } from './schemas.js';
import { novaFor, SERVER_RESOURCE_TYPE } from './serverProtectable.js';

const VOLUME_RESOURCE_TYPE = OPENSTACK_RESOURCE_TYPES.volume;
const IMAGE_RESOURCE_TYPE = OPENSTACK_RESOURCE_TYPES.image;

/** What the server plugin records: what it takes to rebuild the server (its `savedInfo` schema). */
type ServerSavedInfo = SchemaType<typeof serverSchemas.savedInfo>;
type Contexts = HookContexts<typeof serverSchemas, OpenStackConfig>;

/** prepareBegin: quiesce before any descendant's hook (its volumes snapshot in their prepareFinish). */
async function protectPrepareBegin(context: Contexts['protect']): Promise<JsonObject> {
  const params = context.parameters;
  if (params.quiesce === 'none') return { quiesced: 'none' };
  const nova = await novaFor(context);
  const server = await nova.getServer(context.resource.id, { signal: context.signal });
  if (server === undefined)
    throw new HoardError('RESOURCE_NOT_FOUND', `Server '${context.resource.id}' no longer exists`);
  if (params.quiesce === 'pause') {
    if (server.status !== 'ACTIVE') return { quiesced: 'none', reason: `server is ${server.status}` };
    await nova.action(server.id, { pause: null }, { signal: context.signal });
    await nova.waitStatus(server.id, 'PAUSED', {
      signal: context.signal,
      timeoutMs: params.quiesce_timeout * 1000,
    });
  } else {
    await nova.action(server.id, { lock: null }, { signal: context.signal });
  }
  context.progress.message(`server ${server.id} quiesced (${params.quiesce})`);
  return { quiesced: params.quiesce };
}

/**
 * prepareFinish: runs after every child's prepareFinish (the volume snapshots), so the window is
 * closed here.
 */
async function protectPrepareFinish(context: Contexts['protect']): Promise<JsonObject> {
  const quiesced = (
    context.published.get(resourceKey(context.resource), 'prepareBegin') as { quiesced?: string } | undefined
  )?.quiesced;
  if (quiesced === undefined || quiesced === 'none') return { resumed: false };
  const nova = await novaFor(context);
  const params = context.parameters;
  if (quiesced === 'pause') {
    await nova.action(context.resource.id, { unpause: null }, { signal: context.signal });
    await nova.waitStatus(context.resource.id, 'ACTIVE', {
      signal: context.signal,
      timeoutMs: params.quiesce_timeout * 1000,
    });
  } else {
    await nova.action(context.resource.id, { unlock: null }, { signal: context.signal });
  }
  return { resumed: true };
}

async function protectMain(context: Contexts['protect']): Promise<JsonObject> {
  const nova = await novaFor(context);
  const server = await nova.getServer(context.resource.id, { signal: context.signal });
  if (server === undefined)
    throw new HoardError('RESOURCE_NOT_FOUND', `Server '${context.resource.id}' no longer exists`);
  const attachments = await nova.volumeAttachments(server.id, { signal: context.signal });
  const ports = await nova.ports(server.id, { signal: context.signal }).catch(() => []);
  const bootFromVolume = server.image === '' || server.image === undefined;
  const root = bootFromVolume
    ? (attachments.find((a) => a.device === '/dev/vda' || a.device === '/dev/sda') ?? attachments[0])
    : undefined;
  const info: ServerSavedInfo = {
    server_id: server.id,
    name: server.name,
    flavor: {
      original_name: server.flavor.original_name,
      vcpus: server.flavor.vcpus,
      ram: server.flavor.ram,
      disk: server.flavor.disk,
    },
    image_id: typeof server.image === 'object' ? server.image.id : null,
    boot_from_volume: bootFromVolume,
    root_volume_id: root?.volumeId ?? null,
    key_name: server.key_name,
    availability_zone: server['OS-EXT-AZ:availability_zone'] ?? null,
    security_groups: [...new Set((server.security_groups ?? []).map((g) => g.name))],
    metadata: server.metadata,
    attached_volumes: attachments.map((a) => ({ volume_id: a.volumeId, device: a.device })),
    networks: ports.map((p) => ({
      network_id: p.network_id,
      port_id: p.id,
      mac_address: p.mac_address,
      fixed_ips: p.fixed_ips.map((f) => f.ip_address),
    })),
  };
  context.setSavedInfo(info);
  return { server_id: server.id, volumes: attachments.length };
}

/** The id a child published from its restore `main` (a new volume or image), if it was restored. */
function restoredId(
  context: Contexts['restore'],
  type: string,
  id: string,
  field: 'volume_id' | 'image_id',
): string | undefined {
  try {
    const value = context.published.get(`${type}#${id}`, 'main') as Record<string, string> | undefined;
    return value?.[field];
  } catch {
    return undefined; // not in this checkpoint's graph
  }
}

/**
 * complete: every child's restore has finished (rule 6), so the restored image and volumes
 * exist. Boots the new server, waits for ACTIVE, attaches the restored volumes.
 */
async function restoreComplete(context: Contexts['restore']): Promise<JsonObject> {
  const info = await context.requireSavedInfo();
  const params = context.parameters;
  const nova = await novaFor(context);
  const flavorRef = await nova.flavorId(params.flavor ?? info.flavor.original_name, {
    signal: context.signal,
  });
  if (flavorRef === undefined) {
    throw new HoardError(
      'PARAMETERS_INVALID',
      `Flavor '${params.flavor ?? info.flavor.original_name}' does not exist; give another with the "flavor" parameter`,
      {
        path: 'flavor',
        resourceKey: resourceKey(context.resource),
      },
    );
  }
  const imageRef = info.image_id
    ? (restoredId(context, IMAGE_RESOURCE_TYPE, info.image_id, 'image_id') ?? info.image_id)
    : undefined;
  const rootVolume = info.root_volume_id
    ? (restoredId(context, VOLUME_RESOURCE_TYPE, info.root_volume_id, 'volume_id') ?? info.root_volume_id)
    : undefined;
  const networks =
    params.networks === undefined
      ? info.networks.length > 0
        ? info.networks.map((n) => ({ uuid: n.network_id }))
        : 'none'
      : Array.isArray(params.networks)
        ? params.networks.map((uuid) => ({ uuid }))
        : params.networks;
  const serverId = await nova.createServer(
    {
      name: params.restore_name ?? `${info.name}-restored`,
      flavorRef,
      ...(info.boot_from_volume && rootVolume
        ? {
            block_device_mapping_v2: [
              {
                boot_index: 0,
                uuid: rootVolume,
                source_type: 'volume',
                destination_type: 'volume',
                delete_on_termination: false,
              },
            ],
          }
        : { imageRef }),
      networks,
      metadata: info.metadata,
      ...(info.key_name ? { key_name: info.key_name } : {}),
      ...(info.availability_zone ? { availability_zone: info.availability_zone } : {}),
      ...(info.security_groups.length > 0 && networks !== 'none'
        ? { security_groups: info.security_groups.map((name) => ({ name })) }
        : {}),
    },
    { signal: context.signal },
  );
  context.progress.message(`server ${serverId} booting`);
  await nova.waitStatus(serverId, 'ACTIVE', {
    signal: context.signal,
    timeoutMs: params.boot_timeout * 1000,
  });
  const attached: { volume_id: string; original_volume_id: string; device: string | null }[] = [];
  const notRestored: string[] = [];
  for (const volume of info.attached_volumes) {
    if (volume.volume_id === info.root_volume_id) continue;
    const restored = restoredId(context, VOLUME_RESOURCE_TYPE, volume.volume_id, 'volume_id');
    if (restored === undefined) {
      notRestored.push(volume.volume_id);
      continue;
    }
    await nova.attachVolume(serverId, restored, volume.device, { signal: context.signal });
    await nova.waitVolumeInUse(restored, { signal: context.signal, timeoutMs: params.attach_timeout * 1000 });
    attached.push({ volume_id: restored, original_volume_id: volume.volume_id, device: volume.device });
    context.progress.items(attached.length, info.attached_volumes.length);
  }
  return {
    server_id: serverId,
    original_server_id: info.server_id,
    attached_volumes: attached,
    ...(notRestored.length > 0 ? { not_restored_volumes: notRestored } : {}),
  };
}

/**
 * The protection plugin of Nova servers.
 *
 * @remarks Protect records what rebuilding needs (flavor, image, boot-from-volume, key, security
 * groups, metadata, availability zone, ports, attached volumes and devices); with
 * `quiesce: pause|lock` it holds the server from `prepareBegin` to `prepareFinish`, the window in
 * which its volumes are snapshotted. Restore boots a new server in `complete`, from the restored
 * image or volume, waits for ACTIVE and attaches the restored volumes. Delete has nothing to
 * remove outside the bank.
 */
export const serverProtectionPlugin = defineProtectionPlugin({
  name: 'server',
  resourceTypes: [SERVER_RESOURCE_TYPE],
  schemas: serverSchemas,
  configSections: OPENSTACK_CONFIG_SECTIONS,
  hooks: {
    protect: { prepareBegin: protectPrepareBegin, prepareFinish: protectPrepareFinish, main: protectMain },
    restore: { complete: restoreComplete },
  },
});
