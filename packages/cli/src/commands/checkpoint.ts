import { type CommandContext, openService } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { printJson, table } from '../output.js';
import { createProgressView } from '../progressView.js';
import { parseLimit } from './options.js';
import { describeCheckpoint } from './protect.js';

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

/** `hoard checkpoint show`. */
export async function checkpointShowCommand(
  context: CommandContext,
  options: { provider: string; id: string },
): Promise<number> {
  const { service } = await openService(context, options.provider);
  const checkpoint = await service.describeCheckpoint(options.id);
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
      ...(error
        ? { error: { code: error.code ?? 'OPERATION_FAILED', message: error.message ?? String(error) } }
        : {}),
    });
  } else {
    context.io.stdout(`Checkpoint ${result.id}: ${result.status}${error ? `: ${error.message}` : ''}\n`);
  }
  if (result.status === 'deleted') return EXIT.ok;
  return error?.code === 'OPERATION_CANCELLED' ? EXIT.cancelled : EXIT.failed;
}
