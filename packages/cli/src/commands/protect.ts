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
import type { Command } from 'commander';
import { type CommandContext, loggerFor, providerFor } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { printJson, usageError } from '../output.js';
import { createProgressView } from '../progressView.js';
import { describeCheckpoint } from '../views/checkpointView.js';
import { flowSteps } from '../views/flowView.js';
import {
  type CommandRunner,
  concurrencyOption,
  logLevelOption,
  parametersOption,
  parseConcurrency,
  withProvider,
} from './options.js';

/** Options of `hoard protect`. */
export interface ProtectCommandOptions {
  provider: string;
  resource: string[];
  parameters?: string;
  dryRun?: boolean;
  concurrency?: string;
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

/** Declares `hoard protect`. */
export function registerProtect(program: Command, run: CommandRunner): void {
  withProvider(
    program
      .command('protect')
      .description('protect resources and their dependencies into a new checkpoint')
      .requiredOption('--resource <TYPE#ID...>', 'resources to protect (repeatable)')
      .option(
        '--dry-run',
        'print the resource graph, compiled order and validated parameters; write nothing',
      ),
    parametersOption(),
    concurrencyOption(),
    logLevelOption(),
  ).action((opts: ProtectCommandOptions, command: Command) =>
    run(command, (context) => protectCommand(context, opts)),
  );
}
