import type { Kysely } from 'kysely';
import { newId } from '../core/ids.js';
import { toJson } from '../core/json.js';
import type { Database, PendingActionRow } from '../infra/db/schema.js';

/** A write waiting for its person's yes. */
export interface PendingAction {
  id: string;
  userId: string;
  /** The identity that asked (`telegram:42`). */
  actor: string;
  capability: string;
  /** The validated input, as JSON would carry it (bigints as decimal strings): it is validated again when run. */
  input: unknown;
  /** What the person was asked to confirm. */
  summary: string;
  source: string;
  chat: { kind: 'private' | 'group'; id: string } | undefined;
  createdAt: Date;
  expiresAt: Date;
}

export type NewPendingAction = Omit<PendingAction, 'id' | 'createdAt' | 'expiresAt'>;

/** What `take` found: the action to run, one that had expired (and is now gone), or nothing. */
export type TakenAction = { state: 'live'; action: PendingAction } | { state: 'expired'; action: PendingAction } | { state: 'none' };

export interface PendingActionStoreOptions {
  /** How long a person has to confirm (default 5 minutes). */
  ttlMs?: number;
  now?: () => Date;
}

const FIVE_MINUTES = 5 * 60_000;

/**
 * Pending actions in the database, so a "yes" reaches the action whichever instance (or process:
 * `mobius ask`) receives it. One per user: the row's user_id is unique, and a new action replaces
 * the old one. Taking an action deletes it in the same statement, so a double "yes" — two clicks,
 * two instances — runs it at most once.
 */
export class PendingActionStore {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;
  readonly ttlMs: number;

  constructor(db: Kysely<Database>, options: PendingActionStoreOptions = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
    this.ttlMs = options.ttlMs ?? FIVE_MINUTES;
  }

  /** Stores the action as the user's pending one; `replaced` is the still-live action it displaced. */
  async put(action: NewPendingAction): Promise<{ action: PendingAction; replaced: PendingAction | undefined }> {
    const now = this.#now();
    const stored: PendingAction = { ...action, id: newId('pa'), createdAt: now, expiresAt: new Date(now.getTime() + this.ttlMs) };
    const row = toRow(stored);
    const previous = await this.#db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('pending_actions').selectAll().where('user_id', '=', action.userId).executeTakeFirst();
      const { id, actor, capability, input, summary, source, chat_kind, chat_id, created_at, expires_at } = row;
      await trx
        .insertInto('pending_actions')
        .values(row)
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ id, actor, capability, input, summary, source, chat_kind, chat_id, created_at, expires_at }))
        .execute();
      return before;
    });
    const replaced = previous ? fromRow(previous) : undefined;
    return { action: stored, replaced: replaced && replaced.expiresAt > now ? replaced : undefined };
  }

  /** The user's live pending action, if any. */
  async peek(userId: string): Promise<PendingAction | undefined> {
    const row = await this.#db.selectFrom('pending_actions').selectAll().where('user_id', '=', userId).executeTakeFirst();
    const action = row ? fromRow(row) : undefined;
    return action && action.expiresAt > this.#now() ? action : undefined;
  }

  /**
   * Removes and returns the user's pending action (only the one named `id`, when given, and only
   * one asked in chat `chatId`, when given). Whoever takes it runs it; nobody else can any more.
   */
  async take(userId: string, id?: string, chatId?: string): Promise<TakenAction> {
    let query = this.#db.deleteFrom('pending_actions').where('user_id', '=', userId);
    if (id !== undefined) query = query.where('id', '=', id);
    if (chatId !== undefined) query = query.where('chat_id', '=', chatId);
    const row = await query.returningAll().executeTakeFirst();
    if (!row) return { state: 'none' };
    const action = fromRow(row);
    return { state: action.expiresAt > this.#now() ? 'live' : 'expired', action };
  }

  /** Deletes every action past its expiry (the retention job calls it); returns how many. */
  async deleteExpired(): Promise<number> {
    const result = await this.#db.deleteFrom('pending_actions').where('expires_at', '<=', this.#now().toISOString()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toRow(action: PendingAction): PendingActionRow {
  return {
    id: action.id,
    user_id: action.userId,
    actor: action.actor,
    capability: action.capability,
    input: toJson(action.input ?? {}),
    summary: action.summary,
    source: action.source,
    chat_kind: action.chat?.kind ?? null,
    chat_id: action.chat?.id ?? null,
    created_at: action.createdAt.toISOString(),
    expires_at: action.expiresAt.toISOString(),
  };
}

function fromRow(row: PendingActionRow): PendingAction {
  return {
    id: row.id,
    userId: row.user_id,
    actor: row.actor,
    capability: row.capability,
    input: JSON.parse(row.input) as unknown,
    summary: row.summary,
    source: row.source,
    chat: row.chat_kind && row.chat_id ? { kind: row.chat_kind, id: row.chat_id } : undefined,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
  };
}
