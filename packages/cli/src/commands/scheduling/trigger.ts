import { type Command, Option } from 'commander';
import type { CommandContext } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import type { CommandRunner } from '../options.js';
import {
  type LocalApiCommandOptions,
  printObject,
  registerListShowDelete,
  withApi,
  withDatabase,
} from './localApi.js';

/** A trigger as the API shows it (every property a string). */
interface TriggerView {
  id: string;
  name: string;
  type: string;
  properties: Record<string, string>;
}

/** `hoard trigger create`'s options: Karbor's time-trigger properties. */
interface TriggerCreateOptions extends LocalApiCommandOptions {
  pattern: string;
  format?: 'crontab' | 'calendar';
  window?: string;
  startTime?: string;
  endTime?: string;
  timezone?: string;
}

/** `hoard trigger create NAME --pattern P`. */
export async function triggerCreateCommand(
  context: CommandContext,
  name: string,
  options: TriggerCreateOptions,
): Promise<number> {
  const properties = {
    format: options.format ?? formatOf(options.pattern),
    pattern: options.pattern,
    ...(options.window !== undefined ? { window: options.window } : {}),
    ...(options.startTime !== undefined ? { start_time: options.startTime } : {}),
    ...(options.endTime !== undefined ? { end_time: options.endTime } : {}),
    ...(options.timezone !== undefined ? { timezone: options.timezone } : {}),
  };
  const { trigger_info: trigger } = await withApi(context, options, (api) =>
    api.request<{ trigger_info: TriggerView }>('POST', '/triggers', {
      trigger_info: { name, type: 'time', properties },
    }),
  );
  printObject(context, { ...trigger });
  return EXIT.ok;
}

/**
 * The API requires `format`; without `--format` the pattern's shape says it: a calendar text
 * starts with `BEGIN:` (a VEVENT or a VCALENDAR), anything else is a crontab line.
 */
function formatOf(pattern: string): 'crontab' | 'calendar' {
  return /^\s*BEGIN:/i.test(pattern) ? 'calendar' : 'crontab';
}

/** Declares `hoard trigger create|list|show|delete`. */
export function registerTrigger(program: Command, run: CommandRunner): void {
  const trigger = program
    .command('trigger')
    .description('time triggers in the database of `hoard serve`: when scheduled operations run');
  withDatabase(
    trigger
      .command('create <name>')
      .description('create a time trigger (checked as the API checks it: min_interval, windows)')
      .requiredOption(
        '--pattern <pattern>',
        "crontab ('0 3 * * *') or an RFC 5545 VEVENT with an RRULE (calendar)",
      )
      .addOption(
        new Option(
          '--format <format>',
          'how --pattern is written (default: calendar if it starts with BEGIN:, else crontab)',
        ).choices(['crontab', 'calendar']),
      )
      .option('--window <seconds>', 'how late a fire may still run (default min_window_time)')
      .option('--start-time <time>', "first fire not before, 'YYYY-MM-DD HH:MM:SS' (default now)")
      .option('--end-time <time>', "no fire after, 'YYYY-MM-DD HH:MM:SS'")
      .option('--timezone <zone>', 'IANA time zone of the pattern and times (default UTC)'),
  ).action((name: string, opts: TriggerCreateOptions, command: Command) =>
    run(command, (context) => triggerCreateCommand(context, name, opts)),
  );
  const property = (t: Record<string, unknown>, key: string) =>
    (t['properties'] as TriggerView['properties'])[key];
  registerListShowDelete(
    trigger,
    run,
    { collection: 'triggers', listKey: 'triggers', showKey: 'trigger_info', what: 'trigger' },
    {
      description: "the project's triggers",
      columns: [
        ['ID', (t) => t['id']],
        ['NAME', (t) => t['name']],
        ['FORMAT', (t) => property(t, 'format')],
        ['PATTERN', (t) => property(t, 'pattern')?.replace(/\s*\n\s*/g, ' ')],
        ['WINDOW', (t) => property(t, 'window')],
        ['TIMEZONE', (t) => property(t, 'timezone') ?? 'UTC'],
      ],
      none: 'No triggers.',
    },
    'delete a trigger no scheduled operation uses',
  );
}
