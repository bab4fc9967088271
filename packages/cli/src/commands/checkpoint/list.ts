import type { Command } from 'commander';
import { type CommandContext, openService } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson, table } from '../../output.js';
import { type CommandRunner, limitOption, parseLimit, withProvider } from '../options.js';

/** `hoard checkpoint list`. */
export async function checkpointListCommand(
  context: CommandContext,
  options: { provider: string; limit?: string; marker?: string },
): Promise<number> {
  const limit = parseLimit(options.limit);
  const { service } = await openService(context, options.provider);
  const checkpoints = await service.listCheckpoints({
    ...(limit !== undefined ? { limit } : {}),
    ...(options.marker !== undefined ? { marker: options.marker } : {}),
  });
  if (context.json) {
    printJson(
      context.io,
      checkpoints.map(({ graph, parameters, ...rest }) => ({
        ...rest,
        resourceCount: graph.resources.length,
      })),
    );
  } else if (checkpoints.length === 0) {
    context.io.stdout('No checkpoints.\n');
  } else {
    context.io.stdout(
      table([
        ['ID', 'CREATED', 'STATUS', 'RESOURCES'],
        ...checkpoints.map((c) => [
          c.id,
          c.createdAt,
          `${c.status}${c.reason ? ` (${c.reason})` : ''}`,
          String(c.graph.resources.length),
        ]),
      ]),
    );
  }
  return EXIT.ok;
}

/** Declares `hoard checkpoint list`. */
export function registerCheckpointList(checkpoint: Command, run: CommandRunner): void {
  withProvider(
    checkpoint
      .command('list')
      .description('list checkpoints, newest first')
      .option('--marker <id>', 'only checkpoints older than this one (paging)'),
    limitOption(),
  ).action((opts: { provider: string; limit?: string; marker?: string }, command: Command) =>
    run(command, (context) => checkpointListCommand(context, opts)),
  );
}
