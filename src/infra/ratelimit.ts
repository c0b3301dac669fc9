import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimitedError, UserError } from '../core/errors.js';
import { tiers, type Tier } from '../core/identity.js';
import type { Metrics } from './metrics.js';

/** Requests per minute each tier may make. */
export interface RateLimitTiers {
  free: number;
  pro: number;
  admin: number;
}

export interface RateLimiterOptions {
  tiers: RateLimitTiers;
  metrics: Metrics;
}

export interface RateLimiter {
  /** One message or API request from this user: one point from the per-user bucket sized by tier. */
  consumeUser(userKey: string, tier: Tier): Promise<void>;
  /**
   * One capability call: `cost` points from the per-user-per-capability bucket (also sized by
   * tier), so one expensive capability cannot starve the rest.
   */
  consumeCapability(userKey: string, tier: Tier, capability: string, cost: number): Promise<void>;
}

type Scope = 'user' | 'capability';

const WINDOW_SECONDS = 60;

/**
 * Where the counters live. In memory for now; the Redis store (with an in-memory insurance limiter
 * for when Redis is down) replaces this function alone, since everything else only calls `consume`.
 */
function createBucket(points: number, keyPrefix: string): RateLimiterAbstract {
  return new RateLimiterMemory({ points, duration: WINDOW_SECONDS, keyPrefix });
}

/**
 * Per-user rate limits, sized by tier: one bucket per user for messages and requests, and one per
 * user and capability for capability calls. Buckets are keyed by tier too, so a user moved to
 * `pro` draws from a `pro`-sized bucket at once instead of their exhausted `free` one.
 *
 * @example
 * const limiter = createRateLimiter({ tiers: { free: 30, pro: 300, admin: 3000 }, metrics });
 * await limiter.consumeUser('telegram:42', 'free'); // throws RateLimitedError when over
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { metrics } = options;
  for (const tier of tiers) {
    const rpm = options.tiers[tier];
    if (!(Number.isInteger(rpm) && rpm > 0)) {
      throw new TypeError(`rate limit for tier "${tier}" must be a positive whole number of requests per minute (got ${String(rpm)})`);
    }
  }

  const buckets = (scope: Scope) =>
    Object.fromEntries(tiers.map((t) => [t, createBucket(options.tiers[t], `mobius:rl:${scope}:${t}`)])) as Record<Tier, RateLimiterAbstract>;
  const userBuckets = buckets('user');
  const capabilityBuckets = buckets('capability');

  async function consume(scope: Scope, bucket: RateLimiterAbstract, key: string, points: number): Promise<void> {
    try {
      await bucket.consume(key, points);
    } catch (rejection) {
      // rate-limiter-flexible rejects with a RateLimiterRes when over the limit and with an Error
      // when its store fails; only the first is the caller's to wait out.
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      metrics.rateLimited.inc({ scope });
      throw new RateLimitedError(rejection.msBeforeNext / 1000, { details: { scope } });
    }
  }

  return {
    consumeUser(userKey, tier) {
      return consume('user', userBuckets[tier], userKey, 1);
    },

    async consumeCapability(userKey, tier, capability, cost) {
      if (!(Number.isInteger(cost) && cost > 0)) {
        throw new TypeError(`capability "${capability}" has cost ${String(cost)}; a cost is a positive whole number of points`);
      }
      const size = options.tiers[tier];
      if (cost > size) {
        // A 429 here would tell the client to wait and retry, and no wait would ever be enough.
        throw new UserError('forbidden', `${capability} needs more than the ${tier} tier allows per minute.`, {
          details: { capability, cost, limitPerMinute: size, tier },
        });
      }
      // Capability names are snake_case, so the first colon separates them from the user key.
      await consume('capability', capabilityBuckets[tier], `${capability}:${userKey}`, cost);
    },
  };
}
