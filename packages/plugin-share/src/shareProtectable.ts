import { defineProtectable, HoardError, type Resource } from '@hoard/core';
import {
  OPENSTACK_CONFIG_SECTIONS,
  OPENSTACK_RESOURCE_TYPES,
  type OpenStackConfig,
  OpenStackError,
  sessionFor,
} from '@hoard/openstack';
import { ManilaClient, type ManilaShare } from './manila.js';

/** The resource type of a Manila share. */
export const SHARE_RESOURCE_TYPE = OPENSTACK_RESOURCE_TYPES.share;
const PROJECT_RESOURCE_TYPE = OPENSTACK_RESOURCE_TYPES.project;

/** A Manila client for the provider's `[openstack_client]` section. */
export async function manilaFor(context: { readonly config: OpenStackConfig }): Promise<ManilaClient> {
  return new ManilaClient(await sessionFor(context));
}

function shareResource(share: ManilaShare): Resource {
  return {
    type: SHARE_RESOURCE_TYPE,
    id: share.id,
    name: share.name ?? '',
    extra: { share_proto: share.share_proto, size: share.size, status: share.status },
  };
}

/**
 * The protectable of Manila shares (Karbor's Manila design): lists and shows shares, and returns
 * a project's shares as its dependents.
 */
export const shareProtectable = defineProtectable({
  name: 'share',
  resourceType: SHARE_RESOURCE_TYPE,
  parentTypes: [PROJECT_RESOURCE_TYPE],
  configSections: OPENSTACK_CONFIG_SECTIONS,
  async list(context) {
    return (await (await manilaFor(context)).listShares({ signal: context.signal })).map(shareResource);
  },
  async show(context, id) {
    try {
      return shareResource(await (await manilaFor(context)).getShare(id, context.signal));
    } catch (error) {
      if (error instanceof OpenStackError && error.status === 404) {
        throw new HoardError('RESOURCE_NOT_FOUND', `Share '${id}' does not exist`, {
          resourceKey: `${SHARE_RESOURCE_TYPE}#${id}`,
        });
      }
      throw error;
    }
  },
  async getDependentResources(context, parent) {
    if (parent.type !== PROJECT_RESOURCE_TYPE) return [];
    return (
      await (await manilaFor(context)).listShares({ projectId: parent.id, signal: context.signal })
    ).map(shareResource);
  },
});
