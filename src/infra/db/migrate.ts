import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { dialectOf } from './database.js';
import { migrations as allMigrations } from './migrations/index.js';

/** A migration failed; the message names it. Kysely rolls back the failed migration where the dialect allows. */
export class MigrationError extends Error {
  constructor(
    readonly migration: string | undefined,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(
      migration === undefined
        ? `Database migration failed: ${reason}`
        : `Database migration ${migration} failed: ${reason}`,
      options,
    );
    this.name = 'MigrationError';
  }
}

/**
 * Applies every pending migration; safe to run at each start and from several instances at once
 * (Kysely takes a lock). Returns the names applied by this call, in order.
 *
 * @example const { applied } = await migrateToLatest(handle.db); // ['0001_foundation'] on a new database
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  migrations: Record<string, Migration> = allMigrations,
): Promise<{ applied: string[] }> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    // Kysely looks for its bookkeeping tables in *every* schema unless told which one. With another
    // schema holding them (a second deployment, a test schema) it would think they exist here, so
    // name the schema the tables are actually created in: the first on the search path.
    ...(dialectOf(db) === 'postgres' ? { migrationTableSchema: await currentSchema(db) } : {}),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error');
    throw new MigrationError(failed?.migrationName, { cause: error });
  }
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

async function currentSchema<DB>(db: Kysely<DB>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new MigrationError(undefined, { cause: new Error('no schema on the PostgreSQL search_path exists') });
  return schema;
}
