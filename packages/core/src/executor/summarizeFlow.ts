import type { HoardError } from '../errors/HoardError.js';
import type { Flow } from '../flow/Flow.js';
import { resourceKey } from '../plugin-api/types.js';
import { TaskState } from './taskState.js';

/** Final status of one resource after an operation (docs/protocol.md, "The executor"). */
export type ResourceStatus = 'done' | 'failed' | 'skipped' | 'cancelled';

/** One resource's outcome. */
export interface ResourceOutcome {
  resourceKey: string;
  status: ResourceStatus;
  /** The wrapped error when `status` is `failed`. */
  error?: HoardError;
}

/**
 * Each resource's outcome from its tasks' states: `failed` when one of its hooks failed, `done`
 * when all ran, `cancelled` when one was aborted (or the operation cancelled), else `skipped`.
 */
export function summarizeResources(
  flow: Flow,
  state: Uint8Array,
  taskErrors: ReadonlyMap<number, HoardError>,
  cancelled: boolean,
): ResourceOutcome[] {
  const byNode = new Map<number, number[]>();
  for (let t = 0; t < flow.taskResource.length; t++) {
    const list = byNode.get(flow.taskResource[t]!) ?? [];
    list.push(t);
    byNode.set(flow.taskResource[t]!, list);
  }
  const failures = new Map<number, HoardError>();
  for (const [t, error] of taskErrors)
    if (!failures.has(flow.taskResource[t]!)) failures.set(flow.taskResource[t]!, error);
  const resources: ResourceOutcome[] = [];
  for (let node = 0; node < flow.graph.size; node++) {
    const tasks = byNode.get(node) ?? [];
    let status: ResourceStatus;
    if (tasks.some((t) => state[t] === TaskState.failed)) status = 'failed';
    else if (tasks.every((t) => state[t] === TaskState.done)) status = 'done';
    else if (cancelled || tasks.some((t) => state[t] === TaskState.aborted)) status = 'cancelled';
    else status = 'skipped';
    const outcome: ResourceOutcome = { resourceKey: resourceKey(flow.graph.resources[node]!), status };
    const error = failures.get(node);
    if (status === 'failed' && error !== undefined) outcome.error = error;
    resources.push(outcome);
  }
  return resources;
}
