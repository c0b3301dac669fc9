import type { Generated, GeneratedAlways, Insertable, Selectable } from 'kysely';
import type { Platform, Tier } from '../../core/identity.js';

/**
 * The typed shape of the database, shared by SQLite and PostgreSQL. Column types are what a query
 * returns on *both* drivers, so a few portable conventions hold everywhere:
 *
 * - timestamps are ISO-8601 UTC text (`2025-01-02T03:04:05.678Z`): identical in both dialects and
 *   they sort correctly as text;
 * - JSON is stored as text (SQLite has no JSON type, and one representation keeps rows identical);
 * - amounts (in later tables) are decimal strings of base units, never floats.
 *
 * Later issues add tables here together with a new migration.
 */
export interface Database {
  users: UsersTable;
  identities: IdentitiesTable;
  preferences: PreferencesTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  keystore_meta: KeystoreMetaTable;
  wallets: WalletsTable;
  pending_actions: PendingActionsTable;
  transactions: TransactionsTable;
  link_codes: LinkCodesTable;
  messages: MessagesTable;
  notifications: NotificationsTable;
}

/** ISO-8601 UTC text, from `Date.prototype.toISOString()`. */
export type Timestamp = string;

/** A JSON document serialised as text. */
export type JsonText = string;

/**
 * A 64-bit integer column. better-sqlite3 returns it as a number, but pg returns int8 as a string
 * (a JS number cannot hold every int8), so the type admits both; read it with `int8ToNumber`.
 */
export type Int8 = number | string;

/** Converts an `Int8` column to a number, refusing values a number cannot hold exactly. */
export function int8ToNumber(value: Int8 | bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${String(value)} is not a safe integer`);
  return n;
}

export interface UsersTable {
  id: string;
  tier: Tier;
  created_at: Timestamp;
}

/** One person as one platform knows them; (platform, platform_user_id) is the primary key. */
export interface IdentitiesTable {
  platform: Platform;
  platform_user_id: string;
  user_id: string;
  created_at: Timestamp;
}

export interface PreferencesTable {
  user_id: string;
  key: string;
  value: JsonText;
  updated_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  /** Hex sha256 of the key's secret part; the plaintext is never stored. */
  hash: string;
  tier: Tier;
  label: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  /** JSON array of scopes (`chat`, `market`, `wallet`, `trade`, `admin`). */
  scopes: Generated<JsonText>;
}

export interface AuditLogTable {
  /** Assigned by the database (identity / autoincrement); never written by the application. */
  seq: GeneratedAlways<Int8>;
  at: Timestamp;
  actor: string;
  action: string;
  subject: string | null;
  data: JsonText;
  prev_hash: string;
  hash: string;
}

export type UserRow = Selectable<UsersTable>;
export type IdentityRow = Selectable<IdentitiesTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
export type NewAuditLogRow = Insertable<AuditLogTable>;

/** A sealed secret's columns, base64 text (see src/wallets/keystore.ts). */
export interface SealedColumns {
  key_id: string;
  key_version: number;
  wrapped_dek: string;
  dek_nonce: string;
  ciphertext: string;
  nonce: string;
}

/** The keystore's own records: `canary` proves the master key matches this database. */
export interface KeystoreMetaTable extends SealedColumns {
  name: string;
  created_at: Timestamp;
}

export interface WalletsTable {
  id: string;
  user_id: string;
  name: string;
  /** Checksummed 0x address. */
  address: string;
  kind: 'local' | 'watch';
  derivation_path: string | null;
  /** 1 for the identity's active wallet, else 0 (integers behave the same on both dialects). */
  active: number;
  key_id: string | null;
  key_version: number | null;
  wrapped_dek: string | null;
  dek_nonce: string | null;
  ciphertext: string | null;
  nonce: string | null;
  created_at: Timestamp;
}

/** A write waiting for its person's yes; at most one per user. */
export interface PendingActionsTable {
  id: string;
  user_id: string;
  /** The identity that asked (`telegram:42`); only it may confirm. */
  actor: string;
  capability: string;
  /** The validated input, as JSON (bigints as decimal strings). */
  input: JsonText;
  /** What the person was asked to confirm, in words. */
  summary: string;
  source: string;
  chat_kind: 'private' | 'group' | null;
  chat_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export type TransactionKind = 'faucet' | 'swap' | 'transfer';
export type TransactionStatus = 'pending' | 'confirmed' | 'failed';

/**
 * Everything Möbius sent on someone's behalf. `token_in`/`amount_in` left the wallet,
 * `token_out`/`amount_out` arrived (token address or `native`; base units as decimal strings).
 * `value_usd_e6` is the trade's USD value at the time, in millionths of a dollar, for cost basis.
 */
export interface TransactionsTable {
  id: string;
  user_id: string | null;
  wallet_id: string | null;
  kind: TransactionKind;
  status: TransactionStatus;
  chain_id: number;
  hash: string | null;
  from_address: string | null;
  to_address: string | null;
  token_in: string | null;
  amount_in: string | null;
  token_out: string | null;
  amount_out: string | null;
  value_usd_e6: string | null;
  data: JsonText;
  created_at: Timestamp;
}

/** A one-time code that links another platform's identity to this user; only its hash is kept. */
export interface LinkCodesTable {
  code_hash: string;
  user_id: string;
  actor: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** The conversation log (context for follow-ups); pruned by the retention job. */
export interface MessagesTable {
  id: string;
  user_id: string;
  platform: string;
  role: 'user' | 'assistant';
  text: string;
  created_at: Timestamp;
}

/** The notification outbox (alerts, transaction results); pruned by the retention job. */
export interface NotificationsTable {
  id: string;
  user_id: string;
  kind: string;
  payload: JsonText;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

export type WalletRow = Selectable<WalletsTable>;
export type PendingActionRow = Selectable<PendingActionsTable>;
export type TransactionRow = Selectable<TransactionsTable>;
