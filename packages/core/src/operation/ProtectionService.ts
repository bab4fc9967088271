import { hostname } from 'node:os';
import PQueue from 'p-queue';
import {
  type BankCheckReport,
  type BankGarbageResult,
  checkBank,
  collectBankGarbage,
} from '../checkpoint/bankMaintenance.js';
import {
  CheckpointStore,
  checkpointKeys,
  leaseOwners,
  readerLeasePrefix,
  storedError,
} from '../checkpoint/CheckpointStore.js';
import type {
  CheckpointDetails,
  CheckpointRecord,
  CheckpointStatusRecord,
  RestoreRecord,
} from '../checkpoint/types.js';
import { HoardAggregateError, HoardError, messageOf } from '../errors/HoardError.js';
import { type ExecuteFlowResult, type ExecutorEvent, executeFlow } from '../executor/executeFlow.js';
import { compileFlow } from '../flow/compileFlow.js';
import { type Flow, taskHookName } from '../flow/Flow.js';
import { ResourceGraph } from '../graph/ResourceGraph.js';
import type { Bank } from '../plugin-api/Bank.js';
import type { Caller } from '../plugin-api/Caller.js';
import type { CheckpointView, WorkPool } from '../plugin-api/ProtectionPlugin.js';
import { type JsonObject, type Logger, type Operation, resourceKey } from '../plugin-api/types.js';
import type { LoadedProtectionPlugin, Provider } from '../provider/Provider.js';
import { redactSecrets } from '../schema/redactSecrets.js';
import { validate } from '../schema/validation.js';
import { createHookContext, type ObjectLogWriter } from './createHookContext.js';
import { Lease, type LeaseWindows } from './Lease.js';
import {
  assertPluginsFor,
  type PlanOptions,
  type ProtectPlan,
  planProtection,
  pluginFor,
  prepareProtect,
} from './planProtection.js';
import { prepareResume, type ResumedCheckpoint, type ResumeOptions } from './prepareResume.js';
import { type EarlierRuns, ProtectJournal } from './protectJournal.js';
import {
  type ParametersDocument,
  parametersFor,
  redactParameters,
  resolveParameters,
} from './resolveParameters.js';
import { type ResourceVerification, verifyResource } from './verifyResource.js';

/** Options shared by every operation. */
export interface OperationOptions {
  /** Parameters in Karbor's format (docs/protocol.md, "Parameters"). */
  parameters?: ParametersDocument;
  /** Name of the parameters file, for messages. */
  parametersFile?: string;
  /** Cancels the operation. */
  signal?: AbortSignal;
  /** Overrides the provider's concurrency. */
  concurrency?: number;
  /** Receives executor events (progress). */
  onEvent?(event: ExecutorEvent): void;
  /**
   * Who the operation runs for, when a host acts for a caller (see {@link Caller}): handed to
   * every hook, never stored.
   */
  caller?: Caller;
}

/** Options of {@link ProtectionService.protect}. */
export interface ProtectOptions extends OperationOptions, PlanOptions {
  planId?: string;
  projectId?: string;
  /** Stored with the checkpoint as `hostInfo` (see {@link CheckpointMetadata}). */
  hostInfo?: JsonObject;
  /**
   * Called once the checkpoint exists in the bank (`protecting`), before any hook runs: a host
   * that answers before the protect ends (the API server) learns its id here.
   */
  onCheckpointCreated?(checkpoint: { id: string; createdAt: string }): void;
}

/** Options of {@link ProtectionService.restore}. */
export interface RestoreOptions extends OperationOptions {
  checkpointId: string;
  /** Called once the restore's record is in the bank (`in_progress`), before any hook runs. */
  onRestoreStarted?(restore: { id: string }): void;
}

/** Options of {@link ProtectionService.verify}. */
export interface VerifyOptions {
  checkpointId: string;
  /** Karbor's verify parameters, by resource type or key, checked against each plugin's `verify` schema. */
  parameters?: ParametersDocument;
  /** Resources verified at once (default: the provider's concurrency). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Who the verify runs for (see {@link Caller}). */
  caller?: Caller;
  /** Called as each resource is done (progress). */
  onResource?(key: string, outcome: ResourceVerification): void;
}

/** How a checkpoint stood up to {@link ProtectionService.verify}. */
export interface VerificationResult {
  checkpointId: string;
  /** `success` when every resource is verified (Karbor's status words). */
  status: 'success' | 'fail';
  resources: Record<string, ResourceVerification>;
}

/** Options of {@link ProtectionService.deleteCheckpoint}. */
export type DeleteOptions = OperationOptions & { checkpointId: string };

/** The status record of a checkpoint as read (to put it back). */
function statusRecordOf(record: CheckpointRecord): CheckpointStatusRecord {
  return {
    status: record.status === 'corrupt' ? 'error' : record.status,
    ...(record.reason !== undefined ? { reason: record.reason } : {}),
    updatedAt: record.updatedAt,
    resources: record.resources,
    ...(record.error !== undefined ? { error: record.error } : {}),
  };
}

/** The checkpoint status a protect's run leads to, before its saved info is checked. */
function statusAfterRun(result: ExecuteFlowResult): CheckpointStatusRecord {
  const status: CheckpointStatusRecord = {
    status: result.status === 'success' ? 'available' : 'error',
    updatedAt: new Date().toISOString(),
    resources: Object.fromEntries(
      result.resources.map((r) => [
        r.resourceKey,
        r.error ? { status: r.status, error: storedError(r.error) } : { status: r.status },
      ]),
    ),
  };
  if (result.status === 'error') {
    status.reason = result.reason ?? 'failed';
    if (result.error) status.error = storedError(result.error);
  }
  return status;
}

/**
 * Runs protect, restore and delete for one provider (docs/protocol.md, "Hooks" to "Banks").
 *
 * @remarks Made by `createProtectionService`; holds no state between operations but its bank.
 */
export class ProtectionService {
  private readonly checkpoints: CheckpointStore;

  constructor(
    private readonly provider: Provider,
    private readonly bank: Bank,
    private readonly logger: Logger,
  ) {
    this.checkpoints = new CheckpointStore(bank);
  }

  private pluginOf = (type: string): LoadedProtectionPlugin => pluginFor(this.provider, type);

  /** What a protect would do; the bank is not touched (see {@link planProtection}). */
  plan(options: PlanOptions): Promise<ProtectPlan> {
    return planProtection(this.provider, options, this.logger);
  }

  private leaseWindows(): LeaseWindows {
    return (
      this.bank.leaseWindows ?? {
        expireSeconds: this.provider.options.leaseExpireSeconds,
        renewSeconds: this.provider.options.leaseRenewSeconds,
      }
    );
  }

  /** Takes `owner`'s lease; the operation writes only through `bank` and `store`, fenced by it. */
  private async lease(owner: string): Promise<{ lease: Lease; bank: Bank; store: CheckpointStore }> {
    const lease = await Lease.acquire(this.bank, owner, this.leaseWindows(), this.logger);
    const bank = lease.fence(this.bank);
    return { lease, bank, store: this.checkpoints.over(bank) };
  }

  private async run(
    operation: Operation,
    flow: Flow,
    checkpoint: CheckpointView,
    parameters: JsonObject[],
    options: OperationOptions,
    extra: {
      savedInfo: Map<string, JsonObject>;
      restoreId?: string;
      /** The bank the hooks write to (fenced by the operation's lease). */
      bank?: Bank;
      /** Aborts the hooks when the operation's lease is lost. */
      leaseSignal?: AbortSignal;
      /** Protect: records hooks started and finished, and each hook's journal (for resume). */
      journal?: { writer: ProtectJournal; store: CheckpointStore; earlier?: EarlierRuns };
    },
  ): Promise<ExecuteFlowResult> {
    const queue = new PQueue({ concurrency: this.provider.options.workPoolSize });
    const workPool: WorkPool = { run: <T>(job: () => Promise<T>) => queue.add(job) };
    const hookOf = (t: number) => {
      const resource = flow.graph.resources[flow.taskResource[t]!]!;
      return this.pluginOf(resource.type).plugin.hooks[operation]?.[taskHookName(flow, t)];
    };
    const signals = [options.signal, extra.leaseSignal].filter((s) => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    return executeFlow({
      flow,
      concurrency: options.concurrency ?? this.provider.options.concurrency,
      abortGraceMs: this.provider.options.cancelGraceSeconds * 1000,
      ...(signal !== undefined ? { signal } : {}),
      ...(options.onEvent !== undefined ? { onEvent: options.onEvent } : {}),
      isNoop: (t) => hookOf(t) === undefined,
      finishedEarlier: (t) => {
        const done = extra.journal?.earlier?.done.get(
          resourceKey(flow.graph.resources[flow.taskResource[t]!]!),
        );
        const hook = taskHookName(flow, t);
        return done?.has(hook) ? { value: done.get(hook) } : undefined;
      },
      pluginName: (t) => this.pluginOf(flow.graph.resources[flow.taskResource[t]!]!.type).plugin.name,
      hookTimeoutMs: (t) =>
        this.pluginOf(flow.graph.resources[flow.taskResource[t]!]!.type).plugin.hookTimeoutMs ??
        this.provider.options.hookTimeoutSeconds * 1000,
      retryPolicy: (t) => this.pluginOf(flow.graph.resources[flow.taskResource[t]!]!.type).plugin.retry,
      runTask: async (t, task) => {
        const node = flow.taskResource[t]!;
        const resource = flow.graph.resources[node]!;
        const key = resourceKey(resource);
        const hook = taskHookName(flow, t);
        const plugin = this.pluginOf(resource.type);
        const journal = extra.journal;
        const rerunnable = plugin.plugin.rerunnableHooks?.[operation]?.includes(hook) === true;
        // A hook that may not run twice leaves a mark first: a resume then knows it started.
        if (journal !== undefined && !rerunnable) {
          await journal.writer.started(key, hook);
          // A cancel during that write must not start the hook: a hook handed an aborted signal
          // may wait for an 'abort' event that already fired.
          task.signal.throwIfAborted();
        }
        const hookJournal = journal?.writer.forHook(key, hook);
        const objectLog: ObjectLogWriter | undefined = operation === 'protect' ? new Map() : undefined;
        const context = createHookContext({
          operation,
          hook,
          resource,
          parameters: parameters[node]!,
          config: this.provider.config,
          ...(options.caller !== undefined ? { caller: options.caller } : {}),
          checkpoint,
          bank: extra.bank ?? this.bank,
          logger: this.logger,
          workPool,
          task,
          setSavedInfo: (info) => {
            if (operation !== 'protect') {
              throw new HoardError(
                'PLUGIN_INVALID',
                `setSavedInfo is only available while protecting (resource '${key}')`,
              );
            }
            extra.savedInfo.set(key, JSON.parse(JSON.stringify(info)) as JsonObject);
          },
          getSavedInfo: async () =>
            extra.savedInfo.get(key) ?? (await this.checkpoints.readSavedInfo(checkpoint.id, key)),
          ...(plugin.schemas.savedInfo !== undefined ? { savedInfoSchema: plugin.schemas.savedInfo } : {}),
          ...(extra.restoreId !== undefined ? { restoreId: extra.restoreId } : {}),
          ...(journal !== undefined ? { attempt: journal.writer.attempt } : {}),
          ...(hookJournal !== undefined ? { journal: hookJournal } : {}),
          ...(objectLog !== undefined ? { objectLog } : {}),
        });
        const returned = await hookOf(t)!(context);
        const value =
          returned === undefined ? undefined : (JSON.parse(JSON.stringify(returned)) as JsonObject);
        if (journal !== undefined && hookJournal !== undefined) {
          await hookJournal.close();
          // What the hook wrote, before its done mark: a finished hook's objects can be verified.
          if (objectLog !== undefined && objectLog.size > 0)
            await journal.store.writeObjectLog(checkpoint.id, key, hook, journal.writer.attempt, {
              objects: Object.fromEntries(objectLog),
            });
          // The saved info so far, then the mark: a finished hook's saved info survives a crash.
          const info = extra.savedInfo.get(key);
          const text = info === undefined ? undefined : JSON.stringify(info);
          if (info !== undefined && journal.writer.savedInfoWritten.get(key) !== text) {
            await journal.store.writeSavedInfo(checkpoint.id, key, info);
            journal.writer.savedInfoWritten.set(key, text!);
          }
          await journal.writer.done(key, hook, value);
        }
        return value;
      },
    });
  }

  /**
   * Protects the selected resources and their dependencies into a new checkpoint.
   *
   * @remarks The checkpoint is `available` only after every resource's saved info is written and
   * validated; `status.json` is written last. Any failure leaves it `error` with per-resource status.
   * @returns the checkpoint as recorded
   */
  async protect(options: ProtectOptions): Promise<CheckpointRecord> {
    const { plan, resolvedParameters } = await prepareProtect(this.provider, options, this.logger);
    const id = CheckpointStore.newId();
    const owner = leaseOwners.protect(id);
    const { lease, bank, store } = await this.lease(owner);
    try {
      const journal = new ProtectJournal(bank, id, 1);
      await journal.claim(hostname());
      const checkpoint = await this.createCheckpoint(store, id, owner, plan.graph, options);
      return await this.runProtect(checkpoint, plan.graph, plan.flow, resolvedParameters, options, {
        lease,
        bank,
        store,
        journal,
        savedInfo: new Map(),
      });
    } finally {
      await lease.release();
    }
  }

  /**
   * Runs a protect's flow (first run or resume) and records how it ended: saved info validated
   * and written, then the status, last.
   */
  private async runProtect(
    checkpoint: CheckpointView,
    graph: ResourceGraph,
    flow: Flow,
    parameters: JsonObject[],
    options: OperationOptions,
    held: {
      lease: Lease;
      bank: Bank;
      store: CheckpointStore;
      journal: ProtectJournal;
      savedInfo: Map<string, JsonObject>;
      earlier?: EarlierRuns;
    },
  ): Promise<CheckpointRecord> {
    const { lease, store } = held;
    const id = checkpoint.id;
    let result: ExecuteFlowResult;
    try {
      result = await this.run('protect', flow, checkpoint, parameters, options, {
        savedInfo: held.savedInfo,
        bank: held.bank,
        leaseSignal: lease.signal,
        journal: {
          writer: held.journal,
          store,
          ...(held.earlier !== undefined ? { earlier: held.earlier } : {}),
        },
      });
    } catch (error) {
      // With the lease lost, the checkpoint is no longer ours to write to.
      if (lease.lost !== undefined) throw lease.lost;
      await this.writeFailure(store, id, graph, error);
      throw error;
    }
    if (lease.lost !== undefined) throw lease.lost;
    const status = statusAfterRun(result);
    await this.writeSavedInfo(store, id, graph, held.savedInfo, status, held.journal.savedInfoWritten);
    status.updatedAt = new Date().toISOString();
    await store.writeStatus(id, status);
    this.logger.info('protect finished', {
      checkpoint: id,
      status: status.status,
      attempt: held.journal.attempt,
    });
    return await this.checkpoints.get(id);
  }

  /**
   * Takes up an interrupted protect (killed, lease lost, failed or cancelled) where it stopped:
   * hooks that finished are not run again, their published values are read back from the bank,
   * and every other hook runs, after the lease is taken over under a new run number
   * (docs/protocol.md, "Resume").
   *
   * @throws `CHECKPOINT_IN_USE` while a live process protects it; `CHECKPOINT_NOT_AVAILABLE`
   *   when it is not an interrupted protect; `RESUME_NOT_SAFE` when a hook that may not run twice
   *   started and did not finish; `PARAMETERS_INVALID` when its parameters held secrets and none
   *   are given again
   */
  async resume(options: ResumeOptions): Promise<ResumedCheckpoint> {
    const { record, graph } = await this.loadCheckpoint(options.checkpointId);
    const { flow, parameters, earlier } = await prepareResume(
      this.bank,
      this.provider,
      record,
      graph,
      options,
    );
    const { lease, bank, store } = await this.lease(record.leaseOwner);
    try {
      const journal = new ProtectJournal(bank, record.id, Math.max(earlier.lastAttempt, 1) + 1);
      await journal.claim(hostname());
      // The run this one takes over is dead or fenced (its lease lapsed): its partial objects go.
      await store.removeWriterLeftovers(record.id);
      await store.writeStatus(record.id, {
        status: 'protecting',
        updatedAt: new Date().toISOString(),
        resources: Object.fromEntries(graph.resources.map((r) => [resourceKey(r), { status: 'protecting' }])),
      });
      const savedInfo = new Map<string, JsonObject>();
      for (const resource of graph.resources) {
        const info = await this.checkpoints.readSavedInfo(record.id, resourceKey(resource));
        if (info !== undefined) {
          savedInfo.set(resourceKey(resource), info);
          journal.savedInfoWritten.set(resourceKey(resource), JSON.stringify(info));
        }
      }
      const checkpoint: CheckpointView = {
        id: record.id,
        providerId: record.providerId,
        createdAt: record.createdAt,
        resources: graph.resources,
      };
      this.logger.info('resume started', {
        checkpoint: record.id,
        attempt: journal.attempt,
        host: hostname(),
      });
      const resumed = await this.runProtect(checkpoint, graph, flow, parameters, options, {
        lease,
        bank,
        store,
        journal,
        savedInfo,
        earlier,
      });
      let reused = 0;
      for (const hooks of earlier.done.values()) reused += hooks.size;
      return { ...resumed, resumed: { attempt: journal.attempt, hooksReused: reused } };
    } finally {
      await lease.release();
    }
  }

  /** Writes the checkpoint's metadata and a `protecting` status, under the lease of `owner`. */
  private async createCheckpoint(
    store: CheckpointStore,
    id: string,
    owner: string,
    graph: ResourceGraph,
    options: ProtectOptions,
  ): Promise<CheckpointView> {
    const createdAt = new Date().toISOString();
    await store.create(
      {
        formatVersion: 1,
        id,
        providerId: this.provider.id,
        providerName: this.provider.name,
        ...(options.planId !== undefined ? { planId: options.planId } : {}),
        ...(options.projectId !== undefined ? { projectId: options.projectId } : {}),
        createdAt,
        leaseOwner: owner,
        parameters: redactParameters(
          options.parameters ?? {},
          (t) => this.provider.pluginByType.get(t),
          'protect',
        ),
        graph: graph.toDocument(),
        ...(options.hostInfo !== undefined ? { hostInfo: options.hostInfo } : {}),
      },
      graph.resources.map(resourceKey),
    );
    options.onCheckpointCreated?.({ id, createdAt });
    this.logger.info('protect started', {
      checkpoint: id,
      provider: this.provider.id,
      resources: graph.size,
      host: hostname(),
    });
    return { id, providerId: this.provider.id, createdAt, resources: graph.resources };
  }

  /**
   * Validates each resource's saved info against its plugin's schema (when the run succeeded) and
   * writes it; an invalid one fails its resource and turns `status` to `error`.
   */
  private async writeSavedInfo(
    store: CheckpointStore,
    id: string,
    graph: ResourceGraph,
    savedInfo: ReadonlyMap<string, JsonObject>,
    status: CheckpointStatusRecord,
    written: ReadonlyMap<string, string> = new Map(),
  ): Promise<void> {
    const problems: HoardError[] = [];
    for (const resource of graph.resources) {
      const key = resourceKey(resource);
      const info = savedInfo.get(key);
      const loaded = this.pluginOf(resource.type);
      if (status.status === 'available' && loaded.schemas.savedInfo !== undefined) {
        const found = validate(loaded.schemas.savedInfo, info ?? {}, `${key}.savedInfo`);
        const resourceProblems = found.map(
          (p) =>
            new HoardError(
              'CHECKPOINT_SAVED_INFO_INVALID',
              `Protection plugin '${loaded.plugin.name}' wrote invalid saved info for '${key}': ${p.path}: ${p.message}`,
              { resourceKey: key, plugin: loaded.packageName, path: p.path },
            ),
        );
        if (resourceProblems.length > 0) {
          problems.push(...resourceProblems);
          status.resources[key] = { status: 'failed', error: storedError(resourceProblems[0]) };
        }
      }
      if (info !== undefined && written.get(key) !== JSON.stringify(info))
        await store.writeSavedInfo(id, key, info);
    }
    if (problems.length > 0) {
      const error = new HoardAggregateError(
        'CHECKPOINT_SAVED_INFO_INVALID',
        `Checkpoint ${id} has invalid saved info`,
        problems,
      );
      status.status = 'error';
      status.reason = 'failed';
      status.error = storedError(error);
    }
  }

  private async writeFailure(
    store: CheckpointStore,
    id: string,
    graph: ResourceGraph,
    error: unknown,
  ): Promise<void> {
    try {
      await store.writeStatus(id, {
        status: 'error',
        reason: 'failed',
        updatedAt: new Date().toISOString(),
        resources: Object.fromEntries(graph.resources.map((r) => [resourceKey(r), { status: 'skipped' }])),
        error: storedError(error),
      });
    } catch (writeError) {
      this.logger.error('could not record the checkpoint failure', {
        checkpoint: id,
        error: messageOf(writeError),
      });
    }
  }

  private async loadCheckpoint(
    checkpointId: string,
  ): Promise<{ record: CheckpointRecord; graph: ResourceGraph }> {
    const record = await this.checkpoints.get(checkpointId);
    if (record.providerId !== this.provider.id) {
      throw new HoardError(
        'CHECKPOINT_NOT_AVAILABLE',
        `Checkpoint ${checkpointId} belongs to provider '${record.providerId}', not '${this.provider.id}'`,
      );
    }
    let graph: ResourceGraph;
    try {
      graph = ResourceGraph.fromDocument(record.graph);
    } catch (error) {
      throw new HoardError(
        'CHECKPOINT_INVALID',
        `Checkpoint ${checkpointId} has an invalid resource graph: ${messageOf(error)}`,
        {},
        { cause: error },
      );
    }
    assertPluginsFor(this.provider, graph);
    return { record, graph };
  }

  /**
   * Verifies a checkpoint (beyond Karbor, whose verify ran plugin hooks only): for each resource,
   * its data objects against the sizes and SHA-256 its protect recorded, its saved info against
   * the plugin's schema, then the plugin's verify hook (external artifacts). Nothing is written;
   * a reader lease keeps a delete away meanwhile.
   *
   * @throws `CHECKPOINT_NOT_AVAILABLE` unless the checkpoint is available; `PARAMETERS_INVALID`
   */
  async verify(options: VerifyOptions): Promise<VerificationResult> {
    const { record, graph } = await this.loadCheckpoint(options.checkpointId);
    if (record.status !== 'available') {
      throw new HoardError(
        'CHECKPOINT_NOT_AVAILABLE',
        `Checkpoint ${record.id} is '${record.status}'${record.reason ? ` (${record.reason})` : ''}; only an available checkpoint can be verified`,
      );
    }
    const parameters = resolveParameters(graph, this.pluginOf, 'verify', options.parameters ?? {});
    const owner = leaseOwners.read(record.id, `verify-${CheckpointStore.newId()}`);
    const { lease } = await this.lease(owner);
    try {
      const checkpoint: CheckpointView = {
        id: record.id,
        providerId: record.providerId,
        createdAt: record.createdAt,
        resources: graph.resources,
      };
      const signal = AbortSignal.any([options.signal ?? new AbortController().signal, lease.signal]);
      const queue = new PQueue({ concurrency: options.concurrency ?? this.provider.options.concurrency });
      const resources: Record<string, ResourceVerification> = {};
      await Promise.all(
        graph.resources.map((resource, node) =>
          queue.add(async () => {
            const outcome = await verifyResource({
              bank: this.bank,
              checkpoint,
              resource,
              plugin: this.pluginOf(resource.type),
              parameters: parameters[node]!,
              config: this.provider.config,
              signal,
              logger: this.logger,
              ...(options.caller !== undefined ? { caller: options.caller } : {}),
            });
            resources[resourceKey(resource)] = outcome;
            options.onResource?.(resourceKey(resource), outcome);
          }),
        ),
      );
      if (lease.lost !== undefined) throw lease.lost;
      const failed = Object.values(resources).some((r) => r.status === 'failed');
      this.logger.info('verify finished', { checkpoint: record.id, status: failed ? 'fail' : 'success' });
      return { checkpointId: record.id, status: failed ? 'fail' : 'success', resources };
    } finally {
      await lease.release();
    }
  }

  /**
   * Restores a checkpoint: compiles the graph saved in it and runs the restore hooks.
   *
   * @returns the restore record (`success` or `fail`) with the new resources each hook published
   */
  async restore(options: RestoreOptions): Promise<RestoreRecord> {
    const { record, graph } = await this.loadCheckpoint(options.checkpointId);
    if (record.status !== 'available') {
      throw new HoardError(
        'CHECKPOINT_NOT_AVAILABLE',
        `Checkpoint ${record.id} is '${record.status}'${record.reason ? ` (${record.reason})` : ''}; only an available checkpoint can be restored`,
      );
    }
    const parameters = resolveParameters(
      graph,
      this.pluginOf,
      'restore',
      options.parameters ?? {},
      options.parametersFile,
    );
    const flow = compileFlow(graph, 'restore');
    const restoreId = CheckpointStore.newId();
    const owner = leaseOwners.read(record.id, restoreId);
    // A reader lease: a delete of the checkpoint waits until this restore has ended.
    const { lease, bank, store } = await this.lease(owner);
    try {
      const current = await this.checkpoints.get(record.id);
      if (current.status !== 'available') {
        throw new HoardError(
          'CHECKPOINT_NOT_AVAILABLE',
          `Checkpoint ${record.id} became '${current.status}' before the restore could start; only an available checkpoint can be restored`,
        );
      }
      return await this.runRestore(record, graph, flow, parameters, options, {
        restoreId,
        owner,
        lease,
        bank,
        store,
      });
    } finally {
      await lease.release();
    }
  }

  private async runRestore(
    record: CheckpointRecord,
    graph: ResourceGraph,
    flow: Flow,
    parameters: JsonObject[],
    options: RestoreOptions,
    held: { restoreId: string; owner: string; lease: Lease; bank: Bank; store: CheckpointStore },
  ): Promise<RestoreRecord> {
    const { lease, store } = held;
    const restore: RestoreRecord = {
      id: held.restoreId,
      checkpointId: record.id,
      providerId: this.provider.id,
      status: 'in_progress',
      startedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      parameters: redactParameters(
        options.parameters ?? {},
        (t) => this.provider.pluginByType.get(t),
        'restore',
      ),
      resources: Object.fromEntries(graph.resources.map((r) => [resourceKey(r), { status: 'restoring' }])),
      leaseOwner: held.owner,
    };
    await store.writeRestore(restore);
    options.onRestoreStarted?.({ id: restore.id });
    const checkpoint: CheckpointView = {
      id: record.id,
      providerId: record.providerId,
      createdAt: record.createdAt,
      resources: graph.resources,
    };
    let result: ExecuteFlowResult;
    try {
      result = await this.run('restore', flow, checkpoint, parameters, options, {
        savedInfo: new Map(),
        restoreId: restore.id,
        bank: held.bank,
        leaseSignal: lease.signal,
      });
    } catch (error) {
      if (lease.lost !== undefined) throw lease.lost;
      restore.status = 'fail';
      restore.error = storedError(error);
      restore.updatedAt = new Date().toISOString();
      await store.writeRestore(restore);
      throw error;
    }
    if (lease.lost !== undefined) throw lease.lost;
    restore.status = result.status === 'success' ? 'success' : 'fail';
    if (result.reason !== undefined) restore.reason = result.reason;
    if (result.error !== undefined) restore.error = storedError(result.error);
    for (const r of result.resources) {
      const value = result.valueOf(r.resourceKey, 'main') ?? result.valueOf(r.resourceKey, 'complete');
      restore.resources[r.resourceKey] = {
        status: r.status,
        ...(r.error ? { error: storedError(r.error) } : {}),
        ...(value !== undefined ? { result: value } : {}),
      };
    }
    restore.updatedAt = new Date().toISOString();
    await store.writeRestore(restore);
    return restore;
  }

  /**
   * Deletes a checkpoint: runs the delete hooks over the graph saved in it, then removes its
   * objects (status last). A failure leaves it `error-deleting` and removes nothing more.
   */
  async deleteCheckpoint(
    options: DeleteOptions,
  ): Promise<{ id: string; status: 'deleted' | 'error-deleting'; error?: unknown; warnings?: string[] }> {
    const found = await this.checkpoints.get(options.checkpointId);
    if (found.corruptRecord === 'metadata') return this.deleteUnreadable(found.id, found.reason ?? '');
    const { record, graph } = await this.loadCheckpoint(options.checkpointId);
    if (record.status === 'protecting') {
      throw new HoardError(
        'CHECKPOINT_NOT_AVAILABLE',
        `Checkpoint ${record.id} is still being protected; it cannot be deleted now`,
      );
    }
    const parameters = resolveParameters(
      graph,
      this.pluginOf,
      'delete',
      options.parameters ?? {},
      options.parametersFile,
    );
    await this.refuseWhileRead(record.id);
    const owner = leaseOwners.delete(record.id);
    const { lease, bank, store } = await this.lease(owner);
    try {
      try {
        await store.writeStatus(record.id, {
          status: 'deleting',
          updatedAt: new Date().toISOString(),
          resources: Object.fromEntries(graph.resources.map((r) => [resourceKey(r), { status: 'deleting' }])),
        });
      } catch (error) {
        // A checkpoint that is not available (e.g. a protect that filled the disk) is deleted
        // even when `deleting` cannot be written: its data is not whole anyway, and removing it
        // is what frees the space. An available one is never touched without its mark.
        if (record.status === 'available' || lease.lost !== undefined) throw error;
        this.logger.warn('delete goes on without its deleting mark', {
          checkpoint: record.id,
          error: messageOf(error),
        });
      }
      // A restore that took its reader lease just before `deleting` was written wins.
      await this.refuseWhileRead(record.id, () => store.writeStatus(record.id, statusRecordOf(record)));
      const checkpoint: CheckpointView = {
        id: record.id,
        providerId: record.providerId,
        createdAt: record.createdAt,
        resources: graph.resources,
      };
      const flow = compileFlow(graph, 'delete');
      let result: ExecuteFlowResult | undefined;
      let failure: unknown;
      try {
        result = await this.run('delete', flow, checkpoint, parameters, options, {
          savedInfo: new Map(),
          bank,
          leaseSignal: lease.signal,
        });
        if (result.status === 'error')
          failure = result.error ?? new HoardError('OPERATION_CANCELLED', 'The delete was cancelled');
      } catch (error) {
        failure = error;
      }
      if (lease.lost !== undefined) throw lease.lost;
      if (failure !== undefined) {
        await store.writeStatus(record.id, {
          status: 'error-deleting',
          reason: result?.reason ?? 'failed',
          updatedAt: new Date().toISOString(),
          resources: Object.fromEntries(
            (result?.resources ?? []).map((r) => [
              r.resourceKey,
              r.error ? { status: r.status, error: storedError(r.error) } : { status: r.status },
            ]),
          ),
          error: storedError(failure),
        });
        return { id: record.id, status: 'error-deleting', error: failure };
      }
      try {
        await store.purge(record);
      } catch (error) {
        // Failed before its metadata went: the checkpoint still lists, as error-deleting, and a
        // second delete finishes it. After: only garbage is left, which bank gc removes.
        if (lease.lost === undefined && (await bank.head(checkpointKeys.metadata(record.id))) !== undefined) {
          await store.writeStatus(record.id, {
            status: 'error-deleting',
            reason: 'failed',
            updatedAt: new Date().toISOString(),
            resources: {},
            error: storedError(error),
          });
        }
        throw error;
      }
      await store.removeWriterLeftovers(record.id);
      return { id: record.id, status: 'deleted' };
    } finally {
      await lease.release();
    }
  }

  /**
   * Throws `CHECKPOINT_IN_USE` while a restore holds a reader lease on the checkpoint, after
   * `undo` (which puts back what the delete had written).
   */
  private async refuseWhileRead(checkpointId: string, undo?: () => Promise<void>): Promise<void> {
    const readers = await this.checkpoints.liveReaders(checkpointId);
    if (readers.length === 0) return;
    await undo?.();
    const restores = readers.map((owner) => owner.slice(readerLeasePrefix(checkpointId).length));
    throw new HoardError(
      'CHECKPOINT_IN_USE',
      `Checkpoint ${checkpointId} is being read by restore ${restores.join(', ')}; delete it once the restore has ended (hoard restore show ${restores[0]}) or cancel the restore`,
      { details: { restores } },
    );
  }

  /**
   * Deletes a checkpoint whose metadata cannot be read: its graph is unknown, so no plugin's
   * delete hook can run; its objects and index entries are removed from the bank, and the
   * warning says that data kept outside the bank (snapshots, backups) may remain.
   */
  private async deleteUnreadable(
    id: string,
    reason: string,
  ): Promise<{ id: string; status: 'deleted'; warnings: string[] }> {
    const { lease, store } = await this.lease(leaseOwners.delete(id));
    try {
      await store.purgeCorrupt(id);
      await store.removeWriterLeftovers(id);
    } finally {
      await lease.release();
    }
    this.logger.warn('deleted a checkpoint with unreadable metadata', { checkpoint: id, reason });
    return {
      id,
      status: 'deleted',
      warnings: [
        `Checkpoint ${id} had unreadable metadata (${reason}): its objects were removed from the bank, but no plugin delete hook could run, so data it kept outside the bank (snapshots, backups) may remain`,
      ],
    };
  }

  /**
   * Karbor's checkpoint reset-state: marks an `available` checkpoint `error` (reason `reset`),
   * or an `error` one `available` again.
   *
   * @remarks Beyond Karbor, which resets any of its states blindly: `available` is only given back
   * to a checkpoint whose every resource was protected (an `error` that came after the data was
   * whole, e.g. a reset or a cancel at the very end), never to a half-written one; and nothing is
   * reset while a protect, resume or delete holds its lease. A crash leaves the old or the new
   * `status.json` (one object written whole).
   * @throws `CHECKPOINT_NOT_AVAILABLE` when the checkpoint is in another state or has unprotected
   *   resources; `CHECKPOINT_IN_USE` while an operation holds it; `CHECKPOINT_NOT_FOUND`
   */
  async resetCheckpointStatus(id: string, status: 'available' | 'error'): Promise<CheckpointRecord> {
    const record = await this.checkpoints.get(id);
    if (record.status !== 'available' && record.status !== 'error')
      throw new HoardError(
        'CHECKPOINT_NOT_AVAILABLE',
        `Checkpoint ${id} is ${record.status}; only an available or error checkpoint can be reset`,
      );
    if (status === 'available' && record.status === 'error') {
      const keys = Object.keys(record.resources);
      const unprotected = keys.filter((k) => record.resources[k]!.status !== 'done');
      if (keys.length === 0 || unprotected.length > 0)
        throw new HoardError(
          'CHECKPOINT_NOT_AVAILABLE',
          `Checkpoint ${id} cannot be made available: ${keys.length === 0 ? 'it records no protected resource' : `${unprotected.length} of ${keys.length} resources were not protected (${unprotected.slice(0, 3).join(', ')}${unprotected.length > 3 ? ', ...' : ''})`}; resume it or protect again`,
        );
    }
    for (const owner of [leaseOwners.protect(id), leaseOwners.delete(id)])
      if (await this.bank.isLeaseValid(owner))
        throw new HoardError(
          'CHECKPOINT_IN_USE',
          `Checkpoint ${id} is in use by an operation; try again later`,
        );
    const { reason: _reason, error, ...rest } = statusRecordOf(record);
    await this.checkpoints.writeStatus(id, {
      ...rest,
      status,
      ...(status === 'error' ? { reason: 'reset', ...(error !== undefined ? { error } : {}) } : {}),
      updatedAt: new Date().toISOString(),
    });
    return this.checkpoints.get(id);
  }

  /**
   * Records why a protect stopped when its process died: a `protecting` checkpoint whose lease
   * lapsed (read as `error`, reason `abandoned`) is written `error` with `reason` and an
   * `OPERATION_FAILED` error naming it, every resource not done marked `cancelled`. It can still be
   * resumed or deleted. A checkpoint that is not an abandoned protect is returned untouched.
   *
   * @remarks A host that knows its predecessor died mid-protect (`hoard serve` after a restart)
   * calls it so that the checkpoint says why, rather than `abandoned`. It takes the protect's
   * lease, so it cannot race a live run.
   * @throws `CHECKPOINT_IN_USE` while the protect's lease is valid (its process may be alive:
   *   try again after the provider's `lease_expire_window`); `CHECKPOINT_NOT_FOUND`
   */
  async recordInterruption(checkpointId: string, reason: string): Promise<CheckpointRecord> {
    const record = await this.checkpoints.get(checkpointId);
    if (record.status === 'protecting')
      throw new HoardError(
        'CHECKPOINT_IN_USE',
        `Checkpoint ${checkpointId} is being protected under a valid lease; try again once it lapses`,
      );
    if (record.status !== 'error' || record.reason !== 'abandoned' || record.leaseOwner === '') return record;
    const { lease, store } = await this.lease(record.leaseOwner);
    try {
      // Read again under the lease (held by us now, so a dead run's status reads `protecting`):
      // a resume may have taken it up and ended in between.
      const current = await store.get(checkpointId);
      if (current.status !== 'protecting') return current;
      await store.writeStatus(checkpointId, {
        status: 'error',
        reason: 'interrupted',
        updatedAt: new Date().toISOString(),
        resources: Object.fromEntries(
          Object.entries(current.resources).map(([key, r]) => [
            key,
            r.status === 'done' ? r : { status: 'cancelled' as const },
          ]),
        ),
        error: storedError(new HoardError('OPERATION_FAILED', reason)),
      });
      this.logger.warn('interrupted protect recorded', { checkpoint: checkpointId, reason });
    } finally {
      await lease.release();
    }
    return this.checkpoints.get(checkpointId);
  }

  /** Lists checkpoints newest first (of one project or plan, through the bank's indices). */
  listCheckpoints(
    options: {
      limit?: number;
      marker?: string;
      projectId?: string;
      planId?: string;
      /** See `ListCheckpointsOptions.maxAgeMs`: a listing may be this stale, but for this service's own writes. */
      maxAgeMs?: number;
      /** See `ListCheckpointsOptions.maxStatusAgeMs`. */
      maxStatusAgeMs?: number;
    } = {},
  ): Promise<CheckpointRecord[]> {
    // A bank may be shared by providers: each lists its own checkpoints.
    return this.checkpoints.list({ ...options, providerId: this.provider.id });
  }

  /**
   * How many checkpoints of this provider the bank's indices list (of one project or plan), from
   * index entries and metadata only: no status is read. `maxAgeMs` as for a listing.
   */
  countCheckpoints(
    options: { projectId?: string; planId?: string; maxAgeMs?: number } = {},
  ): Promise<number> {
    return this.checkpoints.count({ ...options, providerId: this.provider.id });
  }

  /** Shows one checkpoint. */
  getCheckpoint(id: string): Promise<CheckpointRecord> {
    return this.checkpoints.get(id);
  }

  /**
   * One checkpoint with, for each resource, the protect parameters in effect (type and key
   * entries merged, schema defaults applied) and its saved info, secrets redacted in both.
   */
  async getCheckpointDetails(id: string): Promise<CheckpointDetails> {
    const checkpoint = await this.checkpoints.get(id);
    const document = checkpoint.parameters as ParametersDocument;
    const resources: CheckpointDetails['resourceDetails'] = {};
    for (const resource of checkpoint.graph.resources) {
      const key = resourceKey(resource);
      const loaded = this.provider.pluginByType.get(resource.type);
      const parameters = parametersFor(document, resource);
      // Defaults are applied by validating; problems were reported when the protect ran.
      if (loaded?.schemas.protect !== undefined) validate(loaded.schemas.protect, parameters);
      const savedInfo = await this.checkpoints.readSavedInfo(id, key);
      resources[key] = {
        parameters: redactSecrets(loaded?.schemas.protect?.schema, parameters),
        ...(savedInfo !== undefined
          ? { savedInfo: redactSecrets(loaded?.schemas.savedInfo?.schema, savedInfo) }
          : {}),
      };
    }
    return { ...checkpoint, resourceDetails: resources };
  }

  /** Restore records of this provider's bank, newest first, optionally of one checkpoint. */
  listRestores(options: { checkpointId?: string; limit?: number } = {}): Promise<RestoreRecord[]> {
    return this.checkpoints.listRestores(options);
  }

  /**
   * One restore record.
   *
   * @throws `RESTORE_NOT_FOUND`
   */
  async getRestore(id: string): Promise<RestoreRecord> {
    const record = CheckpointStore.isValidId(id) ? await this.checkpoints.readRestore(id) : undefined;
    if (record === undefined) {
      throw new HoardError('RESTORE_NOT_FOUND', `No restore '${id}' in ${this.bank.description}`);
    }
    return record;
  }

  /**
   * Deletes a restore record. What the restore created (restored directories, new volumes) stays.
   *
   * @throws `RESTORE_NOT_FOUND`; `RESTORE_IN_PROGRESS` while the restore runs
   */
  async deleteRestore(id: string): Promise<RestoreRecord> {
    const record = await this.getRestore(id);
    if (record.status === 'in_progress') {
      throw new HoardError(
        'RESTORE_IN_PROGRESS',
        `Restore ${id} is in progress (started ${record.startedAt}); delete its record once it has ended`,
      );
    }
    await this.checkpoints.deleteRestore(id);
    return record;
  }

  /** Checks the bank's structure (see {@link checkBank}); garbage is what is older than the lease window. */
  checkBank(): Promise<BankCheckReport> {
    return checkBank(this.bank, { graceSeconds: this.leaseWindows().expireSeconds });
  }

  /** Removes the bank's garbage and repairs stale records (see {@link collectBankGarbage}). */
  collectGarbage(options: { dryRun?: boolean } = {}): Promise<BankGarbageResult> {
    return collectBankGarbage(this.bank, { graceSeconds: this.leaseWindows().expireSeconds, ...options });
  }

  /** The bank key of a checkpoint's data, for messages. */
  checkpointLocation(id: string): string {
    return `${this.bank.description} ${checkpointKeys.root(id)}`;
  }
}
