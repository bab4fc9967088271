import { HoardError, type Protectable, type Resource, resourceKey } from '@hoard/core';
import { buildResourceGraph, type Provider, resolveResources } from '@hoard/core/host';
import { type CommandContext, loggerFor, providerFor } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { printJson, table, usageError } from '../output.js';

function protectableOf(provider: Provider, type: string): Protectable {
  const protectable = provider.protectables.find((p) => p.resourceType === type);
  if (protectable === undefined) {
    throw new HoardError(
      'RESOURCE_TYPE_UNKNOWN',
      `Provider '${provider.name}' has no protectable for type '${type}' (types: ${provider.protectables.map((p) => p.resourceType).join(', ') || 'none'})`,
    );
  }
  return protectable;
}

const contextOf = (provider: Provider, context: CommandContext) => ({
  config: provider.config,
  signal: context.signal,
  logger: loggerFor(context),
});

/** `hoard protectable types`. */
export async function protectableTypesCommand(
  context: CommandContext,
  options: { provider: string },
): Promise<number> {
  const provider = await providerFor(context, options.provider);
  const types = provider.protectables.map((p) => ({
    type: p.resourceType,
    parentTypes: [...p.parentTypes],
    protectionPlugin: provider.pluginByType.get(p.resourceType)?.packageName ?? null,
  }));
  if (context.json) printJson(context.io, types);
  else
    context.io.stdout(
      table([
        ['TYPE', 'PARENT TYPES', 'PROTECTION PLUGIN'],
        ...types.map((t) => [t.type, t.parentTypes.join(', ') || '-', t.protectionPlugin ?? '-']),
      ]),
    );
  return EXIT.ok;
}

function resourceRows(resources: Resource[]): string[][] {
  return [['KEY', 'NAME'], ...resources.map((r) => [resourceKey(r), r.name])];
}

/** `hoard protectable list TYPE`. */
export async function protectableListCommand(
  context: CommandContext,
  options: { provider: string; type: string },
): Promise<number> {
  const provider = await providerFor(context, options.provider);
  const resources = await protectableOf(provider, options.type).list(contextOf(provider, context));
  if (context.json) printJson(context.io, resources);
  else
    context.io.stdout(
      resources.length === 0 ? `No ${options.type} resources.\n` : table(resourceRows(resources)),
    );
  return EXIT.ok;
}

/** `hoard protectable show TYPE ID`. */
export async function protectableShowCommand(
  context: CommandContext,
  options: { provider: string; type: string; id: string },
): Promise<number> {
  const provider = await providerFor(context, options.provider);
  const resource = await protectableOf(provider, options.type).show(contextOf(provider, context), options.id);
  if (context.json) printJson(context.io, resource);
  else
    context.io.stdout(
      `${resourceKey(resource)}\n  name   ${resource.name}\n${resource.extra ? `  extra  ${JSON.stringify(resource.extra)}\n` : ''}`,
    );
  return EXIT.ok;
}

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
      lines.push(`  r${i}["${`${resourceKey(r)}${r.name ? ` (${r.name})` : ''}`.replace(/"/g, '#quot;')}"]`);
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
