import { describe, expect, it } from 'vitest';
import { checkpointKeys } from '../checkpoint/CheckpointStore.js';
import { defineProtectable } from '../plugin-api/Protectable.js';
import { defineProtectionPlugin } from '../plugin-api/ProtectionPlugin.js';
import { createTestProvider } from '../testing/createTestProvider.js';
import { InMemoryBank } from '../testing/InMemoryBank.js';
import { createProtectionService } from './createProtectionService.js';

const parentProtectable = defineProtectable({
  name: 'parent',
  resourceType: 'Test::Parent',
  parentTypes: [],
  list: async () => [],
  show: async (_c, id) => ({ type: 'Test::Parent', id, name: id }),
  getDependentResources: async () => [],
});
const childProtectable = defineProtectable({
  name: 'child',
  resourceType: 'Test::Child',
  parentTypes: ['Test::Parent'],
  list: async () => [],
  show: async (_c, id) => ({ type: 'Test::Child', id, name: id }),
  getDependentResources: async (_c, parent) => [
    { type: 'Test::Child', id: `${parent.id}-c1`, name: 'c1' },
    { type: 'Test::Child', id: `${parent.id}-c2`, name: 'c2' },
  ],
});

/** Plugins that count hook runs; `failing` makes a child's main fail once. */
function plugins(options: { rerunnable: boolean; failing: Set<string>; cancel?: AbortController }) {
  const runs: string[] = [];
  const child = defineProtectionPlugin({
    name: 'child',
    resourceTypes: ['Test::Child'],
    hooks: {
      protect: {
        main: async (context) => {
          runs.push(`main ${context.resource.id} attempt ${context.attempt}`);
          await context.bank.put('data', `bytes of ${context.resource.id}`);
          context.setSavedInfo({ object: 'data' });
          if (options.failing.delete(context.resource.id)) throw new Error('the source went away');
          if (context.resource.id.endsWith('c2')) options.cancel?.abort();
          return { stored: context.resource.id };
        },
      },
    },
    ...(options.rerunnable ? { rerunnableHooks: { protect: ['main'] } } : {}),
  });
  const parent = defineProtectionPlugin({
    name: 'parent',
    resourceTypes: ['Test::Parent'],
    hooks: {
      protect: {
        complete: async (context) => {
          runs.push(`complete ${context.resource.id}`);
          // Values published by the children, whether they ran now or in an earlier run.
          const children = ['c1', 'c2'].map(
            (c) => context.published.get(`Test::Child#${context.resource.id}-${c}`, 'main') ?? null,
          );
          context.setSavedInfo({ children });
        },
      },
    },
  });
  return { runs, list: [parent, child] };
}

async function setup(options: { rerunnable: boolean; failing: string[]; cancel?: AbortController }) {
  const bank = new InMemoryBank();
  const { runs, list } = plugins({
    rerunnable: options.rerunnable,
    failing: new Set(options.failing),
    ...(options.cancel !== undefined ? { cancel: options.cancel } : {}),
  });
  const provider = createTestProvider({
    protectables: [parentProtectable, childProtectable],
    plugins: list,
    bank,
  });
  const service = await createProtectionService(provider);
  return { bank, service, runs };
}

const parent = { type: 'Test::Parent', id: 'p', name: 'p' };

describe('resume (issue 9, "Resume")', () => {
  it('re-runs only the hooks that did not finish, with earlier published values restored', async () => {
    const { bank, service, runs } = await setup({ rerunnable: true, failing: ['p-c2'] });
    const failed = await service.protect({ resources: [parent], concurrency: 1 });
    expect(failed.status).toBe('error');
    expect(runs).toEqual(['main p-c1 attempt 1', 'main p-c2 attempt 1']);
    runs.length = 0;

    const resumed = await service.resume({ checkpointId: failed.id });
    expect(resumed.status).toBe('available');
    expect(resumed.resumed).toEqual({ attempt: 2, hooksReused: 1 });
    expect(runs).toEqual(['main p-c2 attempt 2', 'complete p']);
    const details = await service.getCheckpointDetails(failed.id);
    expect(details.resourceDetails['Test::Parent#p']?.savedInfo).toEqual({
      children: [{ stored: 'p-c1' }, { stored: 'p-c2' }],
    });
    // c1's saved info survived from the first run.
    expect(details.resourceDetails['Test::Child#p-c1']?.savedInfo).toEqual({ object: 'data' });
    expect(bank.keys()).toContain(checkpointKeys.attempt(failed.id, 2));
    expect((await service.restore({ checkpointId: failed.id })).status).toBe('success');
    await expect(service.resume({ checkpointId: failed.id })).rejects.toMatchObject({
      code: 'CHECKPOINT_NOT_AVAILABLE',
    });
  });

  it('refuses to run again a hook that started, did not finish and is not declared safe to re-run', async () => {
    const { service, runs } = await setup({ rerunnable: false, failing: ['p-c2'] });
    const failed = await service.protect({ resources: [parent], concurrency: 1 });
    expect(failed.status).toBe('error');
    const error = await service.resume({ checkpointId: failed.id }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RESUME_NOT_SAFE' });
    expect((error as Error).message).toContain(
      "Test::Child#p-c2 hook 'main' (plugin 'child') started and did not finish",
    );
    expect(runs).toEqual(['main p-c1 attempt 1', 'main p-c2 attempt 1']);
    // Nothing was changed: the checkpoint can still be deleted to nothing.
    expect((await service.deleteCheckpoint({ checkpointId: failed.id })).status).toBe('deleted');
  });

  it('a cancelled protect resumes to available', async () => {
    const controller = new AbortController();
    const { service } = await setup({ rerunnable: true, failing: [], cancel: controller });
    const cancelled = await service.protect({
      resources: [parent],
      signal: controller.signal,
      concurrency: 1,
    });
    expect(cancelled).toMatchObject({ status: 'error', reason: 'cancelled' });
    expect((await service.resume({ checkpointId: cancelled.id })).status).toBe('available');
  });
});
