import { sql, type Kysely, type Transaction } from 'kysely';
import { UserError } from '../core/errors.js';
import { formatUserRef, parseUserRef, type UserRef } from '../core/identity.js';
import { sanitizeAuditData, type JsonValue } from '../infra/audit.js';
import type { DatabaseDialect } from '../infra/db/database.js';
import { int8ToNumber, type Database } from '../infra/db/schema.js';
import type { IdentityStore } from './identities.js';

/**
 * Everything Möbius holds about one person (GDPR art. 15 and 20), keys excluded: wallets are listed
 * by name, address and kind, never with their sealed columns.
 */
export interface UserExport {
  exportedAt: string;
  user: { id: string; tier: string; createdAt: string };
  identities: Array<{ platform: string; id: string; createdAt: string }>;
  preferences: Array<{ key: string; value: unknown; updatedAt: string }>;
  wallets: Array<{ id: string; name: string; address: string; kind: string; derivationPath: string | null; active: boolean; createdAt: string }>;
  pendingActions: Array<{ id: string; capability: string; summary: string; input: JsonValue; source: string; createdAt: string; expiresAt: string }>;
  transactions: Array<Record<string, unknown>>;
  messages: Array<{ id: string; platform: string; role: string; text: string; createdAt: string }>;
  notifications: Array<{ id: string; kind: string; payload: unknown; status: string; attempts: number; createdAt: string; sentAt: string | null }>;
  /** Present once the alerts table exists. */
  alerts?: Array<Record<string, unknown>>;
  /** Audit entries naming them: as subject (their user id), or as actor (one of their identities). */
  audit: Array<{ seq: number; at: string; actor: string; action: string; subject: string | null; data: unknown }>;
}

/** Rows erased per table by `delete`: what the tombstone records (counts only, nothing personal). */
export interface DeletionCounts {
  identities: number;
  preferences: number;
  wallets: number;
  pendingActions: number;
  linkCodes: number;
  transactions: number;
  messages: number;
  notifications: number;
  alerts: number;
}

export interface UserDataDeps {
  db: Kysely<Database>;
  dialect: DatabaseDialect;
  identities: Pick<IdentityStore, 'find' | 'identitiesOf' | 'forgetUser'>;
  audit: { append(entry: { actor: string; action: string; subject?: string | null; data?: Record<string, unknown> }): Promise<unknown> };
  now?: () => Date;
}

/** Tables added by later issues; exported and erased when they exist. */
const OPTIONAL_TABLES = ['alerts'] as const;

/**
 * GDPR export and erasure of one user (`bin/mobius user export|delete`). The CLI only wires this.
 *
 * The audit log is append-only and hash-chained, so erasure leaves the user's past audit entries
 * in place (security records kept under art. 17(3)(b)/(e); they hold ids and facts, never keys or
 * free text, which the audit log scrubs) and adds a `user.deleted` tombstone with counts only.
 */
export class UserDataService {
  readonly #deps: UserDataDeps;
  readonly #now: () => Date;

  constructor(deps: UserDataDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  /**
   * The user id named by `spec`: a `usr_…` id, or a platform ref (`telegram:42`). Throws `not_found`
   * rather than creating anyone.
   *
   * @example await userData.resolveUser('telegram:42') // 'usr_…'
   */
  async resolveUser(spec: string): Promise<string> {
    const text = spec.trim();
    if (/^usr_[A-Za-z0-9_-]+$/.test(text)) {
      const row = await this.#deps.db.selectFrom('users').select('id').where('id', '=', text).executeTakeFirst();
      if (!row) throw new UserError('not_found', `No user ${text}.`);
      return row.id;
    }
    const ref: UserRef = parseUserRef(text);
    const found = await this.#deps.identities.find(ref);
    if (!found) throw new UserError('not_found', `No user is known as ${formatUserRef(ref)}.`);
    return found.userId;
  }

  /** All their data as one JSON-ready object; audited as `user.exported` by `actor`. */
  async export(userId: string, actor: string): Promise<UserExport> {
    const { db } = this.#deps;
    const user = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
    if (!user) throw new UserError('not_found', `No user ${userId}.`);
    const identities = await this.#deps.identities.identitiesOf(userId);
    const refs = identities.map((i) => formatUserRef(i.ref));
    const [preferences, wallets, pending, transactions, messages, notifications, audit] = await Promise.all([
      db.selectFrom('preferences').selectAll().where('user_id', '=', userId).orderBy('key').execute(),
      // Named columns only: the sealed key material never leaves the database.
      db
        .selectFrom('wallets')
        .select(['id', 'name', 'address', 'kind', 'derivation_path', 'active', 'created_at'])
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
      db.selectFrom('pending_actions').selectAll().where('user_id', '=', userId).execute(),
      db.selectFrom('transactions').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute(),
      db.selectFrom('messages').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute(),
      db.selectFrom('notifications').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute(),
      db
        .selectFrom('audit_log')
        .select(['seq', 'at', 'actor', 'action', 'subject', 'data'])
        .where((eb) => eb.or([eb('subject', '=', userId), ...(refs.length > 0 ? [eb('actor', 'in', refs), eb('subject', 'in', refs)] : [])]))
        .orderBy('seq')
        .execute(),
    ]);
    const out: UserExport = {
      exportedAt: this.#now().toISOString(),
      user: { id: user.id, tier: user.tier, createdAt: user.created_at },
      identities: identities.map((i) => ({ platform: i.ref.platform, id: i.ref.id, createdAt: i.createdAt })),
      preferences: preferences.map((p) => ({ key: p.key, value: parseJson(p.value), updatedAt: p.updated_at })),
      wallets: wallets.map((w) => ({
        id: w.id,
        name: w.name,
        address: w.address,
        kind: w.kind,
        derivationPath: w.derivation_path,
        active: Number(w.active) === 1,
        createdAt: w.created_at,
      })),
      // A pending input is scrubbed like an audit entry, should a capability ever park something secret there.
      pendingActions: pending.map((p) => ({
        id: p.id,
        capability: p.capability,
        summary: p.summary,
        input: sanitizeAuditData(parseJson(p.input)),
        source: p.source,
        createdAt: p.created_at,
        expiresAt: p.expires_at,
      })),
      transactions: transactions.map(({ user_id: _user, data, ...t }) => ({ ...t, data: parseJson(data) })),
      messages: messages.map((m) => ({ id: m.id, platform: m.platform, role: m.role, text: m.text, createdAt: m.created_at })),
      notifications: notifications.map((n) => ({
        id: n.id,
        kind: n.kind,
        payload: parseJson(n.payload),
        status: n.status,
        attempts: Number(n.attempts),
        createdAt: n.created_at,
        sentAt: n.sent_at,
      })),
      audit: audit.map((a) => ({ seq: int8ToNumber(a.seq), at: a.at, actor: a.actor, action: a.action, subject: a.subject, data: parseJson(a.data) })),
    };
    for (const table of OPTIONAL_TABLES) {
      if (!(await this.#tableExists(table))) continue;
      const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)} where user_id = ${userId}`.execute(db);
      out[table] = rows.map(({ user_id: _user, ...rest }) => rest);
    }
    await this.#deps.audit.append({ actor, action: 'user.exported', subject: userId, data: counts(out) });
    return out;
  }

  /**
   * Erases the user and everything they own, in one transaction, then writes the `user.deleted`
   * tombstone (actor, user id, counts). Cached identities in this process are dropped; other
   * running instances stop answering from theirs within the identity cache TTL.
   */
  async delete(userId: string, actor: string): Promise<DeletionCounts> {
    const { db } = this.#deps;
    const optional = await Promise.all(OPTIONAL_TABLES.map(async (t) => ((await this.#tableExists(t)) ? t : undefined)));
    const erased = await db.transaction().execute(async (trx) => {
      const user = await trx.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
      if (!user) throw new UserError('not_found', `No user ${userId}.`);
      const del = async (table: 'identities' | 'preferences' | 'wallets' | 'pending_actions' | 'link_codes' | 'transactions' | 'messages' | 'notifications') =>
        Number((await trx.deleteFrom(table).where('user_id', '=', userId).executeTakeFirst()).numDeletedRows);
      // Explicit deletes (not only the cascades) give the counts, and transactions go before the
      // wallets they reference.
      const result: DeletionCounts = {
        transactions: await del('transactions'),
        pendingActions: await del('pending_actions'),
        linkCodes: await del('link_codes'),
        messages: await del('messages'),
        notifications: await del('notifications'),
        alerts: 0,
        wallets: await del('wallets'),
        preferences: await del('preferences'),
        identities: await del('identities'),
      };
      for (const table of optional) {
        if (table) result.alerts += await deleteRaw(trx, table, userId);
      }
      await trx.deleteFrom('users').where('id', '=', userId).execute();
      return result;
    });
    this.#deps.identities.forgetUser(userId);
    await this.#deps.audit.append({ actor, action: 'user.deleted', subject: userId, data: { ...erased } });
    return erased;
  }

  async #tableExists(name: string): Promise<boolean> {
    const query =
      this.#deps.dialect === 'postgres'
        ? sql<{ n: number }>`select 1 as n from information_schema.tables where table_schema = current_schema() and table_name = ${name}`
        : sql<{ n: number }>`select 1 as n from sqlite_master where type = 'table' and name = ${name}`;
    const { rows } = await query.execute(this.#deps.db);
    return rows.length > 0;
  }
}

async function deleteRaw(trx: Transaction<Database>, table: string, userId: string): Promise<number> {
  const result = await sql`delete from ${sql.table(table)} where user_id = ${userId}`.execute(trx);
  return Number(result.numAffectedRows ?? 0n);
}

function parseJson(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

/** How many of each kind an export held (what `user.exported` records; never the data itself). */
function counts(data: UserExport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(data)) if (Array.isArray(value)) out[key] = value.length;
  return out;
}
