export { type FaultProxy, startFaultProxy } from './faultProxy.js';
export { MINICLOUD_CLOUDS_YAML, minicloud } from './minicloud.js';
export { createTestProject, type TestProject, waitUntil } from './testProject.js';
