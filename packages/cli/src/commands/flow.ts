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
import { type Command, Option } from 'commander';
import { type CommandContext, providerFor } from '../context.js';
import { printJson, usageError } from '../output.js';
import { flowSteps } from '../views/flowView.js';
import { mermaidLabel } from '../views/mermaid.js';
import { type CommandRunner, jsonOption, providerDirOption } from './options.js';

/** Options of `hoard flow`. */
export interface FlowCommandOptions {
  graph: string;
  operation: string;
  provider?: string;
  format?: string;
}

function mermaid(flow: Flow): string {
  const lines = ['flowchart TD'];
  for (let t = 0; t < flow.taskResource.length; t++)
    lines.push(`  t${t}["${mermaidLabel(taskId(flow, t))}"]`);
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

/** Declares `hoard flow`. */
export function registerFlow(program: Command, run: CommandRunner): void {
  program
    .command('flow')
    .description('print the flow the compiler builds for a resource graph (docs/protocol.md, "hoard flow")')
    .requiredOption('--graph <file>', 'resource graph JSON file')
    .requiredOption('--operation <operation>', 'protect, restore or delete')
    .option('--provider <name>', 'drop tasks of hooks this provider does not implement')
    .addOption(
      new Option('--format <format>', 'human view format')
        .choices(['text', 'mermaid', 'dot'])
        .default('text'),
    )
    .addOption(providerDirOption())
    .addOption(jsonOption())
    .action((opts: FlowCommandOptions, command: Command) =>
      run(command, (context) => flowCommand(context, opts)),
    );
}
