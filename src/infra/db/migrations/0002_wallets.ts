import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Wallets and the keystore's own records. Sealed keys are stored as base64 text in separate
 * columns (key id, wrapped data key, nonces, ciphertext), identical on SQLite and PostgreSQL.
 */
export const wallets: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('keystore_meta')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('key_version', 'integer', (c) => c.notNull())
      .addColumn('wrapped_dek', 'text', (c) => c.notNull())
      .addColumn('dek_nonce', 'text', (c) => c.notNull())
      .addColumn('ciphertext', 'text', (c) => c.notNull())
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('wallets')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('derivation_path', 'text')
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(0))
      // Sealed key columns: all set for a wallet Möbius can sign with, all null for a watched address.
      .addColumn('key_id', 'text')
      .addColumn('key_version', 'integer')
      .addColumn('wrapped_dek', 'text')
      .addColumn('dek_nonce', 'text')
      .addColumn('ciphertext', 'text')
      .addColumn('nonce', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addCheckConstraint('wallets_kind_check', sql`kind in ('local', 'watch')`)
      .addUniqueConstraint('wallets_user_address_unique', ['user_id', 'address'])
      .execute();
    await db.schema.createIndex('wallets_key_id_idx').on('wallets').column('key_id').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('wallets').execute();
    await db.schema.dropTable('keystore_meta').execute();
  },
};
