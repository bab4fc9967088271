import { describe, expect, it } from 'vitest';
import { checkpointKeys } from '../checkpoint/CheckpointStore.js';
import type { HoardError } from '../errors/HoardError.js';
import { createLogger } from '../logging/createLogger.js';
import { defineProtectable } from '../plugin-api/Protectable.js';
import { defineProtectionPlugin, type ProtectionPluginOptions } from '../plugin-api/ProtectionPlugin.js';
import { createTestProvider } from '../testing/createTestProvider.js';
import { InMemoryBank } from '../testing/InMemoryBank.js';
import { createProtectionService } from './createProtectionService.js';

const serverProtectable = defineProtectable({
  name: 'server',
  resourceType: 'Test::Server',
  parentTypes: [],
  list: async () => [],
  show: async (_c, id) => ({ type: 'Test::Server', id, name: id }),
  getDependentResources: async () => [],
});
const volumeProtectable = defineProtectable({
  name: 'volume',
  resourceType: 'Test::Volume',
  parentTypes: ['Test::Server'],
  list: async () => [],
  show: async (_c, id) => ({ type: 'Test::Volume', id, name: id }),
  getDependentResources: async (_c, parent) => [
    { type: 'Test::Volume', id: `${parent.id}-v1`, name: 'v1' },
    { type: 'Test::Volume', id: `${parent.id}-v2`, name: 'v2' },
  ],
});

function volumePlugin(overrides: Partial<ProtectionPluginOptions> = {}) {
  return defineProtectionPlugin({
    name: 'volume',
    resourceTypes: ['Test::Volume'],
    schemas: {
      protect: {
        type: 'object',
        additionalProperties: false,
        properties: {
          mode: { enum: ['full', 'incremental'], default: 'full' },
          password: { type: 'string', secret: true },
        },
      },
      savedInfo: { type: 'object', required: ['backupId'], properties: { backupId: { type: 'string' } } },
    },
    hooks: {
      protect: {
        main: async (context) => {
          await context.bank.put('blob', `data of ${context.resource.id}`);
          context.setSavedInfo({ backupId: `b-${context.resource.id}` });
        },
      },
      restore: {
        main: async (context) => {
          const info = await context.getSavedInfo();
          const data = Buffer.from(await context.bank.get('blob')).toString();
          return { newId: `new-${context.resource.id}`, from: info?.['backupId'] ?? null, data };
        },
      },
      delete: {
        main: async (context) => {
          await context.bank.delete('blob');
        },
      },
    },
    ...overrides,
  });
}

const serverPlugin = defineProtectionPlugin({
  name: 'server',
  resourceTypes: ['Test::Server'],
  hooks: {
    protect: { main: async (context) => context.setSavedInfo({ flavor: 'small' }) },
    restore: {
      complete: async (context) => ({
        attached: [
          context.published.get(`Test::Volume#${context.resource.id}-v1`, 'main') ?? null,
          context.published.get(`Test::Volume#${context.resource.id}-v2`, 'main') ?? null,
        ],
      }),
    },
  },
});

async function setup(volume = volumePlugin(), options: { hookTimeoutSeconds?: number } = {}) {
  const bank = new InMemoryBank();
  const provider = createTestProvider({
    protectables: [serverProtectable, volumeProtectable],
    plugins: [serverPlugin, volume],
    bank,
    options,
  });
  const lines: string[] = [];
  const service = await createProtectionService(provider, {
    logger: createLogger({ level: 'debug', write: (l) => lines.push(l) }),
  });
  return { bank, service, lines };
}

const server = { type: 'Test::Server', id: 's1', name: 'web' };

describe('ProtectionService', () => {
  it('protects, restores with values passed between hooks, and deletes', async () => {
    const { bank, service } = await setup();
    const checkpoint = await service.protect({ resources: [server] });
    expect(checkpoint.status).toBe('available');
    expect(Object.keys(checkpoint.resources).sort()).toEqual([
      'Test::Server#s1',
      'Test::Volume#s1-v1',
      'Test::Volume#s1-v2',
    ]);
    expect(bank.keys()).toContain(`indices/by-date/${checkpoint.createdAt.slice(0, 10)}/${checkpoint.id}`);

    const restore = await service.restore({ checkpointId: checkpoint.id });
    expect(restore.status).toBe('success');
    expect(restore.resources['Test::Volume#s1-v1']?.result).toEqual({
      newId: 'new-s1-v1',
      from: 'b-s1-v1',
      data: 'data of s1-v1',
    });
    expect(restore.resources['Test::Server#s1']?.result).toEqual({
      attached: [
        { newId: 'new-s1-v1', from: 'b-s1-v1', data: 'data of s1-v1' },
        { newId: 'new-s1-v2', from: 'b-s1-v2', data: 'data of s1-v2' },
      ],
    });
    expect(bank.keys()).toContain(`restores/${restore.id}.json`);

    const deleted = await service.deleteCheckpoint({ checkpointId: checkpoint.id });
    expect(deleted.status).toBe('deleted');
    expect(bank.keys().filter((k) => !k.startsWith('restores/'))).toEqual([]);
  });

  it('writes status.json last', async () => {
    const { bank, service } = await setup();
    const order: string[] = [];
    const put = bank.put.bind(bank);
    bank.put = async (key, body, options) => {
      order.push(key);
      return put(key, body, options);
    };
    const checkpoint = await service.protect({ resources: [server] });
    const writes = order.filter((k) => k.startsWith(`checkpoints/${checkpoint.id}/`));
    expect(writes[writes.length - 1]).toBe(`checkpoints/${checkpoint.id}/status.json`);
    expect(writes.filter((k) => k.endsWith('saved-info.json'))).toHaveLength(3);
  });

  it('redacts secret parameters in the checkpoint and in logs', async () => {
    const { bank, service, lines } = await setup();
    const checkpoint = await service.protect({
      resources: [server],
      parameters: { 'Test::Volume': { password: 'hunter2' } },
    });
    expect(checkpoint.parameters).toEqual({ 'Test::Volume': { password: '***' } });
    const everything = bank
      .keys()
      .map((k) => k)
      .join('\n');
    for (const key of bank.keys())
      expect(Buffer.from(await bank.get(key)).toString()).not.toContain('hunter2');
    expect(everything).not.toContain('hunter2');
    expect(lines.join('\n')).not.toContain('hunter2');
  });

  it('a hook that throws leaves the checkpoint error with that resource named', async () => {
    const { service } = await setup(
      volumePlugin({
        hooks: {
          protect: {
            main: async (context) => {
              if (context.resource.id === 's1-v2')
                throw Object.assign(new Error('backup quota exceeded'), { code: 'QUOTA' });
              context.setSavedInfo({ backupId: 'ok' });
            },
          },
        },
      }),
    );
    const checkpoint = await service.protect({ resources: [server] });
    expect(checkpoint.status).toBe('error');
    expect(checkpoint.reason).toBe('failed');
    expect(checkpoint.resources['Test::Volume#s1-v2']).toMatchObject({
      status: 'failed',
      error: {
        code: 'PLUGIN_HOOK_FAILED',
        message:
          "Protection plugin 'volume' hook 'main' failed for resource 'Test::Volume#s1-v2': backup quota exceeded",
        details: { pluginCode: 'QUOTA' },
      },
    });
    expect(checkpoint.resources['Test::Server#s1']?.status).not.toBe('done');
    await expect(service.restore({ checkpointId: checkpoint.id })).rejects.toMatchObject({
      code: 'CHECKPOINT_NOT_AVAILABLE',
    });
  });

  it('resets an available checkpoint to error and back, never a half-written one to available', async () => {
    const { service } = await setup();
    const good = await service.protect({ resources: [server] });
    const broken = await service.resetCheckpointStatus(good.id, 'error');
    expect(broken).toMatchObject({ status: 'error', reason: 'reset' });
    await expect(service.restore({ checkpointId: good.id })).rejects.toMatchObject({
      code: 'CHECKPOINT_NOT_AVAILABLE',
    });
    const again = await service.resetCheckpointStatus(good.id, 'available');
    expect(again.status).toBe('available');
    expect(again.reason).toBeUndefined();
    expect((await service.restore({ checkpointId: good.id })).status).toBe('success');

    const { service: failing } = await setup(
      volumePlugin({
        hooks: {
          protect: {
            main: async (context) => {
              if (context.resource.id === 's1-v2') throw new Error('backup quota exceeded');
              context.setSavedInfo({ backupId: 'ok' });
            },
          },
        },
      }),
    );
    const half = await failing.protect({ resources: [server] });
    expect(half.status).toBe('error');
    await expect(failing.resetCheckpointStatus(half.id, 'available')).rejects.toMatchObject({
      code: 'CHECKPOINT_NOT_AVAILABLE',
      message: expect.stringMatching(/resources were not protected \(.*Test::Volume#s1-v2/),
    });
    expect((await failing.getCheckpoint(half.id)).status).toBe('error');
    await failing.deleteCheckpoint({ checkpointId: half.id });
    await expect(failing.resetCheckpointStatus(half.id, 'error')).rejects.toMatchObject({
      code: 'CHECKPOINT_NOT_FOUND',
    });
  });

  it('a hook that hangs times out and the checkpoint is not available', async () => {
    const { service } = await setup(
      volumePlugin({ hookTimeoutMs: 100, hooks: { protect: { main: () => new Promise(() => {}) } } }),
    );
    const checkpoint = await service.protect({ resources: [server] });
    expect(checkpoint.status).toBe('error');
    expect(checkpoint.error?.code).toBe('PLUGIN_HOOK_TIMEOUT');
  });

  it('saved info that fails its schema keeps the checkpoint from being available', async () => {
    const { service } = await setup(
      volumePlugin({
        hooks: { protect: { main: async (context) => context.setSavedInfo({ backupId: 42 }) } },
      }),
    );
    const checkpoint = await service.protect({ resources: [server] });
    expect(checkpoint.status).toBe('error');
    expect(checkpoint.error?.code).toBe('CHECKPOINT_SAVED_INFO_INVALID');
    expect(checkpoint.resources['Test::Volume#s1-v1']?.error?.message).toBe(
      "Protection plugin 'volume' wrote invalid saved info for 'Test::Volume#s1-v1': Test::Volume#s1-v1.savedInfo.backupId: must be string",
    );
  });

  it('cancel ends the checkpoint error with reason cancelled', async () => {
    const cancel = new AbortController();
    const { service } = await setup(
      volumePlugin({
        hooks: {
          protect: {
            main: (context) =>
              new Promise((_resolve, reject) => {
                setTimeout(() => cancel.abort(), 10);
                context.signal.addEventListener('abort', () => reject(context.signal.reason));
              }),
          },
        },
      }),
    );
    const checkpoint = await service.protect({ resources: [server], signal: cancel.signal });
    expect(checkpoint).toMatchObject({ status: 'error', reason: 'cancelled' });
    expect(Object.values(checkpoint.resources).map((r) => r.status)).toContain('cancelled');
  });

  it('reports parameters that fail a schema with resource key and path, writing nothing', async () => {
    const { bank, service } = await setup();
    const error = (await service
      .protect({ resources: [server], parameters: { 'Test::Volume#s1-v2': { mode: 'sometimes' } } })
      .catch((e) => e)) as HoardError;
    expect(error.code).toBe('PARAMETERS_INVALID');
    expect(error.message).toContain(
      'parameters: Test::Volume#s1-v2.mode: must be one of "full", "incremental"',
    );
    expect(bank.keys()).toEqual([]);
  });

  it('reports a protecting checkpoint whose lease expired as abandoned', async () => {
    const { bank, service } = await setup(
      volumePlugin({
        hooks: {
          protect: {
            main: async () => {
              bank.now = () => Date.now() + 3600_000;
              throw new Error('process died');
            },
          },
        },
      }),
    );
    // Simulate a crash: the final status is never written.
    const put = bank.put.bind(bank);
    bank.put = async (key, body, options) => {
      if (key.endsWith('status.json') && String(body).includes('"error"')) throw new Error('crashed');
      return put(key, body, options);
    };
    await expect(service.protect({ resources: [server] })).rejects.toThrow('crashed');
    const [listed] = await service.listCheckpoints();
    expect(listed).toMatchObject({ status: 'error', reason: 'abandoned' });
  });

  it('lists checkpoints newest first with limit and marker', async () => {
    const { service } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await service.protect({ resources: [server] })).id);
    const newestFirst = [...ids].reverse();
    expect((await service.listCheckpoints()).map((c) => c.id)).toEqual(newestFirst);
    expect((await service.listCheckpoints({ limit: 2 })).map((c) => c.id)).toEqual(newestFirst.slice(0, 2));
    expect((await service.listCheckpoints({ limit: 2, marker: newestFirst[1]! })).map((c) => c.id)).toEqual(
      newestFirst.slice(2),
    );
  });

  it('a failed delete leaves the checkpoint error-deleting and its data in place', async () => {
    const { bank, service } = await setup(
      volumePlugin({
        hooks: {
          protect: volumePlugin().hooks.protect!,
          delete: {
            main: async () => {
              throw new Error('backup service down');
            },
          },
        },
      }),
    );
    const checkpoint = await service.protect({ resources: [server] });
    const before = bank.keys().filter((k) => k.includes('/resources/'));
    const result = await service.deleteCheckpoint({ checkpointId: checkpoint.id });
    expect(result.status).toBe('error-deleting');
    expect(bank.keys().filter((k) => k.includes('/resources/'))).toEqual(before);
    expect((await service.getCheckpoint(checkpoint.id)).status).toBe('error-deleting');
  });

  it('requireSavedInfo checks saved info read back from the bank against the plugin schema', async () => {
    const seen: unknown[] = [];
    const { bank, service } = await setup(
      volumePlugin({
        hooks: {
          protect: volumePlugin().hooks.protect!,
          restore: {
            main: async (context) => {
              seen.push(await context.requireSavedInfo());
            },
          },
        },
      }),
    );
    const checkpoint = await service.protect({ resources: [server] });
    const restored = await service.restore({ checkpointId: checkpoint.id });
    expect(restored.status).toBe('success');
    expect(seen).toContainEqual({ backupId: 'b-s1-v1' });
    // Tamper with one resource's saved info: the restore fails naming the resource and the field.
    const key = checkpointKeys.savedInfo(checkpoint.id, 'Test::Volume#s1-v2');
    await bank.put(key, JSON.stringify({ backupId: 42 }));
    const tampered = await service.restore({ checkpointId: checkpoint.id });
    expect(tampered.status).toBe('fail');
    const failure = JSON.stringify(tampered);
    expect(failure).toContain('CHECKPOINT_SAVED_INFO_INVALID');
    expect(failure).toContain(
      `Checkpoint ${checkpoint.id}: the saved info of resource 'Test::Volume#s1-v2' does not match its protection plugin's schema`,
    );
  });
});
