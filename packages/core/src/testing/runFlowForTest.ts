import { type ExecuteFlowResult, executeFlow } from '../executor/executeFlow.js';
import { compileFlow } from '../flow/compileFlow.js';
import { FLOW_HOOK_IDS, taskHookName } from '../flow/Flow.js';
import type { ResourceGraph } from '../graph/ResourceGraph.js';
import { type Operation, resourceKey } from '../plugin-api/types.js';

/** What {@link runFlowForTest} recorded: start and end order of every task id. */
export interface FlowTrace {
  result: ExecuteFlowResult;
  /** `start:<task id>` and `end:<task id>` in the order they happened. */
  events: string[];
  /** Most tasks that ran at the same time. */
  maxParallel: number;
}

/**
 * Compiles and runs a graph's flow with a hook that only records timing, for tests of ordering.
 *
 * @param graph - the resource graph
 * @param operation - the operation to compile
 * @param options - `delayMs(taskId)` per task (default 1 ms), `concurrency`
 */
export async function runFlowForTest(
  graph: ResourceGraph,
  operation: Operation,
  options: {
    delayMs?: (taskId: string) => number;
    concurrency?: number;
    fail?: (taskId: string) => boolean;
  } = {},
): Promise<FlowTrace> {
  const flow = compileFlow(graph, operation);
  const events: string[] = [];
  let running = 0;
  let maxParallel = 0;
  const result = await executeFlow({
    flow,
    concurrency: options.concurrency ?? 64,
    pluginName: () => 'test',
    runTask: async (t, { signal }) => {
      const id = `${resourceKey(graph.resources[flow.taskResource[t]!]!)}/${FLOW_HOOK_IDS[taskHookName(flow, t)]}`;
      events.push(`start:${id}`);
      running++;
      maxParallel = Math.max(maxParallel, running);
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, options.delayMs?.(id) ?? 1);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(signal.reason);
          });
        });
        if (options.fail?.(id)) throw new Error(`injected failure in ${id}`);
      } finally {
        running--;
        events.push(`end:${id}`);
      }
      return undefined;
    },
  });
  return { result, events, maxParallel };
}
