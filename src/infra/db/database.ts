import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type SqliteDialectConfig,
} from 'kysely';
import type { HealthCheck } from '../health.js';
import type { Logger } from '../log.js';
import type { Database } from './schema.js';

export type DatabaseDialect = 'sqlite' | 'postgres';

export interface OpenDatabaseOptions {
  /** PostgreSQL URL; when unset the SQLite file at `sqlitePath` is used. */
  databaseUrl?: string;
  sqlitePath: string;
  /** PostgreSQL schema to put first on the search path (tests use one fresh schema each). */
  searchPath?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /** Where a dropped idle PostgreSQL connection is reported (pg would otherwise crash the process). */
  logger?: Logger;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: DatabaseDialect;
  /** Required readiness check: `select 1`. */
  healthCheck: HealthCheck;
  /** Closes the pool or file; safe to call twice. */
  close(): Promise<void>;
}

/** The database could not be opened. The message is one line, fit to print and exit, and never holds a password. */
export class DatabaseOpenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseOpenError';
  }
}

const BUSY_TIMEOUT_MS = 5000;
const CONNECT_TIMEOUT_MS = 5000;
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Opens the database: PostgreSQL when `databaseUrl` is set, else SQLite at `sqlitePath` (its
 * directory is created). The connection is tried before this resolves, so a wrong URL fails at boot.
 *
 * @example const { db, close } = await openDatabase({ sqlitePath: config.sqlitePath, databaseUrl: config.DATABASE_URL });
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openSqlite(options.sqlitePath);
}

/** Which dialect a Kysely instance speaks (migrations need it for the few per-dialect column types). */
export function dialectOf<DB>(db: Kysely<DB>): DatabaseDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * Kysely's SQLite driver opens transactions with a plain (deferred) `begin`. A deferred transaction
 * that reads and then writes cannot wait for another process's write lock: it fails with
 * SQLITE_BUSY at once instead of honouring busy_timeout. `begin immediate` takes the write lock up
 * front, so a second process (a CLI command next to the server) waits its turn instead. Inside one
 * process it costs nothing: Kysely already funnels everything through the single connection.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

async function openSqlite(file: string): Promise<DatabaseHandle> {
  let raw: BetterSqlite3.Database;
  try {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    raw = new BetterSqlite3(file);
  } catch (err) {
    throw new DatabaseOpenError(`Cannot open SQLite database at ${file}: ${reasonOf(err)}`, { cause: err });
  }
  try {
    // busy_timeout first, so the switch to WAL waits for another process rather than failing.
    raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    raw.pragma('journal_mode = WAL');
    raw.pragma('foreign_keys = ON');
    // Safe with WAL (a power cut can lose the last commits, never corrupt the file) and much faster than FULL.
    raw.pragma('synchronous = NORMAL');
  } catch (err) {
    raw.close();
    throw new DatabaseOpenError(`Cannot open SQLite database at ${file}: ${reasonOf(err)}`, { cause: err });
  }
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: raw }) });
  return handle(db, 'sqlite');
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const where = describeUrl(url);
  if (options.searchPath !== undefined && !SCHEMA_NAME.test(options.searchPath)) {
    throw new DatabaseOpenError(`Cannot use PostgreSQL schema "${options.searchPath}": a schema name is letters, digits and _`);
  }
  // Loaded only in PostgreSQL mode: the embedded default should not pay for the driver.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // A startup parameter rather than a `set` after connecting: it holds for every pooled connection
    // from its first query, with no window where the default schema is in effect.
    ...(options.searchPath === undefined ? {} : { options: `-c search_path=${options.searchPath}` }),
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, that kills the process.
  // The next query fails on its own and the health check reports it, so a log line is enough here.
  pool.on('error', (err) => options.logger?.warn({ err }, 'PostgreSQL connection lost'));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (err) {
    await db.destroy().catch(() => {});
    throw new DatabaseOpenError(`Cannot connect to PostgreSQL at ${where}: ${withoutPassword(reasonOf(err), url)}`, {
      cause: err,
    });
  }
  return handle(db, 'postgres');
}

function handle(db: Kysely<Database>, dialect: DatabaseDialect): DatabaseHandle {
  let closed: Promise<void> | undefined;
  return {
    db,
    dialect,
    healthCheck: {
      name: 'database',
      required: true,
      async check() {
        await sql`select 1`.execute(db);
        return { dialect };
      },
    },
    close() {
      closed ??= db.destroy();
      return closed;
    },
  };
}

/** `postgres://user@host:port/db` — enough to tell which server was meant, without the password. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'DATABASE_URL (not a valid URL)';
  }
}

/** One line describing why a connection failed. Node reports a refused dual-stack connect as an AggregateError with an empty message. */
function reasonOf(err: unknown): string {
  let reason: string;
  if (err instanceof AggregateError && err.errors.length > 0) reason = reasonOf(err.errors[0]);
  else if (err instanceof Error) reason = err.message || ((err as NodeJS.ErrnoException).code ?? err.name);
  else reason = String(err);
  return reason.replace(/\s+/g, ' ').trim() || 'unknown error';
}

function withoutPassword(text: string, url: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // An unparsable URL: pg failed on it before using any password.
  }
  return password ? text.split(password).join('***') : text;
}
