import type { Migration } from 'kysely';
import { foundation } from './0001_foundation.js';
import { wallets } from './0002_wallets.js';
import { accounts } from './0003_accounts.js';

/**
 * Every migration, in order. Names sort in the order they must run (Kysely checks this), and a
 * name is never changed or reused once released: databases record which names they have applied.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': foundation,
  '0002_wallets': wallets,
  '0003_accounts': accounts,
};
