import type { Flow } from '@hoard/core/host';

/** Tasks grouped in steps: every task of a step can run once the earlier steps are done. */
export function flowSteps(flow: Flow): number[][] {
  const count = flow.taskResource.length;
  const inDegree = new Int32Array(count);
  const successors: number[][] = Array.from({ length: count }, () => []);
  for (let e = 0; e < flow.edgeFrom.length; e++) {
    successors[flow.edgeFrom[e]!]!.push(flow.edgeTo[e]!);
    inDegree[flow.edgeTo[e]!]!++;
  }
  const steps: number[][] = [];
  let current: number[] = [];
  for (let t = 0; t < count; t++) if (inDegree[t] === 0) current.push(t);
  while (current.length > 0) {
    steps.push(current);
    const next: number[] = [];
    for (const t of current) for (const s of successors[t]!) if (--inDegree[s]! === 0) next.push(s);
    current = next;
  }
  return steps;
}
