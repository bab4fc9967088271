import { describe, expect, it } from 'vitest';
import { isHoardError } from '../errors/HoardError.js';
import {
  applyRetentionPolicy,
  parseRetentionDuration,
  type RetentionCandidate,
  type RetentionPolicy,
} from './retentionPolicy.js';

let serial = 0;
const at = (createdAt: string, status = 'available', group = 'plan-a'): RetentionCandidate => ({
  id: `c${String(serial++).padStart(4, '0')}`,
  createdAt,
  status,
  group,
});
const kept = (candidates: RetentionCandidate[], policy: RetentionPolicy, timeZone?: string) =>
  applyRetentionPolicy(candidates, policy, timeZone ? { timeZone } : {})
    .filter((d) => d.keep)
    .map((d) => d.candidate.createdAt);
const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return isHoardError(error) ? `${error.code}: ${error.message}` : String(error);
  }
  return 'no error';
};

describe('applyRetentionPolicy', () => {
  it('keeps the last N and the newest of each of the N newest days, with the rules that keep each', () => {
    const candidates = [
      at('2026-12-01T01:00:00Z'),
      at('2026-12-01T23:00:00Z'),
      at('2026-12-02T08:00:00Z'),
      at('2026-12-02T09:00:00Z'),
      at('2026-12-03T10:00:00Z'),
      at('2026-12-03T11:00:00Z'),
    ];
    const decisions = applyRetentionPolicy(candidates, { keepLast: 1, keepDaily: 2 });
    expect(
      decisions.map((d) => [d.candidate.createdAt, d.keep, d.reasons.map((r) => r.bucket ?? r.rule)]),
    ).toEqual([
      ['2026-12-01T01:00:00Z', false, []],
      ['2026-12-01T23:00:00Z', false, []],
      ['2026-12-02T08:00:00Z', false, []],
      ['2026-12-02T09:00:00Z', true, ['2026-12-02']],
      ['2026-12-03T10:00:00Z', false, []],
      ['2026-12-03T11:00:00Z', true, ['newest', 'last', '2026-12-03']],
    ]);
  });

  it('reads days in the time zone given (a late UTC evening is the next day in Tokyo)', () => {
    const candidates = [at('2026-12-01T10:00:00Z'), at('2026-12-01T20:00:00Z')];
    expect(kept(candidates, { keepDaily: 2 })).toEqual(['2026-12-01T20:00:00Z']);
    expect(kept(candidates, { keepDaily: 2 }, 'Asia/Tokyo')).toEqual([
      '2026-12-01T10:00:00Z',
      '2026-12-01T20:00:00Z',
    ]);
  });

  it('counts ISO weeks (a Sunday and the Monday after are two weeks; the year turns on its Thursday)', () => {
    // 2026-12-27 is a Sunday (week 52), 2026-12-28 a Monday (week 53), 2027-01-01 is in week 53.
    const decisions = applyRetentionPolicy(
      [at('2026-12-27T12:00:00Z'), at('2026-12-28T12:00:00Z'), at('2027-01-01T12:00:00Z')],
      { keepWeekly: 5 },
    );
    expect(decisions.map((d) => d.reasons.find((r) => r.rule === 'weekly')?.bucket)).toEqual([
      '2026-W52',
      undefined,
      '2026-W53',
    ]);
  });

  it('keeps monthly and yearly buckets, and a leap day is its own day', () => {
    const candidates = [
      at('2027-12-31T00:00:00Z'),
      at('2028-02-28T00:00:00Z'),
      at('2028-02-29T00:00:00Z'),
      at('2028-03-01T00:00:00Z'),
    ];
    expect(kept(candidates, { keepMonthly: 2 })).toEqual(['2028-02-29T00:00:00Z', '2028-03-01T00:00:00Z']);
    expect(kept(candidates, { keepYearly: 5 })).toEqual(['2027-12-31T00:00:00Z', '2028-03-01T00:00:00Z']);
    expect(kept(candidates, { keepDaily: 3 })).toEqual([
      '2028-02-28T00:00:00Z',
      '2028-02-29T00:00:00Z',
      '2028-03-01T00:00:00Z',
    ]);
  });

  it('keeps everything within a calendar duration of the newest', () => {
    const candidates = [at('2026-10-31T12:00:00Z'), at('2026-11-30T12:00:00Z'), at('2026-12-30T12:00:00Z')];
    expect(kept(candidates, { keepWithin: parseRetentionDuration('1m') })).toEqual([
      '2026-11-30T12:00:00Z',
      '2026-12-30T12:00:00Z',
    ]);
    expect(kept(candidates, { keepWithin: parseRetentionDuration('1m30d') })).toHaveLength(3);
    expect(kept(candidates, { keepWithin: parseRetentionDuration('1h') })).toEqual(['2026-12-30T12:00:00Z']);
  });

  it('never deletes the newest available of a group, nor any checkpoint that is not available', () => {
    const candidates = [
      at('2026-12-01T00:00:00Z', 'available', 'plan-a'),
      at('2026-12-02T00:00:00Z', 'available', 'plan-b'),
      at('2026-12-03T00:00:00Z', 'error', 'plan-a'),
      at('2026-12-04T00:00:00Z', 'protecting', 'plan-a'),
      at('2026-12-05T00:00:00Z', 'available', 'plan-b'),
    ];
    const decisions = applyRetentionPolicy(candidates, {
      keepHourly: 0,
      keepWithin: parseRetentionDuration('1h'),
    });
    expect(decisions.map((d) => [d.keep, d.reasons.map((r) => r.rule)])).toEqual([
      [true, ['newest', 'within']],
      [false, []],
      [true, ['status']],
      [true, ['status']],
      [true, ['newest', 'within']],
    ]);
  });

  it('refuses a policy without a rule, a negative or fractional count, a bad duration or time zone', () => {
    expect(codeOf(() => applyRetentionPolicy([], {}))).toMatch(
      /^RETENTION_POLICY_INVALID: a retention policy needs/,
    );
    expect(codeOf(() => applyRetentionPolicy([], { keepLast: 0 }))).toMatch(/^RETENTION_POLICY_INVALID/);
    expect(codeOf(() => applyRetentionPolicy([], { keepDaily: -1 }))).toBe(
      'RETENTION_POLICY_INVALID: keepDaily must be a whole number of at least 0, not -1',
    );
    expect(codeOf(() => applyRetentionPolicy([], { keepLast: 1.5 }))).toMatch(
      /keepLast must be a whole number/,
    );
    expect(codeOf(() => parseRetentionDuration('30 days'))).toMatch(/'30 days' is not a duration/);
    expect(codeOf(() => parseRetentionDuration(''))).toMatch(/is not a duration/);
    expect(codeOf(() => applyRetentionPolicy([], { keepLast: 1 }, { timeZone: 'Mars/Olympus' }))).toBe(
      "RETENTION_POLICY_INVALID: unknown time zone 'Mars/Olympus'",
    );
    expect(codeOf(() => applyRetentionPolicy([at('yesterday')], { keepLast: 1 }))).toMatch(
      /no valid creation time/,
    );
  });
});
