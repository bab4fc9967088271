import { createHash } from 'node:crypto';
import type { Logger } from '@hoard/core';
import { messageOf } from '@hoard/core/host';
import { type CloudAuth, Session } from '@hoard/openstack';
import { ApiFault } from '../faults.js';
import type { RequestContext } from '../requestContext.js';

/** `[keystone_authtoken]`: keystonemiddleware's option names, as Karbor's config has them. */
export interface KeystoneAuthTokenOptions {
  /** `auth_url`: Keystone, with or without `/v3`. */
  authUrl: string;
  /** `www_authenticate_uri` (or the older `auth_uri`): named in a 401's `WWW-Authenticate`. */
  wwwAuthenticateUri?: string;
  /** The service user that validates tokens (`auth_type = password`: `username`, `password`, …). */
  serviceUser: Omit<CloudAuth, 'authUrl'>;
  /** `region_name`. */
  regionName?: string;
  /** `token_cache_time`: seconds a validation is kept (default 300; never past the token's expiry). */
  tokenCacheTime?: number;
}

/** A token Keystone answered for, as the API needs it. */
interface Validation {
  context: Omit<RequestContext, 'isAdmin'> | undefined;
  /** Epoch ms after which the token is validated again. */
  until: number;
}

/** Validations kept at most (the oldest are dropped first). */
const CACHE_ENTRIES = 10_000;

/** keystonemiddleware's 401 body and text. */
export const UNAUTHORIZED_BODY = {
  error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
};

/**
 * Karbor's `authtoken` + `keystonecontext` filters: validates `X-Auth-Token` with Keystone
 * (`GET /v3/auth/tokens` as the service user) and builds the caller's context from the answer.
 * Validations, valid or not, are cached under the token's SHA-256 (never the token itself) until
 * `token_cache_time` passes or the token expires; concurrent requests with one token make one
 * call.
 */
export class KeystoneAuth {
  private readonly session: Session;
  private readonly identity: string;
  private readonly cache = new Map<string, Validation>();
  private readonly pending = new Map<string, Promise<Validation>>();
  private readonly cacheMs: number;

  constructor(
    readonly options: KeystoneAuthTokenOptions,
    private readonly logger: Logger,
  ) {
    const base = options.authUrl.replace(/\/+$/, '');
    this.identity = /\/v3$/.test(base) ? base : `${base}/v3`;
    this.session = new Session(
      {
        auth: { ...options.serviceUser, authUrl: this.identity },
        ...(options.regionName !== undefined ? { regionName: options.regionName } : {}),
        interface: 'public',
        endpointOverrides: {},
        source: '[keystone_authtoken]',
      },
      { retry: { attempts: 2 }, requestTimeoutMs: 10_000 },
    );
    this.cacheMs = (options.tokenCacheTime ?? 300) * 1000;
  }

  /** The `WWW-Authenticate` value of a 401. */
  get challenge(): string {
    return `Keystone uri="${this.options.wwwAuthenticateUri ?? this.options.authUrl}"`;
  }

  /**
   * The caller of a request with `token`, `isAdmin` left to the policy.
   *
   * @throws 401 when Keystone does not know the token (or it expired), 403 when it is not scoped
   *   to a project, 503 when Keystone cannot be asked
   */
  async contextOf(token: string): Promise<Omit<RequestContext, 'isAdmin'>> {
    const key = createHash('sha256').update(token).digest('hex');
    let validation = this.cache.get(key);
    if (validation === undefined || validation.until <= Date.now()) {
      let asking = this.pending.get(key);
      if (asking === undefined) {
        asking = this.validate(token).finally(() => this.pending.delete(key));
        this.pending.set(key, asking);
      }
      validation = await asking;
      this.cache.delete(key);
      if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, validation);
    }
    if (validation.context === undefined) throw new ApiFault(401, UNAUTHORIZED_BODY.error.message);
    if (validation.context.projectId === '')
      throw new ApiFault(403, 'The token is not scoped to a project; the API needs a project-scoped token.');
    return validation.context;
  }

  private async validate(token: string): Promise<Validation> {
    let response: Response;
    try {
      response = await this.session.request('identity', `${this.identity}/auth/tokens`, {
        query: { nocatalog: '' },
        headers: { 'X-Subject-Token': token },
        expect: [200, 401, 403, 404],
      });
    } catch (error) {
      // The message is the server's own (no token in it): Keystone's answer is not repeated.
      this.logger.error('Keystone did not validate a token', { error: messageOf(error) });
      throw new ApiFault(503, 'The server is currently unavailable. Please try again at a later time.');
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      return { context: undefined, until: Date.now() + this.cacheMs };
    }
    const body = (await response.json()) as {
      token?: {
        expires_at?: string;
        user?: { id?: string };
        project?: { id?: string };
        roles?: { name?: string }[];
        is_admin_project?: boolean;
      };
    };
    const t = body.token;
    const expires = Date.parse(t?.expires_at ?? '');
    if (t?.user?.id === undefined || !Number.isFinite(expires) || expires <= Date.now())
      return { context: undefined, until: Date.now() + this.cacheMs };
    return {
      context: {
        userId: t.user.id,
        projectId: t.project?.id ?? '',
        roles: (t.roles ?? []).flatMap((r) => (r.name !== undefined ? [r.name] : [])),
        // keystonemiddleware's X-Is-Admin-Project is True unless Keystone says otherwise.
        isAdminProject: t.is_admin_project ?? true,
      },
      until: Math.min(expires, Date.now() + this.cacheMs),
    };
  }
}
