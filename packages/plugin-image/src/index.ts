export { IMAGE_RESOURCE_TYPE, imageProtectable } from './imageProtectable.js';
export { imageProtectionPlugin } from './imageProtectionPlugin.js';
