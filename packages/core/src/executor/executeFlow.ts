import { HoardError, isHoardError, messageOf } from '../errors/HoardError.js';
import { FLOW_HOOK_IDS, type Flow, taskHookName } from '../flow/Flow.js';
import type { ProgressReporter, PublishedValues, RetryPolicy } from '../plugin-api/ProtectionPlugin.js';
import { HOOK_NAMES, type HookName, type JsonValue, resourceKey } from '../plugin-api/types.js';

/** Final status of one resource after an operation (docs/protocol.md, "The executor"). */
export type ResourceStatus = 'done' | 'failed' | 'skipped' | 'cancelled';

/** One resource's outcome. */
export interface ResourceOutcome {
  resourceKey: string;
  status: ResourceStatus;
  /** The wrapped error when `status` is `failed`. */
  error?: HoardError;
}

/** Events emitted while a flow runs, for progress views. */
export type ExecutorEvent =
  | { type: 'flow-started'; operation: string; hooks: number; resources: number }
  | { type: 'flow-finished'; status: 'success' | 'error'; reason?: 'failed' | 'cancelled' }
  | { type: 'task-started'; resourceKey: string; hook: HookName }
  | { type: 'task-finished'; resourceKey: string; hook: HookName; durationMs: number }
  | { type: 'task-failed'; resourceKey: string; hook: HookName; error: HoardError }
  | { type: 'task-retry'; resourceKey: string; hook: HookName; attempt: number; error: string }
  | {
      type: 'progress';
      resourceKey: string;
      hook: HookName;
      items?: { done: number; total?: number };
      bytes?: number;
      message?: string;
    };

/** What a task runner receives from the executor. */
export interface TaskRunContext {
  readonly signal: AbortSignal;
  readonly progress: ProgressReporter;
  readonly published: PublishedValues;
}

/** Options of {@link executeFlow}. */
export interface ExecuteFlowOptions {
  flow: Flow;
  /** Runs the hook of task `t`; its value is published to later tasks. */
  runTask(task: number, context: TaskRunContext): Promise<JsonValue | undefined>;
  /** Whether task `t` has no hook to run (finished at once, without a concurrency slot). */
  isNoop?(task: number): boolean;
  /** Name of the plugin that runs task `t`, for wrapped errors. */
  pluginName(task: number): string;
  /** Most hooks running at once (default 8). */
  concurrency?: number;
  /** Timeout of task `t`'s hook in ms; progress reports restart it (default 30 min). */
  hookTimeoutMs?(task: number): number;
  /** Retry policy of task `t`'s plugin. */
  retryPolicy?(task: number): RetryPolicy | undefined;
  /** Aborts the operation (cancel). */
  signal?: AbortSignal;
  /** How long running hooks are awaited after an abort before they are given up on (default 30 s). */
  abortGraceMs?: number;
  onEvent?(event: ExecutorEvent): void;
}

/** Result of {@link executeFlow}. */
export interface ExecuteFlowResult {
  status: 'success' | 'error';
  /** Why the operation ended in error. */
  reason?: 'failed' | 'cancelled';
  resources: ResourceOutcome[];
  /** The first failure, wrapped. */
  error?: HoardError;
  /** The value a resource's hook returned (published), if it ran. */
  valueOf(resourceKey: string, hook: HookName): JsonValue | undefined;
}

const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;

class TaskTimeoutError extends Error {}

/**
 * A task's abort signal, made only when the hook asks for it: an `AbortController` costs more
 * than a no-op hook itself (measured: 40 % of the time of a 400k-task flow went to creating them
 * and collecting them again).
 */
class TaskAbort {
  aborted = false;
  private reason: unknown;
  private controller: AbortController | undefined;

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/**
 * Runs a flow: a topological scheduler, parallel and bounded (docs/protocol.md, "The executor").
 *
 * @remarks Starts every task whose predecessors all succeeded, at most `concurrency` hooks at
 * once. When a hook fails, no new task starts; running hooks get their signal aborted and are
 * awaited; the result is `error`. Cancel (the `signal`) ends the same way with reason
 * `cancelled`. A hook that neither settles nor reports progress within its timeout fails with
 * `PLUGIN_HOOK_TIMEOUT`. Nothing is retried unless the plugin's retry policy says the error is
 * retryable.
 */
export async function executeFlow(options: ExecuteFlowOptions): Promise<ExecuteFlowResult> {
  const { flow } = options;
  const taskCount = flow.taskResource.length;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const isNoop = options.isNoop ?? (() => false);

  // Successor lists in compressed form (offsets + targets).
  const inDegree = new Int32Array(taskCount);
  const outDegree = new Int32Array(taskCount + 1);
  for (let e = 0; e < flow.edgeFrom.length; e++) {
    outDegree[flow.edgeFrom[e]! + 1]!++;
    inDegree[flow.edgeTo[e]!]!++;
  }
  for (let t = 0; t < taskCount; t++) outDegree[t + 1]! += outDegree[t]!;
  const successorOffsets = outDegree;
  const successors = new Int32Array(flow.edgeFrom.length);
  const fill = successorOffsets.slice(0, taskCount);
  for (let e = 0; e < flow.edgeFrom.length; e++) successors[fill[flow.edgeFrom[e]!]!++] = flow.edgeTo[e]!;

  // Per task: 0 pending, 1 running, 2 done, 3 failed, 4 aborted while running.
  const state = new Uint8Array(taskCount);
  const values: (JsonValue | undefined)[] = new Array(taskCount);
  const ready: number[] = [];
  let readyHead = 0;
  for (let t = 0; t < taskCount; t++) if (inDegree[t] === 0) ready.push(t);

  const operationAbort = new AbortController();
  let stopped = false;
  let cancelled = false;
  let firstError: HoardError | undefined;
  let running = 0;
  const runningTasks = new Map<number, TaskAbort>();
  const taskErrors = new Map<number, HoardError>();
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  const keyOf = (t: number): string => resourceKey(flow.graph.resources[flow.taskResource[t]!]!);
  const listening = options.onEvent !== undefined;
  const emit = (event: ExecutorEvent): void => options.onEvent?.(event);

  // Lazily built predecessor lists, for checking that a published value is ordered before its reader.
  let predecessorLists: number[][] | undefined;
  let taskOf: Int32Array | undefined;
  const isOrderedBefore = (earlier: number, later: number): boolean => {
    if (predecessorLists === undefined) {
      predecessorLists = Array.from({ length: taskCount }, () => []);
      for (let e = 0; e < flow.edgeFrom.length; e++)
        predecessorLists[flow.edgeTo[e]!]!.push(flow.edgeFrom[e]!);
    }
    const seen = new Uint8Array(taskCount);
    const stack = [later];
    while (stack.length > 0) {
      const t = stack.pop()!;
      for (const p of predecessorLists[t]!) {
        if (p === earlier) return true;
        if (!seen[p]) {
          seen[p] = 1;
          stack.push(p);
        }
      }
    }
    return false;
  };
  const writerOf = (key: string, hook: HookName): number => {
    if (taskOf === undefined) {
      taskOf = new Int32Array(4 * flow.graph.size).fill(-1);
      for (let t = 0; t < taskCount; t++) taskOf[4 * flow.taskResource[t]! + flow.taskHook[t]!] = t;
    }
    const node = flow.graph.nodeOf(key);
    return node === undefined ? -1 : taskOf[4 * node + HOOK_NAMES.indexOf(hook)]!;
  };
  const publishedFor = (reader: number): PublishedValues => ({
    get(key: string, hook: HookName): JsonValue | undefined {
      const writer = writerOf(key, hook);
      if (writer === -1 || !isOrderedBefore(writer, reader)) {
        throw new HoardError(
          'PUBLISHED_VALUE_NOT_ORDERED',
          `Hook '${FLOW_HOOK_IDS[taskHookName(flow, reader)]}' of '${keyOf(reader)}' read the value of '${key}/${FLOW_HOOK_IDS[hook]}', which is not ordered before it`,
          { resourceKey: keyOf(reader) },
        );
      }
      return values[writer];
    },
  });

  const wrap = (t: number, error: unknown, timeout: boolean): HoardError => {
    const hook = taskHookName(flow, t);
    const plugin = options.pluginName(t);
    const key = keyOf(t);
    const pluginCode = isHoardError(error) ? error.code : (error as { code?: unknown } | undefined)?.code;
    const details: Record<string, unknown> = { hook, operation: flow.operation };
    if (typeof pluginCode === 'string') details['pluginCode'] = pluginCode;
    if (timeout) {
      return new HoardError(
        'PLUGIN_HOOK_TIMEOUT',
        `Protection plugin '${plugin}' hook '${hook}' timed out for resource '${key}': ${messageOf(error)}`,
        { plugin, resourceKey: key, details },
        { cause: error },
      );
    }
    return new HoardError(
      'PLUGIN_HOOK_FAILED',
      `Protection plugin '${plugin}' hook '${hook}' failed for resource '${key}': ${messageOf(error)}`,
      { plugin, resourceKey: key, details },
      { cause: error },
    );
  };

  const finish = (t: number, value: JsonValue | undefined): void => {
    state[t] = 2;
    values[t] = value;
    for (let i = successorOffsets[t]!; i < successorOffsets[t + 1]!; i++) {
      const s = successors[i]!;
      if (--inDegree[s]! === 0) ready.push(s);
    }
  };

  const stop = (error: HoardError | undefined, byCancel: boolean): void => {
    if (!stopped) {
      stopped = true;
      cancelled = byCancel;
      firstError = error;
      operationAbort.abort(error ?? new HoardError('OPERATION_CANCELLED', 'The operation was cancelled'));
      const graceMs = options.abortGraceMs ?? 30_000;
      const now = performance.now();
      for (const entry of watched.values()) entry.deadline = Math.min(entry.deadline, now + graceMs);
      for (const taskAbort of runningTasks.values()) taskAbort.abort(operationAbort.signal.reason);
    }
    pump();
  };

  const onExternalAbort = (): void => stop(undefined, true);
  if (options.signal?.aborted) onExternalAbort();
  options.signal?.addEventListener('abort', onExternalAbort, { once: true });

  // Timeouts: one sweeper checks the deadlines of running hooks, instead of a timer per hook
  // (a timer per hook costs more than a no-op hook itself on flows of 100k resources).
  const watched = new Map<number, { deadline: number; expire: () => void }>();
  let sweeper: NodeJS.Timeout | undefined;
  let sweepEveryMs = Number.POSITIVE_INFINITY;
  const sweep = (): void => {
    const now = performance.now();
    for (const entry of watched.values()) if (now >= entry.deadline) entry.expire();
  };
  const ensureSweeper = (timeoutMs: number): void => {
    const every = Math.min(1000, Math.max(5, timeoutMs / 5));
    if (every < sweepEveryMs) {
      if (sweeper) clearInterval(sweeper);
      sweepEveryMs = every;
      sweeper = setInterval(sweep, every);
    }
  };

  const runOnce = (t: number, taskAbort: TaskAbort): Promise<JsonValue | undefined> => {
    const timeoutMs = options.hookTimeoutMs?.(t) ?? DEFAULT_TIMEOUT_MS;
    ensureSweeper(timeoutMs);
    return new Promise((resolve, reject) => {
      let settled = false;
      const entry = {
        deadline: performance.now() + timeoutMs,
        expire: (): void => {
          if (settled) return;
          settled = true;
          watched.delete(t);
          const error = new TaskTimeoutError(
            taskAbort.aborted
              ? 'did not stop after being aborted'
              : `no result or progress within ${timeoutMs} ms`,
          );
          taskAbort.abort(error);
          reject(error);
        },
      };
      watched.set(t, entry);
      const touch = (): void => {
        if (!taskAbort.aborted) entry.deadline = performance.now() + timeoutMs;
      };
      const progress: ProgressReporter = listening
        ? {
            items: (done, total) => {
              touch();
              emit({
                type: 'progress',
                resourceKey: keyOf(t),
                hook: taskHookName(flow, t),
                items: total === undefined ? { done } : { done, total },
              });
            },
            bytes: (delta) => {
              touch();
              emit({ type: 'progress', resourceKey: keyOf(t), hook: taskHookName(flow, t), bytes: delta });
            },
            message: (text) => {
              touch();
              emit({ type: 'progress', resourceKey: keyOf(t), hook: taskHookName(flow, t), message: text });
            },
          }
        : { items: touch, bytes: touch, message: touch };
      const settle = (ok: boolean, value: unknown): void => {
        if (settled) return;
        settled = true;
        watched.delete(t);
        if (ok) resolve(value as JsonValue | undefined);
        else reject(value);
      };
      let result: Promise<JsonValue | undefined>;
      try {
        result = options.runTask(t, {
          get signal() {
            return taskAbort.signal;
          },
          progress,
          published: publishedFor(t),
        });
      } catch (error) {
        settle(false, error);
        return;
      }
      Promise.resolve(result).then(
        (value) => settle(true, value),
        (error: unknown) => settle(false, error),
      );
    });
  };

  const start = async (t: number): Promise<void> => {
    const taskAbort = new TaskAbort();
    runningTasks.set(t, taskAbort);
    state[t] = 1;
    const hook = taskHookName(flow, t);
    const key = listening ? keyOf(t) : '';
    const started = listening ? performance.now() : 0;
    if (listening) emit({ type: 'task-started', resourceKey: key, hook });
    const policy = options.retryPolicy?.(t);
    const attempts = Math.min(10, Math.max(1, policy?.attempts ?? 1));
    let outcome: { ok: true; value: JsonValue | undefined } | { ok: false; error: HoardError };
    for (let attempt = 1; ; attempt++) {
      try {
        outcome = { ok: true, value: await runOnce(t, taskAbort) };
        break;
      } catch (error) {
        const retryable =
          !(error instanceof TaskTimeoutError) &&
          !taskAbort.aborted &&
          attempt < attempts &&
          policy?.isRetryable(error);
        if (!retryable || policy === undefined) {
          outcome = { ok: false, error: wrap(t, error, error instanceof TaskTimeoutError) };
          break;
        }
        emit({ type: 'task-retry', resourceKey: key, hook, attempt, error: messageOf(error) });
        await sleep(policy.backoffMs * 2 ** (attempt - 1), taskAbort.signal);
      }
    }
    runningTasks.delete(t);
    running--;
    if (outcome.ok) {
      finish(t, outcome.value);
      if (listening)
        emit({ type: 'task-finished', resourceKey: key, hook, durationMs: performance.now() - started });
    } else if (stopped && taskAbort.aborted && !(outcome.error.code === 'PLUGIN_HOOK_TIMEOUT')) {
      state[t] = 4;
    } else {
      state[t] = 3;
      taskErrors.set(t, outcome.error);
      emit({ type: 'task-failed', resourceKey: key, hook, error: outcome.error });
      stop(outcome.error, false);
      return;
    }
    pump();
  };

  function pump(): void {
    while (!stopped && readyHead < ready.length && running < concurrency) {
      const t = ready[readyHead++]!;
      if (isNoop(t)) {
        finish(t, undefined);
        continue;
      }
      running++;
      void start(t);
    }
    if (running === 0 && (stopped || readyHead >= ready.length)) resolveDone();
  }

  let hooks = 0;
  for (let t = 0; t < taskCount; t++) if (!isNoop(t)) hooks++;
  emit({ type: 'flow-started', operation: flow.operation, hooks, resources: flow.graph.size });
  pump();
  await done;
  if (sweeper) clearInterval(sweeper);
  options.signal?.removeEventListener('abort', onExternalAbort);

  // Per-resource status.
  const resources: ResourceOutcome[] = [];
  const byNode = new Map<number, number[]>();
  for (let t = 0; t < taskCount; t++) {
    const list = byNode.get(flow.taskResource[t]!) ?? [];
    list.push(t);
    byNode.set(flow.taskResource[t]!, list);
  }
  const failures = new Map<number, HoardError>();
  for (const [t, error] of taskErrors)
    if (!failures.has(flow.taskResource[t]!)) failures.set(flow.taskResource[t]!, error);
  for (let node = 0; node < flow.graph.size; node++) {
    const key = resourceKey(flow.graph.resources[node]!);
    const tasks = byNode.get(node) ?? [];
    let status: ResourceStatus;
    if (tasks.some((t) => state[t] === 3)) status = 'failed';
    else if (tasks.every((t) => state[t] === 2)) status = 'done';
    else if (cancelled || tasks.some((t) => state[t] === 4)) status = 'cancelled';
    else status = 'skipped';
    const outcome: ResourceOutcome = { resourceKey: key, status };
    const error = failures.get(node);
    if (status === 'failed' && error !== undefined) outcome.error = error;
    resources.push(outcome);
  }
  const result: ExecuteFlowResult = {
    status: stopped ? 'error' : 'success',
    resources,
    valueOf: (key, hook) => {
      const writer = writerOf(key, hook);
      return writer === -1 ? undefined : values[writer];
    },
  };
  if (stopped) result.reason = cancelled ? 'cancelled' : 'failed';
  if (firstError !== undefined) result.error = firstError;
  emit(
    result.reason === undefined
      ? { type: 'flow-finished', status: result.status }
      : { type: 'flow-finished', status: result.status, reason: result.reason },
  );
  return result;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
