import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runHoard, scratchDir, writeFiles } from '../../testing/cliHarness.js';

const provider = `[provider]
name = local
id = 11111111-2222-3333-4444-555555555555
bank = @hoard/bank-fs
plugin = @hoard/plugin-directory
[file_system_bank_plugin]
file_system_bank_path = ../bank
`;

describe('hoard checkpoint prune', () => {
  it('deletes what the policy does not keep, per protected resources, and says why it keeps the rest', async () => {
    const root = await scratchDir('hoard-cli-prune-');
    await writeFiles(root, { 'providers.d/local.conf': provider, 'app/a.txt': 'a\n', 'other/b.txt': 'b\n' });
    const protect = (dir: string) => {
      const run = runHoard(
        [
          'protect',
          '--provider',
          'local',
          '--resource',
          `Hoard::Local::Directory#${path.join(root, dir)}`,
          '--json',
        ],
        { cwd: root },
      );
      expect(run.code, run.stderr).toBe(0);
      return run.json<{ id: string }>().id;
    };
    const app = [protect('app'), protect('app'), protect('app'), protect('app')];
    const other = protect('other');
    const list = () =>
      runHoard(['checkpoint', 'list', '--provider', 'local', '--json'], { cwd: root })
        .json<{ id: string }[]>()
        .map((c) => c.id)
        .sort();
    const prune = (...args: string[]) =>
      runHoard(['checkpoint', 'prune', '--provider', 'local', '--time-zone', 'UTC', ...args], { cwd: root });

    const dry = prune('--keep-last', '2', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    const plan = dry.json<{
      dryRun: boolean;
      deleted: number;
      checkpoints: { id: string; keep: boolean; action?: string; reasons: { rule: string }[] }[];
    }>();
    expect(plan.dryRun).toBe(true);
    expect(plan.deleted).toBe(0);
    const decided = Object.fromEntries(
      plan.checkpoints.map((c) => [c.id, c.keep ? c.reasons.map((r) => r.rule).join('+') : c.action]),
    );
    expect(decided).toEqual({
      [app[3]!]: 'newest+last',
      [app[2]!]: 'last',
      [app[1]!]: 'would delete',
      [app[0]!]: 'would delete',
      [other]: 'newest+last',
    });
    expect(list()).toHaveLength(5);

    // No rule, a bad count, a bad duration: usage errors (exit 2), nothing deleted.
    const none = prune('--json');
    expect(none.code).toBe(2);
    expect(none.json<{ error: { message: string } }>().error.message).toMatch(/give at least one rule/);
    expect(prune('--keep-last', 'two').stderr).toContain(
      "--keep-last must be a whole number of at least 0, got 'two'",
    );
    expect(prune('--keep-within', '30 days').stderr).toContain("--keep-within: '30 days' is not a duration");
    expect(prune('--keep-daily', '1', '--time-zone', 'Mars/Olympus').code).toBe(2);
    expect(list()).toHaveLength(5);

    const real = prune('--keep-last', '2');
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toContain('2 checkpoint(s) deleted.');
    expect(real.stdout).toMatch(new RegExp(`${app[2]}.*keep\\s+last`));
    expect(real.stderr).toContain(`deleted ${app[0]} (`);
    expect(list()).toEqual([app[2]!, app[3]!, other].sort());
  });
});
