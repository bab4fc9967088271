export { directoryProtectable, directoryResource, DIRECTORY_RESOURCE_TYPE } from './directoryProtectable.js';
export { directoryProtectionPlugin } from './directoryProtectionPlugin.js';
