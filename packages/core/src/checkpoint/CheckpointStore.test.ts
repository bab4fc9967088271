import { describe, expect, it } from 'vitest';
import { InMemoryBank } from '../testing/InMemoryBank.js';
import { CheckpointStore } from './CheckpointStore.js';

async function checkpoint(store: CheckpointStore, projectId: string): Promise<string> {
  const id = CheckpointStore.newId();
  await store.create(
    {
      formatVersion: 1,
      id,
      providerId: 'p',
      providerName: 'p',
      projectId,
      createdAt: new Date().toISOString(),
      leaseOwner: `protect-${id}`,
      parameters: {},
      graph: { resources: [], edges: [] },
    } as Parameters<CheckpointStore['create']>[0],
    [],
  );
  await store.writeStatus(id, { status: 'available', updatedAt: new Date().toISOString(), resources: {} });
  return id;
}

describe('CheckpointStore listing', () => {
  it('may show a settled status as recently read; a get and a listing without an age read it now', async () => {
    const bank = new InMemoryBank();
    const listing = new CheckpointStore(bank);
    const id = await checkpoint(listing, 'p1');
    expect((await listing.list({ projectId: 'p1', maxAgeMs: 60_000 }))[0]?.status).toBe('available');

    // Another process (another store) resets it to error.
    await new CheckpointStore(bank).writeStatus(id, {
      status: 'error',
      reason: 'reset',
      updatedAt: new Date().toISOString(),
      resources: {},
    });
    expect((await listing.list({ projectId: 'p1', maxAgeMs: 60_000 }))[0]?.status).toBe('available');
    expect((await listing.list({ projectId: 'p1', maxAgeMs: 60_000, maxStatusAgeMs: 0 }))[0]?.status).toBe(
      'error',
    );
    expect((await listing.get(id)).status).toBe('error');
    expect((await listing.list({ projectId: 'p1' }))[0]?.status).toBe('error');

    // A status that is not settled is never kept: the next listing reads it again.
    await new CheckpointStore(bank).writeStatus(id, {
      status: 'deleting',
      updatedAt: new Date().toISOString(),
      resources: {},
    });
    expect((await listing.list({ projectId: 'p1' }))[0]?.status).toBe('error-deleting'); // no delete lease: abandoned
    await new CheckpointStore(bank).writeStatus(id, {
      status: 'error',
      updatedAt: new Date().toISOString(),
      resources: {},
    });
    expect((await listing.list({ projectId: 'p1', maxAgeMs: 60_000 }))[0]?.status).toBe('error');
    // Its own writes are seen at once.
    await listing.writeStatus(id, {
      status: 'available',
      updatedAt: new Date().toISOString(),
      resources: {},
    });
    expect((await listing.list({ projectId: 'p1', maxAgeMs: 60_000 }))[0]?.status).toBe('available');
  });
});

describe('CheckpointStore index listing', () => {
  it("may list index entries as recently read, but sees its own and its fenced views' writes at once", async () => {
    const bank = new InMemoryBank();
    const listing = new CheckpointStore(bank);
    const first = await checkpoint(listing, 'p1');
    expect((await listing.list({ projectId: 'p1', maxAgeMs: 60_000 })).map((c) => c.id)).toEqual([first]);

    // Another process's new checkpoint is not seen by a listing that may be old...
    const other = await checkpoint(new CheckpointStore(bank), 'p1');
    expect((await listing.list({ projectId: 'p1', maxAgeMs: 60_000 })).map((c) => c.id)).toEqual([first]);
    // ...and is by one that must be current.
    expect((await listing.list({ projectId: 'p1' })).map((c) => c.id)).toEqual([other, first]);

    // A write through a store over the same bank (an operation's fenced view) is seen at once:
    // a new checkpoint in every index it is under, a purged one gone from all of them.
    const own = await checkpoint(listing.over(bank), 'p1');
    expect((await listing.list({ projectId: 'p1', maxAgeMs: 60_000 })).map((c) => c.id)).toEqual([
      own,
      other,
      first,
    ]);
    expect((await listing.list({ maxAgeMs: 60_000 })).map((c) => c.id)).toEqual([own, other, first]);
    await listing.over(bank).purge(await listing.get(other));
    expect((await listing.list({ projectId: 'p1', maxAgeMs: 60_000 })).map((c) => c.id)).toEqual([
      own,
      first,
    ]);
    expect((await listing.list({ maxAgeMs: 60_000 })).map((c) => c.id)).toEqual([own, first]);
    // Pages and markers work on the kept listing.
    expect(
      (await listing.list({ projectId: 'p1', maxAgeMs: 60_000, marker: own, limit: 1 })).map((c) => c.id),
    ).toEqual([first]);
  });

  it('does not keep a listing that a write of its own went across', async () => {
    const bank = new InMemoryBank();
    const store = new CheckpointStore(bank);
    await checkpoint(store, 'p1');
    // A listing and a create at once: whichever order the bank saw them in, the next listing
    // (allowed to be old) shows the new checkpoint.
    const [, created] = await Promise.all([store.list({ maxAgeMs: 60_000 }), checkpoint(store, 'p1')]);
    expect((await store.list({ maxAgeMs: 60_000 })).map((c) => c.id)).toContain(created);
  });
});

describe('CheckpointStore count', () => {
  it("counts a project's checkpoints of a provider from the index, skipping entries without a checkpoint", async () => {
    const bank = new InMemoryBank();
    const store = new CheckpointStore(bank);
    const first = await checkpoint(store, 'p1');
    await checkpoint(store, 'p1');
    await checkpoint(store, 'p2');
    // An index entry a crash left without its checkpoint is not counted.
    await bank.put(`indices/by-project/p1/${CheckpointStore.newId()}`, '');
    expect(await store.count({ projectId: 'p1', providerId: 'p' })).toBe(2);
    expect(await store.count({ projectId: 'p1', providerId: 'other' })).toBe(0);
    expect(await store.count({ providerId: 'p' })).toBe(3);
    await store.purge(await store.get(first));
    expect(await store.count({ projectId: 'p1', providerId: 'p', maxAgeMs: 60_000 })).toBe(1);
  });
});
