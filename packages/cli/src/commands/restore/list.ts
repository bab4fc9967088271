import type { Command } from 'commander';
import { type CommandContext, openService } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson, table } from '../../output.js';
import { type CommandRunner, limitOption, parseLimit, withProvider } from '../options.js';

/** `hoard restore list`: restore records, newest first. */
export async function restoreListCommand(
  context: CommandContext,
  options: { provider: string; checkpoint?: string; limit?: string },
): Promise<number> {
  const limit = parseLimit(options.limit);
  const { service } = await openService(context, options.provider);
  const restores = await service.listRestores({
    ...(options.checkpoint !== undefined ? { checkpointId: options.checkpoint } : {}),
    ...(limit !== undefined ? { limit } : {}),
  });
  if (context.json) printJson(context.io, restores);
  else if (restores.length === 0) context.io.stdout('No restores.\n');
  else
    context.io.stdout(
      table([
        ['ID', 'CHECKPOINT', 'STARTED', 'STATUS', 'RESOURCES'],
        ...restores.map((r) => [
          r.id,
          r.checkpointId,
          r.startedAt,
          `${r.status}${r.reason ? ` (${r.reason})` : ''}`,
          String(Object.keys(r.resources).length),
        ]),
      ]),
    );
  return EXIT.ok;
}

/** Declares `hoard restore list`. */
export function registerRestoreList(restore: Command, run: CommandRunner): void {
  withProvider(
    restore
      .command('list')
      .description('list restore records, newest first')
      .option('--checkpoint <id>', 'only restores of this checkpoint'),
    limitOption(),
  ).action((opts: { provider: string; checkpoint?: string; limit?: string }, command: Command) =>
    run(command, (context) => restoreListCommand(context, opts)),
  );
}
