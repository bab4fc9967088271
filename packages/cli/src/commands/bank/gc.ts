import type { Command } from 'commander';
import { type CommandContext, openService } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { formatBytes, printJson } from '../../output.js';
import { type CommandRunner, withProvider } from '../options.js';
import { findingsTable } from './check.js';

/** `hoard bank gc`: removes garbage, repairs stale records; `--dry-run` only lists. */
export async function bankGcCommand(
  context: CommandContext,
  options: { provider: string; dryRun?: boolean },
): Promise<number> {
  const { service } = await openService(context, options.provider);
  const result = await service.collectGarbage({ dryRun: options.dryRun === true });
  if (context.json) {
    printJson(context.io, result);
  } else {
    const out = context.io.stdout;
    const bytes = result.done.reduce((sum, f) => sum + f.bytes, 0);
    if (result.done.length === 0) out('Nothing to collect.\n');
    else {
      out(
        `${result.dryRun ? 'Would act on' : 'Acted on'} ${result.done.length} finding(s), ${formatBytes(bytes)}:\n`,
      );
      out(
        findingsTable(result.done, (f) =>
          result.dryRun ? `would ${f.action}` : f.action === 'remove' ? 'removed' : 'repaired',
        ),
      );
    }
    if (result.kept.length > 0) {
      out(`\nLeft for you to decide (${result.kept.length}):\n`);
      out(findingsTable(result.kept, () => 'kept'));
    }
    for (const f of result.failed) context.io.stderr(`hoard: could not ${f.action} ${f.key}: ${f.error}\n`);
  }
  return result.failed.length > 0 ? EXIT.failed : EXIT.ok;
}

/** Declares `hoard bank gc`. */
export function registerBankGc(bank: Command, run: CommandRunner): void {
  withProvider(
    bank
      .command('gc')
      .description(
        'remove what belongs to no live operation (orphan objects, dangling index entries, expired leases, partial writes) and record stale operations as failed',
      )
      .option('--dry-run', 'list what would be done, change nothing'),
  ).action((opts: { provider: string; dryRun?: boolean }, command: Command) =>
    run(command, (context) => bankGcCommand(context, opts)),
  );
}
