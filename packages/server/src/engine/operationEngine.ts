import { randomUUID } from 'node:crypto';
import type { Logger } from '@hoard/core';
import { type CheckpointRecord, messageOf, type Provider } from '@hoard/core/host';
import PQueue from 'p-queue';
import type { OperationLogStore } from '../database/operationLogStore.js';
import type { PlanStore } from '../database/planStore.js';
import type {
  ScheduledOperationRecord,
  ScheduledOperationStore,
} from '../database/scheduledOperationStore.js';
import type { OperationLogsTable } from '../database/schema.js';
import type { TriggerRecord, TriggerStore } from '../database/triggerStore.js';
import type { CheckpointOperations, ServiceOf } from '../routes/checkpoints.js';
import { checkpointsToDelete, retentionRuleOf } from './retention.js';
import { parseTimeTrigger, type TimeTrigger, type TimeTriggerOptions } from './timeTrigger.js';

/** Options of {@link OperationEngine}. */
export interface OperationEngineOptions {
  triggers: TriggerStore;
  operations: ScheduledOperationStore;
  logs: OperationLogStore;
  plans: PlanStore;
  providers: readonly Provider[];
  checkpoints: CheckpointOperations;
  serviceOf: ServiceOf;
  timeTriggers: TimeTriggerOptions;
  /** Karbor's `trigger_poll_interval` (default 15 s). */
  pollIntervalMs?: number;
  /**
   * Karbor's `retained_operation_log_number`: the fires of each operation whose logs are kept
   * (default 5), with the retention deletes of those fires.
   */
  retainedLogs?: number;
  /** Scheduled runs at once in this engine (default 8); more wait, their logs `in_progress`. */
  concurrentRuns?: number;
  /** The clock (a fake one in tests). */
  now?: () => Date;
  /** Runs a fire's operation after the poll; the server waits for it (or cancels it) on close. */
  inBackground: (work: Promise<unknown>) => void;
  logger: Logger;
}

/** An operation log to write. */
type NewLog = Omit<OperationLogsTable, 'id'>;

/** Fires taken in one transaction at most (a poll takes batches until none is due). */
const FIRES_A_POLL = 500;

/** How long before a fire the engine makes its triggers ready (see `prepare`). */
const PREPARE_MS = 3_000;

/** Fires made ready ahead at most (more are parsed when taken). */
const PREPARED_FIRES = 50_000;

/** Parsed triggers kept (by id), so a poll does not parse again triggers it has seen. */
const PARSED_TRIGGERS = 50_000;

/**
 * Karbor's operation engine, `multi_node` strategy: every engine (one a `hoard serve` process)
 * polls `trigger_executions` for due fires and takes each with a compare-and-swap that moves it
 * on to the trigger's next fire, so exactly one engine runs each fire, however many share the
 * database. A fire still in its window runs its trigger's scheduled operations; one whose window
 * passed (every engine was down) is logged `dropped_out_of_window` with the reason, and the
 * trigger goes on from now. An engine says it is alive at each poll (`engine_instances`); the runs
 * of an engine silent for three polls are failed with the reason by the others (and at start, by
 * its successor), never left `in_progress`.
 *
 * Scheduled protects run with the service's identity, scoped to the operation's project (no
 * user token outlives its request; trusts are not used).
 */
export class OperationEngine {
  /** This engine's id in `engine_instances` and in the logs of the runs it owns. */
  readonly instance = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();
  private readonly running = new Map<string, Promise<void>>();
  /** Runs wait here for a slot: a burst of fires does not start every protect at once. */
  private readonly queue: PQueue;
  /** Triggers as parsed, by id and properties: a poll parses only triggers it has not seen. */
  private readonly parsed = new Map<string, { key: string; trigger: TimeTrigger }>();
  private stopped = false;
  private readonly pollMs: number;
  private readonly retainedLogs: number;
  private readonly now: () => Date;
  private readonly realClock: boolean;

  constructor(private readonly options: OperationEngineOptions) {
    this.pollMs = options.pollIntervalMs ?? 15_000;
    this.retainedLogs = options.retainedLogs ?? 5;
    this.now = options.now ?? (() => new Date());
    this.realClock = options.now === undefined;
    this.queue = new PQueue({ concurrency: options.concurrentRuns ?? 8 });
  }

  /**
   * Starts polling: at once, then every `trigger_poll_interval`, and (on the real clock) at the
   * next fire due, so a fire is taken when it is due, not up to a poll interval later.
   */
  start(): void {
    const tick = () => {
      this.timer = undefined;
      void this.poll()
        .catch((error: unknown) =>
          this.options.logger.error('operation engine poll failed', { error: messageOf(error) }),
        )
        .then(() => this.schedule());
    };
    this.wake = tick;
    tick();
  }

  private wake: (() => void) | undefined;

  /** The fire time {@link prepare} last made ready (ms since the epoch). */
  private preparedFor: number | undefined;

  /**
   * Sets the next poll: the poll interval, or (real clock only) sooner at the next fire due,
   * with a wake-up {@link PREPARE_MS} before it to make its triggers ready.
   */
  private async schedule(): Promise<void> {
    if (this.stopped || this.wake === undefined) return;
    let delay = this.pollMs;
    let then = this.wake;
    if (this.realClock) {
      const next = await this.options.triggers.earliestFire().catch(() => undefined);
      if (next !== undefined) {
        const until = next.getTime() - Date.now();
        if (until - PREPARE_MS < this.pollMs && this.preparedFor !== next.getTime() && until > PREPARE_MS) {
          delay = until - PREPARE_MS;
          then = () => {
            this.timer = undefined;
            void this.prepare(next).finally(() => this.schedule());
          };
        } else if (until < this.pollMs) delay = Math.max(0, until);
      }
    }
    if (this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(then, delay);
    this.timer.unref();
  }

  /**
   * Makes the triggers of the fires due at `at` ready before they are due: each parsed and its
   * next fires worked out, off the moment they are taken (the recurrence libraries' cost is then
   * not part of any fire's lag). Yields between batches, so requests are answered meanwhile.
   */
  private async prepare(at: Date): Promise<void> {
    this.preparedFor = at.getTime();
    try {
      const due = await this.options.triggers.due(at, PREPARED_FIRES);
      for (let i = 0; i < due.length; i++) {
        const { trigger, executionTime } = due[i]!;
        try {
          this.timeTrigger(trigger, new Date()).next(new Date(executionTime));
        } catch {
          // Taken (and logged) as it is when due.
        }
        if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      this.options.logger.warn('operation engine could not prepare fires', { error: messageOf(error) });
    }
  }

  /**
   * Stops polling: no fire is taken after this. Runs under way go on (the server's close cancels
   * their protects and waits for them through `inBackground`); runs still waiting for a slot
   * start and end as the server's close lets them.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.polling;
  }

  /** Resolves once the runs this engine has started have ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  /** Says this engine is gone, once its runs have ended (their logs settled). */
  async retire(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
    await this.options.logs.removeInstance(this.instance).catch(() => undefined);
  }

  /**
   * One poll: say this engine is alive, fail the runs of stopped engines, take and run due fires.
   * Polls never overlap: one asked for while another runs starts once it has ended.
   */
  poll(): Promise<void> {
    const next = this.polling.catch(() => undefined).then(() => this.pollOnce());
    this.polling = next.catch(() => undefined);
    return next;
  }

  private async pollOnce(): Promise<void> {
    const { logs } = this.options;
    const now = this.now();
    await logs.heartbeat(this.instance, now);
    for (const orphan of await logs.orphans(new Date(now.getTime() - 3 * this.pollMs))) {
      if (orphan.instance === this.instance) continue;
      const who = orphan.host !== null ? `${orphan.host} (pid ${orphan.pid})` : 'an engine that is gone';
      if (
        await logs.settleIfRunning(orphan.id, {
          status: 'failed',
          ended_at: now.toISOString(),
          error_info: `the server running it stopped: ${who} stopped reporting; the checkpoint it was making, if any, is left to its lease (it reads error, abandoned)`,
        })
      )
        this.options.logger.warn('failed the run of a stopped engine', { log: orphan.id });
    }
    // Fires are taken a batch at a time, every batch due before any of their runs starts.
    const runs: { operation: ScheduledOperationRecord; log: NewLog; logId: string }[] = [];
    for (;;) {
      if (this.stopped) break;
      const { taken, full } = await this.takeBatch(now, runs);
      if (!full || taken === 0) break;
    }
    for (const { operation, log, logId } of runs) {
      const run = this.queue
        .add(() => this.run(operation, log, logId))
        .finally(() => this.running.delete(operation.id));
      this.running.set(operation.id, run);
      this.options.inBackground(run);
    }
  }

  /** The parsed trigger, from the cache while its properties are unchanged. */
  private timeTrigger(trigger: TriggerRecord, now: Date): TimeTrigger {
    const key = JSON.stringify(trigger.properties);
    const cached = this.parsed.get(trigger.id);
    if (cached !== undefined && cached.key === key) return cached.trigger;
    const parsed = parseTimeTrigger(trigger.properties, this.options.timeTriggers, now, false);
    if (this.parsed.size >= PARSED_TRIGGERS) this.parsed.delete(this.parsed.keys().next().value!);
    this.parsed.set(trigger.id, { key, trigger: parsed });
    return parsed;
  }

  /**
   * Takes one batch of due fires: each operation's log (a run, a skip, a drop) written with the
   * compare-and-swap of its fire, in one transaction. The runs are added to `runs`.
   */
  private async takeBatch(
    now: Date,
    runs: { operation: ScheduledOperationRecord; log: NewLog; logId: string }[],
  ): Promise<{ taken: number; full: boolean }> {
    const { logs, triggers, operations } = this.options;
    const due = await triggers.due(now, FIRES_A_POLL);
    if (due.length === 0) return { taken: 0, full: false };
    const ofTrigger = await operations.ofTriggers(due.map((d) => d.trigger.id));
    const busy = await logs.runningOf([...ofTrigger.values()].flat().map((o) => o.id));
    // When the fire is taken: its logs' start, and (less when it was due) its lag.
    const at = this.now();
    const fires: {
      triggerId: string;
      executionTime: string;
      next: Date | undefined;
      logs: { operation: ScheduledOperationRecord; log: NewLog; runs: boolean }[];
    }[] = [];
    for (const { trigger, executionTime } of due) {
      let time: TimeTrigger;
      try {
        time = this.timeTrigger(trigger, now);
      } catch (error) {
        // Stored triggers were checked when made; one that no longer parses is left as it is.
        this.options.logger.error('a trigger cannot be parsed', {
          trigger: trigger.id,
          error: messageOf(error),
        });
        continue;
      }
      const dueAt = new Date(executionTime);
      const windowEnd = new Date(dueAt.getTime() + time.windowSeconds * 1000);
      const fire: (typeof fires)[number]['logs'] = [];
      for (const operation of ofTrigger.get(trigger.id) ?? []) {
        const log: NewLog = {
          project_id: operation.project_id,
          scheduled_operation_id: operation.id,
          plan_id: operation.operation_definition['plan_id'] ?? null,
          provider_id: operation.operation_definition['provider_id'] ?? null,
          restore_id: null,
          checkpoint_id: null,
          expect_start_time: dueAt.toISOString(),
          started_at: at.toISOString(),
          operation_type: operation.operation_type,
          status: 'in_progress',
          ended_at: null,
          error_info: null,
          extra_info: null,
          instance: this.instance,
        };
        const ended = { ended_at: at.toISOString(), instance: null };
        if (at.getTime() > windowEnd.getTime())
          fire.push({
            operation,
            runs: false,
            log: {
              ...log,
              ...ended,
              status: 'dropped_out_of_window',
              error_info: `skipped: the fire due at ${dueAt.toISOString()} was taken at ${at.toISOString()}, after its window (${time.windowSeconds} s) ended; no server was running the engine then`,
            },
          });
        // One run of an operation at a time, across engines: a run still `in_progress` (its
        // engine alive, or it would have been failed above) makes this fire a skip.
        else if (this.running.has(operation.id) || busy.has(operation.id))
          fire.push({
            operation,
            runs: false,
            log: {
              ...log,
              ...ended,
              status: 'skipped',
              error_info: 'skipped: the run of the previous fire is still going on',
            },
          });
        else fire.push({ operation, runs: true, log });
      }
      fires.push({ triggerId: trigger.id, executionTime, next: time.next(now), logs: fire });
    }
    // Taken by this engine only where no other took them first; the logs are written with them.
    const taken = await triggers.takeFires(fires.map((f) => ({ ...f, logs: f.logs.map((l) => l.log) })));
    let count = 0;
    fires.forEach((fire, i) => {
      const ids = taken[i];
      if (ids === undefined) return;
      count++;
      fire.logs.forEach(({ operation, log, runs: starts }, j) => {
        if (starts) runs.push({ operation, log, logId: ids[j]! });
        else this.options.inBackground(this.pruneLogs(operation.id));
      });
    });
    return { taken: count, full: due.length === FIRES_A_POLL };
  }

  /**
   * Keeps the newest `retainedLogs` fires' logs of an operation (see
   * {@link OperationLogStore.prune}); a failure is only warned of (the next fire prunes again).
   */
  private async pruneLogs(operationId: string): Promise<void> {
    await this.options.logs
      .prune(operationId, this.retainedLogs)
      .catch((error: unknown) =>
        this.options.logger.warn('operation logs not pruned', { error: messageOf(error) }),
      );
  }

  /** Runs one fire of a scheduled operation, its log (written with the fire) `in_progress` until it ends. */
  private async run(operation: ScheduledOperationRecord, base: NewLog, logId: string): Promise<void> {
    const { logs, plans, providers, checkpoints, serviceOf, logger } = this.options;
    const end = async (status: string, error?: string, extra?: Record<string, unknown>) => {
      await logs.settleIfRunning(logId, {
        status,
        ended_at: this.now().toISOString(),
        error_info: error ?? null,
        extra_info: extra === undefined ? null : JSON.stringify(extra),
      });
      await this.pruneLogs(operation.id);
    };
    try {
      const planId = operation.operation_definition['plan_id']!;
      const plan = await plans.get(planId, operation.project_id);
      if (plan === undefined) return void (await end('failed', `plan ${planId} no longer exists`));
      const provider = providers.find((p) => p.id === plan.provider_id);
      if (provider === undefined)
        return void (await end(
          'failed',
          `provider ${plan.provider_id} of plan ${planId} is not served here`,
        ));
      const caller = { projectId: operation.project_id, userId: operation.user_id };
      const created = await checkpoints.protectPlan(plan, provider, caller, {
        created_by: 'operation-engine',
        trigger_id: operation.trigger_id,
        scheduled_operation_id: operation.id,
      });
      await logs.update(logId, { checkpoint_id: created.id });
      let record: CheckpointRecord;
      try {
        record = await created.done;
      } catch (error) {
        return void (await end(
          'failed',
          `the protect of checkpoint ${created.id} failed: ${messageOf(error)}`,
        ));
      }
      if (record.status !== 'available')
        return void (await end(
          'failed',
          `checkpoint ${created.id} ended ${record.status}${record.error ? `: ${record.error.message}` : record.reason ? ` (${record.reason})` : ''}`,
        ));
      if (operation.operation_type !== 'retention_protect') return void (await end('success'));
      // Retention, once the new checkpoint is available (a failed protect deletes nothing).
      const rule = retentionRuleOf(operation.operation_definition);
      const service = await serviceOf(provider);
      const all: CheckpointRecord[] = [];
      for (let marker: string | undefined; ; ) {
        const page = await service.listCheckpoints({
          planId: plan.id,
          limit: 1000,
          ...(marker ? { marker } : {}),
        });
        all.push(...page.filter((c) => c.projectId === operation.project_id));
        if (page.length < 1000) break;
        marker = page[page.length - 1]!.id;
      }
      const doomed = checkpointsToDelete(all, rule, this.now());
      const deleted: string[] = [];
      const failed: string[] = [];
      for (const { checkpoint, why } of doomed) {
        const started = this.now().toISOString();
        let status = 'deleted';
        let error: string | null = null;
        try {
          const result = (await (
            await checkpoints.deleteCheckpoint(provider, checkpoint.id, caller)
          ).done) as {
            status?: string;
            error?: { message?: string };
          };
          status = result.status ?? 'deleted';
          if (status !== 'deleted') error = result.error?.message ?? `ended ${status}`;
        } catch (cause) {
          status = 'error-deleting';
          error = messageOf(cause);
        }
        (status === 'deleted' ? deleted : failed).push(checkpoint.id);
        await logs.add({
          ...base,
          operation_type: 'delete',
          checkpoint_id: checkpoint.id,
          status,
          started_at: started,
          ended_at: this.now().toISOString(),
          error_info: error,
          extra_info: JSON.stringify({ deleted_by: 'retention', why, protect_log_id: logId }),
          instance: null,
        });
      }
      await end(
        failed.length === 0 ? 'success' : 'failed',
        failed.length === 0 ? undefined : `retention could not delete ${failed.join(', ')}`,
        {
          checkpoint_id: created.id,
          retention_deleted: deleted,
        },
      );
    } catch (error) {
      logger.error('scheduled operation failed', { operation: operation.id, error: messageOf(error) });
      await end('failed', messageOf(error)).catch(() => undefined);
    }
  }
}
