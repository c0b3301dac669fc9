import { sql, type Kysely, type Transaction } from 'kysely';
import { LRUCache } from 'lru-cache';
import { UserError } from '../core/errors.js';
import { formatUserRef, TierSchema, type Principal, type Tier, type UserRef } from '../core/identity.js';
import { newId } from '../core/ids.js';
import { dialectOf } from '../infra/db/database.js';
import type { Database } from '../infra/db/schema.js';

export interface IdentityStoreOptions {
  /** How many resolved identities to keep in memory. */
  cacheSize?: number;
  /**
   * How long a cached principal is trusted. Another instance's `setTier` or `delete` reaches this
   * one's cache only when the entry expires.
   */
  cacheTtlMs?: number;
  now?: () => Date;
}

/** Thrown inside the first-sight transaction to roll back the speculative user when another caller won. */
class LostRace extends Error {}

/**
 * Maps platform identities (`telegram:123`) to users. Identities on different platforms are
 * different people until linked. `resolve` runs on every message, so answers are cached.
 */
export class IdentityStore {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;
  readonly #cache: LRUCache<string, Principal>;
  /** Lookups in flight, so a burst of first messages from one person costs one round of queries. */
  readonly #inflight = new Map<string, Promise<Principal>>();

  constructor(db: Kysely<Database>, options: IdentityStoreOptions = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
    // Bounded by size (one per entry) rather than `max`, which preallocates arrays of `max` slots
    // at start-up (see L1Cache).
    this.#cache = new LRUCache({ maxSize: options.cacheSize ?? 10_000, sizeCalculation: () => 1, ttl: options.cacheTtlMs ?? 60_000 });
  }

  /**
   * The user behind `ref`, created with tier `free` on first sight. Safe when several messages
   * (or instances) see the same new person at once: exactly one user is created.
   *
   * @example const me = await identities.resolve({ platform: 'telegram', id: '42' }); // { userId: 'usr_…', tier: 'free', ref }
   */
  async resolve(ref: UserRef): Promise<Principal> {
    const key = formatUserRef(ref);
    const cached = this.#cache.get(key);
    if (cached) return copy(cached);
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#load(ref).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return copy(await pending);
  }

  /** Changes a user's tier; throws `not_found` for an unknown user. */
  async setTier(userId: string, tier: Tier): Promise<void> {
    const parsed = TierSchema.safeParse(tier);
    if (!parsed.success) throw new UserError('bad_input', `tier must be one of free, pro, admin (got "${String(tier)}")`);
    const checked = parsed.data;
    const result = await this.#db.updateTable('users').set({ tier: checked }).where('id', '=', userId).executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new UserError('not_found', `no user ${userId}`);
    // Walking the cache is O(size), and tier changes are rare next to resolves.
    for (const [key, principal] of this.#cache.entries()) {
      if (principal.userId === userId) this.#cache.set(key, { ...principal, tier: checked });
    }
  }

  /**
   * Forgets the identity (the user row and anything else it owns stay until the user is deleted).
   * Returns whether it existed. The next message from `ref` starts a new user.
   */
  async delete(ref: UserRef): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('identities')
      .where('platform', '=', ref.platform)
      .where('platform_user_id', '=', ref.id)
      .executeTakeFirst();
    this.#cache.delete(formatUserRef(ref));
    return result.numDeletedRows > 0n;
  }

  /** The user behind `ref` if there is one; never creates anyone (operator commands, linking). */
  async find(ref: UserRef): Promise<Principal | undefined> {
    const found = await this.#find(ref);
    return found ? copy(found) : undefined;
  }

  /**
   * Account linking: re-points the identity `ref` from user `from` to user `to`, so both platforms
   * reach the same wallets. `check` runs first inside the same transaction (it throws to refuse).
   * When `from` is left without any identity it is deleted with what it still owned (its
   * preferences and conversation history: `check` has made sure nothing worth keeping is left),
   * unless it owns wallets, which are never deleted as a side effect.
   * Returns false when `ref` no longer pointed at `from` (another link or delete won the race).
   *
   * Other instances may answer from a cached principal for up to the cache TTL.
   */
  async relink(
    ref: UserRef,
    to: string,
    options: { from: string; check?: (trx: Transaction<Database>) => Promise<void> },
  ): Promise<{ linked: boolean; removedUser: boolean }> {
    const outcome = await this.#db.transaction().execute(async (trx) => {
      // The old user's row locked first, as WalletService locks it to add a wallet: a wallet being
      // added right now is then committed before `check` counts (and refuses), never created
      // unseen and then cascaded away with the user below. (SQLite's `begin immediate` already serialises.)
      if (dialectOf(this.#db) === 'postgres') await sql`select id from users where id = ${options.from} for update`.execute(trx);
      await options.check?.(trx);
      const moved = await trx
        .updateTable('identities')
        .set({ user_id: to })
        .where('platform', '=', ref.platform)
        .where('platform_user_id', '=', ref.id)
        .where('user_id', '=', options.from)
        .executeTakeFirst();
      if (moved.numUpdatedRows === 0n) return { linked: false, removedUser: false };
      const removed = await trx
        .deleteFrom('users')
        .where('id', '=', options.from)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('identities').select('platform').where('user_id', '=', options.from))),
        )
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('wallets').select('id').where('user_id', '=', options.from))))
        .executeTakeFirst();
      return { linked: true, removedUser: removed.numDeletedRows > 0n };
    });
    this.#cache.delete(formatUserRef(ref));
    return outcome;
  }

  /** The identities of a user, oldest first. */
  async identitiesOf(userId: string): Promise<Array<{ ref: UserRef; createdAt: string }>> {
    const rows = await this.#db
      .selectFrom('identities')
      .select(['platform', 'platform_user_id', 'created_at'])
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('platform')
      .execute();
    return rows.map((r) => ({ ref: { platform: r.platform, id: r.platform_user_id }, createdAt: r.created_at }));
  }

  /** Drops every cached principal of a user (after the user is deleted). */
  forgetUser(userId: string): void {
    const keys = [...this.#cache.entries()].filter(([, principal]) => principal.userId === userId).map(([key]) => key);
    for (const key of keys) this.#cache.delete(key);
  }

  async #load(ref: UserRef): Promise<Principal> {
    const found = await this.#find(ref);
    if (found) return this.#remember(found);
    const userId = newId('usr');
    const created = await this.#db
      .transaction()
      .execute(async (trx) => {
        const at = this.#now().toISOString();
        await trx.insertInto('users').values({ id: userId, tier: 'free', created_at: at }).execute();
        // On a conflict the other caller's identity stands; the user made above is rolled back.
        // PostgreSQL makes this insert wait for a concurrent uncommitted one, so losing is certain, not a guess.
        const inserted = await trx
          .insertInto('identities')
          .values({ platform: ref.platform, platform_user_id: ref.id, user_id: userId, created_at: at })
          .onConflict((oc) => oc.columns(['platform', 'platform_user_id']).doNothing())
          .returning('user_id')
          .executeTakeFirst();
        if (!inserted) throw new LostRace();
        return true;
      })
      .catch((err: unknown) => {
        if (err instanceof LostRace) return false;
        throw err;
      });
    if (created) return this.#remember({ userId, ref: { ...ref }, tier: 'free' });
    const winner = await this.#find(ref);
    // Only possible if the winner's identity was deleted in the instant between; a retry would be a new first sight.
    if (!winner) throw new Error(`identity ${formatUserRef(ref)} vanished while being created`);
    return this.#remember(winner);
  }

  async #find(ref: UserRef): Promise<Principal | undefined> {
    const row = await this.#db
      .selectFrom('identities')
      .innerJoin('users', 'users.id', 'identities.user_id')
      .select(['users.id as userId', 'users.tier as tier'])
      .where('identities.platform', '=', ref.platform)
      .where('identities.platform_user_id', '=', ref.id)
      .executeTakeFirst();
    return row ? { userId: row.userId, tier: row.tier, ref: { ...ref } } : undefined;
  }

  #remember(principal: Principal): Principal {
    this.#cache.set(formatUserRef(principal.ref), principal);
    return principal;
  }
}

/** Callers get their own copy, so editing an answer cannot change what the cache hands the next caller. */
function copy(principal: Principal): Principal {
  return { ...principal, ref: { ...principal.ref } };
}
