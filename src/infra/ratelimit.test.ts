import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimitedError, UserError, toPublicError } from '../core/errors.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createRateLimiter } from './ratelimit.js';

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
