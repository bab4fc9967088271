import { HoardError } from '@hoard/core';
import { type Provider, silentLogger } from '@hoard/core/host';
import type { FastifyInstance } from 'fastify';
import { createApiServer } from './app.js';
import { defaultServerConfig, readServerConfig } from './config/serverConfig.js';
import { openDatabase } from './database/openDatabase.js';

/** Options of {@link openLocalApi}. */
export interface LocalApiOptions {
  /** The providers plans may name (the host loads them from its provider directory). */
  providers: readonly Provider[];
  /** The `hoard.conf` of the `hoard serve` whose database this is (its `[database]` and trigger limits). */
  configFile?: string;
  /** Overrides `[database] connection` (default `sqlite:///hoard.db` in the working directory). */
  databaseUrl?: string;
  /** The project the objects belong to (default `demo`, as `hoard serve` prints for noauth clients). */
  project?: string;
}

/** Karbor's v1 API in this process, over a `hoard serve` database. */
export interface LocalApi {
  /** The database, its password hidden. */
  readonly database: string;
  /** The project every request is made in. */
  readonly project: string;
  /**
   * One request to Karbor's v1 API: `path` is below `/v1/<project>` (e.g. `/triggers`), `body`
   * is sent as JSON.
   *
   * @returns the answer's JSON body (`undefined` for an empty one)
   * @throws `USAGE_INVALID` for a 4xx answer, with the API's message (a bad trigger pattern, an
   *   unknown plan, a trigger still used); `OPERATION_FAILED` for a 5xx one
   */
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** Closes the database (the served API's requests under way end first). */
  close(): Promise<void>;
}

/**
 * Opens the database of `hoard serve` and answers Karbor's v1 API in this process, for the
 * objects that live there: plans, triggers, scheduled operations and operation logs. It runs no
 * operation and no engine, and recovers nothing an earlier server left: a `hoard serve` running
 * on the same database goes on undisturbed, and its engine runs what is scheduled here at its next
 * poll. Every request is checked exactly as the served API checks it, in noauth mode, as an admin
 * of `project`.
 *
 * @throws `SERVER_CONFIG_INVALID` for a config file that cannot be read
 */
export async function openLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const config =
    options.configFile !== undefined ? await readServerConfig(options.configFile) : defaultServerConfig();
  const project = options.project ?? 'demo';
  if (!/^[\w.-]{1,255}$/.test(project))
    throw new HoardError(
      'USAGE_INVALID',
      `project '${project}' is not a project id (letters, digits, '.', '_', '-')`,
    );
  const database = await openDatabase(options.databaseUrl ?? config.databaseUrl);
  let app: FastifyInstance;
  try {
    app = await createApiServer({
      providers: options.providers,
      auth: { strategy: 'noauth' },
      database,
      quotas: config.quotas,
      timeTriggers: config.timeTriggers,
      operations: false,
      logger: silentLogger,
    });
  } catch (error) {
    await database.close();
    throw error;
  }
  return {
    database: database.description,
    project,
    async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) {
      const answer = await app.inject({
        method,
        url: `/v1/${project}${path}`,
        headers: { 'x-auth-token': `hoard-cli:${project}`, 'content-type': 'application/json' },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
      const parsed: unknown = answer.body === '' ? undefined : JSON.parse(answer.body);
      if (answer.statusCode < 400) return parsed as T;
      // Karbor's fault body: `{"<kind>": {"code": <status>, "message": "..."}}`.
      const fault = parsed !== null && typeof parsed === 'object' ? Object.values(parsed)[0] : undefined;
      const message =
        fault !== null &&
        typeof fault === 'object' &&
        typeof (fault as { message?: unknown }).message === 'string'
          ? (fault as { message: string }).message
          : `the API answered ${answer.statusCode}`;
      throw new HoardError(answer.statusCode >= 500 ? 'OPERATION_FAILED' : 'USAGE_INVALID', message, {
        details: { status: answer.statusCode },
      });
    },
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}
