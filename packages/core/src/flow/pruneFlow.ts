import type { Flow } from './Flow.js';

/**
 * Drops tasks of unimplemented hooks while keeping the order among the remaining tasks
 * (docs/protocol.md, "The six ordering rules"): a dropped task's predecessors are connected to its successors.
 *
 * @remarks A task is dropped only when it has at most one predecessor or at most one successor,
 * so dropping never multiplies edges (a no-op task between many predecessors and many successors
 * is cheaper to keep than to replace by their product).
 * @param flow - a compiled flow
 * @param isImplemented - whether task `t` runs a real hook
 */
export function pruneFlow(flow: Flow, isImplemented: (task: number) => boolean): Flow {
  const count = flow.taskResource.length;
  const successors: Set<number>[] = Array.from({ length: count }, () => new Set<number>());
  const predecessors: Set<number>[] = Array.from({ length: count }, () => new Set<number>());
  for (let e = 0; e < flow.edgeFrom.length; e++) {
    successors[flow.edgeFrom[e]!]!.add(flow.edgeTo[e]!);
    predecessors[flow.edgeTo[e]!]!.add(flow.edgeFrom[e]!);
  }
  const kept = new Uint8Array(count).fill(1);
  for (let t = 0; t < count; t++) {
    if (isImplemented(t)) continue;
    const preds = predecessors[t]!;
    const succs = successors[t]!;
    if (preds.size > 1 && succs.size > 1) continue;
    kept[t] = 0;
    for (const p of preds) {
      successors[p]!.delete(t);
      for (const s of succs) successors[p]!.add(s);
    }
    for (const s of succs) {
      predecessors[s]!.delete(t);
      for (const p of preds) predecessors[s]!.add(p);
    }
    preds.clear();
    succs.clear();
  }
  const renumber = new Int32Array(count).fill(-1);
  let next = 0;
  for (let t = 0; t < count; t++) if (kept[t]) renumber[t] = next++;
  const taskResource = new Int32Array(next);
  const taskHook = new Uint8Array(next);
  const from: number[] = [];
  const to: number[] = [];
  for (let t = 0; t < count; t++) {
    if (!kept[t]) continue;
    taskResource[renumber[t]!] = flow.taskResource[t]!;
    taskHook[renumber[t]!] = flow.taskHook[t]!;
    for (const s of successors[t]!) {
      from.push(renumber[t]!);
      to.push(renumber[s]!);
    }
  }
  return {
    operation: flow.operation,
    graph: flow.graph,
    taskResource,
    taskHook,
    edgeFrom: Int32Array.from(from),
    edgeTo: Int32Array.from(to),
  };
}
