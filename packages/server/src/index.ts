/**
 * `@hoard/server`: OpenStack Karbor's v1 REST API over Hoard's providers (docs/api.md).
 *
 * @packageDocumentation
 */
export { type ApiServerOptions, createApiServer } from './app.js';
export { type OpenDatabase, openDatabase } from './database/openDatabase.js';
export { type ServeOptions, type ServeResult, serve } from './serve.js';
