import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimitedError, UserError, toPublicError } from '../core/errors.js';
import { createMetrics, type Metrics } from './metrics.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRateLimiter, ipSubject, RestrictedError, userSubject, type Restriction } from './ratelimit.js';

const tiers = { free: 30, pro: 100, admin: 1000 };

function setup() {
  const metrics = createMetrics({ defaultMetrics: false });
  return { metrics, limiter: createRateLimiter({ tiers, metrics }) };
}

async function limited(metrics: Metrics, scope: string): Promise<number> {
  const { values } = await metrics.rateLimited.get();
  return values.find((v) => v.labels.scope === scope)?.value ?? 0;
}

async function consumeTimes(n: number, consume: () => Promise<void>): Promise<void> {
  for (let i = 0; i < n; i++) await consume();
}

describe('rate limiter', () => {
  it('refuses the 31st request of a free user within a minute, saying when to retry', async () => {
    const { limiter, metrics } = setup();
    await consumeTimes(30, () => limiter.consumeUser('telegram:1', 'free'));
    await assert.rejects(limiter.consumeUser('telegram:1', 'free'), (err) => {
      assert.ok(err instanceof RateLimitedError);
      assert.equal(err.code, 'rate_limited');
      assert.ok(err.retryAfterSeconds >= 1 && err.retryAfterSeconds <= 60, `retry after ${err.retryAfterSeconds}s`);
      assert.equal(toPublicError(err).status, 429);
      return true;
    });
    assert.equal(await limited(metrics, 'user'), 1);
    assert.equal(await limited(metrics, 'capability'), 0);
  });

  it("never limits one user because of another's flood", async () => {
    const { limiter } = setup();
    await consumeTimes(30, () => limiter.consumeUser('telegram:1', 'free'));
    await assert.rejects(limiter.consumeUser('telegram:1', 'free'), RateLimitedError);
    await limiter.consumeUser('telegram:2', 'free');
    await limiter.consumeUser('discord:1', 'free');
  });

  it('gives pro users a larger bucket, and an upgraded user the pro bucket at once', async () => {
    const { limiter } = setup();
    await consumeTimes(100, () => limiter.consumeUser('api:k1:alice', 'pro'));
    await assert.rejects(limiter.consumeUser('api:k1:alice', 'pro'), RateLimitedError);

    await consumeTimes(30, () => limiter.consumeUser('telegram:7', 'free'));
    await assert.rejects(limiter.consumeUser('telegram:7', 'free'), RateLimitedError);
    await limiter.consumeUser('telegram:7', 'pro');
  });

  it('takes a capability’s cost in points from its own bucket, leaving other capabilities alone', async () => {
    const { limiter, metrics } = setup();
    await consumeTimes(3, () => limiter.consumeCapability('telegram:1', 'free', 'get_chart', 10));
    await assert.rejects(limiter.consumeCapability('telegram:1', 'free', 'get_chart', 10), RateLimitedError);
    assert.equal(await limited(metrics, 'capability'), 1);

    await limiter.consumeCapability('telegram:1', 'free', 'get_price', 1);
    await limiter.consumeCapability('telegram:2', 'free', 'get_chart', 10);
    await limiter.consumeUser('telegram:1', 'free');
  });

  it('refuses at once a cost no bucket of that tier could ever hold, instead of a retry that never succeeds', async () => {
    const { limiter, metrics } = setup();
    await assert.rejects(limiter.consumeCapability('telegram:1', 'free', 'backtest', 31), (err) => {
      assert.ok(err instanceof UserError && !(err instanceof RateLimitedError));
      assert.equal(err.code, 'forbidden');
      assert.match(err.message, /backtest/);
      return true;
    });
    // The same cost fits a pro bucket, and the refused call took nothing from the free one.
    await limiter.consumeCapability('telegram:1', 'pro', 'backtest', 31);
    await limiter.consumeCapability('telegram:1', 'free', 'backtest', 30);
    assert.equal(await limited(metrics, 'capability'), 0);
  });

  it('refuses nonsensical configuration and costs', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    assert.throws(() => createRateLimiter({ tiers: { ...tiers, pro: 0 }, metrics }), /pro/);
    assert.throws(() => createRateLimiter({ tiers: { ...tiers, free: 1.5 }, metrics }), /free/);
    const { limiter } = setup();
    await assert.rejects(limiter.consumeCapability('telegram:1', 'free', 'get_price', 0), TypeError);
  });
});

describe('rate limit escalation', () => {
  const escalation = { threshold: 3, windowSeconds: 60, restrictSeconds: 0.4, maxRestrictSeconds: 1 };

  function escalating() {
    const metrics = createMetrics({ defaultMetrics: false });
    const restrictions: Restriction[] = [];
    const limiter = createRateLimiter({ tiers: { free: 2, pro: 5, admin: 10 }, metrics, escalation, onRestricted: (r) => restrictions.push(r) });
    return { limiter, restrictions, metrics };
  }

  it('restricts a user after repeated refusals, refusing everything until a stated time', async () => {
    const { limiter, restrictions } = escalating();
    await consumeTimes(2, () => limiter.consumeUser('usr_a', 'free'));
    for (let i = 0; i < 3; i++) await assert.rejects(limiter.consumeUser('usr_a', 'free'), RateLimitedError);
    assert.equal(restrictions.length, 1);
    const [first] = restrictions;
    assert.equal(first!.subject, 'user:usr_a');
    assert.equal(first!.strike, 1);
    assert.equal(first!.reason, 'user');
    // Even a fresh bucket (a capability never called, a higher tier) is refused while restricted.
    await assert.rejects(limiter.consumeCapability('usr_a', 'pro', 'get_price', 1), (err) => {
      assert.ok(err instanceof RestrictedError);
      assert.equal(err.code, 'rate_limited');
      assert.match(err.message, /restricted until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
      assert.ok(err.until.getTime() > Date.now());
      assert.equal(toPublicError(err).status, 429);
      return true;
    });
    // Other people are untouched.
    await limiter.consumeUser('usr_b', 'free');
  });

  it('lifts the restriction when it ends, and doubles the next one up to the cap', async () => {
    const { limiter, restrictions } = escalating();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3; i++) await limiter.recordViolation(ipSubject('203.0.113.9'), 'api_key');
      await assert.rejects(limiter.checkIp('203.0.113.9'), RestrictedError);
      await sleep(restrictions.at(-1)!.seconds * 1000 + 50);
      await limiter.checkIp('203.0.113.9');
    }
    assert.deepEqual(restrictions.map((r) => [r.subject, r.strike, r.seconds]), [
      ['ip:203.0.113.9', 1, 0.4],
      ['ip:203.0.113.9', 2, 0.8],
      ['ip:203.0.113.9', 3, 1],
    ]);
  });

  it('does not restrict for violations spread thinner than the threshold', async () => {
    const { limiter, restrictions } = escalating();
    await limiter.recordViolation(userSubject('usr_c'), 'link_code');
    await limiter.recordViolation(userSubject('usr_c'), 'link_code');
    await limiter.consumeUser('usr_c', 'free');
    assert.equal(restrictions.length, 0);
  });

  it('limits an address by a multiple of its caller’s tier', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const limiter = createRateLimiter({ tiers: { free: 2, pro: 5, admin: 10 }, metrics, ipFactor: 2 });
    await consumeTimes(4, () => limiter.consumeIp('198.51.100.1', 'free'));
    await assert.rejects(limiter.consumeIp('198.51.100.1', 'free'), RateLimitedError);
    assert.equal(await limited(metrics, 'ip'), 1);
    await limiter.consumeIp('198.51.100.2', 'free');
    await consumeTimes(10, () => limiter.consumeIp('198.51.100.1', 'pro'));
  });

  it('refuses nonsensical escalation settings', () => {
    const metrics = createMetrics({ defaultMetrics: false });
    assert.throws(() => createRateLimiter({ tiers, metrics, escalation: { ...escalation, threshold: 0 } }), /threshold/);
    assert.throws(() => createRateLimiter({ tiers, metrics, ipFactor: 0 }), /IP/);
  });
});
