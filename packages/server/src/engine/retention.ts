import {
  applyRetentionPolicy,
  type CheckpointRecord,
  checkRetentionPolicy,
  parseRetentionDuration,
  type RetentionPolicy,
} from '@hoard/core/host';
import { invalidInput } from '../faults.js';

/** The GFS keys of a `retention_protect` definition (Hoard's extension) and their policy fields. */
const GFS_KEYS = {
  keep_last: 'keepLast',
  keep_hourly: 'keepHourly',
  keep_daily: 'keepDaily',
  keep_weekly: 'keepWeekly',
  keep_monthly: 'keepMonthly',
  keep_yearly: 'keepYearly',
} as const;

/** What a `retention_protect` keeps: Karbor's `max_backups`/`retention_duration`, or a GFS policy. */
export type RetentionRule =
  | { kind: 'karbor'; maxBackups: number; retentionDays: number }
  | { kind: 'gfs'; policy: RetentionPolicy; timeZone: string };

const integerOf = (definition: Record<string, string>, key: string): number => {
  const value = definition[key];
  if (value === undefined) return -1;
  if (!/^\s*-?\d+\s*$/.test(value))
    throw invalidInput(`Invalid operation definition, reason: ${key} must be an integer, not '${value}'`);
  const n = Number(value);
  return n <= 0 ? -1 : n; // Karbor: values <= 0 turn the rule off
};

/**
 * The retention of a `retention_protect` definition, checked when the operation is created
 * (Karbor only found a bad value when it ran, and logged `get_max_backup_policy_failed`).
 *
 * @throws ApiFault 400
 */
export function retentionRuleOf(definition: Record<string, string>): RetentionRule {
  const gfs = Object.keys(definition).filter((k) => k in GFS_KEYS || k === 'keep_within' || k === 'timezone');
  if (gfs.length === 0)
    return {
      kind: 'karbor',
      maxBackups: integerOf(definition, 'max_backups'),
      retentionDays: integerOf(definition, 'retention_duration'),
    };
  if (definition['max_backups'] !== undefined || definition['retention_duration'] !== undefined)
    throw invalidInput(
      'Invalid operation definition, reason: give either max_backups/retention_duration or keep_* rules, not both',
    );
  const policy: RetentionPolicy = {};
  for (const [key, field] of Object.entries(GFS_KEYS)) {
    const value = definition[key];
    if (value === undefined) continue;
    if (!/^\s*\d+\s*$/.test(value))
      throw invalidInput(
        `Invalid operation definition, reason: ${key} must be a whole number, not '${value}'`,
      );
    policy[field] = Number(value);
  }
  try {
    if (definition['keep_within'] !== undefined)
      policy.keepWithin = parseRetentionDuration(definition['keep_within']);
    checkRetentionPolicy(policy);
  } catch (error) {
    throw invalidInput(`Invalid operation definition, reason: ${(error as Error).message}`);
  }
  return { kind: 'gfs', policy, timeZone: definition['timezone'] ?? 'UTC' };
}

/**
 * The checkpoints of one plan that `rule` deletes, each with why. Only `available` ones are
 * deleted and the newest `available` one never is (Karbor's `max_backups` counted it, but its
 * `retention_duration` could delete every checkpoint of a plan that had stopped protecting).
 */
export function checkpointsToDelete(
  checkpoints: readonly CheckpointRecord[],
  rule: RetentionRule,
  now: Date,
): { checkpoint: CheckpointRecord; why: string }[] {
  const available = checkpoints
    .filter((c) => c.status === 'available')
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
  if (rule.kind === 'gfs') {
    const decisions = applyRetentionPolicy(
      available.map((c) => ({ id: c.id, createdAt: c.createdAt, status: c.status, group: 'plan' })),
      rule.policy,
      { timeZone: rule.timeZone },
    );
    return decisions
      .filter((d) => !d.keep)
      .map((d) => ({
        checkpoint: available.find((c) => c.id === d.candidate.id)!,
        why: 'kept by no keep_* rule',
      }));
  }
  const out: { checkpoint: CheckpointRecord; why: string }[] = [];
  available.forEach((checkpoint, index) => {
    if (index === 0) return;
    // Karbor: whole days between now and the checkpoint's creation date.
    const days = Math.floor(
      (now.getTime() - Date.parse(`${checkpoint.createdAt.slice(0, 10)}T00:00:00Z`)) / 86_400_000,
    );
    if (rule.maxBackups > 0 && index >= rule.maxBackups)
      out.push({ checkpoint, why: `beyond max_backups ${rule.maxBackups}` });
    else if (rule.retentionDays > 0 && days > rule.retentionDays)
      out.push({ checkpoint, why: `older than retention_duration ${rule.retentionDays} days` });
  });
  return out;
}
