import {
  applyRetentionPolicy,
  type CheckpointRecord,
  parseRetentionDuration,
  type RetentionDecision,
  type RetentionPolicy,
  type RetentionReason,
} from '@hoard/core/host';
import { type Command, Option } from 'commander';
import { type CommandContext, openService } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson, table, usageError } from '../../output.js';
import { type CommandRunner, logLevelOption, withProvider } from '../options.js';

/** The `--keep-*` counts and the policy field each sets. */
const COUNTS = [
  ['keepLast', 'keep-last', 'keep the N newest checkpoints'],
  ['keepHourly', 'keep-hourly', 'keep the newest checkpoint of each of the N newest hours that have one'],
  ['keepDaily', 'keep-daily', 'likewise for days'],
  ['keepWeekly', 'keep-weekly', 'likewise for ISO weeks'],
  ['keepMonthly', 'keep-monthly', 'likewise for months'],
  ['keepYearly', 'keep-yearly', 'likewise for years'],
] as const;

type PruneOptions = {
  provider: string;
  plan?: string;
  keepWithin?: string;
  timeZone?: string;
  dryRun?: boolean;
} & { [K in (typeof COUNTS)[number][0]]?: string };

/** What retention groups by: the plan, else the resources the checkpoint was asked for (its graph's roots). */
function groupOf(checkpoint: CheckpointRecord): string {
  if (checkpoint.planId !== undefined) return `plan ${checkpoint.planId}`;
  const key = (r: { type: string; id: string }) => `${r.type}#${r.id}`;
  const children = new Set(checkpoint.graph.resources.flatMap((r) => (r.dependsOn ?? []).map(key)));
  const roots = checkpoint.graph.resources.map(key).filter((k) => !children.has(k));
  return `resources ${roots.sort().join(' ')}`;
}

const reasonText = (r: RetentionReason) =>
  r.rule === 'status' ? 'not available' : r.bucket !== undefined ? `${r.rule} ${r.bucket}` : r.rule;

/** Parses the command line's policy. */
function policyOf(options: PruneOptions): RetentionPolicy {
  const policy: RetentionPolicy = {};
  for (const [field, flag] of COUNTS) {
    const given = options[field];
    if (given === undefined) continue;
    if (!/^\d+$/.test(given))
      throw usageError(`--${flag} must be a whole number of at least 0, got '${given}'`);
    policy[field] = Number(given);
  }
  if (options.keepWithin !== undefined) {
    try {
      policy.keepWithin = parseRetentionDuration(options.keepWithin);
    } catch (error) {
      throw usageError(`--keep-within: ${(error as Error).message}`);
    }
  }
  if (Object.keys(policy).length === 0 || Object.values(policy).every((v) => v === 0))
    throw usageError(
      'give at least one rule that keeps something: --keep-last, --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly, --keep-yearly or --keep-within (nothing was deleted)',
    );
  return policy;
}

/**
 * `hoard checkpoint prune`: deletes the checkpoints a retention policy does not keep, as
 * `restic forget` does, and says which rule keeps each one it keeps. Only `available`
 * checkpoints are counted or deleted; the newest of each plan (or of the same resources) is
 * always kept.
 */
export async function checkpointPruneCommand(
  context: CommandContext,
  options: PruneOptions,
): Promise<number> {
  const policy = policyOf(options);
  const timeZone = options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const { service } = await openService(context, options.provider);
  const checkpoints = await service.listCheckpoints(
    options.plan !== undefined ? { planId: options.plan } : {},
  );
  const byId = new Map(checkpoints.map((c) => [c.id, c]));
  const decisions = applyRetentionPolicy(
    checkpoints.map((c) => ({ id: c.id, createdAt: c.createdAt, status: c.status, group: groupOf(c) })),
    policy,
    { timeZone },
  );
  const doomed = decisions.filter((d) => !d.keep);
  const results = new Map<string, { status: string; error?: { code: string; message: string } }>();
  if (options.dryRun !== true) {
    for (const [index, decision] of doomed.entries()) {
      if (context.signal.aborted) break;
      const result = await service.deleteCheckpoint({
        checkpointId: decision.candidate.id,
        signal: context.signal,
      });
      const error = result.error as { code?: string; message?: string } | undefined;
      results.set(decision.candidate.id, {
        status: result.status,
        ...(error
          ? { error: { code: error.code ?? 'OPERATION_FAILED', message: error.message ?? String(error) } }
          : {}),
      });
      const progress = {
        event: 'checkpoint-deleted',
        id: decision.candidate.id,
        status: result.status,
        done: index + 1,
        total: doomed.length,
      };
      context.io.stderr(
        context.json
          ? `${JSON.stringify(progress)}\n`
          : `${result.status === 'deleted' ? 'deleted' : `could not delete (${result.status}${error?.message ? `: ${error.message}` : ''})`} ${decision.candidate.id} (${index + 1}/${doomed.length})\n`,
      );
    }
  }
  const failed = doomed.filter(
    (d) => options.dryRun !== true && results.get(d.candidate.id)?.status !== 'deleted',
  );
  const actionOf = (d: RetentionDecision) =>
    d.keep
      ? 'keep'
      : options.dryRun === true
        ? 'would delete'
        : (results.get(d.candidate.id)?.status ?? 'not deleted (cancelled)');
  if (context.json) {
    printJson(context.io, {
      dryRun: options.dryRun === true,
      policy,
      timeZone,
      checkpoints: decisions.map((d) => ({
        id: d.candidate.id,
        createdAt: d.candidate.createdAt,
        status: byId.get(d.candidate.id)!.status,
        group: d.candidate.group,
        keep: d.keep,
        reasons: d.reasons,
        ...(d.keep
          ? {}
          : {
              action: actionOf(d),
              ...(results.get(d.candidate.id)?.error ? { error: results.get(d.candidate.id)!.error } : {}),
            }),
      })),
      kept: decisions.filter((d) => d.keep).length,
      deleted: options.dryRun === true ? 0 : doomed.length - failed.length,
      failed: failed.map((d) => d.candidate.id),
    });
  } else if (checkpoints.length === 0) {
    context.io.stdout('No checkpoints.\n');
  } else {
    const groups = [...new Set(decisions.map((d) => d.candidate.group))];
    for (const group of groups) {
      const rows = decisions.filter((d) => d.candidate.group === group);
      context.io.stdout(
        `${group}: keep ${rows.filter((d) => d.keep).length}, delete ${rows.filter((d) => !d.keep).length}\n`,
      );
      context.io.stdout(
        table([
          ['ID', 'CREATED', 'STATUS', 'ACTION', 'KEPT BY'],
          ...rows.map((d) => [
            d.candidate.id,
            d.candidate.createdAt,
            d.candidate.status,
            actionOf(d),
            d.reasons.map(reasonText).join(', '),
          ]),
        ]),
      );
    }
    context.io.stdout(
      options.dryRun === true
        ? `Dry run: ${doomed.length} checkpoint(s) would be deleted; nothing was.\n`
        : `${doomed.length - failed.length} checkpoint(s) deleted${failed.length > 0 ? `, ${failed.length} not` : ''}.\n`,
    );
  }
  if (failed.length === 0) return EXIT.ok;
  return context.signal.aborted ? EXIT.cancelled : EXIT.failed;
}

/** Declares `hoard checkpoint prune`. */
export function registerCheckpointPrune(checkpoint: Command, run: CommandRunner): void {
  const command = checkpoint
    .command('prune')
    .description(
      'delete the checkpoints a retention policy does not keep (only available ones; the newest of each plan is always kept)',
    )
    .option('--plan <id>', "only this plan's checkpoints");
  for (const [, flag, help] of COUNTS) command.addOption(new Option(`--${flag} <n>`, help));
  command
    .addOption(
      new Option(
        '--keep-within <duration>',
        'keep every checkpoint within this long of the newest (30d, 1y6m, 12h)',
      ),
    )
    .addOption(
      new Option(
        '--time-zone <zone>',
        "read hours, days, weeks... in this IANA time zone (default: this machine's)",
      ),
    )
    .addOption(new Option('--dry-run', 'print what would be kept and deleted; delete nothing'));
  withProvider(command, logLevelOption()).action((opts: PruneOptions, cmd: Command) =>
    run(cmd, (context) => checkpointPruneCommand(context, opts)),
  );
}
