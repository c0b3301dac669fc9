import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { L1Cache, type L1CacheOptions } from './cache.js';
import { createMetrics } from './metrics.js';

/** A promise the test settles by hand, to hold a computation in flight. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A cache on a hand-driven clock, so expiry is tested without sleeping. */
function cacheWithClock<V>(options: Partial<L1CacheOptions> = {}) {
  const clock = { t: 1_000_000 };
  const cache = new L1Cache<V>({ name: 'test', max: 100, defaultTtlMs: 1_000, now: () => clock.t, ...options });
  return { cache, clock };
}

/** A compute function that counts its calls and returns `value`. */
function counting<V>(value: V) {
  const fn = async () => {
    fn.calls++;
    return value;
  };
  fn.calls = 0;
  return fn;
}

describe('L1Cache', () => {
  it('computes once for 1,000 concurrent misses on one key', async () => {
    const cache = new L1Cache<string>({ name: 'test', max: 10, defaultTtlMs: 60_000 });
    const gate = deferred<string>();
    let calls = 0;
    const compute = () => {
      calls++;
      return gate.promise;
    };
    const waiters = Array.from({ length: 1_000 }, () => cache.getOrCompute('price:eth', compute));
    gate.resolve('3000');
    const results = await Promise.all(waiters);
    assert.equal(calls, 1);
    assert.ok(results.every((r) => r === '3000'));
    assert.equal(await cache.getOrCompute('price:eth', compute), '3000');
    assert.equal(calls, 1, 'a later call is a hit');
    assert.equal(cache.stats().inFlight, 0);
  });

  it('serves a value until its TTL ends, then computes again', async () => {
    const { cache, clock } = cacheWithClock<string>();
    await cache.getOrCompute('k', async () => 'v1');
    clock.t += 999;
    assert.equal(cache.get('k'), 'v1');
    clock.t += 2;
    assert.equal(cache.get('k'), undefined);
    const compute = counting('v2');
    assert.equal(await cache.getOrCompute('k', compute), 'v2');
    assert.equal(compute.calls, 1);
  });

  it('honours a per-entry TTL over the default', () => {
    const { cache, clock } = cacheWithClock<string>();
    cache.set('short', 'a', { ttlMs: 100 });
    cache.set('long', 'b', { ttlMs: 10_000 });
    clock.t += 5_000;
    assert.equal(cache.get('short'), undefined);
    assert.equal(cache.get('long'), 'b');
  });

  it('serves a stale value in the stale window while one background refresh runs', async () => {
    const { cache, clock } = cacheWithClock<string>({ defaultStaleMs: 5_000 });
    cache.set('k', 'old');
    clock.t += 1_500;
    const gate = deferred<string>();
    let calls = 0;
    const refresh = () => {
      calls++;
      return gate.promise;
    };
    const answers = await Promise.all(Array.from({ length: 10 }, () => cache.getOrCompute('k', refresh)));
    assert.deepEqual(new Set(answers), new Set(['old']));
    assert.equal(calls, 1);
    assert.equal(cache.get('k'), undefined, 'get answers fresh values only');

    gate.resolve('new');
    await tick();
    assert.equal(cache.get('k'), 'new');
    assert.equal(await cache.getOrCompute('k', refresh), 'new');
    assert.equal(calls, 1);
  });

  it('stops serving a stale value once the stale window ends', async () => {
    const { cache, clock } = cacheWithClock<string>({ defaultStaleMs: 5_000 });
    cache.set('k', 'old');
    clock.t += 1_000 + 5_001;
    const compute = counting('new');
    assert.equal(await cache.getOrCompute('k', compute), 'new');
    assert.equal(compute.calls, 1);
  });

  it('does not store a failed computation and rejects every concurrent waiter', async () => {
    const cache = new L1Cache<string>({ name: 'test', max: 10, defaultTtlMs: 60_000 });
    const gate = deferred<string>();
    let calls = 0;
    const failing = () => {
      calls++;
      return gate.promise;
    };
    const waiters = Array.from({ length: 100 }, () => cache.getOrCompute('k', failing));
    const boom = new Error('price source down');
    gate.reject(boom);
    const settled = await Promise.allSettled(waiters);
    assert.equal(calls, 1);
    assert.ok(settled.every((s) => s.status === 'rejected' && s.reason === boom));
    assert.deepEqual(cache.stats(), { entries: 0, tags: 0, inFlight: 0 });

    const retry = counting('ok');
    assert.equal(await cache.getOrCompute('k', retry), 'ok');
    assert.equal(retry.calls, 1, 'the next call computes afresh instead of replaying the error');
  });

  it('recovers from a compute that throws synchronously', async () => {
    const cache = new L1Cache<string>({ name: 'test', max: 10, defaultTtlMs: 60_000 });
    const boom = new Error('sync');
    await assert.rejects(
      cache.getOrCompute('k', () => {
        throw boom;
      }),
      boom,
    );
    assert.equal(await cache.getOrCompute('k', async () => 'ok'), 'ok');
  });

  it('keeps serving the stale value when a background refresh fails, and reports the error', async () => {
    const errors: [string, unknown][] = [];
    const { cache, clock } = cacheWithClock<string>({
      defaultStaleMs: 5_000,
      onRefreshError: (key, err) => errors.push([key, err]),
    });
    cache.set('k', 'old');
    clock.t += 1_500;
    const boom = new Error('refresh failed');
    let calls = 0;
    const failing = async () => {
      calls++;
      throw boom;
    };
    assert.equal(await cache.getOrCompute('k', failing), 'old');
    await tick();
    assert.deepEqual(errors, [['k', boom]]);
    assert.equal(cache.peek('k'), undefined, 'still not fresh');

    assert.equal(await cache.getOrCompute('k', failing), 'old', 'the failure did not evict the stale value');
    await tick();
    assert.equal(calls, 2, 'the next request tries to refresh again');

    clock.t += 5_000;
    await assert.rejects(cache.getOrCompute('k', failing), boom, 'past the window the error reaches the caller');
  });

  it('invalidates every key set with a tag, and only those', async () => {
    const cache = new L1Cache<number>({ name: 'test', max: 100, defaultTtlMs: 60_000 });
    cache.set('price:eth:usd', 1, { tags: ['token:eth'] });
    cache.set('price:eth:eur', 2, { tags: ['token:eth'] });
    cache.set('price:btc:usd', 3, { tags: ['token:btc'] });
    await cache.getOrCompute('pair:eth-btc', async () => 4, { tags: ['token:eth', 'token:btc'] });

    assert.equal(await cache.invalidateTag('token:eth'), 3);
    assert.equal(cache.get('price:eth:usd'), undefined);
    assert.equal(cache.get('price:eth:eur'), undefined);
    assert.equal(cache.get('pair:eth-btc'), undefined);
    assert.equal(cache.get('price:btc:usd'), 3);
    assert.equal(await cache.invalidateTag('token:eth'), 0);
    assert.equal(await cache.invalidateTag('token:btc'), 1);
  });

  it('forgets the tags of entries that were evicted, expired or replaced', async () => {
    const { cache, clock } = cacheWithClock<string>({ max: 2 });
    // Evicted by LRU, then the key comes back without the tag: the tag must not reach it.
    cache.set('a', 'v', { tags: ['t1'] });
    cache.set('b', 'v');
    cache.set('c', 'v');
    cache.set('a', 'v2');
    assert.equal(await cache.invalidateTag('t1'), 0);
    assert.equal(cache.get('a'), 'v2');

    // Replaced with other tags.
    cache.set('b', 'v', { tags: ['t2'] });
    cache.set('b', 'v2', { tags: ['t3'] });
    assert.equal(await cache.invalidateTag('t2'), 0);
    assert.equal(cache.get('b'), 'v2');

    // Expired and dropped on the next lookup, then set again without the tag.
    cache.set('c', 'v', { tags: ['t4'] });
    clock.t += 2_000;
    assert.equal(await cache.getOrCompute('c', async () => 'v2'), 'v2');
    assert.equal(await cache.invalidateTag('t4'), 0);
    assert.equal(cache.get('c'), 'v2');
  });

  it('indexes only the tags of entries it still holds', async () => {
    const { cache, clock } = cacheWithClock<number>({ max: 2 });
    for (let i = 0; i < 100; i++) cache.set(`price:${i}`, i, { tags: [`token:${i}`, 'prices'] });
    assert.deepEqual(cache.stats(), { entries: 2, tags: 3, inFlight: 0 }, 'token:98, token:99, prices');
    clock.t += 2_000;
    await cache.getOrCompute('price:98', async () => 98);
    assert.deepEqual(cache.stats(), { entries: 2, tags: 2, inFlight: 0 }, 'the expired entry took token:98 with it');
  });

  it('keeps an older in-flight result out of the cache after an invalidation', async () => {
    const cache = new L1Cache<string>({ name: 'test', max: 10, defaultTtlMs: 60_000 });
    const gate = deferred<string>();
    const first = cache.getOrCompute('k', () => gate.promise);
    await cache.invalidate('k');
    gate.resolve('old');
    assert.equal(await first, 'old', 'the caller that asked before the invalidation still gets its answer');
    assert.equal(cache.peek('k'), undefined);
    assert.equal(await cache.getOrCompute('k', async () => 'new'), 'new');
  });

  it('lets a computation started after an invalidation win over the older one', async () => {
    const cache = new L1Cache<string>({ name: 'test', max: 10, defaultTtlMs: 60_000 });
    const older = deferred<string>();
    const newer = deferred<string>();
    const first = cache.getOrCompute('k', () => older.promise);
    await cache.invalidate('k');
    const second = cache.getOrCompute('k', () => newer.promise);

    older.resolve('old');
    await first;
    const late = counting('unused');
    const third = cache.getOrCompute('k', late);
    assert.equal(late.calls, 0, 'the older flight finishing did not drop the newer one');

    newer.resolve('new');
    assert.equal(await second, 'new');
    assert.equal(await third, 'new');
    assert.equal(cache.peek('k'), 'new');
  });

  it('keeps an in-flight result out when its tag is invalidated or the key is set meanwhile', async () => {
    const cache = new L1Cache<string>({ name: 'test', max: 10, defaultTtlMs: 60_000 });
    const byTag = deferred<string>();
    const tagged = cache.getOrCompute('t', () => byTag.promise, { tags: ['token:eth'] });
    assert.equal(await cache.invalidateTag('token:eth'), 0, 'nothing was stored yet');
    byTag.resolve('old');
    await tagged;
    assert.equal(cache.peek('t'), undefined);

    const bySet = deferred<string>();
    const computed = cache.getOrCompute('s', () => bySet.promise);
    cache.set('s', 'explicit');
    bySet.resolve('computed');
    await computed;
    assert.equal(cache.peek('s'), 'explicit');
  });

  it('keeps a background refresh out when the stale entry it refreshes is invalidated by tag', async () => {
    const { cache, clock } = cacheWithClock<string>({ defaultStaleMs: 5_000 });
    cache.set('k', 'old', { tags: ['token:eth'] });
    clock.t += 1_500;
    const refresh = deferred<string>();
    assert.equal(await cache.getOrCompute('k', () => refresh.promise), 'old', 'the refresh itself carries no tags');
    assert.equal(await cache.invalidateTag('token:eth'), 1);
    refresh.resolve('computed before the invalidation');
    await tick();
    assert.equal(cache.peek('k'), undefined);
  });

  it('counts hits, stale answers and misses in mobius_cache_requests_total', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const clock = { t: 1_000_000 };
    const prices = new L1Cache<number>({
      name: 'prices',
      max: 10,
      defaultTtlMs: 1_000,
      defaultStaleMs: 1_000,
      metrics: metrics.cacheRequests,
      now: () => clock.t,
    });
    const tokens = new L1Cache<number>({ name: 'tokens', max: 10, defaultTtlMs: 1_000, metrics: metrics.cacheRequests });

    await prices.getOrCompute('a', async () => 1); // miss
    prices.get('a'); // hit
    await prices.getOrCompute('a', async () => 1); // hit
    prices.get('nope'); // miss
    clock.t += 1_500;
    await prices.getOrCompute('a', async () => 2); // stale
    tokens.get('x'); // miss

    const text = await metrics.registry.getSingleMetricAsString('mobius_cache_requests_total');
    assert.match(text, /^mobius_cache_requests_total\{cache="prices",result="hit"\} 2$/m);
    assert.match(text, /^mobius_cache_requests_total\{cache="prices",result="stale"\} 1$/m);
    assert.match(text, /^mobius_cache_requests_total\{cache="prices",result="miss"\} 2$/m);
    assert.match(text, /^mobius_cache_requests_total\{cache="tokens",result="miss"\} 1$/m);

    prices.get('a'); // hit (the background refresh stored 2)
    const values = (await metrics.cacheRequests.get()).values;
    const hits = values.find((v) => v.labels.cache === 'prices' && v.labels.result === 'hit');
    assert.equal(hits?.value, 3, 'counts are added once, not again on every read');
  });

  it('holds at most max entries, evicting the least recently used', () => {
    const cache = new L1Cache<number>({ name: 'test', max: 3, defaultTtlMs: 60_000 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    cache.get('a');
    cache.set('d', 4);
    assert.equal(cache.size, 3);
    assert.equal(cache.peek('b'), undefined);
    assert.deepEqual(['a', 'c', 'd'].map((k) => cache.peek(k)), [1, 3, 4]);
  });

  it('refuses settings that would make it unbounded or never expire', () => {
    const base = { name: 'test', max: 10, defaultTtlMs: 1_000 };
    assert.throws(() => new L1Cache({ ...base, max: 0 }), RangeError);
    assert.throws(() => new L1Cache({ ...base, defaultTtlMs: 0 }), RangeError);
    assert.throws(() => new L1Cache({ ...base, now: () => 0 }), RangeError);
    assert.throws(() => new L1Cache<number>(base).set('k', 1, { ttlMs: -1 }), RangeError);
  });
});
