export { SHARE_RESOURCE_TYPE, shareProtectable } from './shareProtectable.js';
export { shareProtectionPlugin } from './shareProtectionPlugin.js';
