import type { Command } from 'commander';
import { type CommandContext, providerFor } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson, table } from '../../output.js';
import { type CommandRunner, withProvider } from '../options.js';

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

/** Declares `hoard protectable types`. */
export function registerProtectableTypes(protectable: Command, run: CommandRunner): void {
  withProvider(
    protectable
      .command('types')
      .description('protectable resource types, their parent types and protection plugins'),
  ).action((opts: { provider: string }, command: Command) =>
    run(command, (context) => protectableTypesCommand(context, opts)),
  );
}
