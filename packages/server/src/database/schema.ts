import type { Generated } from 'kysely';

/** Karbor's `plans` table (times as ISO 8601 text in UTC, so both dialects store them alike). */
export interface PlansTable {
  id: string;
  name: string;
  description: string | null;
  provider_id: string;
  project_id: string;
  status: string;
  /** The plan's `parameters`, JSON. */
  parameters: string;
  created_at: string;
  updated_at: string | null;
}

/** Karbor's `resources` table: the resources of a plan, in the order given. */
export interface PlanResourcesTable {
  seq: Generated<number>;
  plan_id: string;
  resource_id: string;
  resource_type: string;
  resource_name: string;
  /** JSON or null. */
  resource_extra_info: string | null;
}

/** Karbor's `restores` table; Hoard's own restore record (in the bank) is `hoard_restore_id`. */
export interface RestoresTable {
  id: string;
  project_id: string;
  provider_id: string;
  checkpoint_id: string;
  restore_target: string | null;
  /** JSON. */
  parameters: string;
  status: string;
  /** JSON or null: resource key → `restoring` / `available` / `error`. */
  resources_status: string | null;
  /** JSON or null: resource key → why it failed. */
  resources_reason: string | null;
  hoard_restore_id: string | null;
  created_at: string;
  updated_at: string | null;
  /** The host, pid and process instance of the server running it (null in rows from before 0009). */
  runner_host: string | null;
  runner_pid: number | null;
  runner_instance: string | null;
}

/** Karbor's `quotas`: a project's own limit of one resource (`plans`, `checkpoints`). */
export interface QuotasTable {
  project_id: string;
  resource: string;
  hard_limit: number;
  updated_at: string;
}

/** Karbor's `quota_classes`: the limits of a class; class `default` overrides the config defaults. */
export interface QuotaClassesTable {
  class_name: string;
  resource: string;
  hard_limit: number;
  updated_at: string;
}

/** Karbor's `services`: each process that runs operations, with its heartbeat. */
export interface ServicesTable {
  id: Generated<number>;
  host: string;
  binary: string;
  /** 0 or 1. */
  disabled: number;
  disabled_reason: string | null;
  report_count: number;
  created_at: string;
  updated_at: string | null;
}

/**
 * The protects and deletes of checkpoints a server runs, while they run (the checkpoints
 * themselves live in the bank): a server that starts again finds the ones its predecessor on the
 * same host was running when it died, and records each interrupted protect (see
 * `RunningOperationStore`).
 */
export interface RunningCheckpointOperationsTable {
  checkpoint_id: string;
  provider_id: string;
  operation: 'protect' | 'delete';
  /** The `services` row of the server running it (its host). */
  service_id: number;
  /** The process id of the server running it. */
  pid: number;
  /** A random id of that server process (a restarted server may get the same pid). */
  instance: string;
  started_at: string;
}

/**
 * A counter per project, raised in the transaction of every write to its plans: a server answers
 * plan reads from its cache of rendered answers while the counter it rendered them at still
 * stands (every server on the database sees every other's writes this way).
 */
export interface PlanVersionsTable {
  project_id: string;
  version: number | string;
}

/** Karbor's `triggers`: a time trigger of a project, its `properties` as given (JSON of strings). */
export interface TriggersTable {
  id: string;
  name: string;
  project_id: string;
  type: string;
  /** JSON: `format`, `pattern`, `start_time`, optional `end_time`, `window`, `timezone`. */
  properties: string;
  created_at: string;
  updated_at: string | null;
}

/**
 * Karbor's `trigger_executions`: each trigger's next fire (one row a trigger). The engine takes a
 * fire by moving its time on with a compare-and-swap, so one server runs each fire.
 */
export interface TriggerExecutionsTable {
  trigger_id: string;
  /** ISO 8601 UTC (sorts as it reads). */
  execution_time: string;
}

/** Karbor's `scheduled_operations`: what to run on each fire of a trigger. */
export interface ScheduledOperationsTable {
  id: string;
  name: string;
  description: string | null;
  /** `protect` or `retention_protect`. */
  operation_type: string;
  user_id: string;
  project_id: string;
  trigger_id: string;
  /** JSON of strings: `provider_id`, `plan_id`, retention keys. */
  operation_definition: string;
  /** 0 or 1. */
  enabled: number;
  created_at: string;
  updated_at: string | null;
}

/**
 * Karbor's `operation_logs` (its API's shape), written by the operation engine for every fire it
 * runs, skips or fails and every checkpoint retention deletes; `instance` is the engine that runs
 * it while `in_progress` (another one fails it with a reason if that engine stops).
 */
export interface OperationLogsTable {
  id: string;
  project_id: string;
  operation_type: string;
  checkpoint_id: string | null;
  plan_id: string | null;
  provider_id: string | null;
  restore_id: string | null;
  scheduled_operation_id: string | null;
  status: string;
  /** When the fire was due (ISO 8601), for a run of a scheduled operation. */
  expect_start_time: string | null;
  started_at: string;
  ended_at: string | null;
  error_info: string | null;
  /** JSON or null. */
  extra_info: string | null;
  instance: string | null;
}

/** Each running operation engine (one a `hoard serve` process) and when it last said it is alive. */
export interface EngineInstancesTable {
  instance: string;
  host: string;
  pid: number;
  heartbeat_at: string;
}

/** The database, as Kysely sees it. */
export interface Database {
  plans: PlansTable;
  plan_resources: PlanResourcesTable;
  restores: RestoresTable;
  verifications: RestoresTable;
  quotas: QuotasTable;
  quota_classes: QuotaClassesTable;
  services: ServicesTable;
  running_checkpoint_operations: RunningCheckpointOperationsTable;
  plan_versions: PlanVersionsTable;
  triggers: TriggersTable;
  trigger_executions: TriggerExecutionsTable;
  scheduled_operations: ScheduledOperationsTable;
  operation_logs: OperationLogsTable;
  engine_instances: EngineInstancesTable;
}
