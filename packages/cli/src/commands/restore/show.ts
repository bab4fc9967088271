import type { Command } from 'commander';
import { type CommandContext, openService } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson } from '../../output.js';
import { describeRestore } from '../../views/restoreView.js';
import { type CommandRunner, withProvider } from '../options.js';

/** `hoard restore show`. */
export async function restoreShowCommand(
  context: CommandContext,
  options: { provider: string; id: string },
): Promise<number> {
  const { service } = await openService(context, options.provider);
  const restore = await service.getRestore(options.id);
  if (context.json) printJson(context.io, restore);
  else context.io.stdout(describeRestore(restore));
  return EXIT.ok;
}

/** Declares `hoard restore show`. */
export function registerRestoreShow(restore: Command, run: CommandRunner): void {
  withProvider(
    restore
      .command('show')
      .description('show one restore record with per-resource status and results')
      .argument('<id>', 'restore id'),
  ).action((id: string, opts: { provider: string }, command: Command) =>
    run(command, (context) => restoreShowCommand(context, { provider: opts.provider, id })),
  );
}
