import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { UserError } from '../core/errors.js';
import { toJson } from '../core/json.js';
import type { Database } from '../infra/db/schema.js';

const MAX_KEY = 64;

/**
 * Per-user settings (display currency, default chain, slippage …) as JSON values under short keys.
 * Values go through `toJson`, so bigints are stored as decimal strings and read back as strings.
 *
 * Capabilities read a setting on most messages ("price of eth" needs the person's currency), so a
 * user's settings are kept in memory once read. A change made here is seen at once; one made by
 * another instance after the cache TTL (like identities).
 */
export class PreferenceStore {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;
  /** Each user's settings as stored (JSON text by key). Grows with use: no slots reserved up front. */
  readonly #cache: LRUCache<string, ReadonlyMap<string, string>>;

  constructor(db: Kysely<Database>, options: { now?: () => Date; cacheSize?: number; cacheTtlMs?: number } = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
    this.#cache = new LRUCache({ maxSize: options.cacheSize ?? 10_000, sizeCalculation: () => 1, ttl: options.cacheTtlMs ?? 60_000 });
  }

  /**
   * The stored value, or undefined when unset. `T` is the caller's promise about the shape, not a check.
   *
   * @example const currency = (await prefs.get<string>(userId, 'currency')) ?? 'usd';
   */
  async get<T = unknown>(userId: string, key: string): Promise<T | undefined> {
    const value = (await this.#stored(userId)).get(key);
    // Parsed on each read, so a caller changing what it got cannot change what the next one gets.
    return value === undefined ? undefined : (JSON.parse(value) as T);
  }

  async #stored(userId: string): Promise<ReadonlyMap<string, string>> {
    const cached = this.#cache.get(userId);
    if (cached) return cached;
    const rows = await this.#db.selectFrom('preferences').select(['key', 'value']).where('user_id', '=', userId).execute();
    const stored = new Map(rows.map((r) => [r.key, r.value]));
    this.#cache.set(userId, stored);
    return stored;
  }

  /** Stores `value` under `key`, replacing any earlier value. */
  async set(userId: string, key: string, value: unknown): Promise<void> {
    checkKey(key);
    const json = toJson(value);
    // JSON.stringify gives undefined for undefined, functions and symbols: nothing to store.
    if (json === undefined) throw new UserError('bad_input', `preference "${key}" needs a JSON value`);
    const updatedAt = this.#now().toISOString();
    await this.#db
      .insertInto('preferences')
      .values({ user_id: userId, key, value: json, updated_at: updatedAt })
      .onConflict((oc) =>
        oc.columns(['user_id', 'key']).doUpdateSet((eb) => ({
          value: eb.ref('excluded.value'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
    this.#cache.delete(userId);
  }

  /** Every preference of the user, by key. */
  async all(userId: string): Promise<Record<string, unknown>> {
    const rows = await this.#db
      .selectFrom('preferences')
      .select(['key', 'value'])
      .where('user_id', '=', userId)
      .orderBy('key')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
  }
}

function checkKey(key: string): void {
  if (key.length === 0 || key.length > MAX_KEY) {
    throw new UserError('bad_input', `a preference key is 1–${MAX_KEY} characters`);
  }
}
