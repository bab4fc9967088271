import type { Caller, Secret } from '@hoard/core';

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

/**
 * The caller core's plugins act for. With Keystone auth it carries the request's token, so the
 * OpenStack plugins list, protect, restore and delete with the caller's rights and never with
 * their provider's own identity; noauth callers carry none (the provider's identity is used, as
 * the CLI does: noauth is for one developer on a loopback address).
 */
export function callerOf(context: RequestContext, credential?: Secret): Caller {
  return {
    projectId: context.projectId,
    userId: context.userId,
    roles: context.roles,
    ...(credential !== undefined ? { credential } : {}),
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook before any `/v1` route runs. */
    karborContext?: RequestContext;
    /** Set with `karborContext`: who core's plugins act for. */
    caller?: Caller;
  }
}
