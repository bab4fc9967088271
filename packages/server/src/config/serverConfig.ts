import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { HoardError } from '@hoard/core';
import { type IniEntry, type IniSection, parseIni } from '@hoard/core/host';
import type { KeystoneAuthTokenOptions } from '../auth/keystone.js';
import { KARBOR_TIME_TRIGGER_OPTIONS, type TimeTriggerOptions } from '../engine/timeTrigger.js';

/** `hoard serve`'s settings: `hoard.conf`, or the embedded defaults without one. */
export interface ServerConfig {
  /** The file the settings came from, if any. */
  file?: string;
  /** `osapi_karbor_listen` (default 127.0.0.1). */
  listen: string;
  /** `osapi_karbor_listen_port` (default 8799). */
  port: number;
  /** `auth_strategy` (default noauth) and, for keystone, `[keystone_authtoken]`. */
  auth: { strategy: 'noauth' } | { strategy: 'keystone'; keystone: KeystoneAuthTokenOptions };
  /** `[database] connection` (default `sqlite:///hoard.db`, in the working directory). */
  databaseUrl: string;
  /** `provider_config_dir` (default `providers.d`, beside the file or in the working directory). */
  providerDir: string;
  /** `[oslo_policy] policy_file`, when there is one. */
  policyFile?: string;
  /** `[oslo_middleware] max_request_body_size` in bytes (default 1 MiB). */
  maxRequestBodySize: number;
  /** `quota_plans` (default 50) and `quota_checkpoints` (default -1, unlimited). */
  quotas: { plans: number; checkpoints: number };
  /** `min_interval`, `min_window_time`, `max_window_time` (seconds) and `time_format`, Karbor's defaults. */
  timeTriggers: TimeTriggerOptions;
  /** `trigger_poll_interval` (default 15 s): how often the operation engine looks for due fires. */
  triggerPollIntervalSeconds: number;
  /** `retained_operation_log_number` (default 5): the fires of each scheduled operation whose logs are kept. */
  retainedOperationLogs: number;
  /** Options that were ignored, each with its file and line. */
  warnings: string[];
}

/** Karbor's defaults, and Hoard's for what Karbor did not have. */
export const DEFAULT_QUOTAS = { plans: 50, checkpoints: -1 } as const;

/** The settings of `hoard serve` with no `hoard.conf`: everything embedded, in `baseDir`. */
export function defaultServerConfig(baseDir = process.cwd()): ServerConfig {
  return {
    listen: '127.0.0.1',
    port: 8799,
    auth: { strategy: 'noauth' },
    databaseUrl: 'sqlite:///hoard.db',
    providerDir: path.join(baseDir, 'providers.d'),
    maxRequestBodySize: 1024 * 1024,
    quotas: { ...DEFAULT_QUOTAS },
    timeTriggers: { ...KARBOR_TIME_TRIGGER_OPTIONS },
    triggerPollIntervalSeconds: 15,
    retainedOperationLogs: 5,
    warnings: [],
  };
}

/** Options read but not used by Hoard: Karbor's config files have them; they are not warned about. */
const TOLERATED: Readonly<Record<string, readonly string[]>> = {
  DEFAULT: ['debug', 'verbose', 'log_file', 'log_dir', 'use_syslog', 'transport_url', 'state_path'],
  keystone_authtoken: [
    'memcached_servers',
    'service_token_roles_required',
    'interface',
    'cafile',
    'insecure',
  ],
};

/**
 * Reads `hoard.conf` (oslo.config INI, Karbor's option names). Relative paths in it
 * (`provider_config_dir`, `policy_file`) are taken from the file's directory; a `policy.yaml`
 * beside the file is used when `policy_file` is not set.
 *
 * @throws `SERVER_CONFIG_INVALID` naming the file, line and option of a bad value, or what
 *   `auth_strategy = keystone` is missing
 */
export async function readServerConfig(file: string): Promise<ServerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new HoardError('SERVER_CONFIG_INVALID', `${file} cannot be read: ${(error as Error).message}`, {
      file,
    });
  }
  const dir = path.dirname(path.resolve(file));
  const sections = parseIni(text, file, 'SERVER_CONFIG_INVALID');
  const config = defaultServerConfig(dir);
  config.file = file;
  const bad = (entry: IniEntry, section: string, why: string) =>
    new HoardError('SERVER_CONFIG_INVALID', `${file}:${entry.line}: [${section}] ${entry.key}: ${why}`, {
      file,
      line: entry.line,
      path: `${section}.${entry.key}`,
    });
  const integer = (entry: IniEntry, section: string, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const value = Number(entry.value);
    if (!/^-?\d+$/.test(entry.value.trim()) || value < min || value > max)
      throw bad(
        entry,
        section,
        `expected an integer from ${min} to ${max}, got ${JSON.stringify(entry.value)}`,
      );
    return value;
  };
  let strategy = 'noauth' as 'noauth' | 'keystone';
  /** The first time-trigger option given (the check of them all names it). */
  let windowEntry: IniEntry | undefined;
  const keystone: Record<string, IniEntry> = {};
  const known: Record<string, Record<string, (entry: IniEntry) => void>> = {
    DEFAULT: {
      osapi_karbor_listen: (e) => {
        if (e.value.trim() === '') throw bad(e, 'DEFAULT', 'expected an address to listen on');
        config.listen = e.value.trim();
      },
      osapi_karbor_listen_port: (e) => {
        config.port = integer(e, 'DEFAULT', 0, 65535);
      },
      auth_strategy: (e) => {
        const value = e.value.trim();
        if (value !== 'noauth' && value !== 'keystone')
          throw bad(e, 'DEFAULT', `expected keystone or noauth, got ${JSON.stringify(value)}`);
        strategy = value;
      },
      provider_config_dir: (e) => {
        config.providerDir = path.resolve(dir, e.value.trim());
      },
      quota_plans: (e) => {
        config.quotas.plans = integer(e, 'DEFAULT', -1);
      },
      quota_checkpoints: (e) => {
        config.quotas.checkpoints = integer(e, 'DEFAULT', -1);
      },
      min_interval: (e) => {
        config.timeTriggers.minIntervalSeconds = integer(e, 'DEFAULT', 1);
        windowEntry ??= e;
      },
      min_window_time: (e) => {
        config.timeTriggers.minWindowSeconds = integer(e, 'DEFAULT', 0);
        windowEntry ??= e;
      },
      max_window_time: (e) => {
        config.timeTriggers.maxWindowSeconds = integer(e, 'DEFAULT', 1);
        windowEntry ??= e;
      },
      trigger_poll_interval: (e) => {
        config.triggerPollIntervalSeconds = integer(e, 'DEFAULT', 1, 3600);
      },
      retained_operation_log_number: (e) => {
        config.retainedOperationLogs = integer(e, 'DEFAULT', 1, 1_000_000);
      },
      time_format: (e) => {
        const value = e.value.trim();
        if (value !== 'calendar' && value !== 'crontab')
          throw bad(e, 'DEFAULT', `expected calendar or crontab, got ${JSON.stringify(value)}`);
        config.timeTriggers.defaultFormat = value;
      },
    },
    database: {
      connection: (e) => {
        config.databaseUrl = e.value.trim();
      },
    },
    oslo_policy: {
      policy_file: (e) => {
        config.policyFile = path.resolve(dir, e.value.trim());
      },
    },
    oslo_middleware: {
      max_request_body_size: (e) => {
        config.maxRequestBodySize = integer(e, 'oslo_middleware', 1024);
      },
    },
    keystone_authtoken: Object.fromEntries(
      Object.keys(KEYSTONE_OPTIONS).map((key) => [
        key,
        (e: IniEntry) => {
          if (key === 'token_cache_time') integer(e, 'keystone_authtoken', 0);
          if (
            key === 'auth_type' &&
            !['password', 'v3password', 'v3applicationcredential'].includes(e.value.trim())
          )
            throw bad(
              e,
              'keystone_authtoken',
              `expected password or v3applicationcredential, got ${JSON.stringify(e.value)}`,
            );
          keystone[key] = e;
        },
      ]),
    ),
  };
  for (const section of sections) {
    const handlers = known[section.name];
    if (handlers === undefined) {
      config.warnings.push(`${file}:${section.line}: section [${section.name}] is not used by hoard serve`);
      continue;
    }
    for (const entry of section.entries) {
      const handler = handlers[entry.key];
      if (handler !== undefined) handler(entry);
      else if (!TOLERATED[section.name]?.includes(entry.key))
        config.warnings.push(
          `${file}:${entry.line}: [${section.name}] ${entry.key} is not an option of hoard serve (ignored)`,
        );
    }
  }
  // Karbor's start-up check (`timetrigger/utils.py::check_configuration`).
  const limits = config.timeTriggers;
  if (
    windowEntry !== undefined &&
    !(
      limits.minWindowSeconds < limits.maxWindowSeconds &&
      limits.maxWindowSeconds * 2 <= limits.minIntervalSeconds
    )
  )
    throw bad(
      windowEntry,
      'DEFAULT',
      `time triggers need min_window_time < max_window_time and max_window_time * 2 <= min_interval (got ${limits.minWindowSeconds}, ${limits.maxWindowSeconds}, ${limits.minIntervalSeconds})`,
    );
  if (strategy === 'keystone')
    config.auth = { strategy, keystone: keystoneOptions(file, sections, keystone) };
  if (config.policyFile === undefined) {
    const beside = path.join(dir, 'policy.yaml');
    if (await isFile(beside)) config.policyFile = beside;
  }
  return config;
}

/** `[keystone_authtoken]` options Hoard reads, by keystonemiddleware's names. */
const KEYSTONE_OPTIONS = {
  auth_url: 'authUrl',
  www_authenticate_uri: 'wwwAuthenticateUri',
  auth_uri: 'wwwAuthenticateUri',
  auth_type: 'type',
  username: 'username',
  user_id: 'userId',
  password: 'password',
  user_domain_name: 'userDomainName',
  user_domain_id: 'userDomainId',
  project_name: 'projectName',
  project_id: 'projectId',
  project_domain_name: 'projectDomainName',
  project_domain_id: 'projectDomainId',
  application_credential_id: 'applicationCredentialId',
  application_credential_secret: 'applicationCredentialSecret',
  region_name: 'regionName',
  token_cache_time: 'tokenCacheTime',
} as const;

function keystoneOptions(
  file: string,
  sections: readonly IniSection[],
  given: Readonly<Record<string, IniEntry>>,
): KeystoneAuthTokenOptions {
  const line = sections.find((s) => s.name === 'keystone_authtoken')?.line;
  const missing = (what: string) =>
    new HoardError(
      'SERVER_CONFIG_INVALID',
      `${file}${line !== undefined ? `:${line}` : ''}: auth_strategy = keystone needs ${what} in [keystone_authtoken]`,
      { file, ...(line !== undefined ? { line } : {}), path: 'keystone_authtoken' },
    );
  const value = (key: keyof typeof KEYSTONE_OPTIONS) => given[key]?.value.trim() || undefined;
  const authUrl = value('auth_url');
  if (authUrl === undefined) throw missing('auth_url');
  const type = value('auth_type') === 'v3applicationcredential' ? 'v3applicationcredential' : 'password';
  if (type === 'password') {
    if (value('username') === undefined && value('user_id') === undefined)
      throw missing('username (or user_id)');
    if (given['password'] === undefined) throw missing('password');
  } else if (
    value('application_credential_id') === undefined ||
    given['application_credential_secret'] === undefined
  ) {
    throw missing('application_credential_id and application_credential_secret');
  }
  const serviceUser: KeystoneAuthTokenOptions['serviceUser'] = { type };
  for (const key of [
    'username',
    'user_id',
    'user_domain_name',
    'user_domain_id',
    'project_name',
    'project_id',
    'project_domain_name',
    'project_domain_id',
    'application_credential_id',
  ] as const) {
    const v = value(key);
    if (v !== undefined) (serviceUser as Record<string, string>)[KEYSTONE_OPTIONS[key]] = v;
  }
  // Secrets are taken as written (spaces included) and never put in a message.
  if (given['password'] !== undefined) serviceUser.password = given['password'].value;
  if (given['application_credential_secret'] !== undefined)
    serviceUser.applicationCredentialSecret = given['application_credential_secret'].value;
  const cacheTime = value('token_cache_time');
  const wwwAuthenticate = value('www_authenticate_uri') ?? value('auth_uri');
  const region = value('region_name');
  return {
    authUrl,
    serviceUser,
    ...(wwwAuthenticate !== undefined ? { wwwAuthenticateUri: wwwAuthenticate } : {}),
    ...(region !== undefined ? { regionName: region } : {}),
    ...(cacheTime !== undefined ? { tokenCacheTime: Number(cacheTime) } : {}),
  };
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
