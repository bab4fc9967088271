import { performance } from 'node:perf_hooks';
import { HoardError, messageOf } from '../errors/HoardError.js';
import type { Bank } from '../plugin-api/Bank.js';
import type { Logger } from '../plugin-api/types.js';

/** How long a lease lasts and how often it is renewed. */
export interface LeaseWindows {
  expireSeconds: number;
  renewSeconds: number;
}

/**
 * The lease an operation writes under, and the fence on its writes (docs/protocol.md, "Leases
 * and fencing").
 *
 * @remarks The holder counts its lease from just before each acquire or renew request, on both
 * the monotonic and the wall clock, less a margin: the bank's copy of the lease cannot outlive
 * this local deadline. Once the deadline passes without a renewal that succeeded, the lease is
 * lost for good, even if the process was only stalled (SIGSTOP, a suspended VM, an NFS hang):
 * another process may already have declared the operation abandoned, deleted its checkpoint or
 * taken it over. Every write made through {@link Lease.fence} checks the lease first, so a
 * writer that wakes up after its lease lapsed stops before its next object, and never renews a
 * lapsed lease. The lease's `signal` aborts the running hooks when it is lost.
 */
export class Lease {
  private deadlineWall = 0;
  private deadlineMonotonic = 0;
  private failure: HoardError | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The renewal under way (a slow bank, retries): release waits for it, or it would write the lease again after the release. */
  private renewing: Promise<void> | undefined;
  private readonly controller = new AbortController();

  private constructor(
    private readonly bank: Bank,
    readonly owner: string,
    private readonly windows: LeaseWindows,
    private readonly logger: Logger,
  ) {}

  /** Takes the lease of `owner` and starts renewing it. */
  static async acquire(bank: Bank, owner: string, windows: LeaseWindows, logger: Logger): Promise<Lease> {
    const lease = new Lease(bank, owner, windows, logger);
    await lease.write();
    lease.timer = setInterval(() => void lease.renew(), windows.renewSeconds * 1000);
    lease.timer.unref();
    return lease;
  }

  /** Aborted when the lease is lost. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The error the lease was lost with, if it was. */
  get lost(): HoardError | undefined {
    this.check();
    return this.failure;
  }

  private async write(): Promise<void> {
    const wall = Date.now();
    const monotonic = performance.now();
    await this.bank.acquireLease(this.owner, this.windows.expireSeconds);
    // Counted from before the request, less a margin for clock drift between hosts.
    const lifetime = this.windows.expireSeconds * 1000;
    const margin = Math.min(2000, lifetime / 10);
    this.deadlineWall = wall + lifetime - margin;
    this.deadlineMonotonic = monotonic + lifetime - margin;
  }

  private check(): void {
    if (this.failure !== undefined) return;
    const now = Date.now();
    if (now < this.deadlineWall && performance.now() < this.deadlineMonotonic) return;
    this.failure = new HoardError(
      'LEASE_LOST',
      `The lease '${this.owner}' lapsed: it was last renewed more than ${this.windows.expireSeconds} s ago (lease_expire_window), so another process may have taken the operation over or deleted its checkpoint; this process stops writing`,
      { details: { owner: this.owner, lapsedForMs: now - this.deadlineWall } },
    );
    this.logger.error('lease lost; writing stopped', { owner: this.owner });
    this.stopTimer();
    this.controller.abort(this.failure);
  }

  private renew(): Promise<void> {
    this.check();
    if (this.failure !== undefined || this.renewing !== undefined) return this.renewing ?? Promise.resolve();
    this.renewing = this.write()
      .catch((error: unknown) => {
        // Not lost yet: the lease holds until its deadline, and the next renewal may succeed.
        this.logger.warn('lease renewal failed', { owner: this.owner, error: messageOf(error) });
      })
      .finally(() => {
        this.renewing = undefined;
      });
    return this.renewing;
  }

  /** Throws `LEASE_LOST` unless the lease is still held: call before every write. */
  assertHeld(): void {
    this.check();
    if (this.failure !== undefined) throw this.failure;
  }

  /** `bank` with every write and delete fenced by this lease (reads are not). */
  fence(bank: Bank): Bank {
    // Own properties shadow the bank's methods; everything else (reads, leases) is the bank's.
    return Object.create(bank, {
      // Async: a lost lease is a rejected promise, as any other failed write, never a sync throw.
      put: {
        value: async (...args: Parameters<Bank['put']>) => {
          this.assertHeld();
          return bank.put(...args);
        },
      },
      delete: {
        value: async (key: string) => {
          this.assertHeld();
          return bank.delete(key);
        },
      },
    }) as Bank;
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops renewing and gives the lease up (a lost lease is not released: it is not ours). */
  async release(): Promise<void> {
    this.stopTimer();
    if (this.renewing !== undefined) {
      // At most until the lease would lapse: a renewal still hanging then has lost it anyway.
      let timer: NodeJS.Timeout | undefined;
      const lapse = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, this.deadlineMonotonic - performance.now()));
      });
      await Promise.race([this.renewing, lapse]);
      clearTimeout(timer);
    }
    if (this.lost !== undefined) return;
    await this.bank.releaseLease?.(this.owner).catch((error: unknown) => {
      this.logger.warn('lease release failed', { owner: this.owner, error: messageOf(error) });
    });
  }
}
