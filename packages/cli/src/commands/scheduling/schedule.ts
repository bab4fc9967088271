import type { Command } from 'commander';
import type { CommandContext } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { usageError } from '../../output.js';
import { type CommandRunner, limitOption, parseLimit } from '../options.js';
import {
  idOf,
  type LocalApiCommandOptions,
  printList,
  printObject,
  registerListShowDelete,
  withApi,
  withDatabase,
} from './localApi.js';

/** A scheduled operation as the API shows it (every definition value a string). */
interface ScheduledOperationView {
  id: string;
  name: string;
  description: string | null;
  operation_type: string;
  trigger_id: string;
  operation_definition: Record<string, string>;
  enabled: boolean;
}

/** An operation log as the API shows it. */
interface OperationLogView {
  id: string;
  operation_type: string;
  status: string;
  checkpoint_id: string | null;
  expect_start_time: string | null;
  started_at: string;
  ended_at: string | null;
  error_info: string | null;
}

/** The retention flags and the `retention_protect` definition keys they set. */
const RETENTION_FLAGS = {
  maxBackups: 'max_backups',
  retentionDays: 'retention_duration',
  keepLast: 'keep_last',
  keepHourly: 'keep_hourly',
  keepDaily: 'keep_daily',
  keepWeekly: 'keep_weekly',
  keepMonthly: 'keep_monthly',
  keepYearly: 'keep_yearly',
  keepWithin: 'keep_within',
  retentionTimezone: 'timezone',
} as const;

type ScheduleCreateOptions = LocalApiCommandOptions & {
  trigger: string;
  plan: string;
  description?: string;
} & { [K in keyof typeof RETENTION_FLAGS]?: string };

/**
 * `hoard schedule create NAME --trigger T --plan P [retention flags]`: a `protect`, or with any
 * retention flag a `retention_protect` (its checkpoints pruned after each protect that succeeds).
 */
export async function scheduleCreateCommand(
  context: CommandContext,
  name: string,
  options: ScheduleCreateOptions,
): Promise<number> {
  const retention = Object.fromEntries(
    Object.entries(RETENTION_FLAGS).flatMap(([flag, key]) => {
      const value = options[flag as keyof typeof RETENTION_FLAGS];
      return value === undefined ? [] : [[key, value]];
    }),
  );
  if (options.retentionTimezone !== undefined && Object.keys(retention).length === 1)
    throw usageError('--retention-timezone needs a --keep-* rule');
  const created = await withApi(context, options, async (api) => {
    const triggerId = await idOf(api, 'triggers', 'triggers', 'trigger', options.trigger);
    const planId = await idOf(api, 'plans', 'plans', 'plan', options.plan);
    // The provider is the plan's (the API requires both, and that they agree).
    const { plan } = await api.request<{ plan: { provider_id: string } }>('GET', `/plans/${planId}`);
    return (
      await api.request<{ scheduled_operation: ScheduledOperationView }>('POST', '/scheduled_operations', {
        scheduled_operation: {
          name,
          ...(options.description !== undefined ? { description: options.description } : {}),
          operation_type: Object.keys(retention).length > 0 ? 'retention_protect' : 'protect',
          trigger_id: triggerId,
          operation_definition: { plan_id: planId, provider_id: plan.provider_id, ...retention },
        },
      })
    ).scheduled_operation;
  });
  printObject(context, { ...created });
  return EXIT.ok;
}

/** `hoard schedule logs [OPERATION]`: every fire, skip, failure and retention delete, newest first. */
export async function scheduleLogsCommand(
  context: CommandContext,
  operation: string | undefined,
  options: LocalApiCommandOptions & { limit?: string; status?: string },
): Promise<number> {
  const limit = parseLimit(options.limit) ?? 50;
  const logs = await withApi(context, options, async (api) => {
    const query = new URLSearchParams({ limit: String(limit) });
    if (operation !== undefined)
      query.set(
        'scheduled_operation_id',
        await idOf(api, 'scheduled_operations', 'operations', 'scheduled operation', operation),
      );
    if (options.status !== undefined) query.set('status', options.status);
    return (await api.request<{ operation_logs: OperationLogView[] }>('GET', `/operation_logs?${query}`))
      .operation_logs;
  });
  printList(
    context,
    logs as unknown as Record<string, unknown>[],
    [
      ['STARTED', (l) => l['started_at']],
      ['TYPE', (l) => l['operation_type']],
      ['STATUS', (l) => l['status']],
      ['DUE', (l) => l['expect_start_time']],
      ['CHECKPOINT', (l) => l['checkpoint_id']],
      ['WHY', (l) => l['error_info']],
    ],
    'No operation logs.',
  );
  return EXIT.ok;
}

/** Declares `hoard schedule create|list|show|delete|logs`. */
export function registerSchedule(program: Command, run: CommandRunner): void {
  const schedule = program
    .command('schedule')
    .description(
      'scheduled operations in the database of `hoard serve`: a plan protected at each fire of a trigger',
    );
  withDatabase(
    schedule
      .command('create <name>')
      .description(
        'protect a plan at each fire of a trigger; with a retention flag, prune after each protect',
      )
      .requiredOption('--trigger <trigger>', 'the trigger, by id or name')
      .requiredOption('--plan <plan>', 'the plan, by id or name')
      .option('--description <text>', 'what it is for')
      .option('--max-backups <n>', "keep the n newest checkpoints of the plan (Karbor's max_backups)")
      .option('--retention-days <n>', "delete checkpoints older than n days (Karbor's retention_duration)")
      .option('--keep-last <n>', 'GFS: keep the n newest')
      .option('--keep-hourly <n>', 'GFS: keep the newest of each of the last n hours')
      .option('--keep-daily <n>', 'GFS: ... days')
      .option('--keep-weekly <n>', 'GFS: ... weeks')
      .option('--keep-monthly <n>', 'GFS: ... months')
      .option('--keep-yearly <n>', 'GFS: ... years')
      .option('--keep-within <duration>', "GFS: keep all newer than this ('30d', '2w', '1y6m')")
      .option('--retention-timezone <zone>', 'GFS: the time zone of days, weeks, months (default UTC)'),
  ).action((name: string, opts: ScheduleCreateOptions, command: Command) =>
    run(command, (context) => scheduleCreateCommand(context, name, opts)),
  );
  registerListShowDelete(
    schedule,
    run,
    {
      collection: 'scheduled_operations',
      listKey: 'operations',
      showKey: 'scheduled_operation',
      what: 'scheduled operation',
    },
    {
      description: "the project's scheduled operations",
      columns: [
        ['ID', (o) => o['id']],
        ['NAME', (o) => o['name']],
        ['TYPE', (o) => o['operation_type']],
        ['TRIGGER', (o) => o['trigger_id']],
        ['PLAN', (o) => (o['operation_definition'] as Record<string, string>)['plan_id']],
        [
          'RETENTION',
          (o) =>
            Object.entries(o['operation_definition'] as Record<string, string>)
              .filter(([k]) => k !== 'plan_id' && k !== 'provider_id')
              .map(([k, v]) => `${k}=${v}`)
              .join(',') || '-',
        ],
      ],
      none: 'No scheduled operations.',
    },
    'delete a scheduled operation (no fire starts it after this; its checkpoints stay)',
  );
  withDatabase(
    schedule
      .command('logs [operation]')
      .description('operation logs, newest first: every fire, skip, failure and retention delete, with why')
      .option(
        '--status <status>',
        'only these (in_progress, success, failed, skipped, dropped_out_of_window, deleted, ...)',
      )
      .addOption(limitOption()),
  ).action(
    (
      id: string | undefined,
      opts: LocalApiCommandOptions & { limit?: string; status?: string },
      command: Command,
    ) => run(command, (context) => scheduleLogsCommand(context, id, opts)),
  );
}
