export { PROJECT_RESOURCE_TYPE, projectProtectable } from './projectProtectable.js';
export { projectProtectionPlugin } from './projectProtectionPlugin.js';
