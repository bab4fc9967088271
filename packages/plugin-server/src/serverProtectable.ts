import { defineProtectable, HoardError, type Resource } from '@hoard/core';
import {
  OPENSTACK_CONFIG_SECTIONS,
  OPENSTACK_RESOURCE_TYPES,
  type OpenStackConfig,
  sessionFor,
} from '@hoard/openstack';
import { NovaClient, type NovaServer } from './nova.js';

/** The resource type of a Nova server. */
export const SERVER_RESOURCE_TYPE = OPENSTACK_RESOURCE_TYPES.server;
const PROJECT_RESOURCE_TYPE = OPENSTACK_RESOURCE_TYPES.project;

/** A Nova client for the provider's `[openstack_client]` section. */
export async function novaFor(context: { readonly config: OpenStackConfig }): Promise<NovaClient> {
  return new NovaClient(await sessionFor(context));
}

function serverResource(server: NovaServer): Resource {
  return { type: SERVER_RESOURCE_TYPE, id: server.id, name: server.name, extra: { status: server.status } };
}

/**
 * The protectable of Nova servers: children of a project. Their own children (attached volumes,
 * boot image) are found by the volume and image protectables, whose parent types include servers.
 */
export const serverProtectable = defineProtectable({
  name: 'server',
  resourceType: SERVER_RESOURCE_TYPE,
  parentTypes: [PROJECT_RESOURCE_TYPE],
  configSections: OPENSTACK_CONFIG_SECTIONS,
  async list(context) {
    return (await (await novaFor(context)).listServers({ signal: context.signal })).map(serverResource);
  },
  async show(context, id) {
    const server = await (await novaFor(context)).getServer(id, { signal: context.signal });
    if (server === undefined) {
      throw new HoardError('RESOURCE_NOT_FOUND', `Server '${id}' does not exist`, {
        resourceKey: `${SERVER_RESOURCE_TYPE}#${id}`,
      });
    }
    return serverResource(server);
  },
  async getDependentResources(context, parent) {
    if (parent.type !== PROJECT_RESOURCE_TYPE) return [];
    return (await (await novaFor(context)).listServers({ projectId: parent.id, signal: context.signal })).map(
      serverResource,
    );
  },
});
