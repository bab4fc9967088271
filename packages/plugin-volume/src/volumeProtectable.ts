import { defineProtectable, HoardError, type Resource } from '@hoard/core';
import {
  OPENSTACK_CONFIG_SECTIONS,
  OPENSTACK_RESOURCE_TYPES,
  type OpenStackConfig,
  sessionFor,
} from '@hoard/openstack';
import { CinderClient, type CinderVolume } from './cinder.js';

/** The resource type of a Cinder volume. */
export const VOLUME_RESOURCE_TYPE = OPENSTACK_RESOURCE_TYPES.volume;
const PROJECT_RESOURCE_TYPE = OPENSTACK_RESOURCE_TYPES.project;
const SERVER_RESOURCE_TYPE = OPENSTACK_RESOURCE_TYPES.server;

/** A Cinder client for the provider's `[openstack_client]` section. */
export async function cinderFor(context: { readonly config: OpenStackConfig }): Promise<CinderClient> {
  return new CinderClient(await sessionFor(context));
}

function volumeResource(volume: CinderVolume): Resource {
  return {
    type: VOLUME_RESOURCE_TYPE,
    id: volume.id,
    name: volume.name ?? '',
    extra: {
      size: volume.size,
      status: volume.status,
      attachments: volume.attachments.map((a) => ({ server_id: a.server_id, device: a.device ?? null })),
    },
  };
}

/**
 * The protectable of Cinder volumes: children of a project (its volumes) and of a server (the
 * volumes attached to it, found from Cinder's attachment records).
 */
export const volumeProtectable = defineProtectable({
  name: 'volume',
  resourceType: VOLUME_RESOURCE_TYPE,
  parentTypes: [PROJECT_RESOURCE_TYPE, SERVER_RESOURCE_TYPE],
  configSections: OPENSTACK_CONFIG_SECTIONS,
  async list(context) {
    return (await (await cinderFor(context)).listVolumes({ signal: context.signal })).map(volumeResource);
  },
  async show(context, id) {
    const volume = await (await cinderFor(context)).getVolume(id, { signal: context.signal });
    if (volume === undefined) {
      throw new HoardError('RESOURCE_NOT_FOUND', `Volume '${id}' does not exist`, {
        resourceKey: `${VOLUME_RESOURCE_TYPE}#${id}`,
      });
    }
    return volumeResource(volume);
  },
  async getDependentResources(context, parent) {
    const cinder = await cinderFor(context);
    if (parent.type === PROJECT_RESOURCE_TYPE) {
      return (await cinder.listVolumes({ projectId: parent.id, signal: context.signal })).map(volumeResource);
    }
    if (parent.type === SERVER_RESOURCE_TYPE) {
      const volumes = await cinder.listVolumes({ signal: context.signal });
      return volumes.filter((v) => v.attachments.some((a) => a.server_id === parent.id)).map(volumeResource);
    }
    return [];
  },
});
