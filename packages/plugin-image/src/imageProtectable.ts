import { defineProtectable, HoardError, type Resource } from '@hoard/core';
import {
  OPENSTACK_CONFIG_SECTIONS,
  OPENSTACK_RESOURCE_TYPES,
  type OpenStackConfig,
  OpenStackError,
  sessionFor,
} from '@hoard/openstack';
import { GlanceClient, type GlanceImage } from './glance.js';

/** The resource type of a Glance image. */
export const IMAGE_RESOURCE_TYPE = OPENSTACK_RESOURCE_TYPES.image;
const PROJECT_RESOURCE_TYPE = OPENSTACK_RESOURCE_TYPES.project;
const SERVER_RESOURCE_TYPE = OPENSTACK_RESOURCE_TYPES.server;

/** A Glance client for the provider's `[openstack_client]` section. */
export async function glanceFor(context: { readonly config: OpenStackConfig }): Promise<GlanceClient> {
  return new GlanceClient(await sessionFor(context));
}

function imageResource(image: GlanceImage): Resource {
  return {
    type: IMAGE_RESOURCE_TYPE,
    id: image.id,
    name: image.name ?? '',
    extra: { status: image.status, size: image.size, disk_format: image.disk_format },
  };
}

/**
 * The protectable of Glance images: children of a project (the images it owns) and of a server
 * (the image it booted from).
 */
export const imageProtectable = defineProtectable({
  name: 'image',
  resourceType: IMAGE_RESOURCE_TYPE,
  parentTypes: [PROJECT_RESOURCE_TYPE, SERVER_RESOURCE_TYPE],
  configSections: OPENSTACK_CONFIG_SECTIONS,
  async list(context) {
    return (await (await glanceFor(context)).listImages({ signal: context.signal })).map(imageResource);
  },
  async show(context, id) {
    const image = await (await glanceFor(context)).getImage(id, { signal: context.signal });
    if (image === undefined) {
      throw new HoardError('RESOURCE_NOT_FOUND', `Image '${id}' does not exist`, {
        resourceKey: `${IMAGE_RESOURCE_TYPE}#${id}`,
      });
    }
    return imageResource(image);
  },
  async getDependentResources(context, parent) {
    const glance = await glanceFor(context);
    if (parent.type === PROJECT_RESOURCE_TYPE) {
      return (await glance.listImages({ owner: parent.id, signal: context.signal }))
        .filter((i) => i.owner === parent.id && i.status === 'active')
        .map(imageResource);
    }
    if (parent.type === SERVER_RESOURCE_TYPE) {
      const session = await sessionFor(context);
      let server: { image?: { id?: string } | string };
      try {
        ({ server } = await session.json<{ server: { image?: { id?: string } | string } }>(
          'compute',
          `/servers/${encodeURIComponent(parent.id)}`,
          {
            signal: context.signal,
          },
        ));
      } catch (error) {
        if (error instanceof OpenStackError && error.status === 404) return [];
        throw error;
      }
      // A server booted from a volume has image "" (its image is the volume's business).
      const imageId = typeof server.image === 'object' ? server.image?.id : undefined;
      if (!imageId) return [];
      const image = await glance.getImage(imageId, { signal: context.signal });
      return image && image.status === 'active' ? [imageResource(image)] : [];
    }
    return [];
  },
});
