import { sql, type Kysely, type Migration } from 'kysely';
import { dialectOf } from '../database.js';

// Migrations take `Kysely<unknown>`: they describe the schema as it was at the time, not as the
// current `Database` interface says it is now.

const TIERS = sql`('free', 'pro', 'admin')`;

/** Users, their platform identities, preferences, API keys and the hash-chained audit log. */
export const foundation: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tier', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addCheckConstraint('users_tier_check', sql`tier in ${TIERS}`)
      .execute();

    await db.schema
      .createTable('identities')
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('platform_user_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      // The primary key is the unique (platform, platform_user_id) that first-sight inserts race on.
      .addPrimaryKeyConstraint('identities_pk', ['platform', 'platform_user_id'])
      .execute();
    await db.schema.createIndex('identities_user_id_idx').on('identities').column('user_id').execute();

    await db.schema
      .createTable('preferences')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('preferences_pk', ['user_id', 'key'])
      .execute();

    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('tier', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .addColumn('revoked_at', 'text')
      .addCheckConstraint('api_keys_tier_check', sql`tier in ${TIERS}`)
      .execute();

    // The only per-dialect column in the schema: SQLite's `integer primary key autoincrement` never
    // reuses a deleted row's number; PostgreSQL's identity column is the standard equivalent, and
    // "generated always" refuses an explicit seq, so the application cannot pick its own.
    const postgres = dialectOf(db) === 'postgres';
    await db.schema
      .createTable('audit_log')
      .addColumn('seq', postgres ? 'bigint' : 'integer', (c) =>
        postgres ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
      )
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('subject', 'text')
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      // A chain has one successor per entry. Should two writers ever bypass the append lock, the
      // second insert fails here instead of forking the chain.
      .addUniqueConstraint('audit_log_prev_hash_unique', ['prev_hash'])
      .execute();
  },

  async down(db: Kysely<unknown>) {
    for (const table of ['audit_log', 'api_keys', 'preferences', 'identities', 'users']) {
      await db.schema.dropTable(table).execute();
    }
  },
};
