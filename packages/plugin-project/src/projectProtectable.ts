import { defineProtectable, HoardError, type ProtectableContext, type Resource } from '@hoard/core';
import {
  OPENSTACK_CONFIG_SECTIONS,
  OPENSTACK_RESOURCE_TYPES,
  type OpenStackConfig,
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
 * The projects the session's user has a role in; when a host acts for a caller, only the
 * caller's own project (Karbor's project protectable listed the request context's project).
 */
async function visibleProjects(context: ProtectableContext<OpenStackConfig>): Promise<KeystoneProject[]> {
  const session = await sessionFor(context);
  const { projects } = await session.json<{ projects: KeystoneProject[] }>(
    'identity',
    `${session.config.auth.authUrl}/auth/projects`,
    { signal: context.signal },
  );
  const caller = context.caller;
  return caller === undefined ? projects : projects.filter((p) => p.id === caller.projectId);
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
    return (await visibleProjects(context)).map(projectResource);
  },
  async show(context, id) {
    const session = await sessionFor(context);
    const projects = await visibleProjects(context);
    const project = projects.find((p) => p.id === id || p.name === id);
    if (project !== undefined) return projectResource(project);
    // A caller (an API request) sees its own project only, as in Karbor.
    if (context.caller !== undefined) {
      throw new HoardError('RESOURCE_NOT_FOUND', `Project '${id}' is not the caller's project`, {
        resourceKey: `${PROJECT_RESOURCE_TYPE}#${id}`,
      });
    }
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
