/**
 * Runs tasks one at a time per key, in this process: a quota's count and the create it allows
 * happen together. (Two servers on one database can each let one more in; docs/api.md says so.)
 *
 * @remarks Hand-written: a promise chain per key is all it takes; the queue libraries on npm
 * have no per-key mode and would need a map of queues all the same.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const result = before.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
