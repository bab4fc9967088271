import { createRequire } from 'node:module';
import type { JsonSchema } from '@hoard/core';

// The schemas live as JSON files so that users and tools can read them without running code.
const require = createRequire(import.meta.url);

/** JSON schemas of the server plugin. */
export const serverSchemas = {
  protect: require('../schemas/protect.schema.json') as JsonSchema,
  restore: require('../schemas/restore.schema.json') as JsonSchema,
  savedInfo: require('../schemas/saved-info.schema.json') as JsonSchema,
};
