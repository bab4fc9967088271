import { type ParametersDocument, type RestoreRecord, readParametersFile } from '@hoard/core/host';
import { type CommandContext, openService } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { printJson, table, usageError } from '../output.js';
import { createProgressView } from '../progressView.js';
import { parseConcurrency, parseLimit } from './options.js';

/** Options of `hoard restore`. */
export interface RestoreCommandOptions {
  provider: string;
  checkpoint?: string;
  parameters?: string;
  concurrency?: string;
}

/** Human view of one restore record. */
export function describeRestore(restore: RestoreRecord): string {
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
