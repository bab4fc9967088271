import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';

/** A table of restores or verifications (the same columns; see OperationRecordStore). */
async function createOperationRecordTable(
  db: Kysely<unknown>,
  table: 'restores' | 'verifications',
): Promise<void> {
  await db.schema
    .createTable(table)
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('provider_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('checkpoint_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('restore_target', 'varchar(255)')
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(64)', (c) => c.notNull())
    .addColumn('resources_status', 'text')
    .addColumn('resources_reason', 'text')
    .addColumn('hoard_restore_id', 'varchar(36)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();
  await db.schema
    .createIndex(`${table}_project_created`)
    .on(table)
    .columns(['project_id', 'created_at'])
    .execute();
}

/**
 * The schema's migrations, in order; a name once released is never changed (Kysely records the
 * names it applied in `kysely_migration`). Written in Kysely's builder so one text serves SQLite
 * and MySQL/MariaDB.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_plans': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('plans')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('description', 'varchar(255)')
        .addColumn('provider_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('status', 'varchar(64)', (c) => c.notNull())
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(32)')
        .execute();
      await db.schema
        .createIndex('plans_project_created')
        .on('plans')
        .columns(['project_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('plan_resources')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('plan_id', 'varchar(36)', (c) => c.notNull().references('plans.id').onDelete('cascade'))
        .addColumn('resource_id', 'varchar(1024)', (c) => c.notNull())
        .addColumn('resource_type', 'varchar(255)', (c) => c.notNull())
        .addColumn('resource_name', 'varchar(255)', (c) => c.notNull())
        .addColumn('resource_extra_info', 'text')
        .execute();
      await db.schema.createIndex('plan_resources_plan').on('plan_resources').column('plan_id').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('plan_resources').execute();
      await db.schema.dropTable('plans').execute();
    },
  },
  '0002_restores': {
    up: (db: Kysely<unknown>) => createOperationRecordTable(db, 'restores'),
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('restores').execute();
    },
  },
  '0003_quotas_services': {
    async up(db: Kysely<unknown>) {
      for (const [table, key] of [
        ['quotas', 'project_id'],
        ['quota_classes', 'class_name'],
      ] as const) {
        await db.schema
          .createTable(table)
          .addColumn(key, 'varchar(255)', (c) => c.notNull())
          .addColumn('resource', 'varchar(255)', (c) => c.notNull())
          .addColumn('hard_limit', 'integer', (c) => c.notNull())
          .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, [key, 'resource'])
          .execute();
      }
      await db.schema
        .createTable('services')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('host', 'varchar(255)', (c) => c.notNull())
        .addColumn('binary', 'varchar(255)', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disabled_reason', 'varchar(255)')
        .addColumn('report_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(32)')
        .addUniqueConstraint('services_host_binary', ['host', 'binary'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('services').execute();
      await db.schema.dropTable('quota_classes').execute();
      await db.schema.dropTable('quotas').execute();
    },
  },
  '0004_verifications': {
    up: (db: Kysely<unknown>) => createOperationRecordTable(db, 'verifications'),
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('verifications').execute();
    },
  },
  '0005_running_checkpoint_operations': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('running_checkpoint_operations')
        .addColumn('checkpoint_id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('provider_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('operation', 'varchar(16)', (c) => c.notNull())
        .addColumn('service_id', 'integer', (c) => c.notNull())
        .addColumn('pid', 'integer', (c) => c.notNull())
        .addColumn('instance', 'varchar(36)', (c) => c.notNull())
        .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('running_checkpoint_operations_service')
        .on('running_checkpoint_operations')
        .column('service_id')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('running_checkpoint_operations').execute();
    },
  },
  '0006_plan_versions': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('plan_versions')
        .addColumn('project_id', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('plan_versions').execute();
    },
  },
  '0007_triggers': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('triggers')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('type', 'varchar(64)', (c) => c.notNull())
        .addColumn('properties', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(32)')
        .execute();
      await db.schema
        .createIndex('triggers_project_created')
        .on('triggers')
        .columns(['project_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('trigger_executions')
        .addColumn('trigger_id', 'varchar(36)', (c) =>
          c.primaryKey().references('triggers.id').onDelete('cascade'),
        )
        .addColumn('execution_time', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('trigger_executions_time')
        .on('trigger_executions')
        .column('execution_time')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('trigger_executions').execute();
      await db.schema.dropTable('triggers').execute();
    },
  },
  '0008_scheduled_operations': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('scheduled_operations')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('description', 'varchar(255)')
        .addColumn('operation_type', 'varchar(64)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('trigger_id', 'varchar(36)', (c) => c.notNull().references('triggers.id'))
        .addColumn('operation_definition', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(32)')
        .execute();
      await db.schema
        .createIndex('scheduled_operations_trigger')
        .on('scheduled_operations')
        .column('trigger_id')
        .execute();
      await db.schema
        .createIndex('scheduled_operations_project_created')
        .on('scheduled_operations')
        .columns(['project_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('operation_logs')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('operation_type', 'varchar(64)', (c) => c.notNull())
        .addColumn('checkpoint_id', 'varchar(36)')
        .addColumn('plan_id', 'varchar(36)')
        .addColumn('provider_id', 'varchar(255)')
        .addColumn('restore_id', 'varchar(36)')
        .addColumn('scheduled_operation_id', 'varchar(36)')
        .addColumn('status', 'varchar(64)', (c) => c.notNull())
        .addColumn('expect_start_time', 'varchar(32)')
        .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('ended_at', 'varchar(32)')
        .addColumn('error_info', 'text')
        .addColumn('extra_info', 'text')
        .addColumn('instance', 'varchar(36)')
        .execute();
      await db.schema
        .createIndex('operation_logs_project_started')
        .on('operation_logs')
        .columns(['project_id', 'started_at'])
        .execute();
      await db.schema
        .createIndex('operation_logs_scheduled')
        .on('operation_logs')
        .column('scheduled_operation_id')
        .execute();
      await db.schema.createIndex('operation_logs_status').on('operation_logs').column('status').execute();
      await db.schema
        .createTable('engine_instances')
        .addColumn('instance', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('host', 'varchar(255)', (c) => c.notNull())
        .addColumn('pid', 'integer', (c) => c.notNull())
        .addColumn('heartbeat_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('engine_instances').execute();
      await db.schema.dropTable('operation_logs').execute();
      await db.schema.dropTable('scheduled_operations').execute();
    },
  },
  '0009_operation_runners': {
    async up(db: Kysely<unknown>) {
      // Which server process runs each restore and verification: a server that starts fails only
      // those whose server is gone, not those another live server on the database runs.
      for (const table of ['restores', 'verifications'])
        for (const [column, type] of [
          ['runner_host', 'varchar(255)'],
          ['runner_pid', 'integer'],
          ['runner_instance', 'varchar(36)'],
        ] as const)
          await db.schema.alterTable(table).addColumn(column, type).execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['restores', 'verifications'])
        for (const column of ['runner_host', 'runner_pid', 'runner_instance'])
          await db.schema.alterTable(table).dropColumn(column).execute();
    },
  },
};

/** Applies every migration not applied yet, in one lock (two servers starting at once are safe). */
export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(
      `migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? String(error)}`,
    );
  }
}
