import { randomBytes } from 'node:crypto';
import { type CloudConfig, loadCloudConfig } from '../cloudConfig.js';
import type { Session } from '../Session.js';
import type { OpenStackClientSection } from '../sessionFromConfig.js';

/** A project of its own for one test, with a member user. */
export interface TestProject {
  projectId: string;
  /** The member user's cloud configuration, for `new Session(config)`. */
  config: CloudConfig;
  /** The same credentials as an `[openstack_client]` section, for plugins. */
  section: OpenStackClientSection;
  /** Deletes the user and the project (not what was made in it). */
  remove(): Promise<void>;
}

/**
 * Creates a fresh project and a user with the `member` role in it, through an admin session, so
 * that a test protecting "the whole project" sees only what it made itself, not what other tests
 * left in a shared project.
 */
export async function createTestProject(admin: Session, name: string): Promise<TestProject> {
  const password = randomBytes(12).toString('hex');
  const { project } = await admin.json<{ project: { id: string } }>('identity', '/projects', {
    method: 'POST',
    json: { project: { name, domain_id: 'default', description: 'Hoard integration test' } },
  });
  const { user } = await admin.json<{ user: { id: string } }>('identity', '/users', {
    method: 'POST',
    json: { user: { name, password, domain_id: 'default', default_project_id: project.id } },
  });
  const { roles } = await admin.json<{ roles: { id: string }[] }>('identity', '/roles', {
    query: { name: 'member' },
  });
  if (roles[0] === undefined) throw new Error("Keystone has no 'member' role");
  await admin.request('identity', `/projects/${project.id}/users/${user.id}/roles/${roles[0].id}`, {
    method: 'PUT',
    expect: [204],
  });
  const adminConfig = admin.config;
  const section: OpenStackClientSection = {
    auth_url: adminConfig.auth.authUrl!,
    username: name,
    password,
    project_id: project.id,
    user_domain_name: 'Default',
    project_domain_name: 'Default',
    ...(adminConfig.regionName !== undefined ? { region_name: adminConfig.regionName } : {}),
    interface: adminConfig.interface,
  };
  const config = await loadCloudConfig({
    files: [],
    env: {},
    overrides: {
      auth: {
        authUrl: section.auth_url!,
        username: name,
        password,
        projectId: project.id,
        userDomainName: 'Default',
        projectDomainName: 'Default',
      },
      ...(section.region_name !== undefined ? { regionName: section.region_name } : {}),
      interface: adminConfig.interface,
    },
  });
  return {
    projectId: project.id,
    config,
    section,
    async remove() {
      await admin.request('identity', `/users/${user.id}`, { method: 'DELETE', expect: [204, 404] });
      await admin.request('identity', `/projects/${project.id}`, { method: 'DELETE', expect: [204, 404] });
    },
  };
}

/** Polls `check` until it holds, failing with `what` after `timeoutMs` (tests' own setup and cleanup). */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 180_000,
  intervalMs = 1000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
