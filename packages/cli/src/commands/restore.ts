import { type ParametersDocument, type RestoreRecord, readParametersFile } from '@hoard/core/host';
import { type CommandContext, openService } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { printJson } from '../output.js';
import { createProgressView } from '../progressView.js';
import { parseConcurrency } from './protect.js';

/** Options of `hoard restore`. */
export interface RestoreCommandOptions {
  provider: string;
  checkpoint: string;
  parameters?: string;
  concurrency?: string;
}

function describeRestore(restore: RestoreRecord): string {
  const lines = [
    `Restore ${restore.id} of checkpoint ${restore.checkpointId}: ${restore.status}${restore.reason ? ` (${restore.reason})` : ''}`,
  ];
  for (const [key, r] of Object.entries(restore.resources)) {
    lines.push(`  ${r.status.padEnd(9)} ${key}${r.error ? `: ${r.error.message}` : ''}`);
    if (r.result !== undefined) lines.push(`            ${JSON.stringify(r.result)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `hoard restore`. */
export async function restoreCommand(
  context: CommandContext,
  options: RestoreCommandOptions,
): Promise<number> {
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
