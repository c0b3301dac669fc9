import { createRequire } from 'node:module';
import type { RateLimiterAbstract, RateLimiterMemory as MemoryLimiter, RateLimiterRes as LimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError, UserError } from '../core/errors.js';
import { tiers, type Tier } from '../core/identity.js';
import type { Metrics } from './metrics.js';

// The two classes used, from their own files: the package index loads every store it ships (Redis,
// Mongo, MySQL, DynamoDB, etcd, cluster …), about 1 MiB and 0.1 s of start-up for the memory store.
const require = createRequire(import.meta.url);
const RateLimiterMemory = require('rate-limiter-flexible/lib/RateLimiterMemory.js') as typeof MemoryLimiter;
const RateLimiterRes = require('rate-limiter-flexible/lib/RateLimiterRes.js') as typeof LimiterRes;

/** Requests per minute each tier may make. */
export interface RateLimitTiers {
  free: number;
  pro: number;
  admin: number;
}

/**
 * Escalation: a caller who keeps hitting limits (or keeps failing checks, such as wrong link codes
 * or invalid API keys) is restricted for a while, and for longer each time it happens again.
 */
export interface EscalationSettings {
  /** Violations within `windowSeconds` that put the subject under a restriction. */
  threshold: number;
  windowSeconds: number;
  /** The first restriction; each further one within `memorySeconds` of the last doubles it… */
  restrictSeconds: number;
  /** …up to this. */
  maxRestrictSeconds: number;
  /** How long past restrictions count toward doubling (default 24 h). */
  memorySeconds?: number;
}

/** One restriction imposed: logged and audited by whoever wired the limiter (see app.ts). */
export interface Restriction {
  /** `user:<id>` or `ip:<address>`. */
  subject: string;
  until: Date;
  seconds: number;
  /** 1 for the first restriction within the memory period, 2 for the second … */
  strike: number;
  /** The violation that tipped it over (`user`, `capability`, `ip`, `link_code`, `api_key`). */
  reason: string;
}

export interface RateLimiterOptions {
  tiers: RateLimitTiers;
  metrics: Metrics;
  /** Requests per minute one IP address may make, as a multiple of the caller's tier (default 10: NAT, or one key serving many people). */
  ipFactor?: number;
  escalation?: EscalationSettings;
  /** Called once per restriction imposed. Must not throw. */
  onRestricted?: (restriction: Restriction) => void;
}

export const DEFAULT_ESCALATION: EscalationSettings = { threshold: 5, windowSeconds: 600, restrictSeconds: 900, maxRestrictSeconds: 86_400 };

export interface RateLimiter {
  /** One message or API request from this user: one point from the per-user bucket sized by tier. */
  consumeUser(userKey: string, tier: Tier): Promise<void>;
  /**
   * One capability call: `cost` points from the per-user-per-capability bucket (also sized by
   * tier), so one expensive capability cannot starve the rest.
   */
  consumeCapability(userKey: string, tier: Tier, capability: string, cost: number): Promise<void>;
  /** One HTTP request from this address (after the caller is known, so sized by its tier). */
  consumeIp(ip: string, tier: Tier): Promise<void>;
  /** Throws RestrictedError while the address is restricted (checked before anything else is done). */
  checkIp(ip: string): Promise<void>;
  /**
   * Counts a violation that is not a rate-limit rejection: a wrong link code, an invalid API key.
   * `subject` is `user:<id>` or `ip:<address>`; see `userSubject` / `ipSubject`.
   */
  recordViolation(subject: string, reason: string): Promise<void>;
  /** Throws RestrictedError while the subject is restricted. */
  checkRestriction(subject: string): Promise<void>;
}

/**
 * A refusal because of a temporary restriction: a 429 like any rate limit (with Retry-After), but
 * saying until when, so a person knows it is not a blip.
 */
export class RestrictedError extends RateLimitedError {
  readonly until: Date;
  constructor(until: Date, options: { details?: Record<string, unknown> } = {}) {
    super((until.getTime() - Date.now()) / 1000, options);
    this.until = until;
    const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
    this.message = `Too many refused requests: you are restricted until ${until.toISOString().slice(0, 16).replace('T', ' ')} UTC (about ${minutes} min).`;
  }
}

export function userSubject(userId: string): string {
  return `user:${userId}`;
}

export function ipSubject(ip: string): string {
  return `ip:${ip}`;
}

type Scope = 'user' | 'capability' | 'ip';

const WINDOW_SECONDS = 60;

/**
 * Where the counters live. In memory for now; the Redis store (with an in-memory insurance limiter
 * for when Redis is down) replaces this function alone, since everything else only calls `consume`,
 * `penalty`, `block`, `get` and `delete`, which every rate-limiter-flexible store offers.
 */
function createBucket(points: number, keyPrefix: string, duration = WINDOW_SECONDS): RateLimiterAbstract {
  return new RateLimiterMemory({ points, duration, keyPrefix });
}

/**
 * Rate limits sized by tier: one bucket per user for messages and requests, one per user and
 * capability for capability calls, and one per IP address at the HTTP front door. Buckets are keyed
 * by tier too, so a user moved to `pro` draws from a `pro`-sized bucket at once instead of their
 * exhausted `free` one.
 *
 * Escalation: every refusal (and every violation reported through `recordViolation`) counts against
 * the user or address; `threshold` of them within `windowSeconds` restrict it for `restrictSeconds`,
 * doubling with each further restriction while earlier ones are remembered, up to the cap. While
 * restricted, every request is refused with the time it ends.
 *
 * @example
 * const limiter = createRateLimiter({ tiers: { free: 30, pro: 300, admin: 3000 }, metrics });
 * await limiter.consumeUser('usr_42', 'free'); // throws RateLimitedError when over
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { metrics } = options;
  for (const tier of tiers) {
    const rpm = options.tiers[tier];
    if (!(Number.isInteger(rpm) && rpm > 0)) {
      throw new TypeError(`rate limit for tier "${tier}" must be a positive whole number of requests per minute (got ${String(rpm)})`);
    }
  }
  const ipFactor = options.ipFactor ?? 10;
  if (!(Number.isInteger(ipFactor) && ipFactor > 0)) throw new TypeError(`the per-IP rate limit factor must be a positive whole number (got ${String(ipFactor)})`);
  const escalation = { memorySeconds: 86_400, ...(options.escalation ?? DEFAULT_ESCALATION) };
  for (const [name, value] of Object.entries(escalation)) {
    if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) throw new TypeError(`escalation ${name} must be a positive number (got ${String(value)})`);
  }
  if (!Number.isInteger(escalation.threshold)) throw new TypeError(`escalation threshold must be a whole number (got ${escalation.threshold})`);

  const buckets = (scope: Scope, factor = 1) =>
    Object.fromEntries(tiers.map((t) => [t, createBucket(options.tiers[t] * factor, `mobius:rl:${scope}:${t}`)])) as Record<Tier, RateLimiterAbstract>;
  const userBuckets = buckets('user');
  const capabilityBuckets = buckets('capability');
  const ipBuckets = buckets('ip', ipFactor);
  // Escalation state, in the same swappable store: violations in the window, restrictions past
  // (for doubling), and the restrictions in force (a blocked key; its expiry is the end).
  const violations = createBucket(escalation.threshold, 'mobius:rl:violations', escalation.windowSeconds);
  const strikes = createBucket(1_000_000, 'mobius:rl:strikes', escalation.memorySeconds);
  const restricted = createBucket(1, 'mobius:rl:restricted', escalation.maxRestrictSeconds);

  async function checkRestriction(subject: string): Promise<void> {
    const res = await restricted.get(subject);
    if (res && res.consumedPoints > 1 && res.msBeforeNext > 0) {
      metrics.rateLimited.inc({ scope: 'restricted' });
      throw new RestrictedError(new Date(Date.now() + res.msBeforeNext), { details: { scope: 'restricted' } });
    }
  }

  async function recordViolation(subject: string, reason: string): Promise<void> {
    const counted = await violations.penalty(subject, 1);
    // Exactly one caller sees the threshold reached, however many violations arrive at once.
    if (counted.consumedPoints !== escalation.threshold) return;
    await violations.delete(subject);
    const strike = (await strikes.penalty(subject, 1)).consumedPoints;
    const seconds = Math.min(escalation.maxRestrictSeconds, escalation.restrictSeconds * 2 ** (strike - 1));
    await restricted.block(subject, seconds);
    options.onRestricted?.({ subject, until: new Date(Date.now() + seconds * 1000), seconds, strike, reason });
  }

  async function consume(scope: Scope, bucket: RateLimiterAbstract, key: string, points: number, subject: string): Promise<void> {
    try {
      await bucket.consume(key, points);
    } catch (rejection) {
      // rate-limiter-flexible rejects with a RateLimiterRes when over the limit and with an Error
      // when its store fails; only the first is the caller's to wait out.
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      metrics.rateLimited.inc({ scope });
      await recordViolation(subject, scope);
      throw new RateLimitedError(rejection.msBeforeNext / 1000, { details: { scope } });
    }
  }

  return {
    async consumeUser(userKey, tier) {
      const subject = userSubject(userKey);
      await checkRestriction(subject);
      return consume('user', userBuckets[tier], userKey, 1, subject);
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
      const subject = userSubject(userKey);
      // Also here, not only in consumeUser: an LLM's tool calls reach capabilities without a new message.
      await checkRestriction(subject);
      // Capability names are snake_case, so the first colon separates them from the user key.
      await consume('capability', capabilityBuckets[tier], `${capability}:${userKey}`, cost, subject);
    },

    async consumeIp(ip, tier) {
      const subject = ipSubject(ip);
      await checkRestriction(subject);
      return consume('ip', ipBuckets[tier], ip, 1, subject);
    },

    checkIp(ip) {
      return checkRestriction(ipSubject(ip));
    },

    recordViolation,
    checkRestriction,
  };
}
