import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenDatabase, openDatabase } from './openDatabase.js';
import { OperationRecordStore } from './operationRecordStore.js';

let database: OpenDatabase;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hoard-records-'));
  database = await openDatabase(`sqlite:///${path.join(dir, 'hoard.db')}`);
});

afterAll(async () => {
  await database.close();
});

describe('OperationRecordStore.failInterrupted (a server starting on a shared database)', () => {
  it('fails the restores whose server is gone, and leaves those a live server runs', async () => {
    const store = new OperationRecordStore(database.db);
    const restore = () =>
      store.create({
        projectId: 'p',
        providerId: 'cf56bd3e-97a7-4078-b6d5-f36246333fd9',
        checkpointId: 'c',
        restoreTarget: null,
        parameters: {},
      });
    // A pid that is not alive: a process that has exited.
    const deadPid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout;
    const runners = {
      mine: undefined,
      deadHere: { runner_host: hostname(), runner_pid: Number(deadPid), runner_instance: 'x' },
      myPidEarlierLife: {
        runner_host: hostname(),
        runner_pid: process.pid,
        runner_instance: 'an-earlier-process',
      },
      otherHost: { runner_host: `not-${hostname()}`, runner_pid: Number(deadPid), runner_instance: 'y' },
      legacy: { runner_host: null, runner_pid: null, runner_instance: null },
    };
    const ids: Record<string, string> = {};
    for (const [name, runner] of Object.entries(runners)) {
      ids[name] = (await restore()).id;
      if (runner !== undefined)
        await database.db.updateTable('restores').set(runner).where('id', '=', ids[name]!).execute();
    }
    expect(await store.failInterrupted('the API server stopped while this restore ran')).toBe(3);
    const status = async (name: string) => (await store.get(ids[name]!))!;
    expect((await status('mine')).status).toBe('in_progress');
    expect((await status('otherHost')).status).toBe('in_progress');
    for (const name of ['deadHere', 'myPidEarlierLife', 'legacy']) {
      const record = await status(name);
      expect(record.status, name).toBe('fail');
      expect(record.resources_reason).toEqual({ restore: 'the API server stopped while this restore ran' });
    }
  });
});
