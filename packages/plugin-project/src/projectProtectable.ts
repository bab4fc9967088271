import { defineProtectable, HoardError, type Resource } from '@hoard/core';
import {
  OPENSTACK_CONFIG_SECTIONS,
  OPENSTACK_RESOURCE_TYPES,
  OpenStackError,
  sessionFor,
} from '@hoard/openstack';

/** The resource type of a Keystone project. */
export const PROJECT_RESOURCE_TYPE = OPENSTACK_RESOURCE_TYPES.project;

interface KeystoneProject {
  id: string;
  name: string;
  domain_id?: string;
  description?: string;
}

function projectResource(project: KeystoneProject): Resource {
  return {
    type: PROJECT_RESOURCE_TYPE,
    id: project.id,
    name: project.name,
    ...(project.domain_id ? { extra: { domain_id: project.domain_id } } : {}),
  };
}

/**
 * The protectable of Keystone projects: the root of a tenant's resource graph. It has no parents;
 * the protectables of servers, volumes, images and shares name it among their parent types, so
 * protecting a project discovers everything in it.
 */
export const projectProtectable = defineProtectable({
  name: 'project',
  resourceType: PROJECT_RESOURCE_TYPE,
  parentTypes: [],
  configSections: OPENSTACK_CONFIG_SECTIONS,
  async list(context) {
    const session = await sessionFor(context);
    const { projects } = await session.json<{ projects: KeystoneProject[] }>(
      'identity',
      `${session.config.auth.authUrl}/auth/projects`,
      {
        signal: context.signal,
      },
    );
    return projects.map(projectResource);
  },
  async show(context, id) {
    const session = await sessionFor(context);
    const { projects } = await session.json<{ projects: KeystoneProject[] }>(
      'identity',
      `${session.config.auth.authUrl}/auth/projects`,
      {
        signal: context.signal,
      },
    );
    const project = projects.find((p) => p.id === id || p.name === id);
    if (project !== undefined) return projectResource(project);
    try {
      const { project: found } = await session.json<{ project: KeystoneProject }>(
        'identity',
        `${session.config.auth.authUrl}/projects/${encodeURIComponent(id)}`,
        {
          signal: context.signal,
        },
      );
      return projectResource(found);
    } catch (error) {
      if (error instanceof OpenStackError && (error.status === 404 || error.status === 403)) {
        throw new HoardError(
          'RESOURCE_NOT_FOUND',
          `Project '${id}' does not exist or is not visible to the configured user (known: ${projects.map((p) => `${p.name} (${p.id})`).join(', ') || 'none'})`,
          { resourceKey: `${PROJECT_RESOURCE_TYPE}#${id}` },
        );
      }
      throw error;
    }
  },
  getDependentResources: async () => [],
});
