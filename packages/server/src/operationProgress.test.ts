import { describe, expect, it } from 'vitest';
import { OperationProgress } from './operationProgress.js';

describe('OperationProgress', () => {
  it('counts hooks and bytes of an operation from its events, shown by id until it ends', () => {
    const progress = new OperationProgress();
    const tracked = progress.track();
    tracked.onEvent({ type: 'flow-started', operation: 'protect', hooks: 8, resources: 2 });
    expect(progress.of('c1')).toEqual({});
    tracked.attach('c1');
    tracked.onEvent({ type: 'task-finished', resourceKey: 'T#1', hook: 'main', durationMs: 3 });
    tracked.onEvent({ type: 'progress', resourceKey: 'T#1', hook: 'main', bytes: 100 });
    tracked.onEvent({ type: 'progress', resourceKey: 'T#1', hook: 'main', bytes: 50, message: 'copying' });
    expect(progress.of('c1')).toEqual({
      hoard_progress: {
        hooks_total: 8,
        hooks_done: 1,
        resources_total: 2,
        bytes: 150,
        message: 'copying',
        updated_at: expect.any(String),
      },
    });
    tracked.done();
    expect(progress.of('c1')).toEqual({});
  });
});
