import { Cron } from 'croner';
import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';
import rrule from 'rrule';
import { invalidInput } from '../faults.js';

// rrule ships CommonJS without named ESM exports.
const { RRule, RRuleSet } = rrule;

/** How a time trigger's `pattern` is written: an RFC 5545 VEVENT with an RRULE, or a crontab line. */
export type TimeFormat = 'calendar' | 'crontab';

/** Karbor's `[DEFAULT]` options of time triggers (`timetrigger/__init__.py`). */
export interface TimeTriggerOptions {
  /** `min_interval`: the shortest time between two fires, seconds. */
  minIntervalSeconds: number;
  /** `min_window_time`: the shortest `window`, and a trigger's default. */
  minWindowSeconds: number;
  /** `max_window_time`: the longest `window`. */
  maxWindowSeconds: number;
  /** `time_format`: the format of a trigger that does not say its own. */
  defaultFormat: TimeFormat;
}

/** Karbor's defaults. */
export const KARBOR_TIME_TRIGGER_OPTIONS: TimeTriggerOptions = {
  minIntervalSeconds: 3600,
  minWindowSeconds: 900,
  maxWindowSeconds: 1800,
  defaultFormat: 'calendar',
};

/** A valid time trigger: when it fires next, and how long after a fire it may still run. */
export interface TimeTrigger {
  format: TimeFormat;
  pattern: string;
  startTime: Date;
  endTime?: Date;
  windowSeconds: number;
  /** The IANA zone the pattern's wall-clock times are read in (a Hoard extension; default UTC). */
  timeZone: string;
  /** The first fire strictly after `after` (and not before `startTime`), or none by `endTime`. */
  next(after: Date): Date | undefined;
}

/** Upcoming fires worked out at once and kept by a parsed trigger (see `next`). */
const UPCOMING_FIRES_KEPT = 8;

/** How many fires the interval check looks at (Karbor looked at the next two only). */
const INTERVAL_CHECKED_FIRES = 50;

/** Karbor's `%Y-%m-%d %H:%M:%S` (UTC), as `start_time` and `end_time` are written. */
export function formatTriggerTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

function parseTime(value: unknown, name: string): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string')
    throw invalidInput(`The trigger ${name}(type = ${typeof value}) is not an instance of string`);
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value);
  const date = match
    ? new Date(Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!, +match[5]!, +match[6]!))
    : undefined;
  // A date that rolls over (2026-02-30) is not one.
  if (date === undefined || formatTriggerTime(date) !== value)
    throw invalidInput(`The format of trigger ${name} is not correct`);
  return date;
}

/** Karbor's decoding of a calendar pattern: one with a backslash is read as a JSON string's body. */
function decodeCalendarPattern(pattern: string): string {
  if (!pattern.includes('\\')) return pattern;
  try {
    return JSON.parse(`"${pattern}"`) as string;
  } catch {
    return pattern;
  }
}

/** The RRULE values of a calendar pattern's first VEVENT. */
function recurrencesOf(pattern: string): string[] {
  let root: ICAL.Component;
  try {
    root = new ICAL.Component(ICAL.parse(decodeCalendarPattern(pattern)));
  } catch {
    throw invalidInput(`The trigger pattern(${pattern}) is invalid`);
  }
  const vevent = root.name === 'vevent' ? root : findVevent(root);
  if (vevent === undefined)
    throw invalidInput(`The trigger pattern(${pattern}) must include a VEVENT component`);
  const rules = vevent.getAllProperties('rrule').map((p) => String(p.getFirstValue()));
  if (rules.length === 0)
    throw invalidInput(
      `The first VEVENT component of trigger pattern(${pattern}) must include an RRULE property`,
    );
  return rules;
}

function findVevent(component: ICAL.Component): ICAL.Component | undefined {
  for (const child of component.getAllSubcomponents()) {
    if (child.name === 'vevent') return child;
    const inner = findVevent(child);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/** `instant`'s wall-clock time in `zone`, as a Date whose UTC fields are that wall time (rrule's floating time). */
function toWall(instant: Date, zone: string): Date {
  const t = DateTime.fromJSDate(instant, { zone });
  return new Date(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second));
}

/** The instant of a floating wall time in `zone`; a time a DST change skips runs at the first one after. */
function fromWall(wall: Date, zone: string): Date {
  return DateTime.fromObject(
    {
      year: wall.getUTCFullYear(),
      month: wall.getUTCMonth() + 1,
      day: wall.getUTCDate(),
      hour: wall.getUTCHours(),
      minute: wall.getUTCMinutes(),
      second: wall.getUTCSeconds(),
    },
    { zone },
  ).toJSDate();
}

/** The bare next-fire function of a pattern (no start or end bound yet). */
function scheduleOf(
  format: TimeFormat,
  pattern: string,
  startTime: Date,
  timeZone: string,
): (after: Date) => Date | undefined {
  if (format === 'crontab') {
    if (pattern.trim() === '') throw invalidInput('The trigger pattern is None');
    let cron: Cron;
    try {
      // UTC as an offset: croner then does no Intl time-zone work (13x faster a fire).
      const zone = timeZone === 'UTC' ? { utcOffset: 0 } : { timezone: timeZone };
      cron = new Cron(pattern, { ...zone, paused: true, mode: '5-part' });
    } catch {
      throw invalidInput(`The trigger pattern(${pattern}) is invalid`);
    }
    return (after) => cron.nextRun(after) ?? undefined;
  }
  const set = new RRuleSet();
  const dtstart = toWall(startTime, timeZone);
  for (const value of recurrencesOf(pattern)) {
    try {
      set.rrule(new RRule({ ...RRule.parseString(value), dtstart }));
    } catch {
      throw invalidInput(`The trigger pattern(${pattern}) is invalid`);
    }
  }
  return (after) => {
    // Strictly after, in the zone's wall time; a wall time a DST change repeats fires once.
    let wall = toWall(after, timeZone);
    for (;;) {
      const found = set.after(wall, false);
      if (found === null) return undefined;
      const instant = fromWall(found, timeZone);
      if (instant.getTime() > after.getTime()) return instant;
      wall = found;
    }
  };
}

/**
 * Checks a `time` trigger's properties as Karbor does (`check_trigger_definition`) and returns
 * the trigger: `pattern` in the trigger's own `format` (Karbor used the global `time_format` for
 * every trigger), `start_time` (default `now`) and `end_time` as `YYYY-MM-DD HH:MM:SS` UTC, end
 * after start, `window` (default `min_window_time`) within the window limits, and no two fires
 * closer than `min_interval` among the next 50 (Karbor checked only the next two). Beyond Karbor,
 * a trigger with no fire left is refused, and `timezone` (an IANA zone) says how the pattern's
 * wall-clock times are read.
 *
 * @throws ApiFault 400 with Karbor's messages
 */
export function parseTimeTrigger(
  properties: Record<string, unknown>,
  options: TimeTriggerOptions,
  now: Date,
  /** `false` for a stored trigger: its fires are not checked again (it may have none left). */
  checkFires = true,
): TimeTrigger {
  const format = properties['format'] ?? options.defaultFormat;
  if (format !== 'calendar' && format !== 'crontab')
    throw invalidInput(`The trigger format(${String(format)}) is invalid: calendar or crontab`);
  const pattern = properties['pattern'];
  if (typeof pattern !== 'string' || pattern === '') throw invalidInput('The trigger pattern is None');
  const timeZone = properties['timezone'] ?? 'UTC';
  if (typeof timeZone !== 'string' || !IANAZone.isValidZone(timeZone))
    throw invalidInput(`The trigger timezone(${String(timeZone)}) is not a known time zone`);
  const startTime =
    parseTime(properties['start_time'], 'start_time') ?? new Date(Math.floor(now.getTime() / 1000) * 1000);
  const schedule = scheduleOf(format, pattern, startTime, timeZone);

  const given = properties['window'] ?? options.minWindowSeconds;
  const windowSeconds =
    typeof given === 'number' ? given : /^\s*-?\d+\s*$/.test(String(given)) ? Number(given) : Number.NaN;
  if (!Number.isInteger(windowSeconds))
    throw invalidInput(`The trigger windows(${String(given)}) is not integer`);
  if (windowSeconds < options.minWindowSeconds || windowSeconds > options.maxWindowSeconds)
    throw invalidInput(
      `The trigger windows ${windowSeconds} must be between ${options.minWindowSeconds} and ${options.maxWindowSeconds}`,
    );
  const endTime = parseTime(properties['end_time'], 'end_time');
  if (endTime !== undefined && endTime.getTime() <= startTime.getTime())
    throw invalidInput(
      `The trigger's start time(${formatTriggerTime(startTime)}) is bigger than end time(${formatTriggerTime(endTime)})`,
    );
  const nextOf = (after: Date) => {
    // Karbor: the next time after max(after, start_time - 1 s), so a fire at start_time counts.
    const from = after.getTime() < startTime.getTime() ? new Date(startTime.getTime() - 1000) : after;
    const fire = schedule(from);
    if (fire === undefined || (endTime !== undefined && fire.getTime() > endTime.getTime())) return undefined;
    return fire;
  };
  // The recurrence libraries take up to 0.1 ms a fire (croner in a named zone, rrule): the engine asks each trigger for its next
  // fire at each fire, so upcoming fires are worked out a run at a time and kept. `next` is a
  // function of `after` alone: fires worked out from `base` answer any `after` from `base` on
  // until the last of them.
  let base = Number.POSITIVE_INFINITY;
  let upcoming: number[] = [];
  let exhausted = false;
  const next = (after: Date): Date | undefined => {
    const t = after.getTime();
    if (t >= base) {
      const found = upcoming.find((f) => f > t);
      if (found !== undefined) return new Date(found);
      if (exhausted) return undefined;
    }
    base = t;
    upcoming = [];
    exhausted = false;
    for (let at = after; upcoming.length < UPCOMING_FIRES_KEPT; ) {
      const fire = nextOf(at);
      if (fire === undefined) {
        exhausted = true;
        break;
      }
      upcoming.push(fire.getTime());
      at = fire;
    }
    return upcoming.length > 0 ? new Date(upcoming[0]!) : undefined;
  };
  const fires: Date[] = [];
  for (let at = now; checkFires && fires.length < INTERVAL_CHECKED_FIRES; ) {
    const fire = next(at);
    if (fire === undefined) break;
    fires.push(fire);
    at = fire;
  }
  if (checkFires && fires.length === 0)
    throw invalidInput('The trigger property is invalid: it has no time left to run');
  for (let i = 1; i < fires.length; i++)
    if ((fires[i]!.getTime() - fires[i - 1]!.getTime()) / 1000 < options.minIntervalSeconds)
      throw invalidInput(
        `The interval of two adjacent time points is less than ${options.minIntervalSeconds}`,
      );
  return {
    format,
    pattern,
    startTime,
    ...(endTime !== undefined ? { endTime } : {}),
    windowSeconds,
    timeZone,
    next,
  };
}
