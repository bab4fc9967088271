import { validateBankKey } from '../bank/bankKey.js';
import { checkpointKeys } from '../checkpoint/CheckpointStore.js';
import type { TaskRunContext } from '../executor/executeFlow.js';
import type { Bank } from '../plugin-api/Bank.js';
import type {
  CheckpointView,
  HookContext,
  ResourceBankSection,
  WorkPool,
} from '../plugin-api/ProtectionPlugin.js';
import {
  type HookName,
  type JsonObject,
  type Logger,
  type Operation,
  type Resource,
  resourceKey,
} from '../plugin-api/types.js';

/** What the service knows when it builds a hook's context. */
export interface HookContextInput {
  operation: Operation;
  hook: HookName;
  resource: Resource;
  parameters: JsonObject;
  config: Record<string, Record<string, unknown>>;
  checkpoint: CheckpointView;
  bank: Bank;
  logger: Logger;
  workPool: WorkPool;
  task: TaskRunContext;
  setSavedInfo(info: JsonObject): void;
  getSavedInfo(): Promise<JsonObject | undefined>;
  restoreId?: string;
}

/** The resource's own data section: keys relative to `checkpoints/<id>/resources/<key>/data/`. */
export function resourceBankSection(bank: Bank, checkpointId: string, key: string): ResourceBankSection {
  const prefix = checkpointKeys.resourceData(checkpointId, key);
  const full = (relative: string): string => {
    validateBankKey(relative);
    return prefix + relative;
  };
  return {
    put: (relative, body) => bank.put(full(relative), body),
    get: (relative) => bank.get(full(relative)),
    getStream: (relative) => bank.getStream(full(relative)),
    delete: (relative) => bank.delete(full(relative)),
    async *list(relativePrefix = '') {
      for await (const object of bank.list({ prefix: prefix + relativePrefix })) {
        yield { ...object, key: object.key.slice(prefix.length) };
      }
    },
  };
}

/** Builds the context object a hook receives. */
export function createHookContext(input: HookContextInput): HookContext {
  const key = resourceKey(input.resource);
  const context: HookContext = {
    operation: input.operation,
    hook: input.hook,
    resource: input.resource,
    parameters: input.parameters,
    config: input.config,
    checkpoint: input.checkpoint,
    bank: resourceBankSection(input.bank, input.checkpoint.id, key),
    setSavedInfo: input.setSavedInfo,
    getSavedInfo: input.getSavedInfo,
    // Read on use: the executor makes a task's AbortController only when its hook asks for it.
    get signal() {
      return input.task.signal;
    },
    logger: input.logger,
    progress: input.task.progress,
    published: input.task.published,
    workPool: input.workPool,
    ...(input.restoreId !== undefined ? { restoreId: input.restoreId } : {}),
  };
  return context;
}
