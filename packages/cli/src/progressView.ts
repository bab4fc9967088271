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
export function createProgressView(io: Io, options: { json: boolean; label: string }): ProgressView {
  if (options.json) {
    return {
      onEvent(event) {
        const line: Record<string, unknown> = { time: new Date().toISOString(), ...event };
        if (event.type === 'task-failed')
          line['error'] = { code: event.error.code, message: event.error.message };
        io.stderr(`${JSON.stringify(line)}\n`);
      },
      stop() {},
    };
  }
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
