import { HoardError, type Operation } from '@hoard/core';
import {
  compileFlow,
  type Flow,
  OPERATIONS,
  pruneFlow,
  readResourceGraphFile,
  taskHookName,
  taskId,
  toFlowDocument,
} from '@hoard/core/host';
import { type CommandContext, providerFor } from '../context.js';
import { printJson, usageError } from '../output.js';

/** Options of `hoard flow`. */
export interface FlowCommandOptions {
  graph: string;
  operation: string;
  provider?: string;
  format?: string;
}

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

function mermaid(flow: Flow): string {
  const lines = ['flowchart TD'];
  for (let t = 0; t < flow.taskResource.length; t++)
    lines.push(`  t${t}["${taskId(flow, t).replace(/"/g, '#quot;')}"]`);
  for (let e = 0; e < flow.edgeFrom.length; e++) lines.push(`  t${flow.edgeFrom[e]} --> t${flow.edgeTo[e]}`);
  return `${lines.join('\n')}\n`;
}

function dot(flow: Flow): string {
  const lines = ['digraph flow {', '  rankdir=TB;', '  node [shape=box];'];
  for (let t = 0; t < flow.taskResource.length; t++)
    lines.push(`  t${t} [label=${JSON.stringify(taskId(flow, t))}];`);
  for (let e = 0; e < flow.edgeFrom.length; e++) lines.push(`  t${flow.edgeFrom[e]} -> t${flow.edgeTo[e]};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function human(flow: Flow): string {
  const steps = flowSteps(flow);
  const lines = [
    `Flow for ${flow.operation}: ${flow.taskResource.length} tasks, ${flow.edgeFrom.length} edges, ${steps.length} steps`,
  ];
  steps.forEach((step, i) => {
    lines.push(`step ${i + 1}:`);
    for (const t of step) lines.push(`  ${taskId(flow, t)}`);
  });
  return `${lines.join('\n')}\n`;
}

/** `hoard flow`: the machine-readable view of the compiler (docs/protocol.md, "hoard flow"). */
export async function flowCommand(context: CommandContext, options: FlowCommandOptions): Promise<number> {
  if (!OPERATIONS.includes(options.operation as Operation)) {
    throw usageError(`--operation must be one of ${OPERATIONS.join(', ')}, got '${options.operation}'`);
  }
  const format = options.format ?? 'text';
  if (!['text', 'mermaid', 'dot'].includes(format))
    throw usageError(`--format must be text, mermaid or dot, got '${format}'`);
  const operation = options.operation as Operation;
  const graph = await readResourceGraphFile(options.graph);
  let flow = compileFlow(graph, operation);
  if (options.provider !== undefined) {
    const provider = await providerFor(context, options.provider);
    const missing = [...new Set(graph.resources.map((r) => r.type))].filter(
      (t) => !provider.pluginByType.has(t),
    );
    if (missing.length > 0) {
      throw new HoardError(
        'PROTECTION_PLUGIN_NOT_FOUND',
        `Provider '${provider.name}' has no protection plugin for ${missing.map((t) => `'${t}'`).join(', ')} (graph ${options.graph})`,
      );
    }
    const compiled = flow;
    flow = pruneFlow(compiled, (t) => {
      const type = graph.resources[compiled.taskResource[t]!]!.type;
      return (
        provider.pluginByType.get(type)?.plugin.hooks[operation]?.[taskHookName(compiled, t)] !== undefined
      );
    });
  }
  if (context.json) printJson(context.io, toFlowDocument(flow));
  else if (format === 'mermaid') context.io.stdout(mermaid(flow));
  else if (format === 'dot') context.io.stdout(dot(flow));
  else context.io.stdout(human(flow));
  return 0;
}
