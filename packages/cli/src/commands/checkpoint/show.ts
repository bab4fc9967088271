import type { Command } from 'commander';
import { type CommandContext, openService } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson } from '../../output.js';
import { describeCheckpoint } from '../../views/checkpointView.js';
import { type CommandRunner, withProvider } from '../options.js';

/** `hoard checkpoint show`. */
export async function checkpointShowCommand(
  context: CommandContext,
  options: { provider: string; id: string },
): Promise<number> {
  const { service } = await openService(context, options.provider);
  const checkpoint = await service.getCheckpointDetails(options.id);
  if (context.json) printJson(context.io, checkpoint);
  else {
    const lines = [describeCheckpoint(checkpoint).trimEnd()];
    for (const [key, details] of Object.entries(checkpoint.resourceDetails)) {
      lines.push(`  ${key}`, `    parameters  ${JSON.stringify(details.parameters)}`);
      if (details.savedInfo !== undefined) {
        const info = JSON.stringify(details.savedInfo);
        lines.push(`    saved info  ${info.length > 400 ? `${info.slice(0, 400)}… (--json for all)` : info}`);
      }
    }
    context.io.stdout(`${lines.join('\n')}\n`);
  }
  return EXIT.ok;
}

/** Declares `hoard checkpoint show`. */
export function registerCheckpointShow(checkpoint: Command, run: CommandRunner): void {
  withProvider(
    checkpoint
      .command('show')
      .description('show one checkpoint with per-resource status, effective parameters and saved info')
      .argument('<id>', 'checkpoint id'),
  ).action((id: string, opts: { provider: string }, command: Command) =>
    run(command, (context) => checkpointShowCommand(context, { provider: opts.provider, id })),
  );
}
