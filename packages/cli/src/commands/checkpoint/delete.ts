import type { Command } from 'commander';
import { type CommandContext, openService } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson } from '../../output.js';
import { createProgressView } from '../../progressView.js';
import { type CommandRunner, logLevelOption, withProvider } from '../options.js';

/** `hoard checkpoint delete`. */
export async function checkpointDeleteCommand(
  context: CommandContext,
  options: { provider: string; id: string },
): Promise<number> {
  const { service } = await openService(context, options.provider);
  const view = createProgressView(context.io, { json: context.json, label: 'delete' });
  let result: Awaited<ReturnType<typeof service.deleteCheckpoint>>;
  try {
    result = await service.deleteCheckpoint({
      checkpointId: options.id,
      signal: context.signal,
      onEvent: (e) => view.onEvent(e),
    });
  } finally {
    view.stop();
  }
  const error = result.error as { code?: string; message?: string } | undefined;
  if (context.json) {
    printJson(context.io, {
      id: result.id,
      status: result.status,
      ...(result.warnings ? { warnings: result.warnings } : {}),
      ...(error
        ? { error: { code: error.code ?? 'OPERATION_FAILED', message: error.message ?? String(error) } }
        : {}),
    });
  } else {
    context.io.stdout(`Checkpoint ${result.id}: ${result.status}${error ? `: ${error.message}` : ''}\n`);
    for (const warning of result.warnings ?? []) context.io.stderr(`warning: ${warning}\n`);
  }
  if (result.status === 'deleted') return EXIT.ok;
  return error?.code === 'OPERATION_CANCELLED' ? EXIT.cancelled : EXIT.failed;
}

/** Declares `hoard checkpoint delete`. */
export function registerCheckpointDelete(checkpoint: Command, run: CommandRunner): void {
  withProvider(
    checkpoint
      .command('delete')
      .description('delete a checkpoint and its data')
      .argument('<id>', 'checkpoint id'),
    logLevelOption(),
  ).action((id: string, opts: { provider: string }, command: Command) =>
    run(command, (context) => checkpointDeleteCommand(context, { provider: opts.provider, id })),
  );
}
