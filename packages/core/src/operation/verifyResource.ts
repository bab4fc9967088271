import { createHash } from 'node:crypto';
import { CheckpointStore, type ObjectLogEntry } from '../checkpoint/CheckpointStore.js';
import { messageOf } from '../errors/HoardError.js';
import type { Bank } from '../plugin-api/Bank.js';
import type { Caller } from '../plugin-api/Caller.js';
import type { CheckpointView } from '../plugin-api/ProtectionPlugin.js';
import { type JsonObject, type Logger, type Resource, resourceKey } from '../plugin-api/types.js';
import type { LoadedProtectionPlugin } from '../provider/Provider.js';
import { validate } from '../schema/validation.js';
import { resourceBankSection } from './createHookContext.js';

/** How one resource of a checkpoint stood up to verification. */
export interface ResourceVerification {
  status: 'verified' | 'failed';
  /** What is wrong, each a sentence (empty when verified). */
  problems: string[];
  /** Data objects read back. */
  objects: number;
  /** Bytes read back. */
  bytes: number;
  /** Of those objects, how many had a recorded SHA-256 that they matched (the rest: read whole only). */
  hashed: number;
}

/** Problems listed per resource at most (the rest are counted). */
const MAX_PROBLEMS = 20;

/**
 * Verifies one resource of an available checkpoint: every data object its protect hooks
 * recorded is there with its size and SHA-256, every object there is readable to the end, the
 * saved info matches the plugin's schema, then the plugin's own verify hook, if any.
 */
export async function verifyResource(input: {
  bank: Bank;
  checkpoint: CheckpointView;
  resource: Resource;
  plugin: LoadedProtectionPlugin;
  parameters: JsonObject;
  config: Record<string, Record<string, unknown>>;
  signal: AbortSignal;
  logger: Logger;
  caller?: Caller;
}): Promise<ResourceVerification> {
  const key = resourceKey(input.resource);
  const store = new CheckpointStore(input.bank);
  const section = resourceBankSection(input.bank, input.checkpoint.id, key);
  const problems: string[] = [];
  let more = 0;
  const problem = (text: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(text);
    else more++;
  };
  const result = { objects: 0, bytes: 0, hashed: 0 };

  let recorded: Map<string, ObjectLogEntry | null>;
  try {
    recorded = await store.readObjectLogs(input.checkpoint.id, key);
  } catch (error) {
    problem(messageOf(error));
    recorded = new Map();
  }
  const seen = new Set<string>();
  for await (const object of section.list()) {
    input.signal.throwIfAborted();
    seen.add(object.key);
    const expected = recorded.get(object.key);
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of await section.getStream(object.key)) {
        input.signal.throwIfAborted();
        const bytes = chunk as Buffer;
        size += bytes.byteLength;
        hash.update(bytes);
      }
    } catch (error) {
      input.signal.throwIfAborted();
      problem(`data object '${object.key}' cannot be read: ${messageOf(error)}`);
      continue;
    }
    result.objects++;
    result.bytes += size;
    if (expected === undefined || expected === null) continue;
    const sha256 = hash.digest('hex');
    if (size !== expected.size)
      problem(`data object '${object.key}' is ${size} bytes; ${expected.size} were written`);
    else if (sha256 !== expected.sha256)
      problem(
        `data object '${object.key}' does not hash to what was written (SHA-256 ${sha256}, expected ${expected.sha256})`,
      );
    else result.hashed++;
  }
  for (const [name, entry] of recorded)
    if (entry !== null && !seen.has(name))
      problem(`data object '${name}' (${entry.size} bytes) is missing from the bank`);

  let savedInfo: JsonObject | undefined;
  try {
    savedInfo = await store.readSavedInfo(input.checkpoint.id, key);
    const schema = input.plugin.schemas.savedInfo;
    if (schema !== undefined) {
      if (savedInfo === undefined) problem('it has no saved info');
      else
        for (const p of validate(schema, savedInfo, 'savedInfo'))
          problem(`saved info ${p.path}: ${p.message}`);
    }
  } catch (error) {
    problem(messageOf(error));
  }

  const hook = input.plugin.plugin.verify;
  if (hook !== undefined && problems.length === 0) {
    try {
      const found = await hook({
        resource: input.resource,
        parameters: input.parameters,
        config: input.config,
        checkpoint: input.checkpoint,
        bank: section,
        savedInfo,
        signal: input.signal,
        logger: input.logger,
        ...(input.caller !== undefined ? { caller: input.caller } : {}),
      });
      for (const text of found ?? []) problem(String(text));
    } catch (error) {
      input.signal.throwIfAborted();
      problem(`protection plugin '${input.plugin.plugin.name}' could not verify it: ${messageOf(error)}`);
    }
  }
  if (more > 0) problems.push(`... and ${more} more problems`);
  return { status: problems.length === 0 ? 'verified' : 'failed', problems, ...result };
}
