import type { ResourceGraph } from '../graph/ResourceGraph.js';
import {
  HOOK_NAMES,
  type HookName,
  type Operation,
  type ResourceRef,
  resourceKey,
} from '../plugin-api/types.js';

/** A hook's name as it appears in task ids and `hoard flow` output (docs/protocol.md, "hoard flow"). */
export type FlowHookId = 'prepare_begin' | 'prepare_finish' | 'main' | 'complete';

/** Flow hook ids by {@link HookName}. */
export const FLOW_HOOK_IDS: Readonly<Record<HookName, FlowHookId>> = {
  prepareBegin: 'prepare_begin',
  prepareFinish: 'prepare_finish',
  main: 'main',
  complete: 'complete',
};

/**
 * A compiled flow: tasks (one hook of one resource each) and edges (A must finish before B starts).
 *
 * @remarks Stored in typed arrays so that a flow of 100k resources stays small and fast:
 * task `t` is hook `taskHook[t]` (index into {@link HOOK_NAMES}) of resource node `taskResource[t]`;
 * edge `e` runs from task `edgeFrom[e]` to task `edgeTo[e]`.
 */
export interface Flow {
  readonly operation: Operation;
  readonly graph: ResourceGraph;
  readonly taskResource: Int32Array;
  readonly taskHook: Uint8Array;
  readonly edgeFrom: Int32Array;
  readonly edgeTo: Int32Array;
}

/** Number of tasks of a flow. */
export function taskCount(flow: Flow): number {
  return flow.taskResource.length;
}

/** The hook name of task `t`. */
export function taskHookName(flow: Flow, t: number): HookName {
  return HOOK_NAMES[flow.taskHook[t]!]!;
}

/** The task id `<resource key>/<hook>` of task `t`. */
export function taskId(flow: Flow, t: number): string {
  const resource = flow.graph.resources[flow.taskResource[t]!]!;
  return `${resourceKey(resource)}/${FLOW_HOOK_IDS[taskHookName(flow, t)]}`;
}

/** The JSON form of a flow printed by `hoard flow --json` (docs/protocol.md, "hoard flow"). */
export interface FlowDocument {
  operation: Operation;
  tasks: { id: string; resource: ResourceRef; hook: FlowHookId }[];
  edges: [string, string][];
}

/** Converts a flow to its JSON form. */
export function toFlowDocument(flow: Flow): FlowDocument {
  const ids: string[] = [];
  const tasks: FlowDocument['tasks'] = [];
  for (let t = 0; t < flow.taskResource.length; t++) {
    const resource = flow.graph.resources[flow.taskResource[t]!]!;
    const id = taskId(flow, t);
    ids.push(id);
    tasks.push({
      id,
      resource: { type: resource.type, id: resource.id },
      hook: FLOW_HOOK_IDS[taskHookName(flow, t)],
    });
  }
  const edges: [string, string][] = [];
  for (let e = 0; e < flow.edgeFrom.length; e++) edges.push([ids[flow.edgeFrom[e]!]!, ids[flow.edgeTo[e]!]!]);
  return { operation: flow.operation, tasks, edges };
}
