import { HoardError } from '../errors/HoardError.js';
import { FLOW_HOOK_IDS, type Flow, taskHookName } from '../flow/Flow.js';
import type { PublishedValues } from '../plugin-api/ProtectionPlugin.js';
import { HOOK_NAMES, type HookName, type JsonValue, resourceKey } from '../plugin-api/types.js';

/**
 * The values hooks returned, and the rule on reading them: a hook may read only the value of a
 * hook ordered before it in the flow (docs/protocol.md, "What a hook sees"). The indexes it needs
 * for that check are built on the first read: most flows never read.
 */
export class PublishedValueStore {
  private readonly values: (JsonValue | undefined)[];
  private predecessorLists: number[][] | undefined;
  private taskOf: Int32Array | undefined;

  constructor(private readonly flow: Flow) {
    this.values = new Array(flow.taskResource.length);
  }

  /** Records what task `t` returned. */
  set(t: number, value: JsonValue | undefined): void {
    this.values[t] = value;
  }

  /** The value `hook` of resource `key` returned, without the ordering check (results). */
  valueOf(key: string, hook: HookName): JsonValue | undefined {
    const writer = this.writerOf(key, hook);
    return writer === -1 ? undefined : this.values[writer];
  }

  /** What task `reader` may read. */
  readerView(reader: number): PublishedValues {
    return {
      get: (key: string, hook: HookName): JsonValue | undefined => {
        const writer = this.writerOf(key, hook);
        if (writer === -1 || !this.isOrderedBefore(writer, reader)) {
          const readerKey = resourceKey(this.flow.graph.resources[this.flow.taskResource[reader]!]!);
          throw new HoardError(
            'PUBLISHED_VALUE_NOT_ORDERED',
            `Hook '${FLOW_HOOK_IDS[taskHookName(this.flow, reader)]}' of '${readerKey}' read the value of '${key}/${FLOW_HOOK_IDS[hook]}', which is not ordered before it`,
            { resourceKey: readerKey },
          );
        }
        return this.values[writer];
      },
    };
  }

  private writerOf(key: string, hook: HookName): number {
    const { flow } = this;
    if (this.taskOf === undefined) {
      this.taskOf = new Int32Array(4 * flow.graph.size).fill(-1);
      for (let t = 0; t < flow.taskResource.length; t++)
        this.taskOf[4 * flow.taskResource[t]! + flow.taskHook[t]!] = t;
    }
    const node = flow.graph.nodeOf(key);
    return node === undefined ? -1 : this.taskOf[4 * node + HOOK_NAMES.indexOf(hook)]!;
  }

  private isOrderedBefore(earlier: number, later: number): boolean {
    const { flow } = this;
    if (this.predecessorLists === undefined) {
      const lists: number[][] = Array.from({ length: flow.taskResource.length }, () => []);
      for (let e = 0; e < flow.edgeFrom.length; e++) lists[flow.edgeTo[e]!]!.push(flow.edgeFrom[e]!);
      this.predecessorLists = lists;
    }
    const seen = new Uint8Array(flow.taskResource.length);
    const stack = [later];
    while (stack.length > 0) {
      const t = stack.pop()!;
      for (const p of this.predecessorLists[t]!) {
        if (p === earlier) return true;
        if (!seen[p]) {
          seen[p] = 1;
          stack.push(p);
        }
      }
    }
    return false;
  }
}
