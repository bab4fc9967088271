import { Readable } from 'node:stream';
import type { CloudConfig } from './cloudConfig.js';
import { fetchWithFastUploads } from './fetchWithFastUploads.js';
import { OpenStackError } from './OpenStackError.js';
import { backoffDelay, DEFAULT_RETRY, RETRYABLE_STATUS, type RetryOptions, sleep } from './retry.js';

/** One endpoint of the service catalog. */
interface CatalogEndpoint {
  interface: string;
  region?: string;
  region_id?: string;
  url: string;
}

/** One service of the service catalog. */
interface CatalogService {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

/** A keystone token with what came with it. */
export interface Token {
  /** The token itself: never log it. */
  value: string;
  expiresAt: number;
  projectId?: string;
  userId?: string;
  catalog: CatalogService[];
}

/** Options of a request. */
export interface RequestOptions {
  method?: string;
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  /** JSON body (sent with Content-Type application/json) or bytes. */
  json?: unknown;
  body?: Uint8Array | string;
  /**
   * A streamed body (e.g. image data). It can be sent once only: the call is never retried and
   * a 401 is not answered by re-authenticating (the token is refreshed before sending instead).
   */
  bodyStream?: AsyncIterable<Uint8Array>;
  /** Statuses that are not errors (default: 2xx). */
  expect?: readonly number[];
  /** Whether the call may be repeated safely (default: GET, HEAD, PUT, DELETE are; POST and PATCH are not). */
  idempotent?: boolean;
  /** Microversion header for Nova, Cinder, Manila (`OpenStack-API-Version: <service> <version>`). */
  microversion?: string;
  signal?: AbortSignal;
  /** Per-attempt timeout in ms (default 60 s). */
  timeoutMs?: number;
}

/** Options of {@link Session}. */
export interface SessionOptions {
  retry?: Partial<RetryOptions>;
  /** Re-authenticate this long before the token expires (default 5 min). */
  refreshBeforeMs?: number;
  /** Used instead of global fetch (tests). */
  fetch?: typeof fetch;
  /** Per-attempt timeout of requests that set none (default 60 s). */
  requestTimeoutMs?: number;
  /** Called when a request is retried (for logs; never gets secrets). */
  onRetry?(info: { service: string; method: string; path: string; attempt: number; reason: string }): void;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/**
 * An authenticated connection to one cloud: Keystone v3 token, service catalog, requests with
 * retries.
 *
 * @remarks Hand-written over the platform's fetch (undici; byte uploads through undici's
 * `request()`, see {@link fetchWithFastUploads}) rather than an OpenStack SDK: the
 * JavaScript SDKs on npm are unmaintained or browser-oriented, and Hoard needs only a handful of
 * calls, with re-authentication on 401, bounded retries of idempotent calls and no secret in any
 * message. The token is reused until shortly before it expires.
 */
export class Session {
  private token: Token | undefined;
  private pending: Promise<Token> | undefined;
  private readonly retry: RetryOptions;
  private readonly fetchImpl: typeof fetch;

  constructor(
    readonly config: CloudConfig,
    private readonly options: SessionOptions = {},
  ) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.fetchImpl = options.fetch ?? fetchWithFastUploads;
  }

  /**
   * `text` without this session's credentials (password, application credential secret, token,
   * also JSON-escaped and URL-encoded) or a URL password: a Keystone or proxy that echoes the
   * request must not put them into an error message.
   */
  private scrub(text: string): string {
    const a = this.config.auth;
    let out = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:'"]*):[^\s/?#@'"]*@/gi, '$1:***@');
    for (const secret of [a.password, a.applicationCredentialSecret, a.token, this.token?.value]) {
      if (secret === undefined || secret.length === 0) continue;
      for (const spelling of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])
        out = out.split(spelling).join('***');
    }
    return out;
  }

  /** The Keystone URL as messages show it (without a password in it). */
  private get keystone(): string {
    return this.scrub(this.config.auth.authUrl);
  }

  /** A valid token, authenticating when there is none or it is about to expire. */
  async getToken(signal?: AbortSignal): Promise<Token> {
    const refreshBefore = this.options.refreshBeforeMs ?? 5 * 60 * 1000;
    if (this.token && this.token.expiresAt - refreshBefore > Date.now()) return this.token;
    this.pending ??= this.authenticate(signal).finally(() => {
      this.pending = undefined;
    });
    this.token = await this.pending;
    return this.token;
  }

  /** Forgets the token (after a 401), so the next call authenticates again. */
  invalidate(): void {
    this.token = undefined;
  }

  private authBody(): unknown {
    const a = this.config.auth;
    const domain = (name?: string, id?: string) => (id ? { id } : { name: name ?? 'Default' });
    let identity: unknown;
    if (a.type === 'v3applicationcredential') {
      identity = {
        methods: ['application_credential'],
        application_credential: a.applicationCredentialId
          ? { id: a.applicationCredentialId, secret: a.applicationCredentialSecret }
          : {
              name: a.applicationCredentialName,
              secret: a.applicationCredentialSecret,
              user: a.userId
                ? { id: a.userId }
                : { name: a.username, domain: domain(a.userDomainName, a.userDomainId) },
            },
      };
      return { auth: { identity } };
    }
    if (a.type === 'token') {
      identity = { methods: ['token'], token: { id: a.token } };
    } else {
      if (a.password === undefined) {
        throw new OpenStackError(
          'OPENSTACK_CONFIG_INVALID',
          `No password for user '${a.username ?? a.userId}' (from ${this.config.source})`,
        );
      }
      identity = {
        methods: ['password'],
        password: {
          user: a.userId
            ? { id: a.userId, password: a.password }
            : { name: a.username, domain: domain(a.userDomainName, a.userDomainId), password: a.password },
        },
      };
    }
    let scope: unknown;
    if (a.projectId) scope = { project: { id: a.projectId } };
    else if (a.projectName)
      scope = { project: { name: a.projectName, domain: domain(a.projectDomainName, a.projectDomainId) } };
    else if (a.domainName || a.domainId) scope = { domain: domain(a.domainName, a.domainId) };
    return { auth: scope ? { identity, scope } : { identity } };
  }

  private async authenticate(signal?: AbortSignal): Promise<Token> {
    const url = `${this.config.auth.authUrl}/auth/tokens`;
    const body = JSON.stringify(this.authBody());
    const who =
      this.config.auth.type === 'v3applicationcredential'
        ? `application credential ${this.config.auth.applicationCredentialId ?? this.config.auth.applicationCredentialName}`
        : this.config.auth.type === 'token'
          ? 'a token'
          : `user '${this.config.auth.username ?? this.config.auth.userId}'`;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body,
          signal: signal
            ? AbortSignal.any([signal, AbortSignal.timeout(30_000)])
            : AbortSignal.timeout(30_000),
        });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (attempt < this.retry.attempts) {
          this.options.onRetry?.({
            service: 'identity',
            method: 'POST',
            path: pathOf(url),
            attempt,
            reason: describeFetchError(error),
          });
          await sleep(backoffDelay(attempt, this.retry), signal);
          continue;
        }
        throw new OpenStackError(
          'OPENSTACK_UNREACHABLE',
          `Keystone at ${this.keystone} is unreachable (${this.scrub(describeFetchError(error))}) after ${attempt} attempts`,
          { cause: error },
        );
      }
      if (response.status === 201 || response.status === 200) {
        const value = response.headers.get('x-subject-token');
        const json = (await response.json()) as {
          token: {
            expires_at: string;
            project?: { id: string };
            user?: { id: string };
            catalog?: CatalogService[];
          };
        };
        if (!value)
          throw new OpenStackError('OPENSTACK_AUTH_FAILED', `Keystone at ${this.keystone} returned no token`);
        const token: Token = {
          value,
          expiresAt: Date.parse(json.token.expires_at),
          catalog: json.token.catalog ?? [],
        };
        if (json.token.project) token.projectId = json.token.project.id;
        if (json.token.user) token.userId = json.token.user.id;
        return token;
      }
      const text = await response.text().catch(() => '');
      if (RETRYABLE_STATUS.has(response.status) && attempt < this.retry.attempts) {
        this.options.onRetry?.({
          service: 'identity',
          method: 'POST',
          path: pathOf(url),
          attempt,
          reason: `HTTP ${response.status}`,
        });
        await sleep(backoffDelay(attempt, this.retry, response.headers.get('retry-after')), signal);
        continue;
      }
      const reason = (() => {
        try {
          return (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text.slice(0, 200);
        } catch {
          return text.slice(0, 200);
        }
      })();
      throw new OpenStackError(
        response.status === 401 || response.status === 403 || response.status === 404
          ? 'OPENSTACK_AUTH_FAILED'
          : 'OPENSTACK_REQUEST_FAILED',
        `Keystone at ${this.keystone} refused to authenticate ${who} (HTTP ${response.status}): ${this.scrub(reason)}`,
        { status: response.status },
      );
    }
  }

  /**
   * The URL of a service from the catalog (or an endpoint override).
   *
   * @throws `OPENSTACK_ENDPOINT_NOT_FOUND` naming the service type, interface and region, and the types the catalog has
   */
  async endpoint(serviceType: string, signal?: AbortSignal): Promise<string> {
    return this.endpointOf(await this.getToken(signal), serviceType);
  }

  private endpointOf(token: Token, serviceType: string): string {
    const override = this.config.endpointOverrides[serviceType];
    if (override) return override.replace('%(project_id)s', token.projectId ?? '').replace(/\/+$/, '');
    const service = token.catalog.find((s) => s.type === serviceType);
    const region = this.config.regionName;
    const endpoint = service?.endpoints.find(
      (e) =>
        e.interface === this.config.interface &&
        (region === undefined || e.region === region || e.region_id === region),
    );
    if (endpoint === undefined) {
      throw new OpenStackError(
        'OPENSTACK_ENDPOINT_NOT_FOUND',
        `The service catalog has no ${this.config.interface} '${serviceType}' endpoint${region ? ` in region ${region}` : ''} (services: ${token.catalog.map((s) => s.type).join(', ') || 'none'})`,
      );
    }
    return endpoint.url.replace(/\/+$/, '');
  }

  /**
   * Sends a request to a service, with the token; retries idempotent calls on 429, 5xx and
   * connection errors; re-authenticates once on 401.
   *
   * @param serviceType - catalog type, e.g. `object-store`, `volumev3`
   * @param path - path after the endpoint URL (starting with `/`), or an absolute URL
   * @throws `OPENSTACK_REQUEST_FAILED` naming the service, method, path and status
   */
  async request(serviceType: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const method = options.method ?? 'GET';
    const streamed = options.bodyStream !== undefined;
    const idempotent = !streamed && (options.idempotent ?? IDEMPOTENT.has(method));
    const expect = options.expect;
    let reauthenticated = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.getToken(options.signal);
      const base = path.startsWith('http') ? '' : this.endpointOf(token, serviceType);
      const url = new URL(base + path);
      for (const [k, v] of Object.entries(options.query ?? {}))
        if (v !== undefined) url.searchParams.set(k, String(v));
      const headers: Record<string, string> = {
        'X-Auth-Token': token.value,
        Accept: 'application/json',
        ...options.headers,
      };
      if (options.microversion) headers['OpenStack-API-Version'] = options.microversion;
      let body: RequestInit['body'];
      if (options.json !== undefined) {
        body = JSON.stringify(options.json);
        headers['Content-Type'] = 'application/json';
      } else if (options.body !== undefined) {
        body = options.body as RequestInit['body'];
      } else if (options.bodyStream !== undefined) {
        body = Readable.toWeb(Readable.from(options.bodyStream)) as RequestInit['body'];
      }
      const timeout = AbortSignal.timeout(options.timeoutMs ?? this.options.requestTimeoutMs ?? 60_000);
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method,
          headers,
          ...(body !== undefined ? { body } : {}),
          ...(streamed ? { duplex: 'half' } : {}),
          signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
        });
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        const reason = timeout.aborted ? 'timed out' : describeFetchError(error);
        if (idempotent && attempt < this.retry.attempts) {
          this.options.onRetry?.({ service: serviceType, method, path: url.pathname, attempt, reason });
          await sleep(backoffDelay(attempt, this.retry), options.signal);
          continue;
        }
        throw new OpenStackError(
          'OPENSTACK_UNREACHABLE',
          `${serviceType} ${method} ${url.pathname} failed: ${this.scrub(reason)}${attempt > 1 ? ` (after ${attempt} attempts)` : ''}`,
          { cause: error },
        );
      }
      if (response.status === 401 && !reauthenticated && !streamed) {
        await response.body?.cancel();
        reauthenticated = true;
        this.invalidate();
        attempt--;
        continue;
      }
      const ok = expect ? expect.includes(response.status) : response.ok;
      if (ok) return response;
      if (idempotent && RETRYABLE_STATUS.has(response.status) && attempt < this.retry.attempts) {
        await response.body?.cancel();
        this.options.onRetry?.({
          service: serviceType,
          method,
          path: url.pathname,
          attempt,
          reason: `HTTP ${response.status}`,
        });
        await sleep(backoffDelay(attempt, this.retry, response.headers.get('retry-after')), options.signal);
        continue;
      }
      const text = await response.text().catch(() => '');
      throw new OpenStackError(
        'OPENSTACK_REQUEST_FAILED',
        `${serviceType} ${method} ${url.pathname} returned HTTP ${response.status}${text ? `: ${this.scrub(text.replace(/\s+/g, ' ').slice(0, 300))}` : ''}`,
        { status: response.status, details: { service: serviceType, method, path: url.pathname } },
      );
    }
  }

  /** A request whose answer is JSON. */
  async json<T>(serviceType: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(serviceType, path, options);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
}
