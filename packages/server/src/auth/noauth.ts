import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext } from '../requestContext.js';

/**
 * Karbor's `NoAuthMiddleware`, for development on a loopback address only: without a token it
 * answers 204 with the token to use (`<user>:<project>`, from `X-Auth-User` / `X-Auth-Project-Id`,
 * both `admin` by default); with a token `user:project` the caller is an admin of `project`.
 *
 * @returns the caller, or `undefined` when the reply has been sent
 */
export function noAuthContext(request: FastifyRequest, reply: FastifyReply): RequestContext | undefined {
  const token = header(request, 'x-auth-token');
  if (token === undefined) {
    const user = header(request, 'x-auth-user') ?? 'admin';
    const project = header(request, 'x-auth-project-id') ?? 'admin';
    const url = `${request.protocol}://${request.host}${request.url.replace(/\/+$/, '')}`;
    void reply
      .code(204)
      .header('X-Auth-Token', `${user}:${project}`)
      .header('X-Server-Management-Url', `${url}/${project}`)
      .header('Content-Type', 'text/plain; charset=UTF-8')
      .send();
    return undefined;
  }
  const colon = token.indexOf(':');
  const userId = colon < 0 ? token : token.slice(0, colon);
  const projectId = colon < 0 ? token : token.slice(colon + 1) || userId;
  return { userId, projectId, roles: ['admin'], isAdmin: true, isAdminProject: true };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}
