export { DIRECTORY_RESOURCE_TYPE, directoryProtectable, directoryResource } from './directoryProtectable.js';
export { directoryProtectionPlugin } from './directoryProtectionPlugin.js';
