import type { ExecutorEvent } from '@hoard/core/host';
import cliProgress from 'cli-progress';
import { formatBytes, type Io } from './output.js';

/** Receives executor events and shows them. */
export interface ProgressView {
  onEvent(event: ExecutorEvent): void;
  stop(): void;
}

/**
 * The live view of a running operation: a bar on a TTY (hooks done, items, bytes, elapsed),
 * JSON lines on stderr with --json, nothing otherwise.
 */
export function createProgressView(
  io: Io,
  options: { json: boolean; label: string; progressIntervalMs?: number },
): ProgressView {
  if (options.json) return createJsonProgress(io, options.progressIntervalMs ?? PROGRESS_INTERVAL_MS);
  if (!io.isTty) return { onEvent() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${options.label} [{bar}] {value}/{total} hooks | {items} items | {bytes} | {duration_formatted} | {current}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let bytes = 0;
  let itemsDone = 0;
  const items = new Map<string, number>();
  let started = false;
  let current = '';
  const payload = () => ({ items: itemsDone, bytes: formatBytes(bytes), current: current.slice(0, 60) });
  return {
    onEvent(event) {
      switch (event.type) {
        case 'flow-started':
          bar.start(event.hooks, 0, payload());
          started = true;
          break;
        case 'task-started':
          current = `${event.resourceKey}/${event.hook}`;
          bar.update(payload());
          break;
        case 'task-finished':
          bar.increment(1, payload());
          break;
        case 'progress':
          if (event.bytes !== undefined) bytes += event.bytes;
          if (event.items !== undefined) {
            const key = `${event.resourceKey}/${event.hook}`;
            itemsDone += event.items.done - (items.get(key) ?? 0);
            items.set(key, event.items.done);
          }
          bar.update(payload());
          break;
        default:
          break;
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Least time between two `progress` lines of one task in `--json` output. */
export const PROGRESS_INTERVAL_MS = 250;

type ProgressEvent = Extract<ExecutorEvent, { type: 'progress' }>;

/**
 * JSON lines on stderr. Progress reports are coalesced per task: at most one `progress` line per
 * task every `intervalMs` (a hook may report every chunk of a large file), with `bytes` the sum of
 * the deltas since the task's previous line, and one exact line before the task's end; every
 * other event is written at once.
 */
function createJsonProgress(io: Io, intervalMs: number): ProgressView {
  const write = (event: ExecutorEvent | ProgressEvent): void => {
    const line: Record<string, unknown> = { time: new Date().toISOString(), ...event };
    if (event.type === 'task-failed')
      line['error'] = { code: event.error.code, message: event.error.message };
    io.stderr(`${JSON.stringify(line)}\n`);
  };
  interface Pending {
    event: ProgressEvent;
    lastWrite: number;
    dirty: boolean;
    timer: NodeJS.Timeout | undefined;
  }
  const pending = new Map<string, Pending>();
  const flush = (key: string): void => {
    const entry = pending.get(key);
    if (entry === undefined) return;
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    entry.timer = undefined;
    if (entry.dirty) {
      write(entry.event);
      entry.lastWrite = performance.now();
      entry.dirty = false;
      const { items, message } = entry.event;
      // What is carried over: the latest items and message; bytes restart from zero (deltas).
      entry.event = {
        type: 'progress',
        resourceKey: entry.event.resourceKey,
        hook: entry.event.hook,
        ...(items !== undefined ? { items } : {}),
        ...(message !== undefined ? { message } : {}),
      };
    }
  };
  const onProgress = (event: ProgressEvent): void => {
    const key = `${event.resourceKey}\u0000${event.hook}`;
    let entry = pending.get(key);
    if (entry === undefined) {
      entry = {
        event: { type: 'progress', resourceKey: event.resourceKey, hook: event.hook },
        lastWrite: Number.NEGATIVE_INFINITY,
        timer: undefined,
        dirty: false,
      };
      pending.set(key, entry);
    }
    const merged = entry.event;
    if (event.items !== undefined) merged.items = event.items;
    if (event.message !== undefined) merged.message = event.message;
    if (event.bytes !== undefined) merged.bytes = (merged.bytes ?? 0) + event.bytes;
    entry.dirty = true;
    const wait = entry.lastWrite + intervalMs - performance.now();
    if (wait <= 0) flush(key);
    else if (entry.timer === undefined) {
      entry.timer = setTimeout(() => flush(key), wait);
      entry.timer.unref();
    }
  };
  return {
    onEvent(event) {
      if (event.type === 'progress') return onProgress(event);
      if (event.type === 'task-finished' || event.type === 'task-failed') {
        const key = `${event.resourceKey}\u0000${event.hook}`;
        flush(key);
        pending.delete(key);
      }
      if (event.type === 'flow-finished') for (const key of [...pending.keys()]) flush(key);
      write(event);
    },
    stop() {
      for (const key of [...pending.keys()]) flush(key);
      pending.clear();
    },
  };
}
