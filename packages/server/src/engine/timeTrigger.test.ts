import { describe, expect, it } from 'vitest';
import { ApiFault } from '../faults.js';
import {
  KARBOR_TIME_TRIGGER_OPTIONS,
  parseTimeTrigger,
  type TimeTrigger,
  type TimeTriggerOptions,
} from './timeTrigger.js';

/** Karbor's devstack limits. */
const DEVSTACK: TimeTriggerOptions = {
  minIntervalSeconds: 60,
  minWindowSeconds: 20,
  maxWindowSeconds: 30,
  defaultFormat: 'calendar',
};
const utc = (text: string) => new Date(`${text}Z`);
const fires = (trigger: TimeTrigger, from: Date, n: number) => {
  const out: string[] = [];
  for (let at: Date | undefined = from; out.length < n; ) {
    at = trigger.next(at);
    if (at === undefined) break;
    out.push(at.toISOString());
  }
  return out;
};
const refusal = (
  properties: Record<string, unknown>,
  options = DEVSTACK,
  now = utc('2026-12-04T12:00:00'),
) => {
  try {
    parseTimeTrigger(properties, options, now);
  } catch (error) {
    if (error instanceof ApiFault) return `${error.status} ${error.message}`;
    throw error;
  }
  return 'accepted';
};
const VEVENT = (rule: string) => `BEGIN:VEVENT\nRRULE:${rule}\nEND:VEVENT`;

describe('time triggers (fake clock)', () => {
  it('fires a crontab trigger at its wall-clock time across the spring DST change', () => {
    const trigger = parseTimeTrigger(
      {
        format: 'crontab',
        pattern: '0 2 * * *',
        timezone: 'Europe/Paris',
        start_time: '2026-03-01 00:00:00',
      },
      KARBOR_TIME_TRIGGER_OPTIONS,
      utc('2026-03-27T12:00:00'),
    );
    // 2026-03-29 02:00 does not exist in Paris: it fires at 03:00 CEST, the first time after the gap.
    expect(fires(trigger, utc('2026-03-27T12:00:00'), 3)).toEqual([
      '2026-03-28T01:00:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:00:00.000Z',
    ]);
  });

  it('fires a calendar trigger once on the autumn day a wall time occurs twice, and after a skipped one in spring', () => {
    const trigger = parseTimeTrigger(
      {
        format: 'calendar',
        pattern: VEVENT('FREQ=DAILY;BYHOUR=2;BYMINUTE=30;BYSECOND=0'),
        timezone: 'Europe/Paris',
        start_time: '2026-01-01 00:00:00',
      },
      KARBOR_TIME_TRIGGER_OPTIONS,
      utc('2026-03-27T12:00:00'),
    );
    expect(fires(trigger, utc('2026-03-27T12:00:00'), 3)).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z', // 02:30 skipped: 03:30 CEST
      '2026-03-30T00:30:00.000Z',
    ]);
    const autumn = fires(trigger, utc('2026-10-24T12:00:00'), 2);
    expect(autumn).toHaveLength(2);
    expect(autumn.filter((t) => t.startsWith('2026-10-25'))).toHaveLength(1);
    expect(autumn[1]).toBe('2026-10-26T01:30:00.000Z');
  });

  it("reads Karbor's escaped calendar pattern, fires from start_time and stops at end_time", () => {
    const trigger = parseTimeTrigger(
      {
        format: 'calendar',
        pattern: 'BEGIN:VEVENT\\nRRULE:FREQ=WEEKLY;INTERVAL=1;\\nEND:VEVENT',
        start_time: '2026-12-07 09:00:00',
        end_time: '2026-12-21 09:00:00',
        window: '25',
      },
      DEVSTACK,
      utc('2026-12-04T12:00:00'),
    );
    expect(trigger.windowSeconds).toBe(25);
    expect(fires(trigger, utc('2026-12-04T12:00:00'), 10)).toEqual([
      '2026-12-07T09:00:00.000Z',
      '2026-12-14T09:00:00.000Z',
      '2026-12-21T09:00:00.000Z',
    ]);
  });

  it('finds a leap day four years on, and an hourly crontab from now with the default window', () => {
    const leap = parseTimeTrigger(
      {
        format: 'calendar',
        pattern: VEVENT('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29'),
        start_time: '2026-01-01 00:00:00',
      },
      KARBOR_TIME_TRIGGER_OPTIONS,
      utc('2026-12-04T12:00:00'),
    );
    expect(fires(leap, utc('2026-12-04T12:00:00'), 2)).toEqual([
      '2028-02-29T00:00:00.000Z',
      '2032-02-29T00:00:00.000Z',
    ]);
    const hourly = parseTimeTrigger(
      { format: 'crontab', pattern: '0 * * * *' },
      KARBOR_TIME_TRIGGER_OPTIONS,
      utc('2026-12-04T12:34:56.789'),
    );
    expect(hourly.startTime.toISOString()).toBe('2026-12-04T12:34:56.000Z');
    expect(hourly.windowSeconds).toBe(900);
    expect(fires(hourly, utc('2026-12-04T12:34:56'), 2)).toEqual([
      '2026-12-04T13:00:00.000Z',
      '2026-12-04T14:00:00.000Z',
    ]);
  });

  it('uses time_format for a trigger without a format (Karbor used it for every trigger)', () => {
    const crontab = parseTimeTrigger(
      { pattern: '*/5 * * * *' },
      { ...DEVSTACK, defaultFormat: 'crontab' },
      utc('2026-12-04T12:00:00'),
    );
    expect(crontab.format).toBe('crontab');
    expect(refusal({ pattern: '*/5 * * * *' })).toMatch(
      /^400 Invalid input received: The trigger pattern\(\*\/5 \* \* \* \*\) is invalid/,
    );
  });

  it('answers next fires from the fires it keeps exactly as worked out afresh, backwards and forwards, to end_time', () => {
    const properties = {
      format: 'crontab',
      pattern: '*/7 * * * *',
      start_time: '2026-12-04 12:00:00',
      end_time: '2026-12-05 06:00:00',
      timezone: 'Europe/Paris',
    };
    const now = utc('2026-12-04T11:00:00');
    const kept = parseTimeTrigger(properties, DEVSTACK, now);
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    // Times from before start_time to after end_time, in no order.
    for (let i = 0; i < 300; i++) {
      const at = new Date(now.getTime() + random() * 20 * 3600_000);
      const fresh = parseTimeTrigger(properties, DEVSTACK, now, false).next(at);
      expect(kept.next(at)?.toISOString(), at.toISOString()).toBe(fresh?.toISOString());
    }
    expect(kept.next(utc('2026-12-05T06:00:00'))).toBeUndefined();
  });

  it("refuses what Karbor refuses, with Karbor's messages", () => {
    expect(refusal({ format: 'crontab', pattern: '* * * * *', window: 19 })).toBe(
      '400 Invalid input received: The trigger windows 19 must be between 20 and 30',
    );
    expect(refusal({ format: 'crontab', pattern: '* * * * *', window: 31 })).toMatch(
      /must be between 20 and 30/,
    );
    expect(refusal({ format: 'crontab', pattern: '* * * * *', window: 'soon' })).toMatch(
      /The trigger windows\(soon\) is not integer/,
    );
    expect(refusal({ format: 'crontab', pattern: '*/30 * * * * *' })).toMatch(
      /The trigger pattern\(.*\) is invalid/,
    );
    expect(refusal({ format: 'crontab', pattern: '0 * * * *' }, KARBOR_TIME_TRIGGER_OPTIONS)).toBe(
      'accepted',
    );
    expect(refusal({ format: 'crontab', pattern: '*/30 * * * *' }, KARBOR_TIME_TRIGGER_OPTIONS)).toBe(
      '400 Invalid input received: The interval of two adjacent time points is less than 3600',
    );
    // Karbor looked at the next two fires only: at 12:00 these are 1 h... and 23 h apart at 02:00.
    expect(
      refusal(
        { format: 'crontab', pattern: '0 0,1 * * *' },
        { ...KARBOR_TIME_TRIGGER_OPTIONS, minIntervalSeconds: 7200 },
      ),
    ).toMatch(/less than 7200/);
    expect(refusal({ format: 'calendar', pattern: 'hello' })).toMatch(
      /The trigger pattern\(hello\) is invalid/,
    );
    expect(refusal({ format: 'calendar', pattern: 'BEGIN:VCALENDAR\nEND:VCALENDAR' })).toMatch(
      /must include a VEVENT component/,
    );
    expect(refusal({ format: 'calendar', pattern: 'BEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT' })).toMatch(
      /must include an RRULE property/,
    );
    expect(refusal({ format: 'calendar', pattern: VEVENT('FREQ=SOMETIMES') })).toMatch(/is invalid/);
    expect(refusal({ format: 'weekly', pattern: '* * * * *' })).toMatch(
      /The trigger format\(weekly\) is invalid/,
    );
    expect(refusal({ format: 'crontab', pattern: '* * * * *', start_time: '2026-02-30 00:00:00' })).toMatch(
      /The format of trigger start_time is not correct/,
    );
    expect(refusal({ format: 'crontab', pattern: '* * * * *', start_time: 12 })).toMatch(
      /is not an instance of string/,
    );
    expect(
      refusal({
        format: 'crontab',
        pattern: '* * * * *',
        start_time: '2026-12-05 00:00:00',
        end_time: '2026-12-04 00:00:00',
      }),
    ).toBe(
      "400 Invalid input received: The trigger's start time(2026-12-05 00:00:00) is bigger than end time(2026-12-04 00:00:00)",
    );
    expect(refusal({ format: 'crontab', pattern: '0 0 1 1 *', end_time: '2026-12-31 00:00:00' })).toMatch(
      /no time left to run/,
    );
    expect(refusal({ format: 'crontab', pattern: '* * * * *', timezone: 'Mars/Olympus' })).toMatch(
      /not a known time zone/,
    );
  });
});
