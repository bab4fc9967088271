import { resourceKey } from '@hoard/core';
import type { Command } from 'commander';
import { type CommandContext, providerFor } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson } from '../../output.js';
import { type CommandRunner, withProvider } from '../options.js';
import { contextOf, protectableOf } from './protectableOf.js';

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

/** Declares `hoard protectable show`. */
export function registerProtectableShow(protectable: Command, run: CommandRunner): void {
  withProvider(
    protectable
      .command('show')
      .description('show one resource')
      .argument('<type>', 'resource type')
      .argument('<id>', 'resource id'),
  ).action((type: string, id: string, opts: { provider: string }, command: Command) =>
    run(command, (context) => protectableShowCommand(context, { provider: opts.provider, type, id })),
  );
}
