import type { Flow } from '../flow/Flow.js';

/** What happened to a task: the executor keeps one byte per task (flows reach 400k tasks). */
export const TaskState = {
  pending: 0,
  running: 1,
  done: 2,
  failed: 3,
  /** Aborted while running, because another task failed or the operation was cancelled. */
  aborted: 4,
} as const;

/**
 * The flow's edges as the scheduler walks them: each task's successors in compressed form
 * (offsets + targets) and the count of predecessors still to finish.
 */
export class TaskOrder {
  /** Predecessors of each task not yet done; a task is ready at 0. */
  readonly waitingOn: Int32Array;
  private readonly offsets: Int32Array;
  private readonly targets: Int32Array;

  constructor(flow: Flow) {
    const taskCount = flow.taskResource.length;
    this.waitingOn = new Int32Array(taskCount);
    const offsets = new Int32Array(taskCount + 1);
    for (let e = 0; e < flow.edgeFrom.length; e++) {
      offsets[flow.edgeFrom[e]! + 1]!++;
      this.waitingOn[flow.edgeTo[e]!]!++;
    }
    for (let t = 0; t < taskCount; t++) offsets[t + 1]! += offsets[t]!;
    this.targets = new Int32Array(flow.edgeFrom.length);
    const fill = offsets.slice(0, taskCount);
    for (let e = 0; e < flow.edgeFrom.length; e++) this.targets[fill[flow.edgeFrom[e]!]!++] = flow.edgeTo[e]!;
    this.offsets = offsets;
  }

  /** Tasks with no predecessor. */
  initiallyReady(): number[] {
    const ready: number[] = [];
    for (let t = 0; t < this.waitingOn.length; t++) if (this.waitingOn[t] === 0) ready.push(t);
    return ready;
  }

  /** Marks task `t` done and adds the successors it was the last to wait for to `ready`. */
  release(t: number, ready: number[]): void {
    for (let i = this.offsets[t]!; i < this.offsets[t + 1]!; i++) {
      const s = this.targets[i]!;
      if (--this.waitingOn[s]! === 0) ready.push(s);
    }
  }
}
