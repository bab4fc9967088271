import { resourceKey } from '@hoard/core';
import { buildResourceGraph, resolveResources } from '@hoard/core/host';
import { type Command, Option } from 'commander';
import { type CommandContext, loggerFor, providerFor } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson, usageError } from '../../output.js';
import { mermaidLabel } from '../../views/mermaid.js';
import { type CommandRunner, withProvider } from '../options.js';

import { contextOf } from './protectableOf.js';

/** `hoard protectable graph TYPE#ID...`: the dependency graph Hoard would protect. */
export async function protectableGraphCommand(
  context: CommandContext,
  options: { provider: string; resources: string[]; format?: string },
): Promise<number> {
  const format = options.format ?? 'tree';
  if (!['tree', 'mermaid'].includes(format))
    throw usageError(`--format must be tree or mermaid, got '${format}'`);
  const provider = await providerFor(context, options.provider);
  const selected = await resolveResources(provider, options.resources, {
    signal: context.signal,
    logger: loggerFor(context),
  });
  const graph = await buildResourceGraph(selected, provider.protectables, contextOf(provider, context));
  if (context.json) {
    printJson(context.io, graph.toDocument());
  } else if (format === 'mermaid') {
    const lines = ['flowchart TD'];
    for (const [i, r] of graph.resources.entries()) {
      lines.push(`  r${i}["${mermaidLabel(`${resourceKey(r)}${r.name ? ` (${r.name})` : ''}`)}"]`);
    }
    graph.children.forEach((kids, i) => {
      for (const k of kids) lines.push(`  r${i} --> r${k}`);
    });
    context.io.stdout(`${lines.join('\n')}\n`);
  } else {
    const lines: string[] = [];
    const printed = new Set<number>();
    const walk = (node: number, prefix: string, last: boolean, root: boolean): void => {
      const r = graph.resources[node]!;
      const label = `${resourceKey(r)}${r.name ? ` (${r.name})` : ''}${printed.has(node) ? ' (shown above)' : ''}`;
      lines.push(root ? label : `${prefix}${last ? '└── ' : '├── '}${label}`);
      if (printed.has(node)) return;
      printed.add(node);
      const kids = graph.children[node]!;
      for (const [i, k] of kids.entries()) {
        walk(k, root ? '' : `${prefix}${last ? '    ' : '│   '}`, i === kids.length - 1, false);
      }
    };
    for (const root of graph.roots()) walk(root, '', true, true);
    lines.push(`${graph.size} resources, ${graph.edgeCount} dependencies`);
    context.io.stdout(`${lines.join('\n')}\n`);
  }
  return EXIT.ok;
}

/** Declares `hoard protectable graph`. */
export function registerProtectableGraph(protectable: Command, run: CommandRunner): void {
  withProvider(
    protectable
      .command('graph')
      .description('the dependency graph Hoard would protect, as a tree, JSON (--json) or mermaid')
      .argument('<resources...>', 'TYPE#ID of each selected resource'),
    new Option('--format <format>', 'human view').choices(['tree', 'mermaid']).default('tree'),
  ).action((resources: string[], opts: { provider: string; format?: string }, command: Command) =>
    run(command, (context) =>
      protectableGraphCommand(context, {
        provider: opts.provider,
        resources,
        ...(opts.format ? { format: opts.format } : {}),
      }),
    ),
  );
}
