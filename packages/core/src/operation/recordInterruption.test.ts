import { describe, expect, it } from 'vitest';
import { leaseOwners } from '../checkpoint/CheckpointStore.js';
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

describe('recordInterruption', () => {
  it('writes why a protect whose process died stopped; refuses while its lease is valid', async () => {
    let hookStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      hookStarted = resolve;
    });
    const plugin = defineProtectionPlugin({
      name: 'disk',
      resourceTypes: ['Test::Disk'],
      schemas: { savedInfo: { type: 'object' } },
      hooks: {
        protect: {
          main: async (context) => {
            if (context.resource.id === 'fast') {
              context.setSavedInfo({});
              return;
            }
            hookStarted();
            // The process "dies" here: this hook never returns.
            await new Promise(() => {});
          },
        },
      },
    });
    const bank = new InMemoryBank();
    const service = await createProtectionService(
      createTestProvider({ protectables: [diskProtectable], plugins: [plugin], bank }),
    );
    let checkpointId = '';
    void service
      .protect({
        resources: [
          { type: 'Test::Disk', id: 'fast', name: 'fast' },
          { type: 'Test::Disk', id: 'hangs', name: 'hangs' },
        ],
        onCheckpointCreated: (c) => {
          checkpointId = c.id;
        },
      })
      .catch(() => undefined);
    await started;
    await expect(service.recordInterruption(checkpointId, 'the server stopped')).rejects.toMatchObject({
      code: 'CHECKPOINT_IN_USE',
    });

    // Its lease lapses (the process is gone): read as abandoned until the interruption is recorded.
    const later = Date.now() + 3_600_000;
    bank.now = () => later;
    expect((await service.getCheckpoint(checkpointId)).reason).toBe('abandoned');
    const recorded = await service.recordInterruption(
      checkpointId,
      'hoard serve stopped while protecting it',
    );
    expect(recorded.status).toBe('error');
    expect(recorded.reason).toBe('interrupted');
    expect(recorded.error?.message).toContain('hoard serve stopped while protecting it');
    expect(recorded.resources['Test::Disk#hangs']?.status).toBe('cancelled');
    // The status record knows no more than `protecting` of the other (the journal does, for a resume).
    expect(Object.keys(recorded.resources).sort()).toEqual(['Test::Disk#fast', 'Test::Disk#hangs']);
    expect(await bank.isLeaseValid(leaseOwners.protect(checkpointId))).toBe(false);

    // Recorded once: a second call changes nothing.
    const again = await service.recordInterruption(checkpointId, 'another reason');
    expect(again.error?.message).toContain('hoard serve stopped');
    expect(again.updatedAt).toBe(recorded.updatedAt);
  });
});
