import { decodeKeySegment } from '../bank/bankKey.js';
import { checkpointKeys } from '../checkpoint/CheckpointStore.js';
import { HoardError, messageOf } from '../errors/HoardError.js';
import type { Bank } from '../plugin-api/Bank.js';
import type { HookJournal } from '../plugin-api/ProtectionPlugin.js';
import type { HookName, JsonValue } from '../plugin-api/types.js';

const BATCH_ENTRIES = 64;
const BATCH_MS = 1000;

/**
 * What a protect records so that it can be resumed (docs/protocol.md, "Resume"): which hooks
 * started and finished (with the values they published), and each hook's own journal. Written
 * through the operation's fenced bank, so a writer that lost its lease records nothing more.
 */
export class ProtectJournal {
  /**
   * Saved info this run has in the bank, as written (resource key → JSON text): the final write
   * skips what a finished hook already wrote unchanged.
   */
  readonly savedInfoWritten = new Map<string, string>();

  constructor(
    private readonly bank: Bank,
    private readonly checkpointId: string,
    readonly attempt: number,
  ) {}

  /**
   * Takes run `attempt` of the checkpoint: creates its attempt object only if absent, so two
   * processes resuming one checkpoint at once cannot both go on.
   *
   * @throws `CHECKPOINT_IN_USE` when that run was taken by another process
   */
  async claim(host: string): Promise<void> {
    try {
      await this.bank.put(
        checkpointKeys.attempt(this.checkpointId, this.attempt),
        JSON.stringify({
          attempt: this.attempt,
          host,
          pid: process.pid,
          startedAt: new Date().toISOString(),
        }),
        { ifNoneMatch: '*' },
      );
    } catch (error) {
      if ((error as { code?: string }).code === 'BANK_OBJECT_EXISTS') {
        throw new HoardError(
          'CHECKPOINT_IN_USE',
          `Checkpoint ${this.checkpointId}: run ${this.attempt} was started by another process at the same time`,
        );
      }
      throw error;
    }
  }

  /** Records that a hook (one that is not safe to run again) has started. */
  async started(resourceKey: string, hook: HookName): Promise<void> {
    await this.bank.put(checkpointKeys.taskStarted(this.checkpointId, resourceKey, hook), '');
  }

  /** Records that a hook finished, with the value it published. */
  async done(resourceKey: string, hook: HookName, value: JsonValue | undefined): Promise<void> {
    await this.bank.put(
      checkpointKeys.taskDone(this.checkpointId, resourceKey, hook),
      JSON.stringify({ value: value ?? null, attempt: this.attempt, finishedAt: new Date().toISOString() }),
    );
  }

  /** The journal a hook sees. */
  forHook(resourceKey: string, hook: HookName): HookJournal & { close(): Promise<void> } {
    const bank = this.bank;
    const id = this.checkpointId;
    const attempt = this.attempt;
    let pending: JsonValue[] = [];
    let sequence = 0;
    let timer: NodeJS.Timeout | undefined;
    let writing: Promise<void> = Promise.resolve();
    let failure: unknown;
    const write = (): Promise<void> => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (pending.length === 0) return writing;
      const batch = pending;
      pending = [];
      const key = checkpointKeys.journal(id, resourceKey, hook, attempt, sequence++);
      writing = writing.then(() =>
        bank.put(key, JSON.stringify(batch)).catch((error: unknown) => {
          failure ??= error;
        }),
      );
      return writing;
    };
    const rethrow = (): void => {
      if (failure !== undefined) throw failure;
    };
    return {
      async previous() {
        const prefix = checkpointKeys.journal(id, resourceKey, hook, 0, 0).replace(/[^/]*$/, '');
        const entries: JsonValue[] = [];
        for await (const object of bank.list({ prefix })) {
          // Batches of later runs than this one are not ours to read (there are none normally).
          if (Number(object.key.slice(prefix.length).split('-')[0]) >= attempt) continue;
          let batch: unknown;
          try {
            batch = JSON.parse(Buffer.from(await bank.get(object.key)).toString('utf8'));
          } catch (error) {
            // A batch torn by a crash is skipped: its work is simply done again.
            void messageOf(error);
            continue;
          }
          if (Array.isArray(batch)) entries.push(...(batch as JsonValue[]));
        }
        return entries;
      },
      append(entry) {
        rethrow();
        pending.push(entry);
        if (pending.length >= BATCH_ENTRIES) void write();
        else timer ??= setTimeout(() => void write(), BATCH_MS);
      },
      async flush() {
        await write();
        rethrow();
      },
      async close() {
        await write();
        rethrow();
      },
    };
  }
}

/** What earlier runs of a protect recorded, read back for a resume. */
export interface EarlierRuns {
  /** The value each finished hook published, by `resourceKey` then hook. */
  done: Map<string, Map<HookName, JsonValue | undefined>>;
  /** Hooks that started, by `resourceKey`. */
  started: Map<string, Set<HookName>>;
  /** The highest run number taken so far. */
  lastAttempt: number;
}

/** Reads what earlier runs of checkpoint `id` recorded. */
export async function readEarlierRuns(bank: Bank, id: string): Promise<EarlierRuns> {
  const runs: EarlierRuns = { done: new Map(), started: new Map(), lastAttempt: 0 };
  const attemptsPrefix = checkpointKeys.attempt(id, 0).replace(/[^/]*$/, '');
  for await (const object of bank.list({ prefix: attemptsPrefix })) {
    const n = Number(object.key.slice(attemptsPrefix.length).replace(/\.json$/, ''));
    if (Number.isInteger(n)) runs.lastAttempt = Math.max(runs.lastAttempt, n);
  }
  const resourcesPrefix = `${checkpointKeys.root(id)}resources/`;
  for await (const object of bank.list({ prefix: resourcesPrefix })) {
    const parts = object.key.slice(resourcesPrefix.length).split('/');
    if (parts.length !== 3 || parts[1] !== 'tasks') continue;
    const resourceKey = decodeKeySegment(parts[0]!);
    const name = parts[2]!;
    if (name.endsWith('.started')) {
      const hook = name.slice(0, -'.started'.length) as HookName;
      runs.started.set(resourceKey, (runs.started.get(resourceKey) ?? new Set()).add(hook));
    } else if (name.endsWith('.json')) {
      const hook = name.slice(0, -'.json'.length) as HookName;
      let value: JsonValue | undefined;
      try {
        value = (JSON.parse(Buffer.from(await bank.get(object.key)).toString('utf8')) as { value: JsonValue })
          .value;
      } catch {
        continue; // unreadable: the hook runs again (if it may)
      }
      const map = runs.done.get(resourceKey) ?? new Map<HookName, JsonValue | undefined>();
      map.set(hook, value === null ? undefined : value);
      runs.done.set(resourceKey, map);
    }
  }
  return runs;
}
