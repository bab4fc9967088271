/** Who is calling: Karbor's request context, built by the auth strategy. */
export interface RequestContext {
  userId: string;
  projectId: string;
  roles: readonly string[];
  /** Karbor's `context_is_admin` (`role:admin`), or every noauth caller. */
  isAdmin: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook before any `/v1` route runs. */
    karborContext?: RequestContext;
  }
}
