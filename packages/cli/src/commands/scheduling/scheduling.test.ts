/**
 * `hoard plan|trigger|schedule` on the embedded database while a real `hoard serve` runs on it:
 * what the commands schedule, the server's engine runs (issue 11), with test-sized trigger limits.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BackgroundHoard,
  runHoard,
  scratchDir,
  spawnHoard,
  writeFiles,
} from '../../testing/cliHarness.js';

const provider = `[provider]
name = local
id = 11111111-2222-3333-4444-555555555555
bank = @hoard/bank-fs
plugin = @hoard/plugin-directory
[file_system_bank_plugin]
file_system_bank_path = ../bank
`;
// Fires may be 10 s apart and run up to 5 s late; the engine polls every second.
const config = `[DEFAULT]
osapi_karbor_listen_port = 0
min_interval = 10
min_window_time = 2
max_window_time = 5
trigger_poll_interval = 1
`;

/** A calendar trigger (its format told by its BEGIN:) firing every `seconds`. */
const every = (seconds: number) => `BEGIN:VEVENT\nRRULE:FREQ=SECONDLY;INTERVAL=${seconds}\nEND:VEVENT`;

let root: string;
let server: BackgroundHoard & { stderr(): string };
const hoard = (...args: string[]) =>
  runHoard([...args, '--config', path.join(root, 'hoard.conf')], { cwd: root });

beforeAll(async () => {
  root = await scratchDir('hoard-cli-schedule-');
  await writeFiles(root, {
    'providers.d/local.conf': provider,
    'hoard.conf': config,
    'docs/a.txt': 'alpha\n',
  });
  server = spawnHoard(['serve', '--config', path.join(root, 'hoard.conf'), '--json'], root);
  for (let i = 0; i < 200 && !server.stdout().includes('"url"'); i++)
    await new Promise((r) => setTimeout(r, 50));
  expect(server.stdout(), server.stderr()).toContain('"url"');
});

afterAll(async () => {
  server?.kill('SIGTERM');
  await server?.exited;
});

describe('hoard plan|trigger|schedule against the database of a running hoard serve', () => {
  it('schedules a retention_protect that the server runs, and shows every fire in the logs', async () => {
    const plan = hoard(
      'plan',
      'create',
      'docs',
      '--provider',
      'local',
      '--resource',
      `Hoard::Local::Directory#${path.join(root, 'docs')}`,
      '--json',
    );
    expect(plan.code, plan.stderr).toBe(0);
    const planId = plan.json<{ id: string; provider_id: string }>().id;
    expect(hoard('plan', 'show', 'docs', '--json').json<{ id: string }>().id).toBe(planId);

    // Checked as the API checks it: a trigger firing more often than min_interval is refused.
    const tooOften = hoard('trigger', 'create', 'often', '--pattern', every(2), '--json');
    expect(tooOften.code).toBe(2);
    expect(tooOften.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'USAGE_INVALID',
    });
    const trigger = hoard(
      'trigger',
      'create',
      'every-10s',
      '--pattern',
      every(10),
      '--window',
      '5',
      '--json',
    );
    expect(trigger.code, trigger.stderr).toBe(0);
    expect(trigger.json<{ properties: Record<string, string> }>().properties).toMatchObject({
      format: 'calendar',
      window: '5',
    });

    const schedule = hoard(
      'schedule',
      'create',
      'keep-one',
      '--trigger',
      'every-10s',
      '--plan',
      'docs',
      '--max-backups',
      '1',
      '--json',
    );
    expect(schedule.code, schedule.stderr).toBe(0);
    const operation = schedule.json<{
      id: string;
      operation_type: string;
      operation_definition: Record<string, string>;
    }>();
    expect(operation.operation_type).toBe('retention_protect');
    expect(operation.operation_definition).toEqual({
      plan_id: planId,
      provider_id: '11111111-2222-3333-4444-555555555555',
      max_backups: '1',
    });
    const listed = hoard('schedule', 'list');
    expect(listed.stdout).toMatch(/keep-one\s+retention_protect/);

    // The trigger is in use: not deleted (Karbor's 424), and nothing else is touched.
    const inUse = hoard('trigger', 'delete', 'every-10s');
    expect(inUse.code).toBe(2);
    expect(inUse.stderr).toMatch(/being used by one or more operations/);

    // The running server's engine takes the fires: two protects, the older checkpoint pruned.
    type Log = {
      operation_type: string;
      status: string;
      checkpoint_id: string | null;
      expect_start_time: string;
    };
    let logs: Log[] = [];
    for (let i = 0; i < 300; i++) {
      logs = hoard('schedule', 'logs', 'keep-one', '--json').json<Log[]>();
      if (
        logs.filter((l) => l.operation_type === 'retention_protect' && l.status === 'success').length >= 2 &&
        logs.some((l) => l.operation_type === 'delete')
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const protects = logs.filter((l) => l.operation_type === 'retention_protect');
    expect(
      protects.filter((l) => l.status === 'success').length,
      JSON.stringify(logs),
    ).toBeGreaterThanOrEqual(2);
    // Each fire once: no due time twice.
    expect(new Set(protects.map((l) => l.expect_start_time)).size).toBe(protects.length);
    expect(logs.filter((l) => l.operation_type === 'delete').map((l) => l.status)).toContain('deleted');
    const checkpoints = runHoard(['checkpoint', 'list', '--provider', 'local', '--json'], { cwd: root }).json<
      { id: string; status: string }[]
    >();
    expect(checkpoints.filter((c) => c.status === 'available').length).toBeLessThanOrEqual(2);
    expect(protects.map((l) => l.checkpoint_id)).toContain(checkpoints[0]!.id);

    // Deleting the schedule frees the trigger; its checkpoints stay.
    expect(hoard('schedule', 'delete', 'keep-one').code).toBe(0);
    expect(hoard('trigger', 'delete', 'every-10s').code).toBe(0);
    expect(hoard('trigger', 'list').stdout).toBe('No triggers.\n');
    expect(
      runHoard(['checkpoint', 'list', '--provider', 'local', '--json'], { cwd: root }).json<unknown[]>()
        .length,
    ).toBeGreaterThan(0);
  }, 90_000);

  it('names an object by id or by a name that matches exactly one, and says which when it does not', () => {
    const create = (name: string) =>
      hoard(
        'plan',
        'create',
        name,
        '--provider',
        'local',
        '--resource',
        `Hoard::Local::Directory#${path.join(root, 'docs')}`,
      );
    expect(create('twin').code).toBe(0);
    expect(create('twin').code).toBe(0);
    const twin = hoard('plan', 'show', 'twin');
    expect(twin.code).toBe(2);
    expect(twin.stderr).toMatch(/2 plans are named 'twin' in project demo .*give the id/);
    const none = hoard('plan', 'delete', 'nothing-of-that-name');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no plan named 'nothing-of-that-name' in project demo/);
    const other = runHoard(
      ['plan', 'list', '--project', 'another', '--json', '--config', path.join(root, 'hoard.conf')],
      {
        cwd: root,
      },
    );
    expect(other.json<unknown[]>()).toEqual([]);
    const missing = hoard('schedule', 'show', '0b7d6a1e-2f6c-4d43-9a56-2b1c0e6f9a10');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/could not be found/);
  });
});
