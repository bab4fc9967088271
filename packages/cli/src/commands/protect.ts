import { resourceKey } from '@hoard/core';
import {
  type CheckpointRecord,
  createProtectionService,
  type ParametersDocument,
  planProtection,
  readParametersFile,
  resolveResources,
  taskId,
  toFlowDocument,
} from '@hoard/core/host';
import { type CommandContext, loggerFor, providerFor } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { printJson, usageError } from '../output.js';
import { createProgressView } from '../progressView.js';
import { flowSteps } from './flow.js';
import { parseConcurrency } from './options.js';

/** Options of `hoard protect`. */
export interface ProtectCommandOptions {
  provider: string;
  resource: string[];
  parameters?: string;
  dryRun?: boolean;
  concurrency?: string;
}

/** Human summary of a checkpoint. */
export function describeCheckpoint(checkpoint: CheckpointRecord): string {
  const lines = [
    `Checkpoint ${checkpoint.id}: ${checkpoint.status}${checkpoint.reason ? ` (${checkpoint.reason})` : ''}`,
    `  provider  ${checkpoint.providerName} (${checkpoint.providerId})`,
    `  created   ${checkpoint.createdAt}`,
  ];
  for (const [key, status] of Object.entries(checkpoint.resources)) {
    lines.push(`  ${status.status.padEnd(9)} ${key}${status.error ? `: ${status.error.message}` : ''}`);
  }
  if (checkpoint.error && !Object.values(checkpoint.resources).some((r) => r.error))
    lines.push(`  error: ${checkpoint.error.message}`);
  return `${lines.join('\n')}\n`;
}

/** `hoard protect`. */
export async function protectCommand(
  context: CommandContext,
  options: ProtectCommandOptions,
): Promise<number> {
  if (options.resource.length === 0) throw usageError('protect needs at least one --resource TYPE#ID');
  const concurrency = parseConcurrency(options.concurrency);
  const parameters: ParametersDocument = options.parameters
    ? await readParametersFile(options.parameters)
    : {};
  // A dry run plans without opening the bank: nothing can be written by mistake.
  const provider = await providerFor(context, options.provider);
  const resources = await resolveResources(provider, options.resource, {
    signal: context.signal,
    logger: loggerFor(context),
  });
  const base = {
    resources,
    parameters,
    signal: context.signal,
    ...(options.parameters !== undefined ? { parametersFile: options.parameters } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
  };
  if (options.dryRun) {
    const plan = await planProtection(provider, base, loggerFor(context));
    if (context.json) {
      printJson(context.io, {
        dryRun: true,
        graph: plan.graph.toDocument(),
        flow: toFlowDocument(plan.flow),
        parameters: plan.parameters,
      });
    } else {
      const lines = [
        `Dry run: nothing was written. Provider ${provider.name}, bank ${provider.bankPackage}.`,
        'Resource graph:',
      ];
      const printed = new Set<number>();
      const tree = (node: number, depth: number): void => {
        const r = plan.graph.resources[node]!;
        lines.push(
          `${'  '.repeat(depth + 1)}${resourceKey(r)}${r.name ? ` (${r.name})` : ''}${printed.has(node) ? ' (see above)' : ''}`,
        );
        if (printed.has(node)) return;
        printed.add(node);
        for (const c of plan.graph.children[node]!) tree(c, depth + 1);
      };
      for (const root of plan.graph.roots()) tree(root, 0);
      lines.push(
        `Compiled order (${plan.flow.taskResource.length} tasks; tasks of one step may run in parallel):`,
      );
      for (const [i, step] of flowSteps(plan.flow).entries()) {
        lines.push(`  ${i + 1}. ${step.map((t) => taskId(plan.flow, t)).join(', ')}`);
      }
      lines.push('Validated parameters:');
      for (const [key, value] of Object.entries(plan.parameters))
        lines.push(`  ${key}: ${JSON.stringify(value)}`);
      context.io.stdout(`${lines.join('\n')}\n`);
    }
    return EXIT.ok;
  }
  const service = await createProtectionService(provider, { logger: loggerFor(context) });
  const view = createProgressView(context.io, { json: context.json, label: 'protect' });
  let checkpoint: CheckpointRecord;
  try {
    checkpoint = await service.protect({ ...base, onEvent: (e) => view.onEvent(e) });
  } finally {
    view.stop();
  }
  if (context.json) printJson(context.io, checkpoint);
  else context.io.stdout(describeCheckpoint(checkpoint));
  if (checkpoint.status === 'available') return EXIT.ok;
  return checkpoint.reason === 'cancelled' ? EXIT.cancelled : EXIT.failed;
}
