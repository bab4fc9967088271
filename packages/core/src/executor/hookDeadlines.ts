/** One running hook's deadline; progress pushes it back. */
export interface HookDeadline {
  deadline: number;
  /** Called once when the deadline passes. */
  expire(): void;
}

/**
 * The deadlines of running hooks, checked by one sweeper instead of a timer per hook (a timer per
 * hook costs more than a no-op hook itself on flows of 100k resources).
 */
export class HookDeadlines {
  private readonly watched = new Map<number, HookDeadline>();
  private sweeper: NodeJS.Timeout | undefined;
  private sweepEveryMs = Number.POSITIVE_INFINITY;

  /** Watches task `t` until {@link unwatch}; sweeps often enough for `timeoutMs`. */
  watch(t: number, entry: HookDeadline, timeoutMs: number): void {
    const every = Math.min(1000, Math.max(5, timeoutMs / 5));
    if (every < this.sweepEveryMs) {
      if (this.sweeper) clearInterval(this.sweeper);
      this.sweepEveryMs = every;
      this.sweeper = setInterval(() => this.sweep(), every);
    }
    this.watched.set(t, entry);
  }

  unwatch(t: number): void {
    this.watched.delete(t);
  }

  /** Brings every deadline to at most `graceMs` from now (after an abort). */
  shortenTo(graceMs: number): void {
    const latest = performance.now() + graceMs;
    for (const entry of this.watched.values()) entry.deadline = Math.min(entry.deadline, latest);
  }

  /** Stops the sweeper. */
  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = performance.now();
    for (const entry of this.watched.values()) if (now >= entry.deadline) entry.expire();
  }
}
