/** Who is calling: Karbor's request context, built by the auth strategy. */
export interface RequestContext {
  userId: string;
  projectId: string;
  roles: readonly string[];
  /** Karbor's `context_is_admin` policy (by default `role:admin`); every noauth caller is one. */
  isAdmin: boolean;
  /** Keystone's `is_admin_project` of the token (true when Keystone names no admin project). */
  isAdminProject: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook before any `/v1` route runs. */
    karborContext?: RequestContext;
  }
}
