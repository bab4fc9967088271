import { describe, expect, it } from 'vitest';
import { createProtectionService } from '../operation/createProtectionService.js';
import { defineProtectable } from '../plugin-api/Protectable.js';
import { defineProtectionPlugin } from '../plugin-api/ProtectionPlugin.js';
import { createTestProvider } from '../testing/createTestProvider.js';
import { InMemoryBank } from '../testing/InMemoryBank.js';
import { checkBank, collectBankGarbage } from './bankMaintenance.js';
import { CheckpointStore, checkpointKeys } from './CheckpointStore.js';

const thingProtectable = defineProtectable({
  name: 'thing',
  resourceType: 'Test::Thing',
  parentTypes: [],
  list: async () => [],
  show: async (_c, id) => ({ type: 'Test::Thing', id, name: id }),
  getDependentResources: async () => [],
});

/** A plugin whose restore waits at a gate (a restore that is still reading). */
function gatedPlugin() {
  let entered!: () => void;
  let open!: () => void;
  const gate = {
    entered: new Promise<void>((resolve) => {
      entered = resolve;
    }),
    opened: new Promise<void>((resolve) => {
      open = resolve;
    }),
    open: () => open(),
  };
  const plugin = defineProtectionPlugin({
    name: 'thing',
    resourceTypes: ['Test::Thing'],
    hooks: {
      protect: {
        main: async (context) => {
          await context.bank.put('blob', `data of ${context.resource.id}`);
          context.setSavedInfo({ stored: true });
        },
      },
      restore: {
        main: async (context) => {
          entered();
          await gate.opened;
          return { data: Buffer.from(await context.bank.get('blob')).toString() };
        },
      },
      delete: { main: async (context) => context.bank.delete('blob') },
    },
  });
  return { plugin, gate };
}

async function setup() {
  const bank = new InMemoryBank();
  const { plugin, gate } = gatedPlugin();
  const provider = createTestProvider({ protectables: [thingProtectable], plugins: [plugin], bank });
  const service = await createProtectionService(provider);
  return { bank, service, gate };
}

const thing = (id: string) => ({ type: 'Test::Thing', id, name: id });

describe('bank check and gc (issue 9, defect 6)', () => {
  it('finds what crashed operations leave, collects it, repairs stale records, and keeps every checkpoint', async () => {
    const { bank, service, gate } = await setup();
    gate.open();
    const store = new CheckpointStore(bank);
    const live = await service.protect({ resources: [thing('live')] });
    const unindexed = await service.protect({ resources: [thing('unindexed')] });
    await bank.delete(checkpointKeys.byDate(unindexed.createdAt.slice(0, 10), unindexed.id));
    // A protect killed mid-run: index, metadata and a `protecting` status, its lease gone.
    const crashedId = CheckpointStore.newId();
    await store.create(
      {
        formatVersion: 1,
        id: crashedId,
        providerId: live.providerId,
        providerName: live.providerName,
        createdAt: new Date().toISOString(),
        leaseOwner: `protect-${crashedId}`,
        parameters: {},
        graph: { resources: [thing('crashed')] },
      },
      ['Test::Thing#crashed'],
    );
    // A delete killed mid-run.
    const deleting = await service.protect({ resources: [thing('deleting')] });
    await store.writeStatus(deleting.id, {
      status: 'deleting',
      updatedAt: new Date().toISOString(),
      resources: {},
    });
    // A restore killed mid-run.
    const restoreId = CheckpointStore.newId();
    await store.writeRestore({
      id: restoreId,
      checkpointId: live.id,
      providerId: live.providerId,
      status: 'in_progress',
      startedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      parameters: {},
      resources: {},
      leaseOwner: `read-${live.id}-${restoreId}`,
    });
    // A straggler written after its checkpoint was deleted, an index entry of nothing, a stray key.
    const goneId = CheckpointStore.newId();
    await bank.put(`${checkpointKeys.resourceData(goneId, 'Test::Thing#gone')}files/00000001`, 'straggler');
    await bank.put(`indices/by-date/2026-01-01/${CheckpointStore.newId()}`, '');
    await bank.put('stray/object', 'who wrote this');
    const corruptId = CheckpointStore.newId();
    await bank.put(checkpointKeys.metadata(corruptId), '{ not json');

    // Young garbage may belong to an operation that has just started: not reported.
    const young = await checkBank(bank, { graceSeconds: 3600 });
    expect(young.findings.map((f) => f.kind)).not.toContain('orphan-objects');
    expect(young.findings.map((f) => f.kind)).not.toContain('dangling-index');

    const report = await checkBank(bank, { graceSeconds: 0 });
    expect(report.healthy).toBe(false);
    const kinds = report.findings.map((f) => `${f.kind} ${f.action}`).sort();
    expect(kinds).toEqual([
      'corrupt-checkpoint keep',
      'dangling-index remove',
      'orphan-objects remove',
      'stale-record repair',
      'stale-record repair',
      'stale-record repair',
      'unindexed-checkpoint repair',
      'unknown-object keep',
    ]);
    expect(report.checkpoints.find((c) => c.id === live.id)).toMatchObject({ status: 'available' });

    const before = bank.keys();
    const dry = await collectBankGarbage(bank, { graceSeconds: 0, dryRun: true });
    expect(dry.done).toHaveLength(6);
    expect(bank.keys()).toEqual(before);

    const collected = await collectBankGarbage(bank, { graceSeconds: 0 });
    expect(collected.failed).toEqual([]);
    expect(collected.kept.map((f) => f.kind).sort()).toEqual(['corrupt-checkpoint', 'unknown-object']);
    const after = await checkBank(bank, { graceSeconds: 0 });
    expect(after.findings.map((f) => f.kind).sort()).toEqual(['corrupt-checkpoint', 'unknown-object']);
    expect(bank.keys().some((k) => k.includes(goneId))).toBe(false);
    expect((await store.readStatus(crashedId))?.status).toBe('error');
    expect((await store.readStatus(deleting.id))?.status).toBe('error-deleting');
    expect((await store.readRawRestore(restoreId))?.status).toBe('fail');
    const listed = (await service.listCheckpoints()).map((c) => c.id);
    expect(listed).toContain(unindexed.id);
    expect(listed).toContain(live.id);
    expect((await service.restore({ checkpointId: live.id })).status).toBe('success');
    // Every abandoned checkpoint can now be deleted to nothing.
    for (const id of [crashedId, deleting.id, corruptId])
      expect((await service.deleteCheckpoint({ checkpointId: id })).status).toBe('deleted');
    expect(bank.keys().filter((k) => k.includes(crashedId) || k.includes(deleting.id))).toEqual([]);
  });
});

describe('reader leases (issue 9, defect 7)', () => {
  it('a delete is refused while a restore reads the checkpoint, and succeeds once it has ended', async () => {
    const { service, gate } = await setup();
    const checkpoint = await service.protect({ resources: [thing('t1')] });
    const restoring = service.restore({ checkpointId: checkpoint.id });
    await gate.entered;
    const refused = await service.deleteCheckpoint({ checkpointId: checkpoint.id }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CHECKPOINT_IN_USE' });
    expect((refused as Error).message).toContain(`Checkpoint ${checkpoint.id} is being read by restore`);
    expect((await service.getCheckpoint(checkpoint.id)).status).toBe('available');
    gate.open();
    const restore = await restoring;
    expect(restore.status).toBe('success');
    expect(restore.resources['Test::Thing#t1']?.result).toEqual({ data: 'data of t1' });
    expect((await service.deleteCheckpoint({ checkpointId: checkpoint.id })).status).toBe('deleted');
  });
});
