import { HoardError } from '../errors/HoardError.js';

/**
 * Which checkpoints to keep, as `restic forget` says it: every rule keeps some, a checkpoint is
 * kept if any rule keeps it, and the rest are deleted. Counts are of checkpoints (`keepLast`) or
 * of time buckets that have one (`keepDaily`: the newest checkpoint of each of the N newest days
 * that have any).
 */
export interface RetentionPolicy {
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  /** Keep every checkpoint made within this long before the newest one of its group. */
  keepWithin?: RetentionDuration;
}

/** A calendar duration, `restic`'s `1y2m3d4h`. */
export interface RetentionDuration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

/** A checkpoint as retention sees it. */
export interface RetentionCandidate {
  id: string;
  /** ISO 8601. */
  createdAt: string;
  status: string;
  /** Checkpoints of one group (one plan, or the same resources) are kept or deleted together. */
  group: string;
}

/** Why a rule keeps a checkpoint (`bucket` names the hour, day, week, month or year). */
export interface RetentionReason {
  rule: 'newest' | 'last' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly' | 'within' | 'status';
  bucket?: string;
}

/** What retention does with one checkpoint, and why. */
export interface RetentionDecision {
  candidate: RetentionCandidate;
  keep: boolean;
  /** Every rule that keeps it; empty for one to delete. */
  reasons: RetentionReason[];
}

const BUCKET_RULES = [
  ['keepHourly', 'hourly'],
  ['keepDaily', 'daily'],
  ['keepWeekly', 'weekly'],
  ['keepMonthly', 'monthly'],
  ['keepYearly', 'yearly'],
] as const;

/**
 * Checks a policy: every count a whole number of at least 0, and at least one rule.
 *
 * @throws `RETENTION_POLICY_INVALID` naming the field
 */
export function checkRetentionPolicy(policy: RetentionPolicy): void {
  const counts = ['keepLast', ...BUCKET_RULES.map(([field]) => field)] as const;
  for (const field of counts) {
    const value = policy[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 0))
      throw new HoardError(
        'RETENTION_POLICY_INVALID',
        `${field} must be a whole number of at least 0, not ${value}`,
        { path: field },
      );
  }
  if (policy.keepWithin !== undefined) {
    for (const [unit, value] of Object.entries(policy.keepWithin))
      if (!Number.isInteger(value) || value < 0)
        throw new HoardError(
          'RETENTION_POLICY_INVALID',
          `keepWithin.${unit} must be a whole number of at least 0`,
          { path: 'keepWithin' },
        );
  }
  if (counts.every((field) => (policy[field] ?? 0) === 0) && policy.keepWithin === undefined)
    throw new HoardError(
      'RETENTION_POLICY_INVALID',
      'a retention policy needs at least one rule that keeps something (keep-last, keep-hourly, keep-daily, keep-weekly, keep-monthly, keep-yearly, keep-within)',
      { path: 'policy' },
    );
}

/**
 * Parses `restic`'s duration: numbers with units `y`, `m` (months), `d`, `h`, as `30d` or
 * `1y6m`.
 *
 * @throws `RETENTION_POLICY_INVALID`
 */
export function parseRetentionDuration(text: string): RetentionDuration {
  const duration: RetentionDuration = { years: 0, months: 0, days: 0, hours: 0 };
  const units = { y: 'years', m: 'months', d: 'days', h: 'hours' } as const;
  const trimmed = text.trim();
  if (!/^(\d+[ymdh])+$/.test(trimmed))
    throw new HoardError(
      'RETENTION_POLICY_INVALID',
      `'${text}' is not a duration: write numbers with units y, m (months), d, h, as 30d or 1y6m`,
      { path: 'keepWithin' },
    );
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([ymdh])/g))
    duration[units[unit as keyof typeof units]] += Number(amount);
  return duration;
}

/** The calendar fields of an instant in a time zone. */
function zoned(date: Date, format: Intl.DateTimeFormat): { y: number; m: number; d: number; h: number } {
  const parts = Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
  return {
    y: Number(parts['year']),
    m: Number(parts['month']),
    d: Number(parts['day']),
    h: Number(parts['hour']) % 24,
  };
}

/** ISO 8601 week of a calendar date: `2026-W49`. */
function isoWeek(y: number, m: number, d: number): string {
  const date = new Date(Date.UTC(y, m - 1, d));
  const weekday = date.getUTCDay() === 0 ? 7 : date.getUTCDay();
  date.setUTCDate(date.getUTCDate() + 4 - weekday); // the Thursday of its week names the year
  const year = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** `date` less `duration`, in calendar terms (UTC). */
function minus(date: Date, duration: RetentionDuration): number {
  const at = new Date(date.getTime());
  at.setUTCFullYear(at.getUTCFullYear() - duration.years, at.getUTCMonth() - duration.months);
  at.setUTCDate(at.getUTCDate() - duration.days);
  return at.getTime() - duration.hours * 3_600_000;
}

/**
 * Decides, for every checkpoint, whether `policy` keeps it and why. Each group is decided on its
 * own, newest first. Only `available` checkpoints are counted and may be deleted: any other
 * (`protecting`, `error`, ...) is kept with reason `status`. The newest `available` checkpoint of
 * a group is always kept (reason `newest`). Buckets (hours, days, ISO weeks, months, years) are
 * read in `timeZone` (default UTC).
 *
 * @throws `RETENTION_POLICY_INVALID` for a policy {@link checkRetentionPolicy} refuses
 */
export function applyRetentionPolicy(
  candidates: readonly RetentionCandidate[],
  policy: RetentionPolicy,
  options: { timeZone?: string } = {},
): RetentionDecision[] {
  checkRetentionPolicy(policy);
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: options.timeZone ?? 'UTC',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      hourCycle: 'h23',
    });
  } catch {
    throw new HoardError('RETENTION_POLICY_INVALID', `unknown time zone '${options.timeZone}'`, {
      path: 'timeZone',
    });
  }
  const bucketOf = (rule: (typeof BUCKET_RULES)[number][1], date: Date): string => {
    const { y, m, d, h } = zoned(date, format);
    const pad = (n: number) => String(n).padStart(2, '0');
    if (rule === 'hourly') return `${y}-${pad(m)}-${pad(d)}T${pad(h)}`;
    if (rule === 'daily') return `${y}-${pad(m)}-${pad(d)}`;
    if (rule === 'weekly') return isoWeek(y, m, d);
    if (rule === 'monthly') return `${y}-${pad(m)}`;
    return String(y);
  };
  const decisions = new Map<RetentionCandidate, RetentionDecision>();
  const groups = new Map<string, RetentionCandidate[]>();
  for (const candidate of candidates) {
    const createdAt = new Date(candidate.createdAt);
    if (Number.isNaN(createdAt.getTime()))
      throw new HoardError(
        'RETENTION_POLICY_INVALID',
        `checkpoint ${candidate.id} has no valid creation time`,
        { path: 'createdAt', details: { checkpointId: candidate.id } },
      );
    if (candidate.status !== 'available') {
      decisions.set(candidate, { candidate, keep: true, reasons: [{ rule: 'status' }] });
      continue;
    }
    const group = groups.get(candidate.group) ?? [];
    groups.set(candidate.group, group);
    group.push(candidate);
  }
  for (const group of groups.values()) {
    // Newest first; ties by id (UUIDv7 sort by creation time).
    group.sort((a, b) =>
      a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
    );
    const reasons = new Map<RetentionCandidate, RetentionReason[]>(group.map((c) => [c, []]));
    reasons.get(group[0]!)!.push({ rule: 'newest' });
    for (const candidate of group.slice(0, policy.keepLast ?? 0))
      reasons.get(candidate)!.push({ rule: 'last' });
    for (const [field, rule] of BUCKET_RULES) {
      let left = policy[field] ?? 0;
      let last: string | undefined;
      for (const candidate of group) {
        if (left === 0) break;
        const bucket = bucketOf(rule, new Date(candidate.createdAt));
        if (bucket === last) continue;
        last = bucket;
        left--;
        reasons.get(candidate)!.push({ rule, bucket });
      }
    }
    if (policy.keepWithin !== undefined) {
      const since = minus(new Date(group[0]!.createdAt), policy.keepWithin);
      for (const candidate of group)
        if (new Date(candidate.createdAt).getTime() >= since)
          reasons.get(candidate)!.push({ rule: 'within' });
    }
    for (const [candidate, why] of reasons)
      decisions.set(candidate, { candidate, keep: why.length > 0, reasons: why });
  }
  return candidates.map((c) => decisions.get(c)!);
}
