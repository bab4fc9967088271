import type { Command } from 'commander';
import { type CommandContext, openService } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson } from '../../output.js';
import { type CommandRunner, withProvider } from '../options.js';

/** `hoard restore delete`: removes the record only; what the restore created stays. */
export async function restoreDeleteCommand(
  context: CommandContext,
  options: { provider: string; id: string },
): Promise<number> {
  const { service } = await openService(context, options.provider);
  const restore = await service.deleteRestore(options.id);
  if (context.json) printJson(context.io, { id: restore.id, deleted: true });
  else context.io.stdout(`Restore record ${restore.id} deleted (what it restored is left in place).\n`);
  return EXIT.ok;
}

/** Declares `hoard restore delete`. */
export function registerRestoreDelete(restore: Command, run: CommandRunner): void {
  withProvider(
    restore
      .command('delete')
      .description('delete a restore record (what the restore created is left in place)')
      .argument('<id>', 'restore id'),
  ).action((id: string, opts: { provider: string }, command: Command) =>
    run(command, (context) => restoreDeleteCommand(context, { provider: opts.provider, id })),
  );
}
