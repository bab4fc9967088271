import type { Command } from 'commander';
import { type CommandContext, providerFor } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson, table } from '../../output.js';
import { resourceRows } from '../../views/resourceView.js';
import { type CommandRunner, withProvider } from '../options.js';
import { contextOf, protectableOf } from './protectableOf.js';

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

/** Declares `hoard protectable list`. */
export function registerProtectableList(protectable: Command, run: CommandRunner): void {
  withProvider(
    protectable
      .command('list')
      .description('list resources of a type')
      .argument('<type>', 'resource type, e.g. OS::Cinder::Volume'),
  ).action((type: string, opts: { provider: string }, command: Command) =>
    run(command, (context) => protectableListCommand(context, { provider: opts.provider, type })),
  );
}
