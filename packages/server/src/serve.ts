import { isIP } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HoardError, type Logger } from '@hoard/core';
import { loadProviders, type Provider, silentLogger } from '@hoard/core/host';
import { type ApiServerOptions, createApiServer } from './app.js';
import { Policy, readPolicyFile } from './auth/policy.js';
import { defaultServerConfig, readServerConfig } from './config/serverConfig.js';
import { openDatabase } from './database/openDatabase.js';

/** This package's directory: plugins installed beside it are found. */
const SERVER_PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Options of {@link serve}: a `hoard.conf` and what overrides it (the command line's flags).
 * Without a file, the embedded defaults ({@link defaultServerConfig}).
 */
export interface ServeOptions {
  /** `hoard.conf` to read (default: none, the embedded defaults). */
  configFile?: string;
  /** Overrides `osapi_karbor_listen`. */
  listen?: string;
  /** Overrides `osapi_karbor_listen_port` (0 picks a free port). */
  port?: number;
  /** Overrides `auth_strategy` (keystone needs `[keystone_authtoken]` in the file). */
  authStrategy?: 'noauth' | 'keystone';
  /** Overrides `provider_config_dir`. */
  providerDir?: string;
  /** Overrides `[database] connection`. */
  databaseUrl?: string;
  /** Where plugin packages are looked for (default: the working directory, then beside this package). */
  searchFrom?: readonly string[];
  /** Where internal errors are logged (default: nowhere). */
  logger?: Logger;
}

/** A running API server. */
export interface ServeResult {
  /** The API root, e.g. `http://127.0.0.1:8799`. */
  url: string;
  /** The database, its password hidden. */
  database: string;
  /** `noauth` or `keystone`. */
  authStrategy: 'noauth' | 'keystone';
  /** Options of the config file that were ignored, each with its file and line. */
  warnings: readonly string[];
  /** The providers served. */
  providers: readonly Provider[];
  /** Provider files that could not be loaded, each with why. */
  problems: readonly { file: string; message: string }[];
  /** Stops listening once the requests under way are answered. */
  close(): Promise<void>;
}

/** Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * Loads the providers and serves the API (`hoard serve`).
 *
 * @throws `SERVER_CONFIG_INVALID` when `noauth` is asked for on an address that is not loopback
 */
export async function serve(options: ServeOptions = {}): Promise<ServeResult> {
  const config =
    options.configFile !== undefined ? await readServerConfig(options.configFile) : defaultServerConfig();
  const listen = options.listen ?? config.listen;
  const strategy = options.authStrategy ?? config.auth.strategy;
  if (strategy === 'keystone' && config.auth.strategy !== 'keystone')
    throw new HoardError(
      'SERVER_CONFIG_INVALID',
      `auth_strategy = keystone needs a [keystone_authtoken] section (auth_url, username, password, ...) in ${options.configFile ?? 'a hoard.conf given with --config'}`,
    );
  const auth: ApiServerOptions['auth'] = strategy === 'noauth' ? { strategy } : config.auth;
  if (strategy === 'noauth' && !isLoopback(listen)) {
    throw new HoardError(
      'SERVER_CONFIG_INVALID',
      `auth_strategy = noauth makes every caller an admin; it is refused on ${listen}, which is not a loopback address (listen on 127.0.0.1, or use auth_strategy = keystone)`,
    );
  }
  const policy = config.policyFile !== undefined ? await readPolicyFile(config.policyFile) : new Policy();
  const entries = await loadProviders({
    searchFrom: options.searchFrom ?? [process.cwd(), SERVER_PACKAGE_DIR],
    providerDir: options.providerDir ?? config.providerDir,
  });
  const providers = entries.flatMap((e) => (e.enabled && e.provider !== undefined ? [e.provider] : []));
  const problems = entries.flatMap((e) =>
    e.error !== undefined ? [{ file: e.file, message: e.error.message }] : [],
  );
  const database = await openDatabase(options.databaseUrl ?? config.databaseUrl);
  let app: Awaited<ReturnType<typeof createApiServer>>;
  try {
    app = await createApiServer({
      providers,
      auth,
      policy,
      database,
      bodyLimit: config.maxRequestBodySize,
      quotas: config.quotas,
      timeTriggers: config.timeTriggers,
      engine: {
        pollIntervalMs: config.triggerPollIntervalSeconds * 1000,
        retainedLogs: config.retainedOperationLogs,
      },
      logger: options.logger ?? silentLogger,
    });
  } catch (error) {
    await database.close();
    throw error;
  }
  const port = options.port ?? config.port;
  try {
    await app.listen({ host: listen, port });
  } catch (error) {
    await database.close();
    throw error;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const host = listen.includes(':') && !listen.startsWith('[') ? `[${listen}]` : listen;
  return {
    url: `http://${host}:${bound}`,
    database: database.description,
    authStrategy: strategy,
    warnings: config.warnings,
    providers,
    problems,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}
