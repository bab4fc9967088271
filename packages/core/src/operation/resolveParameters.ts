import { HoardAggregateError, HoardError } from '../errors/HoardError.js';
import type { ResourceGraph } from '../graph/ResourceGraph.js';
import { type JsonObject, type Operation, resourceKey } from '../plugin-api/types.js';
import type { LoadedProtectionPlugin } from '../provider/Provider.js';
import { redactSecrets } from '../schema/redactSecrets.js';
import { validate } from '../schema/validation.js';
import { readJsonFile } from '../util/parseJsonFile.js';

/**
 * Operation parameters in Karbor's format (docs/protocol.md, "Parameters"): keyed by resource type or by resource key;
 * a key entry overrides the type entry field by field.
 */
export type ParametersDocument = Record<string, JsonObject>;

/** Reads a parameters file and checks its shape (an object of objects). */
export async function readParametersFile(file: string): Promise<ParametersDocument> {
  const document = await readJsonFile(file, 'PARAMETERS_FILE_INVALID');
  return checkParametersDocument(document, file);
}

/** Checks a parameters document's shape. */
export function checkParametersDocument(document: unknown, file = 'parameters'): ParametersDocument {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new HoardError(
      'PARAMETERS_FILE_INVALID',
      `${file}: parameters must be a JSON object keyed by resource type or resource key`,
      { file },
    );
  }
  for (const [key, value] of Object.entries(document)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new HoardError(
        'PARAMETERS_FILE_INVALID',
        `${file}: ${JSON.stringify(key)} must be an object of parameters`,
        {
          file,
          path: key,
        },
      );
    }
  }
  return document as ParametersDocument;
}

/**
 * Merges and validates each resource's parameters for one operation, applying schema defaults.
 *
 * @returns the parameters of each resource node
 * @throws `PARAMETERS_INVALID` listing every problem with its resource key and field path
 */
/**
 * One resource's parameters from a parameters document: those given for its type, overridden by
 * those given for the resource itself (`TYPE#ID`), copied so that defaults can be filled in.
 */
export function parametersFor(
  document: ParametersDocument,
  resource: { type: string; id: string },
): JsonObject {
  return structuredClone({ ...document[resource.type], ...document[resourceKey(resource)] });
}

export function resolveParameters(
  graph: ResourceGraph,
  pluginOf: (type: string) => LoadedProtectionPlugin,
  operation: Operation | 'verify',
  document: ParametersDocument,
  file = 'parameters',
): JsonObject[] {
  const problems: HoardError[] = [];
  for (const key of Object.keys(document)) {
    if (key.includes('#') && graph.nodeOf(key) === undefined) {
      problems.push(
        new HoardError(
          'PARAMETERS_INVALID',
          `${file}: ${JSON.stringify(key)}: no such resource in the resource graph`,
          {
            file,
            path: key,
            resourceKey: key,
          },
        ),
      );
    }
  }
  const out = graph.resources.map((resource) => {
    const key = resourceKey(resource);
    const merged = parametersFor(document, resource);
    const schema = pluginOf(resource.type).schemas[operation];
    if (schema !== undefined) {
      for (const p of validate(schema, merged, `${key}`)) {
        problems.push(
          new HoardError('PARAMETERS_INVALID', `${file}: ${p.path}: ${p.message}`, {
            file,
            path: p.path,
            resourceKey: key,
          }),
        );
      }
    }
    return merged;
  });
  if (problems.length > 0) {
    throw new HoardAggregateError('PARAMETERS_INVALID', `Invalid ${operation} parameters`, problems, {
      file,
    });
  }
  return out;
}

/** The parameters document with values that any plugin's schema marks secret redacted. */
export function redactParameters(
  document: ParametersDocument,
  pluginOf: (type: string) => LoadedProtectionPlugin | undefined,
  operation: Operation | 'verify',
): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(document)) {
    const type = key.includes('#') ? key.slice(0, key.indexOf('#')) : key;
    out[key] = redactSecrets(pluginOf(type)?.schemas[operation]?.schema, value);
  }
  return out;
}
