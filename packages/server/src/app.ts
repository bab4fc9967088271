import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import { isHoardError, type Logger, Secret } from '@hoard/core';
import { messageOf, type Provider, scrubSecrets, silentLogger } from '@hoard/core/host';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { KeystoneAuth, type KeystoneAuthTokenOptions, UNAUTHORIZED_BODY } from './auth/keystone.js';
import { noAuthContext } from './auth/noauth.js';
import { Policy } from './auth/policy.js';
import { ROUTE_POLICIES } from './auth/routePolicies.js';
import { DEFAULT_QUOTAS } from './config/serverConfig.js';
import type { OpenDatabase } from './database/openDatabase.js';
import { OperationLogStore } from './database/operationLogStore.js';
import { OperationRecordStore } from './database/operationRecordStore.js';
import { PlanStore } from './database/planStore.js';
import { QuotaStore } from './database/quotaStore.js';
import { RunningOperationStore } from './database/runningOperationStore.js';
import { ScheduledOperationStore } from './database/scheduledOperationStore.js';
import { ServiceStore } from './database/serviceStore.js';
import { TriggerStore } from './database/triggerStore.js';
import { OperationEngine } from './engine/operationEngine.js';
import { KARBOR_TIME_TRIGGER_OPTIONS, type TimeTriggerOptions } from './engine/timeTrigger.js';
import { ApiFault, faultBody } from './faults.js';
import { recordInterruptedOperations } from './interruptedOperations.js';
import { KeyedLock } from './keyedLock.js';
import { OperationProgress } from './operationProgress.js';
import { callerOf, type RequestContext } from './requestContext.js';
import {
  checkpointRoutes,
  countCheckpoints,
  protectionServices,
  type RunningOperations,
} from './routes/checkpoints.js';
import { operationEngineRoutes } from './routes/operationEngine.js';
import { planRoutes } from './routes/plans.js';
import { protectableRoutes } from './routes/protectables.js';
import { providerRoutes } from './routes/providers.js';
import { quotaRoutes } from './routes/quotas.js';
import { restoreRoutes } from './routes/restores.js';
import { scheduledOperationRoutes } from './routes/scheduledOperations.js';
import { serviceRoutes } from './routes/services.js';
import { triggerRoutes } from './routes/triggers.js';
import { verificationRoutes } from './routes/verifications.js';

/** Options of {@link createApiServer}. */
export interface ApiServerOptions {
  /** The providers the API serves (loaded from the provider directory by the host). */
  providers: readonly Provider[];
  /**
   * Karbor's `auth_strategy`: `keystone` validates every `X-Auth-Token` with Keystone as
   * `[keystone_authtoken]` says; `noauth` makes every caller an admin (the host refuses it off
   * loopback).
   */
  auth: { strategy: 'noauth' } | { strategy: 'keystone'; keystone: KeystoneAuthTokenOptions };
  /** The policies (default: Karbor's, {@link DEFAULT_POLICIES}). */
  policy?: Policy;
  /** Where internal errors are logged (default: nowhere). */
  logger?: Logger;
  /** Largest request body in bytes (default 1 MiB); larger is 413. */
  bodyLimit?: number;
  /** Default quotas (`quota_plans`, `quota_checkpoints`; default 50 and -1, unlimited). */
  quotas?: { plans: number; checkpoints: number };
  /** Where plans live (see {@link openDatabase}); without it, plans are not served. */
  database?: OpenDatabase;
  /** Limits of time triggers (`min_interval`, windows, `time_format`; default Karbor's). */
  timeTriggers?: TimeTriggerOptions;
  /**
   * Whether this server runs operations (default true): protects, deletes, restores,
   * verifications and the operation engine, and the recovery at start of the ones an earlier
   * server left. False serves only what lives in the database (plans, triggers, scheduled
   * operations, operation logs, quotas of plans): the `hoard plan|trigger|schedule` commands,
   * beside a running `hoard serve` whose work they must not touch.
   */
  operations?: boolean;
  /**
   * The operation engine (with a database): `trigger_poll_interval` (default 15 s), a clock for
   * tests, and whether it runs in this process (default true).
   */
  engine?: {
    pollIntervalMs?: number;
    /** `retained_operation_log_number`: the fires of each operation whose logs are kept (default 5). */
    retainedLogs?: number;
    now?: () => Date;
    run?: boolean;
    /** Called with the engine once made (tests drive its polls). */
    onEngine?: (engine: { poll(): Promise<void>; settled(): Promise<void> }) => void;
  };
}

/**
 * The API server: Karbor's v1 REST API (docs/api.md) over Hoard's providers. Every answer is
 * JSON with Karbor's keys and status codes (every success is 200), every error Karbor's fault
 * body, never a stack trace.
 */
export async function createApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const logger = options.logger ?? silentLogger;
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: () => `req-${randomUUID()}`,
    // Karbor's routes have no trailing-slash variants; the client never sends one either way.
    // Ids can be long (a protectable's instance id may be a path): 1024 characters a segment.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    // Errors the router raises before any hook (a segment too long, a bad URL) are faults too.
    frameworkErrors: (error, _request, frameworkReply) => {
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 400;
      void (frameworkReply as unknown as FastifyReply)
        .code(status)
        .type('application/json')
        .send(faultBody(status, status === 414 ? 'Request URI is too long.' : 'Malformed request url'));
    },
    // Bodies are validated as Karbor's schemas say: nothing removed, coerced or defaulted.
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: false,
        allErrors: false,
        allowUnionTypes: true,
      },
    },
  });
  app.setSchemaErrorFormatter((errors) => new ApiFault(400, schemaMessage(errors[0])));

  // The client sends `Content-Type: application/json` on every request, DELETE and GET
  // included, with no body: an empty JSON body is no body, not an error.
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') {
      done(null, undefined);
      return;
    }
    defaultJson(request, text, (error, parsed) =>
      error ? done(new ApiFault(400, 'Malformed request body'), undefined) : done(null, parsed),
    );
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-openstack-request-id', request.id);
    reply.header('x-compute-request-id', request.id);
    return payload;
  });

  // The OpenAPI document, generated from the route schemas (GET /openapi.json, no auth).
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: "Hoard API (OpenStack Karbor's v1 REST API)",
        description:
          "Karbor's v1 API over Hoard's providers: see docs/api.md for compatibility and Hoard's extensions. Every success is 200; errors are Karbor's fault body.",
        version: '1.0',
      },
      components: {
        securitySchemes: { keystone: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' } },
      },
      security: [{ keystone: [] }],
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Every /v1 route names the policy rule it enforces; one without is a bug caught at start.
  const policy = options.policy ?? new Policy();
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/')) return;
    const rules: string[] = [];
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      const rule = ROUTE_POLICIES[`${method} ${route.url}`];
      if (rule === undefined)
        throw new Error(`route ${method} ${route.url} has no policy rule in ROUTE_POLICIES`);
      rules.push(rule);
    }
    // For the OpenAPI document: the path's parameters, the collection as tag, the policy rule.
    const names = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    if (route.url.endsWith('/*')) names.push('*');
    route.schema = {
      ...route.schema,
      tags: [route.url.split('/')[3] ?? 'v1'],
      summary: `policy ${rules.join(', ')}`,
      params: {
        type: 'object',
        required: names,
        properties: Object.fromEntries(names.map((n) => [n, { type: 'string' }])),
      },
    };
  });

  // Authentication, then Karbor's check that the URL's project is the caller's.
  const keystone =
    options.auth.strategy === 'keystone' ? new KeystoneAuth(options.auth.keystone, logger) : undefined;
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1/') && request.url !== '/v1') return;
    let context: RequestContext | undefined;
    if (keystone === undefined) {
      context = noAuthContext(request, reply);
      if (context === undefined) return reply;
    } else {
      const token = request.headers['x-auth-token'];
      const value = Array.isArray(token) ? token[0] : token;
      if (value === undefined || value === '') {
        void reply.code(401).header('WWW-Authenticate', keystone.challenge).send(UNAUTHORIZED_BODY);
        return reply;
      }
      let caller: Omit<RequestContext, 'isAdmin'>;
      try {
        caller = await keystone.contextOf(value);
      } catch (error) {
        if (error instanceof ApiFault && error.status === 401) {
          void reply.code(401).header('WWW-Authenticate', keystone.challenge).send(UNAUTHORIZED_BODY);
          return reply;
        }
        throw error;
      }
      context = { ...caller, isAdmin: policy.allows('context_is_admin', { ...caller, isAdmin: false }) };
      request.caller = callerOf(context, new Secret(value));
    }
    request.karborContext = context;
    request.caller ??= callerOf(context);
    const projectId = request.url.split('/')[2]?.split('?')[0];
    if (projectId !== undefined && projectId !== '' && projectId !== context.projectId)
      throw new ApiFault(400, 'Malformed request url');
  });
  // Then the route's policy rule, on the caller's own project.
  app.addHook('preHandler', async (request) => {
    const context = request.karborContext;
    if (context === undefined) return;
    const url = request.routeOptions.url;
    if (url === undefined || !url.startsWith('/v1/')) return;
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    policy.enforce(ROUTE_POLICIES[`${method} ${url}`] ?? 'no rule', context);
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, message } = faultOf(error);
    if (status >= 500)
      logger.error('API request failed', { request: request.id, url: request.url, error: messageOf(error) });
    void reply
      .code(status)
      .type('application/json')
      .send(faultBody(status, scrubSecrets(message)));
  });
  app.setNotFoundHandler((_request, reply) => {
    void reply.code(404).type('application/json').send(faultBody(404, 'The resource could not be found.'));
  });

  // The version document (python-karborclient never asks for it; answered as Karbor does).
  app.get('/', async (request, reply) => {
    void reply.code(300);
    return {
      versions: [
        {
          id: 'v1.0',
          status: 'CURRENT',
          links: [{ rel: 'self', href: `${request.protocol}://${request.host}/v1/` }],
        },
      ],
    };
  });
  providerRoutes(app, options.providers);
  if (options.database === undefined) operationEngineRoutes(app);
  protectableRoutes(app, options.providers, logger);
  if (options.database !== undefined) {
    const plans = new PlanStore(options.database.db, options.database.dialect);
    const quotas = new QuotaStore(options.database.db, options.quotas ?? { ...DEFAULT_QUOTAS });
    const quotaLock = new KeyedLock();
    planRoutes(app, options.providers, plans, quotas, quotaLock, logger);
    if (options.operations === false)
      // Only the database's objects; no operation routes, no engine, no recovery.
      scheduleRoutes(app, options, options.database, plans);
    else await operationRoutes(app, options, options.database, plans, quotas, quotaLock, logger);
  }
  await app.ready();
  return app;
}

/** Triggers, scheduled operations and operation logs: their stores and routes. */
function scheduleRoutes(
  app: FastifyInstance,
  options: ApiServerOptions,
  database: OpenDatabase,
  plans: PlanStore,
) {
  const triggers = new TriggerStore(database.db, database.dialect);
  const scheduledOperations = new ScheduledOperationStore(database.db);
  const operationLogs = new OperationLogStore(database.db);
  const timeTriggers = options.timeTriggers ?? KARBOR_TIME_TRIGGER_OPTIONS;
  triggerRoutes(app, triggers, timeTriggers, (id) => scheduledOperations.usesTrigger(id));
  scheduledOperationRoutes(app, scheduledOperations, triggers, plans, options.providers, operationLogs);
  return { triggers, scheduledOperations, operationLogs, timeTriggers };
}

/** The routes of a server that runs operations, the engine, and the recovery of an earlier server's. */
async function operationRoutes(
  app: FastifyInstance,
  options: ApiServerOptions,
  database: OpenDatabase,
  plans: PlanStore,
  quotas: QuotaStore,
  quotaLock: KeyedLock,
  logger: Logger,
): Promise<void> {
  // Operations run after their answer; closing the server cancels them (each checkpoint ends
  // `error`, reason `cancelled`, and can be resumed or deleted) and waits for them to stop.
  const running = new Set<Promise<unknown>>();
  const shutdown = new AbortController();
  let engine: OperationEngine | undefined;
  app.addHook('onClose', async () => {
    await engine?.stop();
    shutdown.abort();
    await Promise.allSettled([...running]);
    await engine?.retire();
  });
  /** Runs an operation after the answer; the server waits for it (or cancels it) on close. */
  const inBackground = (work: Promise<unknown>) => {
    const tracked: Promise<unknown> = work
      .catch((error: unknown) => logger.error('operation failed', { error: messageOf(error) }))
      .finally(() => running.delete(tracked));
    running.add(tracked);
  };
  const serviceOf = protectionServices(logger);
  const progress = new OperationProgress();
  const checkpointsInUse = (projectId: string) => countCheckpoints(options.providers, serviceOf, projectId);
  // This server runs operations: it is Karbor's karbor-protection service, listed with its heartbeat.
  const services = new ServiceStore(database.db);
  const registration = await services.register('karbor-protection');
  app.addHook('onClose', async () => registration.stop());
  const runningOperations: RunningOperations = {
    store: new RunningOperationStore(database.db),
    serviceId: registration.id,
    interrupted: new Set(),
  };
  inBackground(
    recordInterruptedOperations(runningOperations, options.providers, serviceOf, shutdown.signal, logger),
  );
  const checkpointOperations = checkpointRoutes(
    app,
    options.providers,
    plans,
    serviceOf,
    inBackground,
    shutdown.signal,
    quotas,
    quotaLock,
    checkpointsInUse,
    progress,
    runningOperations,
    logger,
  );
  serviceRoutes(app, services);
  const { triggers, scheduledOperations, operationLogs, timeTriggers } = scheduleRoutes(
    app,
    options,
    database,
    plans,
  );
  if (options.engine?.run !== false) {
    engine = new OperationEngine({
      triggers,
      operations: scheduledOperations,
      logs: operationLogs,
      plans,
      providers: options.providers,
      checkpoints: checkpointOperations,
      serviceOf,
      timeTriggers,
      ...(options.engine?.pollIntervalMs !== undefined
        ? { pollIntervalMs: options.engine.pollIntervalMs }
        : {}),
      ...(options.engine?.now !== undefined ? { now: options.engine.now } : {}),
      ...(options.engine?.retainedLogs !== undefined ? { retainedLogs: options.engine.retainedLogs } : {}),
      inBackground,
      logger,
    });
    options.engine?.onEngine?.(engine);
    app.addHook('onReady', async () => engine!.start());
  }
  quotaRoutes(app, quotas, async (projectId) => ({
    plans: await plans.count(projectId),
    checkpoints: await checkpointsInUse(projectId),
  }));
  const restores = new OperationRecordStore(database.db);
  // Every restore runs in the server that started it: one still in progress now was cut off.
  const interrupted = await restores.failInterrupted('the API server stopped while this restore ran');
  if (interrupted > 0) logger.warn('restores left in progress were marked fail', { count: interrupted });
  restoreRoutes(app, options.providers, restores, serviceOf, inBackground, shutdown.signal, logger, progress);
  const verifications = new OperationRecordStore(database.db, 'verifications');
  const stale = await verifications.failInterrupted('the API server stopped while this verification ran');
  if (stale > 0) logger.warn('verifications left in progress were marked fail', { count: stale });
  verificationRoutes(app, options.providers, verifications, serviceOf, inBackground, shutdown.signal, logger);
}

/** The status and message a client sees for an error; internal errors say no more than that. */
function faultOf(error: unknown): { status: number; message: string } {
  if (error instanceof ApiFault) return { status: error.status, message: error.message };
  const fastifyCode = (error as { code?: unknown }).code;
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, message: 'Request is too large.' };
  if (fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return { status: 415, message: 'Unsupported Content-Type' };
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500)
    return { status: statusCode, message: messageOf(error) };
  if (isHoardError(error)) {
    if (error.code === 'RESOURCE_NOT_FOUND') return { status: 404, message: error.message };
    return { status: 500, message: error.message };
  }
  return {
    status: 500,
    message: 'The server has either erred or is incapable of performing the requested operation.',
  };
}

/**
 * Karbor's text for a JSON-schema failure (`karbor/api/validation/validators.py`):
 * `Invalid input for field/attribute <field>. Value: <value>. <message>`.
 */
function schemaMessage(
  error: { instancePath: string; message?: string; params?: Record<string, unknown> } | undefined,
): string {
  if (error === undefined) return 'Invalid input';
  const path = error.instancePath.split('/').filter((p) => p !== '');
  const field =
    error.params?.['missingProperty'] !== undefined
      ? String(error.params['missingProperty'])
      : error.params?.['additionalProperty'] !== undefined
        ? String(error.params['additionalProperty'])
        : path[path.length - 1];
  const message =
    error.params?.['additionalProperty'] !== undefined
      ? `Additional properties are not allowed ('${String(error.params['additionalProperty'])}' was unexpected)`
      : (error.message ?? 'is invalid');
  if (field === undefined) return message;
  return `Invalid input for field/attribute ${field}. Value: ${path.join('.') || field}. ${message}`;
}
