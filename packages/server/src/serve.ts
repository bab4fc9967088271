import { isIP } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HoardError, type Logger } from '@hoard/core';
import { loadProviders, type Provider, silentLogger } from '@hoard/core/host';
import { createApiServer } from './app.js';
import { openDatabase } from './database/openDatabase.js';

/** This package's directory: plugins installed beside it are found. */
const SERVER_PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Options of {@link serve}: Karbor's option names in comments. */
export interface ServeOptions {
  /** `osapi_karbor_listen` (default 127.0.0.1). */
  listen?: string;
  /** `osapi_karbor_listen_port` (default 8799; 0 picks a free port). */
  port?: number;
  /** `auth_strategy` (default and, so far, only `noauth`). */
  authStrategy?: 'noauth';
  /** The provider directory (default `./providers.d`). */
  providerDir?: string;
  /** `[database] connection` (default `sqlite:///hoard.db`, in the working directory). */
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
  const listen = options.listen ?? '127.0.0.1';
  const authStrategy = options.authStrategy ?? 'noauth';
  if (authStrategy === 'noauth' && !isLoopback(listen)) {
    throw new HoardError(
      'SERVER_CONFIG_INVALID',
      `auth_strategy = noauth makes every caller an admin; it is refused on ${listen}, which is not a loopback address (listen on 127.0.0.1, or use auth_strategy = keystone)`,
    );
  }
  const entries = await loadProviders({
    searchFrom: options.searchFrom ?? [process.cwd(), SERVER_PACKAGE_DIR],
    ...(options.providerDir !== undefined ? { providerDir: options.providerDir } : {}),
  });
  const providers = entries.flatMap((e) => (e.enabled && e.provider !== undefined ? [e.provider] : []));
  const problems = entries.flatMap((e) =>
    e.error !== undefined ? [{ file: e.file, message: e.error.message }] : [],
  );
  const database = await openDatabase(options.databaseUrl ?? 'sqlite:///hoard.db');
  const app = await createApiServer({
    providers,
    authStrategy,
    database,
    logger: options.logger ?? silentLogger,
  });
  try {
    await app.listen({ host: listen, port: options.port ?? 8799 });
  } catch (error) {
    await database.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 8799);
  const host = listen.includes(':') && !listen.startsWith('[') ? `[${listen}]` : listen;
  return {
    url: `http://${host}:${port}`,
    database: database.description,
    providers,
    problems,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}
