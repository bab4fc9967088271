import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResourceGraph } from '../graph/ResourceGraph.js';
import { OPERATIONS, resourceKey } from '../plugin-api/types.js';
import { randomResourceGraph } from '../testing/randomGraph.js';
import { compileFlow } from './compileFlow.js';
import { type Flow, taskId, toFlowDocument } from './Flow.js';
import { pruneFlow } from './pruneFlow.js';

/** Every ordered pair "A<B" of task ids in the transitive closure of the flow's edges. */
function closureOfFlow(flow: Flow): Set<string> {
  const count = flow.taskResource.length;
  const successors: number[][] = Array.from({ length: count }, () => []);
  for (let e = 0; e < flow.edgeFrom.length; e++) successors[flow.edgeFrom[e]!]!.push(flow.edgeTo[e]!);
  const pairs = new Set<string>();
  for (let t = 0; t < count; t++) {
    const seen = new Set<number>();
    const stack = [...successors[t]!];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      pairs.add(`${taskId(flow, t)}<${taskId(flow, s)}`);
      stack.push(...successors[s]!);
    }
  }
  return pairs;
}

/**
 * The required partial order of docs/protocol.md, "The six ordering rules", derived independently of the compiler from what the six
 * rules imply: from X/prepare_begin one reaches the begin of every proper descendant and the
 * finish, main and complete of every ancestor-or-self of a descendant-or-self of X; from
 * X/prepare_finish the finish of every proper ancestor and main/complete of every ancestor-or-self;
 * from X/main the complete of every ancestor-or-self; from X/complete that of every proper ancestor.
 */
function requiredOrder(graph: ResourceGraph): Set<string> {
  const n = graph.size;
  const key = (i: number) => resourceKey(graph.resources[i]!);
  const descendants = (i: number): Set<number> => {
    const out = new Set<number>();
    const stack = [...graph.children[i]!];
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (out.has(c)) continue;
      out.add(c);
      stack.push(...graph.children[c]!);
    }
    return out;
  };
  const desc = Array.from({ length: n }, (_, i) => descendants(i));
  const anc = Array.from(
    { length: n },
    (_, i) => new Set([...Array(n).keys()].filter((j) => desc[j]!.has(i))),
  );
  const pairs = new Set<string>();
  const add = (a: number, ha: string, b: number, hb: string) => pairs.add(`${key(a)}/${ha}<${key(b)}/${hb}`);
  for (let x = 0; x < n; x++) {
    const descOrSelf = new Set([x, ...desc[x]!]);
    const ancOrSelf = new Set([x, ...anc[x]!]);
    for (const z of desc[x]!) add(x, 'prepare_begin', z, 'prepare_begin');
    const upFromDesc = new Set<number>();
    for (const z of descOrSelf) {
      upFromDesc.add(z);
      for (const w of anc[z]!) upFromDesc.add(w);
    }
    for (const w of upFromDesc)
      for (const h of ['prepare_finish', 'main', 'complete']) add(x, 'prepare_begin', w, h);
    for (const w of anc[x]!) add(x, 'prepare_finish', w, 'prepare_finish');
    for (const w of ancOrSelf) {
      add(x, 'prepare_finish', w, 'main');
      add(x, 'prepare_finish', w, 'complete');
      add(x, 'main', w, 'complete');
    }
    for (const w of anc[x]!) add(x, 'complete', w, 'complete');
  }
  return pairs;
}

function graphOf(spec: Record<string, string[]>): ResourceGraph {
  return ResourceGraph.create(
    Object.entries(spec).map(([id, deps]) => ({
      resource: { type: 'T', id, name: id },
      dependsOn: deps.map((d) => ({ type: 'T', id: d })),
    })),
  );
}

describe('compileFlow', () => {
  it('emits the six rules for one parent and one child, and nothing else', () => {
    const flow = compileFlow(graphOf({ p: ['c'], c: [] }), 'protect');
    const doc = toFlowDocument(flow);
    expect(doc.tasks).toHaveLength(8);
    expect(new Set(doc.edges.map(([a, b]) => `${a} -> ${b}`))).toEqual(
      new Set([
        'T#p/prepare_begin -> T#p/prepare_finish',
        'T#p/prepare_finish -> T#p/main',
        'T#p/main -> T#p/complete',
        'T#c/prepare_begin -> T#c/prepare_finish',
        'T#c/prepare_finish -> T#c/main',
        'T#c/main -> T#c/complete',
        'T#p/prepare_begin -> T#c/prepare_begin',
        'T#c/prepare_finish -> T#p/prepare_finish',
        'T#c/complete -> T#p/complete',
      ]),
    );
  });

  it('leaves a parent main and a child main unordered', () => {
    const closure = closureOfFlow(compileFlow(graphOf({ p: ['c'], c: [] }), 'protect'));
    expect(closure.has('T#p/main<T#c/main')).toBe(false);
    expect(closure.has('T#c/main<T#p/main')).toBe(false);
    expect(closure.has('T#c/main<T#p/complete')).toBe(true);
    expect(closure.has('T#p/prepare_begin<T#c/main')).toBe(true);
  });

  it('visits a shared child once and links it to each parent (diamond)', () => {
    const graph = graphOf({ top: ['a', 'b'], a: ['shared'], b: ['shared'], shared: [] });
    const flow = compileFlow(graph, 'protect');
    expect(flow.taskResource.length).toBe(16);
    const edges = toFlowDocument(flow).edges.map(([a, b]) => `${a} -> ${b}`);
    expect(edges).toContain('T#a/prepare_begin -> T#shared/prepare_begin');
    expect(edges).toContain('T#b/prepare_begin -> T#shared/prepare_begin');
    expect(edges).toContain('T#shared/complete -> T#a/complete');
    expect(edges).toContain('T#shared/complete -> T#b/complete');
    expect(new Set(edges).size).toBe(edges.length);
    expect(closureOfFlow(flow)).toEqual(requiredOrder(graph));
  });

  it('keeps siblings unordered', () => {
    const closure = closureOfFlow(compileFlow(graphOf({ p: ['a', 'b'], a: [], b: [] }), 'protect'));
    for (const h of ['prepare_begin', 'prepare_finish', 'main', 'complete']) {
      for (const k of ['prepare_begin', 'prepare_finish', 'main', 'complete']) {
        expect(closure.has(`T#a/${h}<T#b/${k}`)).toBe(false);
      }
    }
  });

  it('lists tasks in depth-first order from the roots', () => {
    const flow = compileFlow(graphOf({ c: [], p: ['c'] }), 'restore');
    expect(taskId(flow, 0)).toBe('T#p/prepare_begin');
    expect(taskId(flow, 4)).toBe('T#c/prepare_begin');
  });

  it('property: on random DAGs the partial order equals the closure of the six rules, for every operation', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 14 }),
        fc.double({ min: 0, max: 0.6, noNaN: true }),
        fc.integer(),
        fc.constantFrom(...OPERATIONS),
        (size, density, seed, operation) => {
          let state = seed >>> 0 || 1;
          const random = () => {
            state = (state * 1664525 + 1013904223) >>> 0;
            return state / 2 ** 32;
          };
          const graph = randomResourceGraph(size, density, random);
          const flow = compileFlow(graph, operation);
          expect(flow.operation).toBe(operation);
          expect(flow.taskResource.length).toBe(4 * size);
          expect(closureOfFlow(flow)).toEqual(requiredOrder(graph));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: pruning unimplemented hooks keeps the order among the remaining tasks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer(), (size, seed) => {
        let state = seed >>> 0 || 7;
        const random = () => {
          state = (state * 1664525 + 1013904223) >>> 0;
          return state / 2 ** 32;
        };
        const graph = randomResourceGraph(size, 0.4, random);
        const flow = compileFlow(graph, 'protect');
        const implemented = Array.from({ length: flow.taskResource.length }, () => random() < 0.5);
        const pruned = pruneFlow(flow, (t) => implemented[t]!);
        const keptIds = new Set(
          Array.from({ length: pruned.taskResource.length }, (_, t) => taskId(pruned, t)),
        );
        for (let t = 0; t < flow.taskResource.length; t++)
          if (implemented[t]) expect(keptIds.has(taskId(flow, t))).toBe(true);
        const full = [...closureOfFlow(flow)].filter((pair) => {
          const [a, b] = pair.split('<') as [string, string];
          return keptIds.has(a) && keptIds.has(b);
        });
        expect(closureOfFlow(pruned)).toEqual(new Set(full));
      }),
      { numRuns: 200 },
    );
  });

  it('is linear: a project with many servers sharing one image compiles to 3N + 3E edges', () => {
    const servers = 2000;
    const entries = [
      {
        resource: { type: 'P', id: 'p', name: 'p' },
        dependsOn: Array.from({ length: servers }, (_, i) => ({ type: 'S', id: `s${i}` })),
      },
      ...Array.from({ length: servers }, (_, i) => ({
        resource: { type: 'S', id: `s${i}`, name: '' },
        dependsOn: [{ type: 'I', id: 'shared' }],
      })),
      { resource: { type: 'I', id: 'shared', name: '' }, dependsOn: [] },
    ];
    const graph = ResourceGraph.create(entries);
    const flow = compileFlow(graph, 'protect');
    expect(flow.edgeFrom.length).toBe(3 * graph.size + 3 * graph.edgeCount);
  });
});
