import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { HoardError } from '@hoard/core';
import SQLite from 'better-sqlite3';
import { Kysely, MysqlDialect, type SqliteDatabase, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';

/** An open database: Kysely over SQLite or MySQL/MariaDB, migrated to the latest schema. */
export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'mysql';
  /** The URL with its password replaced by `***` (for logs). */
  description: string;
  close(): Promise<void>;
}

/**
 * Opens `database_url` (Karbor's `[database] connection`) and migrates it:
 * `sqlite:///relative/file.db`, `sqlite:////absolute/file.db`, `sqlite://` (in memory), or
 * `mysql://user:password@host:port/name`, also in oslo.db's spelling `mysql+pymysql://...`.
 *
 * @throws `SERVER_CONFIG_INVALID` for a URL of another kind or that does not parse
 */
export async function openDatabase(url: string, baseDir = process.cwd()): Promise<OpenDatabase> {
  const invalid = (why: string) =>
    new HoardError('SERVER_CONFIG_INVALID', `database connection ${redactUrl(url)}: ${why}`);
  let db: Kysely<Database>;
  let dialect: OpenDatabase['dialect'];
  if (url.startsWith('sqlite:')) {
    const rest = url.slice('sqlite:'.length);
    if (rest !== '//' && !rest.startsWith('///'))
      throw invalid('a SQLite URL is sqlite:///relative.db, sqlite:////absolute.db or sqlite:// (memory)');
    const file = rest === '//' ? ':memory:' : path.resolve(baseDir, rest.slice(3));
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    const sqlite = new SQLite(file);
    // WAL: readers do not wait for the writer; a crash loses no committed transaction.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: keepingStatements(sqlite) }) });
    dialect = 'sqlite';
  } else if (/^mysql(\+[a-z0-9]+)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url.replace(/^mysql\+[a-z0-9]+:/, 'mysql:'));
    } catch {
      throw invalid('not a URL');
    }
    const database = decodeURIComponent(parsed.pathname.slice(1));
    if (database === '') throw invalid('no database name (mysql://user:password@host/NAME)');
    const pool = createPool({
      host: parsed.hostname,
      port: parsed.port === '' ? 3306 : Number(parsed.port),
      user: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
      database,
      charset: 'utf8mb4',
      connectionLimit: 10,
      timezone: 'Z',
    });
    db = new Kysely<Database>({ dialect: new MysqlDialect({ pool }) });
    dialect = 'mysql';
  } else {
    throw invalid('only sqlite:// and mysql:// (or mysql+pymysql://) are supported');
  }
  try {
    await migrateToLatest(db as unknown as Kysely<unknown>);
  } catch (error) {
    await db.destroy();
    throw new HoardError(
      'SERVER_CONFIG_INVALID',
      `database ${redactUrl(url)} cannot be opened or migrated: ${(error as Error).message}`,
      {},
      { cause: error },
    );
  }
  return { db, dialect, description: redactUrl(url), close: () => db.destroy() };
}

/** Prepared statements a SQLite connection keeps (most recently used). */
const KEPT_STATEMENTS = 256;

/**
 * better-sqlite3 for Kysely, its prepared statements kept by SQL text: Kysely prepares every
 * query anew, and preparing costs more than running a plan lookup (a third of a plan show's
 * server time). SQLite re-prepares a kept statement itself when the schema changes.
 */
function keepingStatements(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (sql) => {
      let statement = statements.get(sql);
      if (statement !== undefined) statements.delete(sql);
      else statement = sqlite.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > KEPT_STATEMENTS) statements.delete(statements.keys().next().value!);
      return statement;
    },
  };
}

/** `url` with any password replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}
