import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type DatabaseHandle, type OpenDatabaseOptions } from '../../src/infra/db/database.js';
import { migrateToLatest } from '../../src/infra/db/migrate.js';

/** A throwaway database. Closing it deletes the file or schema. */
export interface TestDatabase extends DatabaseHandle {
  /**
   * What opens this same database again, e.g. from a child process playing a second instance.
   * Open SQLite peers in another process, not this one: better-sqlite3 is synchronous, so a second
   * connection waiting on the first one's write lock blocks the very thread that would release it.
   */
  openOptions: OpenDatabaseOptions;
}

export interface DatabaseCase {
  name: 'sqlite' | 'postgres';
  /** A one-line reason when this dialect cannot run here, for `describe(…, { skip })`. */
  skip: string | false;
  /** A fresh, empty database; `{ migrated: true }` applies the migrations first. */
  open(options?: { migrated?: boolean }): Promise<TestDatabase>;
}

/**
 * Both dialects, so every storage test runs against each:
 * `for (const c of databaseCases()) describe(c.name, { skip: c.skip }, () => …)`.
 * PostgreSQL runs when DATABASE_URL is set; each `open()` gets its own schema.
 */
export function databaseCases(): DatabaseCase[] {
  const url = process.env.DATABASE_URL;
  return [
    { name: 'sqlite', skip: false, open: (options) => withMigrations(openSqlite(), options) },
    {
      name: 'postgres',
      skip: url ? false : 'DATABASE_URL not set: PostgreSQL cases skipped',
      open: (options) => {
        if (!url) throw new Error('DATABASE_URL not set');
        return withMigrations(openPostgres(url), options);
      },
    },
  ];
}

async function withMigrations(opening: Promise<TestDatabase>, options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const handle = await opening;
  if (options.migrated) await migrateToLatest(handle.db);
  return handle;
}

async function openSqlite(): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mobius-db-'));
  const sqlitePath = path.join(dir, 'mobius.db');
  return throwaway(await openDatabase({ sqlitePath }), { sqlitePath }, () => {
    rmSync(dir, { recursive: true, force: true });
  });
}

async function openPostgres(url: string): Promise<TestDatabase> {
  const schema = `test_${process.pid}_${randomBytes(6).toString('hex')}`;
  await admin(url, `create schema ${schema}`);
  const openOptions: OpenDatabaseOptions = { databaseUrl: url, sqlitePath: '', searchPath: schema, poolSize: 5 };
  let handle: DatabaseHandle;
  try {
    handle = await openDatabase(openOptions);
  } catch (err) {
    await admin(url, `drop schema ${schema} cascade`);
    throw err;
  }
  return throwaway(handle, openOptions, () => admin(url, `drop schema if exists ${schema} cascade`));
}

function throwaway(handle: DatabaseHandle, openOptions: OpenDatabaseOptions, cleanUp: () => void | Promise<void>): TestDatabase {
  let closed: Promise<void> | undefined;
  return {
    ...handle,
    openOptions,
    close() {
      closed ??= handle.close().then(cleanUp);
      return closed;
    },
  };
}

/** Runs one statement on its own connection (create/drop a test schema). */
export async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
