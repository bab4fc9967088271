import { describe, expect, it } from 'vitest';
import type { HoardError } from '../errors/HoardError.js';
import { compileFlow } from '../flow/compileFlow.js';
import { FLOW_HOOK_IDS, taskHookName, taskId } from '../flow/Flow.js';
import { ResourceGraph } from '../graph/ResourceGraph.js';
import { resourceKey } from '../plugin-api/types.js';
import { randomResourceGraph } from '../testing/randomGraph.js';
import { runFlowForTest } from '../testing/runFlowForTest.js';
import { executeFlow } from './executeFlow.js';

function graphOf(spec: Record<string, string[]>): ResourceGraph {
  return ResourceGraph.create(
    Object.entries(spec).map(([id, deps]) => ({
      resource: { type: 'T', id, name: id },
      dependsOn: deps.map((d) => ({ type: 'T', id: d })),
    })),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('executeFlow', () => {
  it('never starts a task before all its predecessors ended (random DAGs)', async () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    for (let round = 0; round < 20; round++) {
      const graph = randomResourceGraph(12, 0.3, random);
      const flow = compileFlow(graph, 'protect');
      const trace = await runFlowForTest(graph, 'protect', { delayMs: () => Math.floor(random() * 3) });
      expect(trace.result.status).toBe('success');
      const at = new Map(trace.events.map((e, i) => [e, i]));
      for (let e = 0; e < flow.edgeFrom.length; e++) {
        const a = taskId(flow, flow.edgeFrom[e]!);
        const b = taskId(flow, flow.edgeTo[e]!);
        expect(at.get(`end:${a}`)!).toBeLessThan(at.get(`start:${b}`)!);
      }
    }
  });

  it("runs a parent's main and its child's main at the same time", async () => {
    const trace = await runFlowForTest(graphOf({ p: ['c'], c: [] }), 'protect', {
      delayMs: (id) => (id.endsWith('/main') ? 50 : 1),
    });
    const i = (e: string) => trace.events.indexOf(e);
    expect(i('start:T#p/main')).toBeLessThan(i('end:T#c/main'));
    expect(i('start:T#c/main')).toBeLessThan(i('end:T#p/main'));
  });

  it('never runs more than `concurrency` hooks at once', async () => {
    const spec: Record<string, string[]> = { p: [] };
    for (let i = 0; i < 30; i++) {
      spec.p!.push(`c${i}`);
      spec[`c${i}`] = [];
    }
    const trace = await runFlowForTest(graphOf(spec), 'protect', { concurrency: 3, delayMs: () => 2 });
    expect(trace.maxParallel).toBe(3);
    expect(trace.result.status).toBe('success');
  });

  it('on a failure starts nothing new, aborts and awaits running hooks, and reports every resource', async () => {
    const trace = await runFlowForTest(graphOf({ p: ['a', 'b'], a: [], b: [] }), 'protect', {
      delayMs: (id) => (id === 'T#b/prepare_begin' ? 200 : 1),
      fail: (id) => id === 'T#a/prepare_finish',
    });
    expect(trace.result.status).toBe('error');
    expect(trace.result.reason).toBe('failed');
    expect(trace.events.some((e) => e.startsWith('start:T#p/prepare_finish'))).toBe(false);
    expect(trace.events.some((e) => e.includes('/main'))).toBe(false);
    expect(trace.events[trace.events.length - 1]).toBe('end:T#b/prepare_begin');
    const byKey = Object.fromEntries(trace.result.resources.map((r) => [r.resourceKey, r.status]));
    expect(byKey).toEqual({ 'T#p': 'skipped', 'T#a': 'failed', 'T#b': 'cancelled' });
    const error = trace.result.error!;
    expect(error.code).toBe('PLUGIN_HOOK_FAILED');
    expect(error.message).toBe(
      "Protection plugin 'test' hook 'prepareFinish' failed for resource 'T#a': injected failure in T#a/prepare_finish",
    );
    expect(error.details).toMatchObject({ hook: 'prepareFinish', operation: 'protect' });
  });

  it('fails a hook that neither settles nor reports progress within its timeout', async () => {
    const graph = graphOf({ a: [] });
    const flow = compileFlow(graph, 'protect');
    const result = await executeFlow({
      flow,
      pluginName: () => 'slow',
      hookTimeoutMs: () => 50,
      runTask: async (t) => {
        if (taskHookName(flow, t) === 'main') await new Promise(() => {});
        return undefined;
      },
    });
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('PLUGIN_HOOK_TIMEOUT');
    expect(result.resources[0]).toMatchObject({ resourceKey: 'T#a', status: 'failed' });
  });

  it('restarts the timeout on progress', async () => {
    const graph = graphOf({ a: [] });
    const flow = compileFlow(graph, 'protect');
    const result = await executeFlow({
      flow,
      pluginName: () => 'steady',
      hookTimeoutMs: () => 60,
      runTask: async (t, { progress }) => {
        if (taskHookName(flow, t) !== 'main') return undefined;
        for (let i = 0; i < 6; i++) {
          await sleep(30);
          progress.bytes(1);
        }
        return 'done';
      },
    });
    expect(result.status).toBe('success');
  });

  it('cancels on its signal: status error, reason cancelled', async () => {
    const graph = graphOf({ p: ['c'], c: [] });
    const flow = compileFlow(graph, 'protect');
    const cancel = new AbortController();
    let aborted = 0;
    const promise = executeFlow({
      flow,
      pluginName: () => 'p',
      signal: cancel.signal,
      runTask: (t, { signal }) =>
        new Promise((resolve, reject) => {
          if (taskHookName(flow, t) !== 'main') return resolve(undefined);
          signal.addEventListener('abort', () => {
            aborted++;
            reject(signal.reason);
          });
        }),
    });
    await sleep(20);
    cancel.abort();
    const result = await promise;
    expect(result).toMatchObject({ status: 'error', reason: 'cancelled' });
    expect(aborted).toBe(2);
    expect(result.resources.map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('retries only errors the plugin declares retryable', async () => {
    const graph = graphOf({ a: [] });
    const flow = compileFlow(graph, 'protect');
    let calls = 0;
    const result = await executeFlow({
      flow,
      pluginName: () => 'flaky',
      isNoop: (t) => taskHookName(flow, t) !== 'main',
      retryPolicy: () => ({ attempts: 3, backoffMs: 1, isRetryable: (e) => (e as Error).message === 'busy' }),
      runTask: async () => {
        calls++;
        if (calls < 3) throw new Error('busy');
        return calls;
      },
    });
    expect(result.status).toBe('success');
    expect(calls).toBe(3);
    expect(result.valueOf('T#a', 'main')).toBe(3);

    calls = 0;
    const second = await executeFlow({
      flow,
      pluginName: () => 'flaky',
      isNoop: (t) => taskHookName(flow, t) !== 'main',
      retryPolicy: () => ({ attempts: 3, backoffMs: 1, isRetryable: () => false }),
      runTask: async () => {
        calls++;
        throw new Error('broken');
      },
    });
    expect(second.status).toBe('error');
    expect(calls).toBe(1);
  });

  it('passes values to hooks ordered after the writer, and refuses unordered reads', async () => {
    const graph = graphOf({ server: ['volume'], volume: [], other: [] });
    const flow = compileFlow(graph, 'restore');
    const seen: Record<string, unknown> = {};
    const result = await executeFlow({
      flow,
      pluginName: () => 'p',
      runTask: async (t, { published }) => {
        const key = resourceKey(graph.resources[flow.taskResource[t]!]!);
        const hook = taskHookName(flow, t);
        if (key === 'T#volume' && hook === 'main') return { newId: 'v-new' };
        if (key === 'T#server' && hook === 'complete') seen['ordered'] = published.get('T#volume', 'main');
        if (key === 'T#other' && hook === 'complete') {
          try {
            published.get('T#volume', 'main');
          } catch (error) {
            seen['unordered'] = (error as HoardError).code;
          }
        }
        return undefined;
      },
    });
    expect(result.status).toBe('success');
    expect(seen).toEqual({ ordered: { newId: 'v-new' }, unordered: 'PUBLISHED_VALUE_NOT_ORDERED' });
    expect(FLOW_HOOK_IDS.main).toBe('main');
  });

  it('gives a hook that reads its signal only after a failure elsewhere an aborted signal', async () => {
    const graph = graphOf({ slow: [], broken: [] });
    const flow = compileFlow(graph, 'protect');
    let late: { aborted: boolean; reason: unknown } | undefined;
    const result = await executeFlow({
      flow,
      pluginName: () => 'p',
      isNoop: (t) => taskHookName(flow, t) !== 'main',
      runTask: async (t, context) => {
        const key = resourceKey(graph.resources[flow.taskResource[t]!]!);
        if (key === 'T#broken') {
          await sleep(5);
          throw new Error('broken');
        }
        await sleep(30); // the signal is first read here, after the other hook failed
        late = { aborted: context.signal.aborted, reason: context.signal.reason };
        return undefined;
      },
    });
    expect(result.status).toBe('error');
    expect(late?.aborted).toBe(true);
    expect((late?.reason as HoardError | undefined)?.code).toBe('PLUGIN_HOOK_FAILED');
  });
});
