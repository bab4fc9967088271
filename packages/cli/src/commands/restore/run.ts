import { type ParametersDocument, type RestoreRecord, readParametersFile } from '@hoard/core/host';
import type { Command } from 'commander';
import { type CommandContext, openService } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson, usageError } from '../../output.js';
import { createProgressView } from '../../progressView.js';
import { describeRestore } from '../../views/restoreView.js';
import {
  type CommandRunner,
  concurrencyOption,
  jsonOption,
  logLevelOption,
  parametersOption,
  parseConcurrency,
  providerDirOption,
} from '../options.js';

/** Options of `hoard restore`. */
export interface RestoreCommandOptions {
  provider: string;
  checkpoint?: string;
  parameters?: string;
  concurrency?: string;
}

/** `hoard restore`. */
export async function restoreCommand(
  context: CommandContext,
  options: RestoreCommandOptions,
): Promise<number> {
  // Not a required option in commander: `restore list|show|delete` would then demand it too.
  if (options.checkpoint === undefined)
    throw usageError('hoard restore needs --checkpoint <id> (or: hoard restore list|show|delete)');
  const concurrency = parseConcurrency(options.concurrency);
  const parameters: ParametersDocument = options.parameters
    ? await readParametersFile(options.parameters)
    : {};
  const { service } = await openService(context, options.provider);
  const view = createProgressView(context.io, { json: context.json, label: 'restore' });
  let restore: RestoreRecord;
  try {
    restore = await service.restore({
      checkpointId: options.checkpoint,
      parameters,
      signal: context.signal,
      ...(options.parameters !== undefined ? { parametersFile: options.parameters } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      onEvent: (e) => view.onEvent(e),
    });
  } finally {
    view.stop();
  }
  if (context.json) printJson(context.io, restore);
  else context.io.stdout(describeRestore(restore));
  if (restore.status === 'success') return EXIT.ok;
  return restore.reason === 'cancelled' ? EXIT.cancelled : EXIT.failed;
}

/**
 * Declares `hoard restore` (and returns it, for its `list`, `show` and `delete`). Its `--provider`
 * is checked in the action: with positional options, `restore list --provider` is the subcommand's.
 */
export function registerRestore(program: Command, run: CommandRunner): Command {
  return program
    .command('restore')
    .description('restore a checkpoint; restore list|show|delete manage restore records')
    .option('--provider <name>', 'provider name or id')
    .option('--checkpoint <id>', 'checkpoint id')
    .addOption(parametersOption())
    .addOption(concurrencyOption())
    .addOption(providerDirOption())
    .addOption(logLevelOption())
    .addOption(jsonOption())
    .action(
      (
        opts: { provider?: string; checkpoint?: string; parameters?: string; concurrency?: string },
        command: Command,
      ) =>
        run(command, (context) => {
          if (opts.provider === undefined) throw usageError('hoard restore needs --provider <name>');
          return restoreCommand(context, { ...opts, provider: opts.provider });
        }),
    );
}
