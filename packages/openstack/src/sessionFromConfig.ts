import { createHash } from 'node:crypto';
import { type CloudConfig, loadCloudConfig } from './cloudConfig.js';
import { Session } from './Session.js';

/**
 * The `[openstack_client]` section every OpenStack plugin reads from a provider file: a cloud
 * of clouds.yaml, or explicit credentials; when empty, `OS_CLOUD` / `OS_*` variables apply, as for
 * the `openstack` CLI.
 */
export const OPENSTACK_CLIENT_SECTION_SCHEMA = {
  type: 'object',
  properties: {
    cloud: { type: 'string', minLength: 1, description: 'A cloud of clouds.yaml' },
    clouds_yaml: {
      type: 'string',
      minLength: 1,
      description: 'Path of the clouds.yaml to read (default: the usual search path)',
    },
    auth_url: { type: 'string', minLength: 1 },
    username: { type: 'string', minLength: 1 },
    password: { type: 'string', secret: true },
    project_name: { type: 'string', minLength: 1 },
    project_id: { type: 'string', minLength: 1 },
    user_domain_name: { type: 'string' },
    project_domain_name: { type: 'string' },
    region_name: { type: 'string' },
    interface: { enum: ['public', 'internal', 'admin'] },
  },
} as const;

/** The `[openstack_client]` section's values. */
export interface OpenStackClientSection {
  cloud?: string;
  clouds_yaml?: string;
  auth_url?: string;
  username?: string;
  password?: string;
  project_name?: string;
  project_id?: string;
  user_domain_name?: string;
  project_domain_name?: string;
  region_name?: string;
  interface?: CloudConfig['interface'];
}

/** The configuration sections an OpenStack plugin declares: `[openstack_client]`. */
export const OPENSTACK_CONFIG_SECTIONS = { openstack_client: OPENSTACK_CLIENT_SECTION_SCHEMA } as const;

/** The cloud settings of an `[openstack_client]` section (clouds.yaml, `OS_*`, its own keys). */
async function cloudConfigOf(section: OpenStackClientSection | undefined): Promise<CloudConfig> {
  const s = section ?? {};
  const auth: Record<string, string> = {};
  if (s.auth_url) auth['authUrl'] = s.auth_url;
  if (s.username) auth['username'] = s.username;
  if (s.password) auth['password'] = s.password;
  if (s.project_name) auth['projectName'] = s.project_name;
  if (s.project_id) auth['projectId'] = s.project_id;
  if (s.user_domain_name) auth['userDomainName'] = s.user_domain_name;
  if (s.project_domain_name) auth['projectDomainName'] = s.project_domain_name;
  return loadCloudConfig({
    ...(s.cloud ? { cloud: s.cloud } : {}),
    ...(s.clouds_yaml ? { files: [s.clouds_yaml] } : {}),
    overrides: {
      ...(Object.keys(auth).length > 0 ? { auth } : {}),
      ...(s.region_name ? { regionName: s.region_name } : {}),
      ...(s.interface ? { interface: s.interface } : {}),
    },
  });
}

const sessions = new Map<string, Promise<Session>>();

/**
 * One shared {@link Session} per distinct `[openstack_client]` section (so every plugin of a
 * provider reuses one token).
 */
export function sessionFromConfig(section: OpenStackClientSection | undefined): Promise<Session> {
  const key = JSON.stringify(section ?? {});
  let session = sessions.get(key);
  if (session === undefined) {
    session = cloudConfigOf(section).then((config) => new Session(config));
    session.catch(() => sessions.delete(key));
    sessions.set(key, session);
  }
  return session;
}

/**
 * Who a hook or a protectable acts for, as `sessionFor` reads it (core's `Caller`, structurally:
 * this package does not depend on core).
 */
export interface SessionCaller {
  readonly projectId: string;
  /** The caller's Keystone token (core's `Secret`). */
  readonly credential?: { reveal(): string };
}

/** Sessions of callers' tokens: a few hundred at most, the oldest dropped first. */
const callerSessions = new Map<string, Promise<Session>>();
const MAX_CALLER_SESSIONS = 256;

/**
 * A {@link Session} that acts as `caller`: the caller's token, scoped to the caller's project,
 * against the Keystone, region and interface of the `[openstack_client]` section (its user and
 * password are not used). Keystone gives the token's catalog back; every request then carries
 * the caller's rights, so a caller sees and touches only what the caller's project may.
 *
 * @remarks The session cannot outlive the caller's token: an operation longer than the token's
 * life fails with Keystone's 401 when the token expires (as Karbor's did with a user's token).
 */
export function sessionForCaller(
  section: OpenStackClientSection | undefined,
  caller: SessionCaller & { readonly credential: { reveal(): string } },
): Promise<Session> {
  const token = caller.credential.reveal();
  const key = createHash('sha256')
    .update(JSON.stringify([section ?? {}, caller.projectId, token]))
    .digest('hex');
  let session = callerSessions.get(key);
  if (session !== undefined) {
    // Most recently used last, so the oldest is dropped first.
    callerSessions.delete(key);
    callerSessions.set(key, session);
    return session;
  }
  session = cloudConfigOf(section).then(
    (config) =>
      new Session({
        ...config,
        auth: { type: 'token', authUrl: config.auth.authUrl, token, projectId: caller.projectId },
      }),
  );
  session.catch(() => callerSessions.delete(key));
  callerSessions.set(key, session);
  while (callerSessions.size > MAX_CALLER_SESSIONS) {
    callerSessions.delete(callerSessions.keys().next().value!);
  }
  return session;
}

/** The configuration an OpenStack plugin's hooks and protectable see (`config` of their context). */
export interface OpenStackConfig {
  readonly openstack_client: OpenStackClientSection;
}

/**
 * The session of a hook's or protectable's context: the caller's when a host acts for one with a
 * token (`hoard serve` with Keystone auth, see {@link sessionForCaller}); otherwise the shared
 * session of the validated `[openstack_client]` section (declare {@link OPENSTACK_CONFIG_SECTIONS}
 * to get one).
 */
export function sessionFor(context: {
  readonly config: OpenStackConfig;
  readonly caller?: SessionCaller;
}): Promise<Session> {
  const caller = context.caller;
  if (caller?.credential !== undefined) {
    return sessionForCaller(context.config.openstack_client, { ...caller, credential: caller.credential });
  }
  return sessionFromConfig(context.config.openstack_client);
}
