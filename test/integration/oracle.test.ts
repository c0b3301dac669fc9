import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { chainByKey } from '../../src/chain/chains.js';
import { DependencyError } from '../../src/core/errors.js';
import type { TokenRef } from '../../src/core/token.js';
import { L1Cache } from '../../src/infra/cache.js';
import { createMetrics } from '../../src/infra/metrics.js';
import { createDependencyPolicy } from '../../src/infra/resilience.js';
import { priceRequestFor } from '../../src/market/assets.js';
import { CachedSource } from '../../src/market/cached-source.js';
import { PriceOracle, type OracleAnswer } from '../../src/market/oracle.js';
import { BinanceSource } from '../../src/market/sources/binance.js';
import { CoinGeckoSource } from '../../src/market/sources/coingecko.js';
import { DexScreenerSource } from '../../src/market/sources/dexscreener.js';
import { readFixture, serverError, startReplayServer, rateLimited, type ReplayAnswer, type ReplayServer } from '../helpers/api-replay.js';
import { quietLog } from '../helpers/devnet.js';

const ETH: TokenRef = { chainId: 1, address: 'native', symbol: 'ETH', decimals: 18, name: 'Ether' };
const request = priceRequestFor(ETH, chainByKey('ethereum'), 'usd', () => undefined);

/** The real APIs' bodies with ETH at the price a scenario wants, dated `now`. */
function coingecko(price: number | string, at: number): ReplayAnswer {
  const body = readFixture('coingecko/simple-price.json');
  body.ethereum.usd = price;
  body.ethereum.last_updated_at = Math.floor(at / 1000);
  return { body };
}
function binance(price: number | string): ReplayAnswer {
  return () => ({ body: readFixture<Array<{ symbol: string; price: string }>>('binance/ticker-price.json').map((t) => (t.symbol === 'ETHUSDT' ? { ...t, price: String(price) } : t)) });
}
function dexscreener(price: number | string): ReplayAnswer {
  const body = readFixture('dexscreener/tokens-eth-base-op.json');
  for (const pair of body.pairs) if (pair.baseToken.symbol === 'WETH') pair.priceUsd = String(price);
  return { body };
}

describe('the price oracle over real source clients and replayed APIs', () => {
  let api: ReplayServer;
  let now = Date.UTC(2026, 10, 21, 12);
  const clock = () => now;
  let oracle: PriceOracle;

  function routes(answers: { coingecko: ReplayAnswer; binance: ReplayAnswer; dexscreener: ReplayAnswer }) {
    api.setRoutes([
      { path: '/simple/price', answer: answers.coingecko },
      { path: '/api/v3/ticker/price', answer: answers.binance },
      { path: '/api/v3/ticker/24hr', answer: { body: [] } },
      { path: /^\/latest\/dex\/tokens\//, answer: answers.dexscreener },
    ]);
  }

  before(async () => {
    api = await startReplayServer([]);
  });
  after(() => api.close());
  beforeEach(() => {
    now += 3_600_000; // a new hour: no cache, no cooldown carried over between scenarios
    const metrics = createMetrics({ defaultMetrics: false });
    const policy = (name: string) => createDependencyPolicy({ name, timeoutMs: 400, retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 }, breaker: { consecutiveFailures: 5, halfOpenAfterMs: 60_000 } }, { metrics });
    oracle = new PriceOracle({
      sources: [
        new CoinGeckoSource({ policy: policy('coingecko'), baseUrl: api.url, now: clock }),
        new BinanceSource({ policy: policy('binance'), baseUrl: api.url, now: clock }),
        new DexScreenerSource({ policy: policy('dexscreener'), baseUrl: api.url, now: clock }),
      ],
      cache: new L1Cache<OracleAnswer>({ name: 'prices', max: 100, defaultTtlMs: 10_000, now: clock }),
      deadlineMs: 800,
      ttlMs: 10_000,
      staleMs: 0,
      now: clock,
      log: quietLog,
    });
  });

  it('agrees with three agreeing sources, confidently', async () => {
    routes({ coingecko: coingecko(3000, now - 20_000), binance: binance('3001.5'), dexscreener: dexscreener('2999') });
    const answer = await oracle.price(request);
    assert.equal(answer.price, 3000);
    assert.deepEqual(answer.sources.map((s) => [s.name, s.used]).sort(), [['binance', true], ['coingecko', true], ['dexscreener', true]]);
    assert.ok(answer.confidence >= 0.9, String(answer.confidence));
    assert.equal(answer.sources.find((s) => s.name === 'coingecko')!.ageMs, 20_000);
  });

  it('answers with one source of three down, with less confidence, naming the outage', async () => {
    routes({ coingecko: coingecko(3000, now - 5_000), binance: serverError(500), dexscreener: dexscreener('3002') });
    const answer = await oracle.price(request);
    assert.equal(answer.price, 3001);
    assert.deepEqual(answer.failures.map((f) => f.name), ['binance']);
    assert.ok(answer.confidence < 0.9 && answer.confidence > 0.5, String(answer.confidence));
  });

  it('rejects a 10× price from one source as an outlier', async () => {
    routes({ coingecko: coingecko(3000, now - 5_000), binance: binance('30010'), dexscreener: dexscreener('3003') });
    const answer = await oracle.price(request);
    assert.equal(answer.sources.find((s) => s.name === 'binance')!.dropped, 'outlier');
    assert.equal(answer.price, 3001.5);
  });

  it('never passes on an absurd value: negative, NaN and zero are dropped by the sources', async () => {
    routes({ coingecko: coingecko(-3000, now - 5_000), binance: binance('NaN'), dexscreener: dexscreener('0') });
    await assert.rejects(oracle.price(request), (err: unknown) => err instanceof DependencyError && /No price for ETH right now/.test((err as Error).message));
  });

  it('keeps two disagreeing sources of three but says so in the confidence', async () => {
    routes({ coingecko: coingecko(2700, now - 5_000), binance: binance('3300'), dexscreener: dexscreener('3000') });
    const answer = await oracle.price(request);
    assert.equal(answer.price, 3000);
    assert.ok(answer.sources.every((s) => s.used), 'within 10 %: no outlier');
    assert.ok(answer.confidence <= 0.2, `10 % apart is low confidence, got ${answer.confidence}`);
  });

  it('drops stale answers and, with nothing fresh, serves the last good price with its age', async () => {
    routes({ coingecko: coingecko(3000, now - 1_000), binance: binance('3000'), dexscreener: dexscreener('3000') });
    await oracle.price(request);
    now += 120_000;
    routes({ coingecko: coingecko(3100, now - 3_600_000), binance: serverError(503), dexscreener: serverError(502) });
    const answer = await oracle.price(request);
    assert.equal(answer.freshness, 'stale');
    assert.equal(answer.price, 3000);
    assert.equal(answer.ageMs, 120_000);
    assert.ok(answer.failures.some((f) => f.name === 'coingecko' && /stale/.test(f.reason)));
  });

  it('fails clearly, naming each outage, when every source is down and nothing was cached', async () => {
    routes({ coingecko: rateLimited(120), binance: serverError(500), dexscreener: { hang: true } });
    const started = performance.now();
    await assert.rejects(oracle.price(request), (err: unknown) => {
      const message = (err as Error).message;
      return err instanceof DependencyError && /coingecko: rate limited/.test(message) && /binance/.test(message) && /dexscreener: no answer within/.test(message);
    });
    assert.ok(performance.now() - started < 3000, 'the deadline bounds the wait');
  });

  it('asks a source again only when its own cache expires, and reports the cached quote\'s real age', async () => {
    routes({ coingecko: coingecko(3000, now - 10_000), binance: binance('3000'), dexscreener: dexscreener('3000') });
    const metrics = createMetrics({ defaultMetrics: false });
    const gecko = new CoinGeckoSource({ policy: createDependencyPolicy({ name: 'coingecko', timeoutMs: 400 }, { metrics }), baseUrl: api.url, now: clock });
    const cached = new CachedSource(gecko, new L1Cache({ name: 'sources', max: 100, defaultTtlMs: 60_000, now: clock }), 60_000);
    const oracle1 = new PriceOracle({ sources: [cached], cache: new L1Cache<OracleAnswer>({ name: 'p', max: 10, defaultTtlMs: 1, now: clock }), ttlMs: 1, staleMs: 0, now: clock, log: quietLog });
    const before = api.requestsTo('/simple/price').length;
    await oracle1.price(request);
    now += 20_000;
    const second = await oracle1.price(request);
    assert.equal(api.requestsTo('/simple/price').length, before + 1, 'one call to CoinGecko for two answers 20 s apart');
    assert.equal(second.sources[0]!.ageMs, 30_000);
    now += 60_000;
    await oracle1.price(request);
    assert.equal(api.requestsTo('/simple/price').length, before + 2);
  });

  it('answers within the deadline when one source hangs', async () => {
    routes({ coingecko: coingecko(3000, now - 5_000), binance: binance('3000'), dexscreener: { hang: true } });
    const answer = await oracle.price(request);
    assert.equal(answer.price, 3000);
    assert.match(answer.failures[0]!.reason, /no answer within/);
  });
});
