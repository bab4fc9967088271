import { describe, expect, it } from 'vitest';
import { checkpointKeys } from '../checkpoint/CheckpointStore.js';
import { defineProtectable } from '../plugin-api/Protectable.js';
import { defineProtectionPlugin } from '../plugin-api/ProtectionPlugin.js';
import { createTestProvider } from '../testing/createTestProvider.js';
import { InMemoryBank } from '../testing/InMemoryBank.js';
import { createProtectionService } from './createProtectionService.js';

const diskProtectable = defineProtectable({
  name: 'disk',
  resourceType: 'Test::Disk',
  parentTypes: [],
  list: async () => [],
  show: async (_c, id) => ({ type: 'Test::Disk', id, name: id }),
  getDependentResources: async () => [],
});

/** A plugin that writes two objects (one streamed) and one it deletes again; its verify hook asks "outside". */
function diskPlugin(outside: Map<string, string>) {
  return defineProtectionPlugin({
    name: 'disk',
    resourceTypes: ['Test::Disk'],
    schemas: {
      savedInfo: { type: 'object', required: ['backupId'], properties: { backupId: { type: 'string' } } },
      verify: { type: 'object', properties: { deep: { type: 'boolean' } }, additionalProperties: false },
    },
    hooks: {
      protect: {
        main: async (context) => {
          await context.bank.put('small', `small of ${context.resource.id}`);
          async function* big() {
            for (let i = 0; i < 10; i++) yield Buffer.alloc(1000, i);
          }
          await context.bank.put('big', big());
          await context.bank.put('scratch', 'gone soon');
          await context.bank.delete('scratch');
          context.setSavedInfo({ backupId: `b-${context.resource.id}` });
        },
      },
    },
    verify: async (context) => {
      const state = outside.get(context.savedInfo!.backupId);
      return state === 'available' ? [] : [`backup ${context.savedInfo!.backupId} is ${state ?? 'missing'}`];
    },
  });
}

async function setup() {
  const bank = new InMemoryBank();
  const outside = new Map<string, string>();
  const provider = createTestProvider({
    protectables: [diskProtectable],
    plugins: [diskPlugin(outside)],
    bank,
  });
  const service = await createProtectionService(provider);
  const checkpoint = await service.protect({
    resources: [
      { type: 'Test::Disk', id: 'd1', name: 'one' },
      { type: 'Test::Disk', id: 'd2', name: 'two' },
    ],
  });
  outside.set('b-d1', 'available');
  outside.set('b-d2', 'available');
  return { bank, outside, service, checkpoint };
}

const data = (id: string, key: string, name: string) => `${checkpointKeys.resourceData(id, key)}${name}`;

describe('ProtectionService.verify', () => {
  it('verifies every object by its recorded SHA-256, and the plugin hook', async () => {
    const { service, checkpoint } = await setup();
    const result = await service.verify({ checkpointId: checkpoint.id });
    expect(result.status).toBe('success');
    expect(result.resources['Test::Disk#d1']).toEqual({
      status: 'verified',
      problems: [],
      objects: 2,
      bytes: 10_000 + 'small of d1'.length,
      hashed: 2,
    });
  });

  it('finds a changed, a truncated and a missing object, naming each', async () => {
    const { bank, service, checkpoint } = await setup();
    await bank.put(data(checkpoint.id, 'Test::Disk#d1', 'small'), 'small of dX');
    await bank.put(data(checkpoint.id, 'Test::Disk#d1', 'big'), Buffer.alloc(10, 0));
    await bank.delete(data(checkpoint.id, 'Test::Disk#d2', 'big'));
    const result = await service.verify({ checkpointId: checkpoint.id });
    expect(result.status).toBe('fail');
    expect(result.resources['Test::Disk#d1']!.problems).toEqual([
      "data object 'big' is 10 bytes; 10000 were written",
      expect.stringMatching(
        /^data object 'small' does not hash to what was written \(SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}\)$/,
      ),
    ]);
    expect(result.resources['Test::Disk#d2']!.problems).toEqual([
      "data object 'big' (10000 bytes) is missing from the bank",
    ]);
  });

  it('reports what the plugin finds outside the bank, and bad saved info', async () => {
    const { bank, outside, service, checkpoint } = await setup();
    outside.set('b-d1', 'error');
    await bank.put(checkpointKeys.savedInfo(checkpoint.id, 'Test::Disk#d2'), '{"backupId": 7}');
    const result = await service.verify({ checkpointId: checkpoint.id });
    expect(result.resources['Test::Disk#d1']!.problems).toEqual(['backup b-d1 is error']);
    expect(result.resources['Test::Disk#d2']!.problems).toEqual([
      expect.stringContaining('saved info savedInfo.backupId'),
    ]);
  });

  it('checks parameters against the verify schema and refuses a checkpoint that is not available', async () => {
    const { service, checkpoint } = await setup();
    await expect(
      service.verify({ checkpointId: checkpoint.id, parameters: { 'Test::Disk': { shallow: true } } }),
    ).rejects.toMatchObject({ code: 'PARAMETERS_INVALID' });
    await service.resetCheckpointStatus(checkpoint.id, 'error');
    await expect(service.verify({ checkpointId: checkpoint.id })).rejects.toMatchObject({
      code: 'CHECKPOINT_NOT_AVAILABLE',
    });
  });
});
