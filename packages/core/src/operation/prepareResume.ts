import type { CheckpointRecord } from '../checkpoint/types.js';
import { HoardError } from '../errors/HoardError.js';
import { compileFlow } from '../flow/compileFlow.js';
import type { Flow } from '../flow/Flow.js';
import type { ResourceGraph } from '../graph/ResourceGraph.js';
import type { Bank } from '../plugin-api/Bank.js';
import { type JsonObject, resourceKey } from '../plugin-api/types.js';
import type { Provider } from '../provider/Provider.js';
import { REDACTED } from '../schema/validation.js';
import type { OperationOptions } from './ProtectionService.js';
import { pluginFor } from './planProtection.js';
import { type EarlierRuns, readEarlierRuns } from './protectJournal.js';
import { type ParametersDocument, resolveParameters } from './resolveParameters.js';

/** Options of `ProtectionService.resume`. */
export interface ResumeOptions extends OperationOptions {
  checkpointId: string;
}

/** A resumed checkpoint: its record and what the resume reused. */
export type ResumedCheckpoint = CheckpointRecord & {
  resumed: { attempt: number; hooksReused: number };
};

function holdsRedacted(value: unknown): boolean {
  if (value === REDACTED) return true;
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(holdsRedacted);
}

/**
 * Checks that a checkpoint can be resumed and reads what its earlier runs did: which hooks
 * finished (and what they published) and which started. Writes nothing.
 */
export async function prepareResume(
  bank: Bank,
  provider: Provider,
  record: CheckpointRecord,
  graph: ResourceGraph,
  options: ResumeOptions,
): Promise<{ flow: Flow; parameters: JsonObject[]; earlier: EarlierRuns }> {
  const id = record.id;
  if (record.status === 'available') {
    throw new HoardError(
      'CHECKPOINT_NOT_AVAILABLE',
      `Checkpoint ${id} is available: there is nothing to resume`,
    );
  }
  if (record.status === 'protecting') {
    throw new HoardError(
      'CHECKPOINT_IN_USE',
      `Checkpoint ${id} is being protected by a live process (its lease is valid); resume it only once that process is gone and its lease has lapsed`,
    );
  }
  if (record.status !== 'error') {
    throw new HoardError(
      'CHECKPOINT_NOT_AVAILABLE',
      `Checkpoint ${id} is '${record.status}'; only an interrupted protect (status error) can be resumed`,
    );
  }
  if (options.parameters === undefined && holdsRedacted(record.parameters)) {
    throw new HoardError(
      'PARAMETERS_INVALID',
      `Checkpoint ${id} was protected with secret parameters, which are never stored; give the parameters again (--parameters) to resume it`,
    );
  }
  const document = options.parameters ?? (record.parameters as ParametersDocument);
  const pluginOf = (type: string) => pluginFor(provider, type);
  const parameters = resolveParameters(graph, pluginOf, 'protect', document, options.parametersFile);
  const flow = compileFlow(graph, 'protect');
  const earlier = await readEarlierRuns(bank, id);
  const unsafe: string[] = [];
  for (const resource of graph.resources) {
    const key = resourceKey(resource);
    const loaded = pluginOf(resource.type);
    for (const hook of earlier.started.get(key) ?? []) {
      if (earlier.done.get(key)?.has(hook)) continue;
      if (loaded.plugin.rerunnableHooks?.protect?.includes(hook)) continue;
      unsafe.push(`${key} hook '${hook}' (plugin '${loaded.plugin.name}')`);
    }
  }
  if (unsafe.length > 0) {
    throw new HoardError(
      'RESUME_NOT_SAFE',
      `Checkpoint ${id} cannot be resumed: ${unsafe.join('; ')} started and did not finish, and its plugin does not declare it safe to run again; delete the checkpoint and protect anew`,
      { details: { hooks: unsafe } },
    );
  }
  return { flow, parameters, earlier };
}
