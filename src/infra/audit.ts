import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DatabaseDialect } from './db/database.js';
import { int8ToNumber, type AuditLogRow, type Database } from './db/schema.js';
import { isPublicHashKey, isSecretKey, scrubSecrets } from './log.js';

/** The `prev_hash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Key for `pg_advisory_xact_lock` while appending ("MOB1"). Advisory locks are database-wide, so
 * every instance appending to this database queues on the same number.
 */
const AUDIT_LOCK_KEY = 0x4d4f4231;

const VERIFY_BATCH = 500;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface AuditInput {
  /** Who acted: a user ref (`telegram:123`), an API key id, `system`, `cli`. */
  actor: string;
  /** What happened, dotted and past tense: `apikey.created`, `swap.executed`. */
  action: string;
  /** What it happened to (a user id, key id, transaction hash), when there is one thing. */
  subject?: string | null;
  /** Facts worth keeping. Secret-looking keys are dropped and strings scrubbed before storing. */
  data?: Record<string, unknown>;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  /** The data as stored: secrets removed, bigints as decimal strings. */
  data: { [key: string]: JsonValue };
  prevHash: string;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Entries that verified (all of them when `ok`; those before the break otherwise). */
  count: number;
  /** `seq` of the first entry that does not chain: edited, or the successor of a deleted one. */
  brokenAt?: number;
}

/**
 * The append-only, hash-chained audit log. Each entry's hash covers the previous entry's hash and
 * the entry's own fields, so editing or deleting any entry but the newest breaks the chain at that
 * point; `verify()` finds where. (Dropping the newest entries leaves a shorter valid chain — anchor
 * the latest hash elsewhere if that matters.)
 */
export class AuditLog {
  readonly #db: Kysely<Database>;
  readonly #dialect: DatabaseDialect;
  readonly #now: () => Date;
  /** Appends from this process run one at a time; the database lock covers other processes. */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(db: Kysely<Database>, dialect: DatabaseDialect, options: { now?: () => Date } = {}) {
    this.#db = db;
    this.#dialect = dialect;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Adds one entry at the end of the chain.
   *
   * @example await audit.append({ actor: 'cli', action: 'apikey.created', subject: key.id, data: { tier: 'pro' } });
   */
  async append(input: AuditInput): Promise<AuditEntry> {
    // Sanitise now, so what is stored is what the caller passed at this moment and a bad value
    // fails the caller's call without holding up the queue.
    const data = sanitizeAuditData(input.data ?? {}) as { [key: string]: JsonValue };
    const entry = { actor: input.actor, action: input.action, subject: input.subject ?? null, data };
    const run = this.#tail.then(() => this.#db.transaction().execute((trx) => this.#appendIn(trx, entry)));
    this.#tail = run.catch(() => {});
    return run;
  }

  async #appendIn(
    trx: Transaction<Database>,
    entry: Pick<AuditEntry, 'actor' | 'action' | 'subject' | 'data'>,
  ): Promise<AuditEntry> {
    // On SQLite the transaction is `begin immediate` (see database.ts), which already excludes
    // other writers; PostgreSQL needs an explicit lock so two instances cannot both read the same
    // tail and fork the chain.
    if (this.#dialect === 'postgres') await sql`select pg_advisory_xact_lock(${sql.lit(AUDIT_LOCK_KEY)})`.execute(trx);
    const last = await trx.selectFrom('audit_log').select('hash').orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const prevHash = last?.hash ?? GENESIS_HASH;
    // Taken under the lock, so `at` never goes backwards along the chain (on one clock).
    const at = this.#now().toISOString();
    const hash = entryHash(prevHash, { at, ...entry });
    const row = await trx
      .insertInto('audit_log')
      .values({ at, ...entry, data: canonicalJson(entry.data), prev_hash: prevHash, hash })
      .returning('seq')
      .executeTakeFirstOrThrow();
    return { seq: int8ToNumber(row.seq), at, ...entry, prevHash, hash };
  }

  /** Recomputes the whole chain, oldest first, reading in batches. */
  async verify(): Promise<AuditVerification> {
    let expectedPrev = GENESIS_HASH;
    let count = 0;
    let after: number | undefined;
    for (;;) {
      let query = this.#db.selectFrom('audit_log').selectAll().orderBy('seq').limit(VERIFY_BATCH);
      if (after !== undefined) query = query.where('seq', '>', after);
      const rows = await query.execute();
      for (const row of rows) {
        const seq = int8ToNumber(row.seq);
        if (row.prev_hash !== expectedPrev || recomputeHash(row) !== row.hash) return { ok: false, count, brokenAt: seq };
        expectedPrev = row.hash;
        count += 1;
        after = seq;
      }
      if (rows.length < VERIFY_BATCH) return { ok: true, count };
    }
  }
}

function recomputeHash(row: AuditLogRow): string | undefined {
  let data: JsonValue;
  try {
    data = JSON.parse(row.data) as JsonValue;
  } catch {
    return undefined;
  }
  return entryHash(row.prev_hash, { at: row.at, actor: row.actor, action: row.action, subject: row.subject, data });
}

/** sha256(prev_hash + canonical JSON of the entry's own fields). `seq` is left out: the chain already orders entries. */
function entryHash(
  prevHash: string,
  fields: { at: string; actor: string; action: string; subject: string | null; data: JsonValue },
): string {
  const { at, actor, action, subject, data } = fields;
  return createHash('sha256')
    .update(prevHash + canonicalJson({ at, actor, action, subject, data }))
    .digest('hex');
}

/**
 * JSON with object keys sorted at every depth, so the same value always gives the same text (and
 * hash), whatever order its keys were built in or a database returned them.
 */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * What of `value` may be stored in the audit log: JSON only, bigints as decimal strings, keys that
 * name secrets dropped at any depth, and strings passed through `scrubSecrets` (a key pasted into a
 * free-text field). Like JSON.stringify, undefined and functions vanish from objects and become
 * null in arrays.
 */
export function sanitizeAuditData(value: unknown, seen: WeakSet<object> = new WeakSet()): JsonValue {
  switch (typeof value) {
    case 'string':
      return scrubSecrets(value);
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      return null;
  }
  if (value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => sanitizeAuditData(v, seen));
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return sanitizeAuditData(toJSON.call(value), seen);
    const out: { [key: string]: JsonValue } = {};
    for (const [key, v] of Object.entries(value)) {
      if (isSecretKey(key) || v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      // A transaction or block hash has a private key's shape (64 hex digits) but is public, and
      // the audit of a swap is useless without it.
      out[key] = isPublicHashKey(key) && typeof v === 'string' ? v : sanitizeAuditData(v, seen);
    }
    return out;
  } finally {
    // Only ancestors count as cycles; the same object twice side by side is fine.
    seen.delete(value);
  }
}
