import { HoardError, isHoardError, messageOf } from '../errors/HoardError.js';
import { type Flow, taskHookName } from '../flow/Flow.js';
import type { ProgressReporter, PublishedValues, RetryPolicy } from '../plugin-api/ProtectionPlugin.js';
import { type HookName, type JsonValue, resourceKey } from '../plugin-api/types.js';
import { HookDeadlines } from './hookDeadlines.js';
import { PublishedValueStore } from './publishedValues.js';
import { type ResourceOutcome, summarizeResources } from './summarizeFlow.js';
import { TaskOrder, TaskState } from './taskState.js';

export type { ResourceOutcome, ResourceStatus } from './summarizeFlow.js';

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
  /**
   * A task an earlier, interrupted run already finished (a resume): finished at once with the
   * value it published then, without running its hook.
   */
  finishedEarlier?(task: number): { value: JsonValue | undefined } | undefined;
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

/** A hook's error, wrapped with the plugin, hook and resource it came from. */
function wrapHookError(flow: Flow, t: number, plugin: string, error: unknown, timeout: boolean): HoardError {
  const hook = taskHookName(flow, t);
  const key = resourceKey(flow.graph.resources[flow.taskResource[t]!]!);
  const pluginCode = isHoardError(error) ? error.code : (error as { code?: unknown } | undefined)?.code;
  const details: Record<string, unknown> = { hook, operation: flow.operation };
  if (typeof pluginCode === 'string') details['pluginCode'] = pluginCode;
  return new HoardError(
    timeout ? 'PLUGIN_HOOK_TIMEOUT' : 'PLUGIN_HOOK_FAILED',
    `Protection plugin '${plugin}' hook '${hook}' ${timeout ? 'timed out' : 'failed'} for resource '${key}': ${messageOf(error)}`,
    { plugin, resourceKey: key, details },
    { cause: error },
  );
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
 *
 * The parts: {@link TaskOrder} (which task is ready), the task states (one byte each),
 * {@link PublishedValueStore} (what hooks returned, and who may read it), {@link HookDeadlines}
 * (timeouts) and {@link summarizeResources} (each resource's outcome).
 */
export async function executeFlow(options: ExecuteFlowOptions): Promise<ExecuteFlowResult> {
  const { flow } = options;
  const taskCount = flow.taskResource.length;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const isNoop = options.isNoop ?? (() => false);
  const order = new TaskOrder(flow);
  const state = new Uint8Array(taskCount);
  const published = new PublishedValueStore(flow);
  const deadlines = new HookDeadlines();
  const ready = order.initiallyReady();
  let readyHead = 0;

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

  const finish = (t: number, value: JsonValue | undefined): void => {
    state[t] = TaskState.done;
    published.set(t, value);
    order.release(t, ready);
  };

  const stop = (error: HoardError | undefined, byCancel: boolean): void => {
    if (!stopped) {
      stopped = true;
      cancelled = byCancel;
      firstError = error;
      operationAbort.abort(error ?? new HoardError('OPERATION_CANCELLED', 'The operation was cancelled'));
      deadlines.shortenTo(options.abortGraceMs ?? 30_000);
      for (const taskAbort of runningTasks.values()) taskAbort.abort(operationAbort.signal.reason);
    }
    pump();
  };

  const onExternalAbort = (): void => stop(undefined, true);
  if (options.signal?.aborted) onExternalAbort();
  options.signal?.addEventListener('abort', onExternalAbort, { once: true });

  /** A progress reporter for task `t`: each report pushes its deadline back. */
  const progressFor = (t: number, touch: () => void): ProgressReporter =>
    listening
      ? {
          items: (itemsDone, total) => {
            touch();
            emit({
              type: 'progress',
              resourceKey: keyOf(t),
              hook: taskHookName(flow, t),
              items: total === undefined ? { done: itemsDone } : { done: itemsDone, total },
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

  /** One attempt at task `t`'s hook, under its deadline. */
  const runOnce = (t: number, taskAbort: TaskAbort): Promise<JsonValue | undefined> => {
    const timeoutMs = options.hookTimeoutMs?.(t) ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      let settled = false;
      const entry = {
        deadline: performance.now() + timeoutMs,
        expire: (): void => {
          if (settled) return;
          settled = true;
          deadlines.unwatch(t);
          const error = new TaskTimeoutError(
            taskAbort.aborted
              ? 'did not stop after being aborted'
              : `no result or progress within ${timeoutMs} ms`,
          );
          taskAbort.abort(error);
          reject(error);
        },
      };
      deadlines.watch(t, entry, timeoutMs);
      const touch = (): void => {
        if (!taskAbort.aborted) entry.deadline = performance.now() + timeoutMs;
      };
      const settle = (ok: boolean, value: unknown): void => {
        if (settled) return;
        settled = true;
        deadlines.unwatch(t);
        if (ok) resolve(value as JsonValue | undefined);
        else reject(value);
      };
      let result: Promise<JsonValue | undefined>;
      try {
        result = options.runTask(t, {
          get signal() {
            return taskAbort.signal;
          },
          progress: progressFor(t, touch),
          published: published.readerView(t),
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

  /** Runs task `t` with its plugin's retry policy, then records how it ended. */
  const start = async (t: number): Promise<void> => {
    const taskAbort = new TaskAbort();
    runningTasks.set(t, taskAbort);
    state[t] = TaskState.running;
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
        const timeout = error instanceof TaskTimeoutError;
        const retryable = !timeout && !taskAbort.aborted && attempt < attempts && policy?.isRetryable(error);
        if (!retryable || policy === undefined) {
          outcome = { ok: false, error: wrapHookError(flow, t, options.pluginName(t), error, timeout) };
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
      state[t] = TaskState.aborted;
    } else {
      state[t] = TaskState.failed;
      taskErrors.set(t, outcome.error);
      emit({ type: 'task-failed', resourceKey: key, hook, error: outcome.error });
      stop(outcome.error, false);
      return;
    }
    pump();
  };

  /** Starts ready tasks up to the concurrency; finishes no-op tasks at once. */
  function pump(): void {
    while (!stopped && readyHead < ready.length && running < concurrency) {
      const t = ready[readyHead++]!;
      if (isNoop(t)) {
        finish(t, undefined);
        continue;
      }
      const earlier = options.finishedEarlier?.(t);
      if (earlier !== undefined) {
        finish(t, earlier.value);
        continue;
      }
      running++;
      void start(t);
    }
    if (running === 0 && (stopped || readyHead >= ready.length)) resolveDone();
  }

  let hooks = 0;
  for (let t = 0; t < taskCount; t++) if (!isNoop(t) && options.finishedEarlier?.(t) === undefined) hooks++;
  emit({ type: 'flow-started', operation: flow.operation, hooks, resources: flow.graph.size });
  pump();
  await done;
  deadlines.close();
  options.signal?.removeEventListener('abort', onExternalAbort);

  const result: ExecuteFlowResult = {
    status: stopped ? 'error' : 'success',
    resources: summarizeResources(flow, state, taskErrors, cancelled),
    valueOf: (key, hook) => published.valueOf(key, hook),
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
