import { describe, expect, it } from 'vitest';
import { createProgressView } from './progressView.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const io = {
    stdout: () => {},
    stderr: (text: string) => {
      for (const line of text.split('\n'))
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
    },
    isTty: false,
  };
  return { io, lines };
}

describe('--json progress', () => {
  it('coalesces a flood of reports into a few lines per task, with exact totals before the task ends', async () => {
    const { io, lines } = capture();
    const view = createProgressView(io, { json: true, label: 'protect', progressIntervalMs: 50 });
    const task = { resourceKey: 'T#1', hook: 'main' as const };
    view.onEvent({ type: 'task-started', ...task });
    const reports = 100_000;
    const started = performance.now();
    for (let i = 1; i <= reports; i++) {
      view.onEvent({ type: 'progress', ...task, bytes: 3, items: { done: i, total: reports } });
      if (i % 25_000 === 0) await new Promise((resolve) => setTimeout(resolve, 60));
    }
    view.onEvent({ type: 'task-finished', ...task, durationMs: 1 });
    view.stop();
    const elapsed = performance.now() - started;
    const progress = lines.filter((l) => l['type'] === 'progress');
    // One line at the first report, at most one per interval after it, and one final line,
    // however slow this machine is.
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.length).toBeLessThanOrEqual(2 + Math.ceil(elapsed / 50));
    expect(progress.length).toBeLessThan(reports / 100);
    expect(progress.reduce((sum, l) => sum + (l['bytes'] as number), 0)).toBe(3 * reports);
    const types = lines.map((l) => l['type']);
    expect(types.at(-1)).toBe('task-finished');
    expect(types.at(-2)).toBe('progress');
    expect(progress.at(-1)?.['items']).toEqual({ done: reports, total: reports });
  });

  it('keeps tasks apart and writes other events at once', () => {
    const { io, lines } = capture();
    const view = createProgressView(io, { json: true, label: 'protect', progressIntervalMs: 60_000 });
    view.onEvent({ type: 'progress', resourceKey: 'T#1', hook: 'main', bytes: 5 });
    view.onEvent({ type: 'progress', resourceKey: 'T#2', hook: 'main', bytes: 7 });
    view.onEvent({ type: 'progress', resourceKey: 'T#1', hook: 'main', bytes: 1, message: 'half' });
    expect(lines.map((l) => [l['resourceKey'], l['bytes']])).toEqual([
      ['T#1', 5],
      ['T#2', 7],
    ]);
    view.onEvent({ type: 'task-finished', resourceKey: 'T#1', hook: 'main', durationMs: 2 });
    expect(lines.slice(2).map((l) => [l['type'], l['bytes'], l['message']])).toEqual([
      ['progress', 1, 'half'],
      ['task-finished', undefined, undefined],
    ]);
    // T#2 has reported nothing since its line: stopping writes nothing more.
    view.stop();
    expect(lines).toHaveLength(4);
  });
});
