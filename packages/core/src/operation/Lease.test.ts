import { describe, expect, it } from 'vitest';
import type { Logger } from '../plugin-api/types.js';
import { InMemoryBank } from '../testing/InMemoryBank.js';
import { Lease } from './Lease.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Lease', () => {
  it('a renewal still under way when the lease is released cannot write the lease again after it', async () => {
    const bank = new InMemoryBank();
    let renewals = 0;
    const acquire = bank.acquireLease.bind(bank);
    // The first write is quick; renewals take 300 ms (a slow bank, a retried request).
    bank.acquireLease = async (owner, ttl) => {
      if (renewals++ > 0) await sleep(300);
      return acquire(owner, ttl);
    };
    const lease = await Lease.acquire(bank, 'protect-x', { expireSeconds: 3, renewSeconds: 0.1 }, quiet);
    await sleep(150); // a renewal has started and is waiting
    expect(renewals).toBe(2);
    await lease.release();
    await sleep(400); // past when the renewal's write lands
    expect(await bank.isLeaseValid('protect-x')).toBe(false);
  });

  it('fences writes once the lease has lapsed, and never renews it again', async () => {
    const bank = new InMemoryBank();
    const lease = await Lease.acquire(bank, 'protect-y', { expireSeconds: 1, renewSeconds: 0.5 }, quiet);
    const fenced = lease.fence(bank);
    await fenced.put('a', 'x');
    let renewed = 0;
    bank.acquireLease = async () => {
      renewed++;
      throw new Error('bank unreachable');
    };
    await sleep(1100);
    await expect(fenced.put('b', 'y')).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect(lease.signal.aborted).toBe(true);
    const after = renewed;
    await sleep(600);
    expect(renewed).toBe(after);
    expect(await bank.head('b')).toBeUndefined();
    await lease.release();
  });
});
