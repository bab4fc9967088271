import type { ResourceGraph } from '../graph/ResourceGraph.js';
import type { Operation } from '../plugin-api/types.js';
import type { Flow } from './Flow.js';

const BEGIN = 0;
const FINISH = 1;
const MAIN = 2;
const COMPLETE = 3;

/**
 * Compiles a resource graph into the flow of one operation (docs/protocol.md, "The six ordering rules").
 *
 * @remarks A pure function. Walks the graph depth-first from its roots, visiting every resource
 * once however many parents it has, and emits exactly the edges of the six ordering rules:
 * per resource R `R/prepare_begin → R/prepare_finish → R/main → R/complete`, and per edge
 * parent P → child C `P/prepare_begin → C/prepare_begin`, `C/prepare_finish → P/prepare_finish`,
 * `C/complete → P/complete`. The flow's partial order is therefore exactly the rules' closure:
 * nothing more is serialised (a parent's and a child's `main` stay free to overlap). All 4×N tasks
 * are kept; see `pruneFlow` to drop unimplemented hooks. O(V + E) time and memory. The graph is
 * already known to be acyclic ({@link ResourceGraph} rejects cycles when it is built).
 * @param graph - the resource graph
 * @param operation - protect, restore or delete
 */
export function compileFlow(graph: ResourceGraph, operation: Operation): Flow {
  const n = graph.size;
  // Depth-first pre-order from the roots; every node of a DAG is reachable from a root.
  const order = new Int32Array(n);
  const position = new Int32Array(n).fill(-1);
  let visited = 0;
  const stack: number[] = [];
  const roots = graph.roots();
  for (let r = roots.length - 1; r >= 0; r--) stack.push(roots[r]!);
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (position[node] !== -1) continue;
    position[node] = visited;
    order[visited++] = node;
    const kids = graph.children[node]!;
    for (let k = kids.length - 1; k >= 0; k--) if (position[kids[k]!] === -1) stack.push(kids[k]!);
  }
  const taskResource = new Int32Array(4 * n);
  const taskHook = new Uint8Array(4 * n);
  for (let i = 0; i < n; i++) {
    for (let h = 0; h < 4; h++) {
      taskResource[4 * i + h] = order[i]!;
      taskHook[4 * i + h] = h;
    }
  }
  const edgeCount = 3 * n + 3 * graph.edgeCount;
  const edgeFrom = new Int32Array(edgeCount);
  const edgeTo = new Int32Array(edgeCount);
  let e = 0;
  const link = (from: number, to: number): void => {
    edgeFrom[e] = from;
    edgeTo[e] = to;
    e++;
  };
  for (let i = 0; i < n; i++) {
    const r = 4 * i;
    link(r + BEGIN, r + FINISH); // rule 2
    link(r + FINISH, r + MAIN); // rule 4
    link(r + MAIN, r + COMPLETE); // rule 5
    for (const child of graph.children[order[i]!]!) {
      const c = 4 * position[child]!;
      link(r + BEGIN, c + BEGIN); // rule 1
      link(c + FINISH, r + FINISH); // rule 3
      link(c + COMPLETE, r + COMPLETE); // rule 6
    }
  }
  return { operation, graph, taskResource, taskHook, edgeFrom, edgeTo };
}
