import { createProtectionService, readParametersFile } from '@hoard/core/host';
import type { Command } from 'commander';
import { type CommandContext, loggerFor, providerFor } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson } from '../../output.js';
import { createProgressView } from '../../progressView.js';
import { describeCheckpoint } from '../../views/checkpointView.js';
import {
  type CommandRunner,
  concurrencyOption,
  logLevelOption,
  parametersOption,
  parseConcurrency,
  withProvider,
} from '../options.js';

/** `hoard checkpoint resume`: takes an interrupted protect up where it stopped. */
export async function checkpointResumeCommand(
  context: CommandContext,
  id: string,
  options: { provider: string; parameters?: string; concurrency?: string },
): Promise<number> {
  const concurrency = parseConcurrency(options.concurrency);
  const provider = await providerFor(context, options.provider);
  const service = await createProtectionService(provider, { logger: loggerFor(context) });
  const view = createProgressView(context.io, { json: context.json, label: 'resume' });
  let resumed: Awaited<ReturnType<typeof service.resume>>;
  try {
    resumed = await service.resume({
      checkpointId: id,
      signal: context.signal,
      onEvent: (e) => view.onEvent(e),
      ...(options.parameters !== undefined
        ? { parameters: await readParametersFile(options.parameters), parametersFile: options.parameters }
        : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
    });
  } finally {
    view.stop();
  }
  if (context.json) printJson(context.io, resumed);
  else {
    context.io.stdout(
      `Resumed as run ${resumed.resumed.attempt}; ${resumed.resumed.hooksReused} hook(s) had finished and were not run again.\n`,
    );
    context.io.stdout(describeCheckpoint(resumed));
  }
  if (resumed.status === 'available') return EXIT.ok;
  return resumed.reason === 'cancelled' ? EXIT.cancelled : EXIT.failed;
}

/** Declares `hoard checkpoint resume`. */
export function registerCheckpointResume(checkpoint: Command, run: CommandRunner): void {
  withProvider(
    checkpoint
      .command('resume <id>')
      .description(
        'take an interrupted protect (killed, lease lost, failed, cancelled) up where it stopped: finished hooks are not run again',
      ),
    parametersOption(),
    concurrencyOption(),
    logLevelOption(),
  ).action(
    (id: string, opts: { provider: string; parameters?: string; concurrency?: string }, command: Command) =>
      run(command, (context) => checkpointResumeCommand(context, id, opts)),
  );
}
