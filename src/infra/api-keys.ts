import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { UserError } from '../core/errors.js';
import { TierSchema, type Tier } from '../core/identity.js';
import type { ApiKeyRow, Database } from './db/schema.js';

/**
 * What a key may be used for: `chat` (POST /v1/chat), `market`, `wallet`, `trade` (capabilities of
 * that scope, directly or through chat), `admin` (admin endpoints and capabilities; admin tier only).
 */
export const apiKeyScopes = ['chat', 'market', 'wallet', 'trade', 'admin'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/** A new key's scopes when none are given: everything but admin (an admin-tier key gets admin too). */
export const DEFAULT_API_KEY_SCOPES: readonly ApiKeyScope[] = ['chat', 'market', 'wallet', 'trade'];

/**
 * Checks and orders a scope list: known names only, at least one, `admin` only on an admin-tier key.
 * Omitted: the defaults for the tier.
 *
 * @example checkScopes(['market', 'chat'], 'free') // ['chat', 'market']
 */
export function checkScopes(scopes: readonly string[] | undefined, tier: Tier): ApiKeyScope[] {
  if (scopes === undefined) return tier === 'admin' ? [...DEFAULT_API_KEY_SCOPES, 'admin'] : [...DEFAULT_API_KEY_SCOPES];
  const unknown = scopes.filter((s) => !(apiKeyScopes as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UserError('bad_input', `unknown scope "${unknown[0]}"; scopes are ${apiKeyScopes.join(', ')}`);
  if (scopes.length === 0) throw new UserError('bad_input', `a key needs at least one scope (${apiKeyScopes.join(', ')})`);
  if (scopes.includes('admin') && tier !== 'admin') throw new UserError('bad_input', 'the admin scope is only for admin-tier keys');
  return apiKeyScopes.filter((s) => scopes.includes(s));
}

/** A key as `list()` shows it: everything but the hash. */
export interface ApiKeyInfo {
  id: string;
  tier: Tier;
  label: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The answer to `create()`: the only time the plaintext `key` exists outside the caller. */
export interface CreatedApiKey {
  id: string;
  /** `mbx_<id>_<secret>`; shown once, never stored. */
  key: string;
  tier: Tier;
  label: string;
  scopes: ApiKeyScope[];
}

export interface VerifiedApiKey {
  id: string;
  tier: Tier;
  label: string;
  scopes: ApiKeyScope[];
}

export interface ApiKeyStoreOptions {
  /** How long a successful verification is trusted without asking the database. */
  cacheTtlMs?: number;
  /** `last_used_at` is written at most this often per key. */
  touchIntervalMs?: number;
  now?: () => Date;
  /** Where a failed background `last_used_at` write is reported. */
  onError?: (err: unknown) => void;
}

/**
 * `mbx_key_<16 hex>_<43 base64url>`: 64 bits of id (so a row is found by primary key) and 256 bits
 * of secret. The fixed lengths make the split unambiguous although base64url may contain `_`.
 */
const KEY_FORMAT = /^mbx_(key_[0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const SECRET_BYTES = 32;
const MAX_LABEL = 100;

interface CachedKey extends VerifiedApiKey {
  hash: Buffer;
}

/** Splits a key into id and secret; null when it is not shaped like one of ours. */
export function parseApiKey(token: string): { id: string; secret: string } | null {
  const match = KEY_FORMAT.exec(token.trim().replace(/^Bearer\s+/i, ''));
  return match ? { id: match[1] as string, secret: match[2] as string } : null;
}

/**
 * API keys for the HTTP API. Only sha256 of the secret is stored: the secret is 256 random bits, so
 * a slow password hash would add latency to every request without adding safety.
 */
export class ApiKeyStore {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;
  readonly #touchIntervalMs: number;
  readonly #onError: (err: unknown) => void;
  /** Successful verifications, by id, holding the hash (never the plaintext) so each call still compares the secret. */
  readonly #verified: LRUCache<string, CachedKey>;
  /** When `last_used_at` was last written per key (ms). Bounded by size, not `max`, which preallocates (see L1Cache). */
  readonly #touched = new LRUCache<string, number>({ maxSize: 10_000, sizeCalculation: () => 1 });
  readonly #pending = new Set<Promise<void>>();

  constructor(db: Kysely<Database>, options: ApiKeyStoreOptions = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
    this.#touchIntervalMs = options.touchIntervalMs ?? 60_000;
    this.#onError = options.onError ?? (() => {});
    this.#verified = new LRUCache({ max: 1000, ttl: options.cacheTtlMs ?? 30_000 });
  }

  /**
   * Makes a new key. The plaintext is in the answer and nowhere else.
   *
   * @example const { key } = await keys.create({ tier: 'pro', label: 'grafana', scopes: ['chat', 'market'] }); // 'mbx_key_…_…'
   */
  async create(input: { tier: Tier; label?: string; scopes?: readonly string[] }): Promise<CreatedApiKey> {
    const tier = TierSchema.safeParse(input.tier);
    if (!tier.success) throw new UserError('bad_input', `tier must be one of free, pro, admin (got "${String(input.tier)}")`);
    const scopes = checkScopes(input.scopes, tier.data);
    const label = (input.label ?? '').trim();
    if (label.length > MAX_LABEL) throw new UserError('bad_input', `a key label is at most ${MAX_LABEL} characters`);
    const id = `key_${randomBytes(8).toString('hex')}`;
    const secret = randomBytes(SECRET_BYTES).toString('base64url');
    await this.#db
      .insertInto('api_keys')
      .values({
        id,
        hash: sha256(secret).toString('hex'),
        tier: tier.data,
        label,
        created_at: this.#now().toISOString(),
        last_used_at: null,
        revoked_at: null,
        scopes: JSON.stringify(scopes),
      })
      .execute();
    return { id, key: `mbx_${id}_${secret}`, tier: tier.data, label, scopes };
  }

  /**
   * The key's id, tier, label and scopes if `bearerToken` is a live key, else null. Malformed tokens are
   * refused without touching the database. Runs on every request: hits are cached briefly, and the
   * `last_used_at` write happens in the background, at most once a minute per key.
   */
  async verify(bearerToken: string): Promise<VerifiedApiKey | null> {
    const parsed = parseApiKey(bearerToken);
    if (!parsed) return null;
    const presented = sha256(parsed.secret);
    let known = this.#verified.get(parsed.id);
    if (!known) {
      const row = await this.#db
        .selectFrom('api_keys')
        .select(['id', 'hash', 'tier', 'label', 'scopes'])
        .where('id', '=', parsed.id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (!row) return null;
      known = { id: row.id, tier: row.tier, label: row.label, scopes: readScopes(row.scopes, row.tier), hash: Buffer.from(row.hash, 'hex') };
      if (!sameHash(known.hash, presented)) return null;
      this.#verified.set(parsed.id, known);
    } else if (!sameHash(known.hash, presented)) {
      return null;
    }
    this.#touch(known.id);
    return { id: known.id, tier: known.tier, label: known.label, scopes: [...known.scopes] };
  }

  /** Every key, newest first, without hashes. */
  async list(): Promise<ApiKeyInfo[]> {
    const rows = await this.#db
      .selectFrom('api_keys')
      .select(['id', 'tier', 'label', 'created_at', 'last_used_at', 'revoked_at', 'scopes'])
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map(toInfo);
  }

  /**
   * Revokes a key; it stops working at once in this process. (Other instances may honour a cached
   * verification for up to the cache TTL.) Returns false when there was no such live key.
   */
  async revoke(id: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('api_keys')
      .set({ revoked_at: this.#now().toISOString() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    this.#verified.delete(id);
    return result.numUpdatedRows > 0n;
  }

  /** Waits for background `last_used_at` writes (before closing the database, and in tests). */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  #touch(id: string): void {
    const now = this.#now();
    const last = this.#touched.get(id);
    if (last !== undefined && now.getTime() - last < this.#touchIntervalMs) return;
    this.#touched.set(id, now.getTime());
    const write = this.#db
      .updateTable('api_keys')
      .set({ last_used_at: now.toISOString() })
      .where('id', '=', id)
      .execute()
      .then(
        () => {},
        (err: unknown) => {
          // Allow a retry on the next request rather than waiting out the interval.
          this.#touched.delete(id);
          this.#onError(err);
        },
      )
      .finally(() => this.#pending.delete(write));
    this.#pending.add(write);
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function sameHash(stored: Buffer, presented: Buffer): boolean {
  return stored.length === presented.length && timingSafeEqual(stored, presented);
}

/**
 * The stored scopes, read defensively: unknown names are dropped, and `admin` counts only on an
 * admin-tier key (a row edited by hand, or a key moved down a tier, never keeps admin powers).
 */
function readScopes(json: string, tier: Tier): ApiKeyScope[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return apiKeyScopes.filter((s) => parsed.includes(s) && (s !== 'admin' || tier === 'admin'));
}

function toInfo(row: Omit<ApiKeyRow, 'hash'>): ApiKeyInfo {
  return {
    id: row.id,
    tier: row.tier,
    label: row.label,
    scopes: readScopes(row.scopes, row.tier),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
