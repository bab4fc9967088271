export { VOLUME_RESOURCE_TYPE, volumeProtectable } from './volumeProtectable.js';
export { volumeProtectionPlugin } from './volumeProtectionPlugin.js';
