/**
 * `@hoard/server`: OpenStack Karbor's v1 REST API over Hoard's providers (docs/api.md).
 *
 * @packageDocumentation
 */
export { type ApiServerOptions, createApiServer } from './app.js';
export type { KeystoneAuthTokenOptions } from './auth/keystone.js';
export {
  DEFAULT_POLICIES,
  Policy,
  type PolicyContext,
  type PolicyTarget,
  readPolicyFile,
} from './auth/policy.js';
export { defaultServerConfig, readServerConfig, type ServerConfig } from './config/serverConfig.js';
export { type OpenDatabase, openDatabase } from './database/openDatabase.js';
export type { TimeFormat, TimeTriggerOptions } from './engine/timeTrigger.js';
export { type LocalApi, type LocalApiOptions, openLocalApi } from './localApi.js';
export type { RequestContext } from './requestContext.js';
export { type ServeOptions, type ServeResult, serve } from './serve.js';
