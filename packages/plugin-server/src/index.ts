export { SERVER_RESOURCE_TYPE, serverProtectable } from './serverProtectable.js';
export { serverProtectionPlugin } from './serverProtectionPlugin.js';
