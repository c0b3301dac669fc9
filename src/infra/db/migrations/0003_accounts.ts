import { sql, type Kysely, type Migration } from 'kysely';

/**
 * What people do with their wallets and accounts: pending confirmations, transactions Möbius sent,
 * one-time account-link codes, API key scopes, and the conversation log and notification outbox
 * that the retention job prunes.
 */
export const accounts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('pending_actions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      // One pending action per user: a new one replaces the old (the unique key is what enforces it).
      .addColumn('user_id', 'text', (c) => c.notNull().unique().references('users.id').onDelete('cascade'))
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('capability', 'text', (c) => c.notNull())
      .addColumn('input', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('chat_kind', 'text')
      .addColumn('chat_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('transactions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
      .addColumn('wallet_id', 'text', (c) => c.references('wallets.id').onDelete('set null'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('chain_id', 'integer', (c) => c.notNull())
      .addColumn('hash', 'text')
      .addColumn('from_address', 'text')
      .addColumn('to_address', 'text')
      .addColumn('token_in', 'text')
      .addColumn('amount_in', 'text')
      .addColumn('token_out', 'text')
      .addColumn('amount_out', 'text')
      .addColumn('value_usd_e6', 'text')
      .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addCheckConstraint('transactions_kind_check', sql`kind in ('faucet', 'swap', 'transfer')`)
      .addCheckConstraint('transactions_status_check', sql`status in ('pending', 'confirmed', 'failed')`)
      .execute();
    await db.schema.createIndex('transactions_user_idx').on('transactions').columns(['user_id', 'created_at']).execute();
    await db.schema.createIndex('transactions_hash_idx').on('transactions').columns(['chain_id', 'hash']).execute();

    await db.schema
      .createTable('link_codes')
      .addColumn('code_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addCheckConstraint('messages_role_check', sql`role in ('user', 'assistant')`)
      .execute();
    await db.schema.createIndex('messages_created_idx').on('messages').column('created_at').execute();

    await db.schema
      .createTable('notifications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'text')
      .addCheckConstraint('notifications_status_check', sql`status in ('pending', 'sent', 'failed')`)
      .execute();
    await db.schema.createIndex('notifications_created_idx').on('notifications').column('created_at').execute();

    // Keys made before scopes existed keep what they could do: everything but admin endpoints.
    await db.schema.alterTable('api_keys').addColumn('scopes', 'text', (c) => c.notNull().defaultTo('["chat","market","wallet","trade"]')).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('api_keys').dropColumn('scopes').execute();
    for (const table of ['notifications', 'messages', 'link_codes', 'transactions', 'pending_actions']) {
      await db.schema.dropTable(table).execute();
    }
  },
};
