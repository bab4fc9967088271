import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type YAMLMap } from 'yaml';
import { OpenStackError } from './OpenStackError.js';

/** Authentication settings (keystone v3), as in clouds.yaml's `auth`. */
export interface CloudAuth {
  authUrl: string;
  /** `password` (default when a password is given), `v3applicationcredential`, or `token`. */
  type: 'password' | 'v3applicationcredential' | 'token';
  username?: string;
  userId?: string;
  password?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  domainName?: string;
  domainId?: string;
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret?: string;
  token?: string;
}

/** Everything needed to talk to one cloud. */
export interface CloudConfig {
  /** The cloud's name in clouds.yaml, if it came from there. */
  name?: string;
  auth: CloudAuth;
  regionName?: string;
  /** Endpoint interface: public (default), internal or admin. */
  interface: 'public' | 'internal' | 'admin';
  /** Endpoint overrides by service type (clouds.yaml `<service>_endpoint_override`). */
  endpointOverrides: Record<string, string>;
  /** Where the settings came from, for messages (never the values). */
  source: string;
}

/** Options of {@link loadCloudConfig}. */
export interface LoadCloudConfigOptions {
  /** Cloud name in clouds.yaml (default: env `OS_CLOUD`). */
  cloud?: string;
  /** clouds.yaml files to search, in order (default: `OS_CLIENT_CONFIG_FILE`, ./clouds.yaml, ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml). */
  files?: readonly string[];
  /** Environment (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Explicit settings, overriding everything (like command-line options). */
  overrides?: Partial<Omit<CloudConfig, 'auth'>> & { auth?: Partial<CloudAuth> };
}

const ENV_AUTH: Record<string, keyof CloudAuth> = {
  OS_AUTH_URL: 'authUrl',
  OS_USERNAME: 'username',
  OS_USER_ID: 'userId',
  OS_PASSWORD: 'password',
  OS_USER_DOMAIN_NAME: 'userDomainName',
  OS_USER_DOMAIN_ID: 'userDomainId',
  OS_PROJECT_NAME: 'projectName',
  OS_TENANT_NAME: 'projectName',
  OS_PROJECT_ID: 'projectId',
  OS_TENANT_ID: 'projectId',
  OS_PROJECT_DOMAIN_NAME: 'projectDomainName',
  OS_PROJECT_DOMAIN_ID: 'projectDomainId',
  OS_DOMAIN_NAME: 'domainName',
  OS_DOMAIN_ID: 'domainId',
  OS_APPLICATION_CREDENTIAL_ID: 'applicationCredentialId',
  OS_APPLICATION_CREDENTIAL_NAME: 'applicationCredentialName',
  OS_APPLICATION_CREDENTIAL_SECRET: 'applicationCredentialSecret',
  OS_TOKEN: 'token',
};

const YAML_AUTH: Record<string, keyof CloudAuth> = {
  auth_url: 'authUrl',
  username: 'username',
  user_id: 'userId',
  password: 'password',
  user_domain_name: 'userDomainName',
  user_domain_id: 'userDomainId',
  project_name: 'projectName',
  tenant_name: 'projectName',
  project_id: 'projectId',
  tenant_id: 'projectId',
  project_domain_name: 'projectDomainName',
  project_domain_id: 'projectDomainId',
  domain_name: 'domainName',
  domain_id: 'domainId',
  application_credential_id: 'applicationCredentialId',
  application_credential_name: 'applicationCredentialName',
  application_credential_secret: 'applicationCredentialSecret',
  token: 'token',
};

/** The clouds.yaml files searched by default, in the `openstack` CLI's order. */
export function defaultCloudsFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  return [
    ...(env['OS_CLIENT_CONFIG_FILE'] ? [env['OS_CLIENT_CONFIG_FILE']] : []),
    path.resolve('clouds.yaml'),
    path.join(os.homedir(), '.config', 'openstack', 'clouds.yaml'),
    '/etc/openstack/clouds.yaml',
  ];
}

interface ParsedClouds {
  file: string;
  clouds: Map<string, Record<string, unknown>>;
}

/**
 * Reads a clouds.yaml file.
 *
 * @throws `OPENSTACK_CONFIG_INVALID` naming the file and line of a YAML error or of a bad shape
 */
export async function readCloudsFile(file: string): Promise<ParsedClouds | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OpenStackError(
      'OPENSTACK_CONFIG_INVALID',
      `${file}: cannot read: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const first = document.errors[0];
  if (first !== undefined) {
    const where = lineCounter.linePos(first.pos[0]);
    throw new OpenStackError(
      'OPENSTACK_CONFIG_INVALID',
      `${file}:${where.line}:${where.col}: invalid YAML: ${first.message.split('\n')[0]}`,
      { details: { file, line: where.line } },
    );
  }
  const root = document.contents;
  const cloudsNode = isMap(root) ? root.get('clouds', true) : undefined;
  if (!isMap(cloudsNode)) {
    const line = root?.range ? lineCounter.linePos(root.range[0]).line : 1;
    throw new OpenStackError(
      'OPENSTACK_CONFIG_INVALID',
      `${file}:${line}: expected a top-level "clouds:" mapping`,
      {
        details: { file, line },
      },
    );
  }
  const clouds = new Map<string, Record<string, unknown>>();
  for (const pair of (cloudsNode as YAMLMap).items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!isMap(pair.value)) {
      const line = (pair.key as { range?: [number] }).range
        ? lineCounter.linePos((pair.key as { range: [number] }).range[0]).line
        : 1;
      throw new OpenStackError(
        'OPENSTACK_CONFIG_INVALID',
        `${file}:${line}: cloud '${name}' must be a mapping`,
        {
          details: { file, line },
        },
      );
    }
    clouds.set(name, pair.value.toJSON() as Record<string, unknown>);
  }
  return { file, clouds };
}

/**
 * The configuration of one cloud, with the precedence users know from the `openstack` CLI:
 * explicit options, then `OS_*` environment variables, then the cloud's entry in clouds.yaml.
 *
 * @throws `OPENSTACK_CLOUD_NOT_FOUND` naming the files searched and the clouds they hold;
 * `OPENSTACK_CONFIG_INVALID` for bad YAML (file and line) or missing settings
 */
export async function loadCloudConfig(options: LoadCloudConfigOptions = {}): Promise<CloudConfig> {
  const env = options.env ?? process.env;
  const cloudName = options.cloud ?? env['OS_CLOUD'];
  const auth: Partial<CloudAuth> = {};
  let regionName: string | undefined;
  let endpointInterface: CloudConfig['interface'] = 'public';
  const endpointOverrides: Record<string, string> = {};
  let authType: string | undefined;
  const sources: string[] = [];

  if (cloudName !== undefined && cloudName !== '') {
    const files = options.files ?? defaultCloudsFiles(env);
    const known: string[] = [];
    let entry: Record<string, unknown> | undefined;
    let from: string | undefined;
    for (const file of files) {
      const parsed = await readCloudsFile(file);
      if (parsed === undefined) continue;
      known.push(...[...parsed.clouds.keys()].map((c) => `${c} (${file})`));
      entry = parsed.clouds.get(cloudName);
      if (entry !== undefined) {
        from = file;
        break;
      }
    }
    if (entry === undefined) {
      throw new OpenStackError(
        'OPENSTACK_CLOUD_NOT_FOUND',
        `Cloud '${cloudName}' is not in any clouds.yaml (searched ${files.join(', ')}; clouds found: ${known.join(', ') || 'none'})`,
        { details: { cloud: cloudName, files } },
      );
    }
    sources.push(`clouds.yaml ${from} cloud ${cloudName}`);
    const yamlAuth = (entry['auth'] ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(yamlAuth)) {
      const field = YAML_AUTH[key];
      if (field !== undefined && value !== undefined && value !== null)
        (auth as Record<string, string>)[field] = String(value);
    }
    if (typeof entry['region_name'] === 'string') regionName = entry['region_name'];
    if (typeof entry['interface'] === 'string')
      endpointInterface = entry['interface'] as CloudConfig['interface'];
    if (typeof entry['auth_type'] === 'string') authType = entry['auth_type'];
    for (const [key, value] of Object.entries(entry)) {
      const match = /^(.+)_endpoint_override$/.exec(key);
      if (match && typeof value === 'string') endpointOverrides[match[1]!.replace(/_/g, '-')] = value;
    }
  }
  let fromEnv = false;
  for (const [variable, field] of Object.entries(ENV_AUTH)) {
    const value = env[variable];
    if (value !== undefined && value !== '') {
      (auth as Record<string, string>)[field] = value;
      fromEnv = true;
    }
  }
  if (env['OS_REGION_NAME']) regionName = env['OS_REGION_NAME'];
  if (env['OS_INTERFACE']) endpointInterface = env['OS_INTERFACE'] as CloudConfig['interface'];
  if (env['OS_AUTH_TYPE']) authType = env['OS_AUTH_TYPE'];
  if (fromEnv) sources.push('OS_* environment variables');

  const overrides = options.overrides ?? {};
  Object.assign(auth, overrides.auth ?? {});
  if (overrides.regionName !== undefined) regionName = overrides.regionName;
  if (overrides.interface !== undefined) endpointInterface = overrides.interface;
  Object.assign(endpointOverrides, overrides.endpointOverrides ?? {});
  if (overrides.auth !== undefined) sources.push('explicit settings');

  const source = sources.join(' + ') || 'no configuration';
  if (auth.authUrl === undefined) {
    throw new OpenStackError(
      'OPENSTACK_CONFIG_INVALID',
      `No auth_url for the cloud (from ${source}); set OS_CLOUD to a clouds.yaml entry or OS_AUTH_URL`,
    );
  }
  const type =
    authType === 'v3applicationcredential' ||
    authType === 'application_credential' ||
    auth.applicationCredentialSecret !== undefined
      ? 'v3applicationcredential'
      : authType === 'token' ||
          authType === 'v3token' ||
          (auth.token !== undefined && auth.password === undefined)
        ? 'token'
        : 'password';
  if (!['public', 'internal', 'admin'].includes(endpointInterface)) {
    throw new OpenStackError(
      'OPENSTACK_CONFIG_INVALID',
      `interface must be public, internal or admin, got '${endpointInterface}' (from ${source})`,
    );
  }
  const config: CloudConfig = {
    auth: { ...(auth as CloudAuth), authUrl: auth.authUrl.replace(/\/+$/, ''), type },
    interface: endpointInterface,
    endpointOverrides,
    source,
  };
  if (cloudName) config.name = cloudName;
  if (regionName !== undefined) config.regionName = regionName;
  return config;
}
