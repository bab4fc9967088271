import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { validateBankKey } from '../bank/bankKey.js';
import { checkpointKeys, type ObjectLogEntry } from '../checkpoint/CheckpointStore.js';
import { HoardError } from '../errors/HoardError.js';
import type { TaskRunContext } from '../executor/executeFlow.js';
import type { Bank } from '../plugin-api/Bank.js';
import type { Caller } from '../plugin-api/Caller.js';
import type {
  CheckpointView,
  HookContext,
  HookJournal,
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
import { assertValid, type CompiledSchema } from '../schema/validation.js';

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
  /** The plugin's saved-info schema: what `requireSavedInfo` checks before handing the info over. */
  savedInfoSchema?: CompiledSchema;
  restoreId?: string;
  /** Protect: where the hook's writes to its data section are recorded. */
  objectLog?: ObjectLogWriter;
  /** Which run of the operation (1, then one more per resume). */
  attempt?: number;
  /** The hook's journal (a no-op outside protect). */
  journal?: HookJournal;
  /** Who the operation runs for, when a host acts for a caller. */
  caller?: Caller;
}

/** The journal of hooks that keep none (restore, delete): nothing earlier, nothing kept. */
const NO_JOURNAL: HookJournal = {
  previous: async () => [],
  append: () => {},
  flush: async () => {},
};

/** What a protect hook wrote to its section, recorded as it writes (see `objectLog` keys). */
export type ObjectLogWriter = Map<string, ObjectLogEntry | null>;

/** `body` as a stream of chunks that hashes what passes through; `done()` gives size and SHA-256. */
function hashing(body: Uint8Array | string | Readable | AsyncIterable<Uint8Array>): {
  body: Uint8Array | string | AsyncIterable<Uint8Array>;
  done(): ObjectLogEntry;
} {
  const hash = createHash('sha256');
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    hash.update(bytes);
    return { body, done: () => ({ size: bytes.byteLength, sha256: hash.digest('hex') }) };
  }
  let size = 0;
  const source = body as AsyncIterable<Uint8Array | string>;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      size += bytes.byteLength;
      hash.update(bytes);
      yield bytes;
    }
  }
  return { body: chunks(), done: () => ({ size, sha256: hash.digest('hex') }) };
}

/**
 * The resource's own data section: keys relative to `checkpoints/<id>/resources/<key>/data/`.
 * With `objectLog`, every put is hashed on its way to the bank and recorded there, every
 * delete recorded as `null`.
 */
export function resourceBankSection(
  bank: Bank,
  checkpointId: string,
  key: string,
  objectLog?: ObjectLogWriter,
): ResourceBankSection {
  const prefix = checkpointKeys.resourceData(checkpointId, key);
  const full = (relative: string): string => {
    validateBankKey(relative);
    return prefix + relative;
  };
  return {
    put: async (relative, body) => {
      if (objectLog === undefined) return bank.put(full(relative), body);
      const hashed = hashing(body);
      await bank.put(full(relative), hashed.body);
      objectLog.set(relative, hashed.done());
    },
    get: (relative) => bank.get(full(relative)),
    getStream: (relative) => bank.getStream(full(relative)),
    head: async (relative) => {
      const info = await bank.head(full(relative));
      return info === undefined ? undefined : { ...info, key: relative };
    },
    delete: async (relative) => {
      await bank.delete(full(relative));
      objectLog?.set(relative, null);
    },
    async *list(relativePrefix = '') {
      for await (const object of bank.list({ prefix: prefix + relativePrefix })) {
        yield { ...object, key: object.key.slice(prefix.length) };
      }
    },
    ...(bank.localRoot !== undefined ? { localRoot: bank.localRoot } : {}),
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
    ...(input.caller !== undefined ? { caller: input.caller } : {}),
    checkpoint: input.checkpoint,
    bank: resourceBankSection(input.bank, input.checkpoint.id, key, input.objectLog),
    setSavedInfo: input.setSavedInfo,
    getSavedInfo: input.getSavedInfo,
    async requireSavedInfo() {
      const info = await input.getSavedInfo();
      if (info === undefined) {
        throw new HoardError(
          'CHECKPOINT_INVALID',
          `Checkpoint ${input.checkpoint.id} has no saved info for resource '${key}'`,
          { resourceKey: key },
        );
      }
      if (input.savedInfoSchema !== undefined) {
        // Saved info comes back from a bank and is not trusted: the typed view must be true.
        assertValid(
          input.savedInfoSchema,
          info,
          'CHECKPOINT_SAVED_INFO_INVALID',
          `Checkpoint ${input.checkpoint.id}: the saved info of resource '${key}' does not match its protection plugin's schema`,
          { basePath: `${key}.savedInfo`, resourceKey: key },
        );
      }
      return info;
    },
    // Read on use: the executor makes a task's AbortController only when its hook asks for it.
    get signal() {
      return input.task.signal;
    },
    logger: input.logger,
    progress: input.task.progress,
    published: input.task.published,
    workPool: input.workPool,
    ...(input.restoreId !== undefined ? { restoreId: input.restoreId } : {}),
    attempt: input.attempt ?? 1,
    journal: input.journal ?? NO_JOURNAL,
  };
  return context;
}
