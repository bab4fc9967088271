import { defineProtectionPlugin } from '@hoard/core';
import { PROJECT_RESOURCE_TYPE } from './projectProtectable.js';

/**
 * The project's protection plugin: nothing to save for the project itself (its resources have
 * their own plugins), so a whole project can be protected.
 */
export const projectProtectionPlugin = defineProtectionPlugin({
  name: 'project',
  resourceTypes: [PROJECT_RESOURCE_TYPE],
  schemas: {
    protect: { type: 'object', additionalProperties: false, properties: {} },
    restore: { type: 'object', additionalProperties: false, properties: {} },
    delete: { type: 'object', additionalProperties: false, properties: {} },
  },
  hooks: {},
});
