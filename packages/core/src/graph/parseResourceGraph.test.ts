import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HoardError } from '../errors/HoardError.js';
import { silentLogger } from '../logging/createLogger.js';
import { defineProtectable } from '../plugin-api/Protectable.js';
import { buildResourceGraph } from './buildResourceGraph.js';
import { parseResourceGraph, readResourceGraphFile } from './parseResourceGraph.js';

function errorOf(fn: () => unknown): HoardError {
  try {
    fn();
  } catch (error) {
    return error as HoardError;
  }
  throw new Error('expected an error');
}

describe('parseResourceGraph', () => {
  it('builds a graph with several parents per resource', () => {
    const graph = parseResourceGraph({
      resources: [
        { type: 'S', id: 's1', dependsOn: [{ type: 'V', id: 'v' }] },
        { type: 'S', id: 's2', dependsOn: [{ type: 'V', id: 'v' }] },
        { type: 'V', id: 'v', name: 'shared' },
      ],
    });
    expect(graph.size).toBe(3);
    expect(graph.roots()).toEqual([0, 1]);
    expect(graph.toDocument().resources[2]).toEqual({ type: 'V', id: 'v', name: 'shared' });
  });

  it('names a missing child', () => {
    const error = errorOf(() =>
      parseResourceGraph(
        { resources: [{ type: 'S', id: 's1', dependsOn: [{ type: 'V', id: 'gone' }] }] },
        'g.json',
      ),
    );
    expect(error.code).toBe('RESOURCE_GRAPH_INVALID');
    expect(error.message).toBe(
      "g.json: resources[0].dependsOn[0]: 'S#s1' depends on 'V#gone', which is not listed in resources",
    );
  });

  it('reports every unknown or missing field with its path', () => {
    const error = errorOf(() =>
      parseResourceGraph(
        {
          resources: [
            { type: 'S', idd: 'x' },
            { type: 'S', id: 'y', colour: 'red' },
          ],
        },
        'g.json',
      ),
    );
    expect(error.code).toBe('RESOURCE_GRAPH_INVALID');
    expect(error.message).toContain('g.json: resources[0].id: is required');
    expect(error.message).toContain('g.json: resources[0].idd: is not allowed (unknown field)');
    expect(error.message).toContain('g.json: resources[1].colour: is not allowed (unknown field)');
  });

  it('rejects a cycle and prints it as a path', () => {
    const error = errorOf(() =>
      parseResourceGraph({
        resources: [
          { type: 'T', id: 'a', dependsOn: [{ type: 'T', id: 'b' }] },
          { type: 'T', id: 'b', dependsOn: [{ type: 'T', id: 'c' }] },
          { type: 'T', id: 'c', dependsOn: [{ type: 'T', id: 'a' }] },
        ],
      }),
    );
    expect(error.code).toBe('RESOURCE_GRAPH_CYCLE');
    expect(error.message).toContain('T#a → T#b → T#c → T#a');
  });

  it('rejects a cycle reachable from a root', () => {
    const error = errorOf(() =>
      parseResourceGraph({
        resources: [
          { type: 'T', id: 'root', dependsOn: [{ type: 'T', id: 'x' }] },
          { type: 'T', id: 'x', dependsOn: [{ type: 'T', id: 'y' }] },
          { type: 'T', id: 'y', dependsOn: [{ type: 'T', id: 'x' }] },
        ],
      }),
    );
    expect(error.code).toBe('RESOURCE_GRAPH_CYCLE');
    expect(error.message).toContain('T#x → T#y → T#x');
  });

  it('rejects a resource listed twice', () => {
    const error = errorOf(() =>
      parseResourceGraph({
        resources: [
          { type: 'T', id: 'a' },
          { type: 'T', id: 'a' },
        ],
      }),
    );
    expect(error.code).toBe('RESOURCE_GRAPH_INVALID');
    expect(error.resourceKey).toBe('T#a');
  });

  it('names file, line and column of malformed JSON', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hoard-graph-'));
    const file = path.join(dir, 'graph.json');
    await writeFile(file, '{\n  "resources": [\n    { "type": "T", }\n  ]\n}\n');
    const error = (await readResourceGraphFile(file).catch((e: unknown) => e)) as HoardError;
    expect(error.code).toBe('RESOURCE_GRAPH_INVALID');
    expect(error.message).toBe(`${file}:3:20: invalid JSON: property name expected`);
    expect(error.line).toBe(3);
  });
});

describe('buildResourceGraph', () => {
  const ctx = { config: {}, signal: new AbortController().signal, logger: silentLogger };
  const server = defineProtectable({
    name: 'server',
    resourceType: 'S',
    parentTypes: ['P'],
    list: async () => [],
    show: async (_c, id) => ({ type: 'S', id, name: id }),
    getDependentResources: async () => [
      { type: 'S', id: 's1', name: 's1' },
      { type: 'S', id: 's2', name: 's2' },
    ],
  });
  const volume = defineProtectable({
    name: 'volume',
    resourceType: 'V',
    parentTypes: ['P', 'S'],
    list: async () => [],
    show: async (_c, id) => ({ type: 'V', id, name: id }),
    getDependentResources: async () => [{ type: 'V', id: 'shared', name: 'shared' }],
  });
  const project = defineProtectable({
    name: 'project',
    resourceType: 'P',
    parentTypes: [],
    list: async () => [],
    show: async (_c, id) => ({ type: 'P', id, name: id }),
    getDependentResources: async () => [],
  });

  it('walks protectables from the selected resources; a shared child is expanded once', async () => {
    const graph = await buildResourceGraph(
      [{ type: 'P', id: 'p', name: 'p' }],
      [project, server, volume],
      ctx,
    );
    expect(graph.toDocument()).toEqual({
      resources: [
        {
          type: 'P',
          id: 'p',
          name: 'p',
          dependsOn: [
            { type: 'S', id: 's1' },
            { type: 'S', id: 's2' },
            { type: 'V', id: 'shared' },
          ],
        },
        { type: 'S', id: 's1', name: 's1', dependsOn: [{ type: 'V', id: 'shared' }] },
        { type: 'S', id: 's2', name: 's2', dependsOn: [{ type: 'V', id: 'shared' }] },
        { type: 'V', id: 'shared', name: 'shared' },
      ],
    });
  });

  it('rejects an unknown resource type', async () => {
    const error = (await buildResourceGraph([{ type: 'X::Y', id: '1', name: '' }], [project], ctx).catch(
      (e: unknown) => e,
    )) as HoardError;
    expect(error.code).toBe('RESOURCE_TYPE_UNKNOWN');
    expect(error.message).toContain("'X::Y#1'");
  });
});
