/**
 * `hoard serve` killed (SIGKILL) while it protects: the next `hoard serve` on the same database
 * shows the checkpoint `error` (reason `interrupted`) at once and records it so in the bank once
 * the dead run's lease lapses, with the reason; it is never left `protecting`. Then it is
 * deleted, and the bank holds nothing of it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileSystemBank } from '@hoard/bank-fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type HoardServe, LOCAL_PROVIDER_ID, startHoardServe } from './testing/hoardServe.js';

let server: HoardServe | undefined;
const PROJECT = 'restart-project';
const TOKEN = `tester:${PROJECT}`;

async function api(method: string, urlPath: string, body?: unknown) {
  const response = await fetch(`${server!.url}/v1/${PROJECT}${urlPath}`, {
    method,
    headers: { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    json: (text ? JSON.parse(text) : {}) as Record<string, { id: string } & Record<string, unknown>>,
  };
}

const checkpointOf = async (id: string) =>
  (await api('GET', `/providers/${LOCAL_PROVIDER_ID}/checkpoints/${id}`)).json['checkpoint'] as unknown as {
    status: string;
    status_reason?: string;
    hoard_error?: string;
  };

afterAll(async () => {
  await server?.stop();
});

describe('hoard serve killed mid-protect', () => {
  it('leaves a checkpoint the next server records interrupted, with its reason, and can delete', {
    timeout: 180_000,
  }, async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'hoard-serve-restart-'));
    await mkdir(path.join(root, 'providers.d'));
    await writeFile(
      path.join(root, 'providers.d', 'local.conf'),
      `[provider]\nname = Local\nid = ${LOCAL_PROVIDER_ID}\nbank = @hoard/bank-fs\nplugin = @hoard/plugin-directory\nlease_expire_window = 2\nlease_renew_window = 1\n[file_system_bank_plugin]\nfile_system_bank_path = ../bank\n`,
    );
    // Enough files that the protect runs for seconds.
    const data = path.join(root, 'data');
    for (let d = 0; d < 40; d++) {
      await mkdir(path.join(data, `d${d}`), { recursive: true });
      for (let f = 0; f < 100; f++)
        await writeFile(path.join(data, `d${d}`, `f${f}`), randomBytes(2048 + ((d * 100 + f) % 4096)));
    }
    server = await startHoardServe(root, ['--port', '0']);
    const plan = await api('POST', '/plans', {
      plan: {
        name: 'restart',
        provider_id: LOCAL_PROVIDER_ID,
        parameters: {},
        resources: [{ id: data, type: 'Hoard::Local::Directory', name: 'data' }],
      },
    });
    expect(plan.status).toBe(200);
    const created = await api('POST', `/providers/${LOCAL_PROVIDER_ID}/checkpoints`, {
      checkpoint: { plan_id: plan.json['plan']!.id },
    });
    expect(created.status).toBe(200);
    const id = created.json['checkpoint']!.id;
    expect((await checkpointOf(id)).status).toBe('protecting');
    server.process.kill('SIGKILL');
    await new Promise((resolve) => server!.process.once('exit', resolve));

    // The bank says protecting: the dead run's status was never written.
    const bank = await FileSystemBank.create(path.join(root, 'bank', 'hoard'));
    const statusOf = async () =>
      JSON.parse(Buffer.from(await bank.get(`checkpoints/${id}/status.json`)).toString('utf8')) as Record<
        string,
        unknown
      >;
    expect((await statusOf())['status']).toBe('protecting');

    server = await startHoardServe(root, ['--port', '0']);
    // At once: not protecting, though the dead run's lease has not lapsed yet.
    const first = await checkpointOf(id);
    expect(first.status).toBe('error');
    expect(first.status_reason).toBe('interrupted');
    // Once the lease lapsed (2 s), the bank records it, with the reason.
    let recorded: Record<string, unknown> = {};
    for (let i = 0; i < 60; i++) {
      recorded = await statusOf();
      if (recorded['status'] !== 'protecting') break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(recorded['status']).toBe('error');
    expect(recorded['reason']).toBe('interrupted');
    expect(JSON.stringify(recorded['error'])).toContain('stopped while protecting this checkpoint');
    const shown = await checkpointOf(id);
    expect(shown.status).toBe('error');
    expect(shown.hoard_error).toContain('stopped while protecting this checkpoint');

    // It is deleted to nothing.
    expect((await api('DELETE', `/providers/${LOCAL_PROVIDER_ID}/checkpoints/${id}`)).status).toBe(200);
    for (let i = 0; i < 60; i++) {
      if ((await api('GET', `/providers/${LOCAL_PROVIDER_ID}/checkpoints/${id}`)).status === 404) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect((await api('GET', `/providers/${LOCAL_PROVIDER_ID}/checkpoints/${id}`)).status).toBe(404);
    const left: string[] = [];
    for await (const info of bank.list({ prefix: `checkpoints/${id}/` })) left.push(info.key);
    expect(left).toEqual([]);
  });
});
