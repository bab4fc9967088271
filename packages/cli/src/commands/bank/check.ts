import type { BankCheckReport, BankFinding } from '@hoard/core/host';
import type { Command } from 'commander';
import { type CommandContext, openService } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { formatBytes, printJson, table } from '../../output.js';
import { type CommandRunner, withProvider } from '../options.js';

/** Findings as a table. */
export function findingsTable(findings: readonly BankFinding[], verb: (f: BankFinding) => string): string {
  return table([
    ['KIND', 'KEY', 'SIZE', 'ACTION', 'DETAIL'],
    ...findings.map((f) => [f.kind, f.key, formatBytes(f.bytes), verb(f), f.detail]),
  ]);
}

function printReport(context: CommandContext, report: BankCheckReport): void {
  const out = context.io.stdout;
  out(`Bank: ${report.bank}\n`);
  out(
    `${report.checkpoints.length} checkpoint(s), ${report.restores} restore record(s), ${report.objects} object(s), ${formatBytes(report.bytes)}\n`,
  );
  if (report.checkpoints.length > 0) {
    out(
      table([
        ['CHECKPOINT', 'STATUS', 'OBJECTS', 'SIZE'],
        ...report.checkpoints.map((c) => [
          c.id,
          `${c.status}${c.reason ? ` (${c.reason})` : ''}`,
          String(c.objects),
          formatBytes(c.bytes),
        ]),
      ]),
    );
  }
  if (report.findings.length === 0) {
    out('No problems found.\n');
    return;
  }
  out(`\n${report.findings.length} finding(s):\n`);
  out(findingsTable(report.findings, (f) => (f.action === 'keep' ? 'keep (decide)' : `gc: ${f.action}`)));
}

/** `hoard bank check`: exits 0 when the bank is whole, 1 when it has findings beyond expired leases. */
export async function bankCheckCommand(
  context: CommandContext,
  options: { provider: string },
): Promise<number> {
  const { service } = await openService(context, options.provider);
  const report = await service.checkBank();
  if (context.json) printJson(context.io, report);
  else printReport(context, report);
  return report.healthy ? EXIT.ok : EXIT.failed;
}

/** Declares `hoard bank check`. */
export function registerBankCheck(bank: Command, run: CommandRunner): void {
  withProvider(
    bank
      .command('check')
      .description(
        "verify the bank's structure: every checkpoint readable and indexed, orphans, stale records, leftovers, sizes",
      ),
  ).action((opts: { provider: string }, command: Command) =>
    run(command, (context) => bankCheckCommand(context, opts)),
  );
}
