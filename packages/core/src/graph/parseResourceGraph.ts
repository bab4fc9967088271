import { HoardAggregateError, HoardError } from '../errors/HoardError.js';
import { compileSchema, validate } from '../schema/validation.js';
import { readJsonFile } from '../util/parseJsonFile.js';
import { ResourceGraph, type ResourceGraphDocument } from './ResourceGraph.js';

const referenceSchema = {
  type: 'object',
  required: ['type', 'id'],
  additionalProperties: false,
  properties: { type: { type: 'string', minLength: 1 }, id: { type: 'string', minLength: 1 } },
};

/** The JSON schema of a resource graph document (docs/protocol.md, "hoard flow"). */
export const RESOURCE_GRAPH_SCHEMA = {
  type: 'object',
  required: ['resources'],
  additionalProperties: false,
  properties: {
    resources: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'id'],
        additionalProperties: false,
        properties: {
          type: { type: 'string', minLength: 1 },
          id: { type: 'string', minLength: 1 },
          name: { type: 'string' },
          extra: { type: 'object' },
          dependsOn: { type: 'array', items: referenceSchema },
        },
      },
    },
  },
} as const;

const compiled = compileSchema(RESOURCE_GRAPH_SCHEMA, '@hoard/core (resource graph)');

/**
 * Checks a graph document and builds the graph.
 *
 * @param document - the parsed JSON
 * @param file - where it came from, for messages
 * @throws `RESOURCE_GRAPH_INVALID` listing every schema problem with its path, or naming a missing
 * child; `RESOURCE_GRAPH_CYCLE` on a cycle
 */
export function parseResourceGraph(document: unknown, file = 'resource graph'): ResourceGraph {
  const problems = validate(compiled, document);
  if (problems.length > 0) {
    throw new HoardAggregateError(
      'RESOURCE_GRAPH_INVALID',
      `${file}: invalid resource graph`,
      problems.map(
        (p) =>
          new HoardError('RESOURCE_GRAPH_INVALID', `${file}: ${p.path}: ${p.message}`, {
            file,
            path: p.path,
          }),
      ),
      { file },
    );
  }
  try {
    return ResourceGraph.fromDocument(document as ResourceGraphDocument);
  } catch (error) {
    if (error instanceof HoardError && error.file === undefined) {
      throw new HoardError(
        error.code,
        `${file}: ${error.message}`,
        {
          file,
          ...(error.path !== undefined ? { path: error.path } : {}),
          ...(error.resourceKey !== undefined ? { resourceKey: error.resourceKey } : {}),
          ...(error.details !== undefined ? { details: error.details } : {}),
        },
        { cause: error },
      );
    }
    throw error;
  }
}

/** Reads a graph file (JSON) and builds the graph; see {@link parseResourceGraph}. */
export async function readResourceGraphFile(file: string): Promise<ResourceGraph> {
  return parseResourceGraph(await readJsonFile(file, 'RESOURCE_GRAPH_INVALID'), file);
}
