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
    expect((await listing.list({ projectId: 'p1', maxStatusAgeMs: 60_000 }))[0]?.status).toBe('available');

    // Another process (another store) resets it to error.
    await new CheckpointStore(bank).writeStatus(id, {
      status: 'error',
      reason: 'reset',
      updatedAt: new Date().toISOString(),
      resources: {},
    });
    expect((await listing.list({ projectId: 'p1', maxStatusAgeMs: 60_000 }))[0]?.status).toBe('available');
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
    expect((await listing.list({ projectId: 'p1', maxStatusAgeMs: 60_000 }))[0]?.status).toBe('error');
    // Its own writes are seen at once.
    await listing.writeStatus(id, {
      status: 'available',
      updatedAt: new Date().toISOString(),
      resources: {},
    });
    expect((await listing.list({ projectId: 'p1', maxStatusAgeMs: 60_000 }))[0]?.status).toBe('available');
  });
});
