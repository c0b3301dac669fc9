import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { malformedJson, rateLimited, readFixture, serverError, startReplayServer, type ReplayServer } from '../../../test/helpers/api-replay.js';
import { DependencyError } from '../../core/errors.js';
import type { TokenRef } from '../../core/token.js';
import { createMetrics } from '../../infra/metrics.js';
import { createDependencyPolicy, type DependencyPolicyOptions } from '../../infra/resilience.js';
import { requestKey, type PriceRequest } from '../types.js';
import { CoinGeckoSource } from './coingecko.js';

const KEY = 'CG-secret-demo-key-123';
const NOW = Date.parse('2025-06-12T12:00:00Z');

function policy(options: Partial<DependencyPolicyOptions> = {}) {
  return createDependencyPolicy(
    { name: 'coingecko', timeoutMs: 500, retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 }, ...options },
    { metrics: createMetrics({ defaultMetrics: false }) },
  );
}

const token = (chainId: number, address: TokenRef['address'], symbol: string, decimals = 18): TokenRef => ({ chainId, address, symbol, decimals });
const ETH = token(1, 'native', 'ETH');
const WBTC = token(1, '0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599', 'WBTC', 8);
const USDC = token(1, '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', 'USDC', 6);
const LINK = token(1, '0x514910771AF9Ca656af840dff83E8264EcF986CA', 'LINK');
const PEPE = token(1, '0x6982508145454Ce325dDbE47a25d4ec3d2311933', 'PEPE');
const UNI = token(1, '0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984', 'UNI');
const req = (t: TokenRef, coingeckoId: string | undefined, fiat = 'usd'): PriceRequest => ({
  token: t,
  marketSymbol: t.symbol.replace(/^W(?=BTC|ETH)/, ''),
  fiat,
  ...(coingeckoId ? { coingeckoId } : {}),
});
const signal = () => AbortSignal.timeout(10_000);
const reason = (err: unknown) => (err instanceof DependencyError ? err.details?.['reason'] : undefined);

describe('CoinGeckoSource', () => {
  let api: ReplayServer;
  const source = (options: Partial<ConstructorParameters<typeof CoinGeckoSource>[0]> = {}) =>
    new CoinGeckoSource({ baseUrl: api.url, apiKey: KEY, policy: policy(), now: () => NOW, ...options });

  before(async () => {
    api = await startReplayServer([]);
  });
  after(() => api.close());
  beforeEach(() => {
    api.requests.length = 0;
  });

  describe('prices', () => {
    it('prices many ids in several fiats with one call, stamped with CoinGecko’s update time', async () => {
      api.setRoutes([{ path: '/simple/price', answer: { fixture: 'coingecko/simple-price.json' } }]);
      const requests = [req(ETH, 'ethereum'), req(WBTC, 'bitcoin'), req(USDC, 'usd-coin'), req(LINK, 'chainlink'), req(PEPE, 'pepe'), req(ETH, 'ethereum', 'eur')];
      const quotes = await source().fetch(requests, signal());

      assert.equal(api.requests.length, 1);
      const { query, headers } = api.requests[0]!;
      assert.deepEqual(query['ids']!.split(',').sort(), ['bitcoin', 'chainlink', 'ethereum', 'pepe', 'usd-coin']);
      assert.equal(query['vs_currencies'], 'usd,eur');
      assert.equal(query['include_24hr_change'], 'true');
      assert.equal(query['include_last_updated_at'], 'true');
      assert.equal(headers['x-cg-demo-api-key'], KEY);

      assert.equal(quotes.size, 6);
      assert.deepEqual(quotes.get(requestKey(req(ETH, 'ethereum'))), { source: 'coingecko', price: 2751.43, at: 1749729581000, change24hPct: -3.2141593772 });
      assert.equal(quotes.get(requestKey(req(ETH, 'ethereum', 'eur')))?.price, 2382.7);
      assert.equal(quotes.get(requestKey(req(PEPE, 'pepe')))?.price, 0.00001182);
      assert.equal(quotes.get(requestKey(req(WBTC, 'bitcoin')))?.change24hPct, -1.0527283861);
    });

    it('leaves out a null 24 h change (CoinGecko’s sign of a stale price) rather than reporting 0', async () => {
      api.setRoutes([{ path: '/simple/price', answer: { fixture: 'coingecko/simple-price.json' } }]);
      const weth = req(token(1, '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2', 'WETH'), 'weth');
      const quote = (await source().fetch([weth], signal())).get(requestKey(weth));
      assert.equal(quote?.price, 2750.91);
      assert.equal(quote?.change24hPct, undefined);
      assert.equal(quote?.at, 1749729460000);
    });

    it('splits the ids over several calls when one URL would get too long', async () => {
      api.setRoutes([{ path: '/simple/price', answer: { body: {} } }]);
      const ids = Array.from({ length: 120 }, (_, i) => `some-long-coin-identifier-${i}`);
      const requests = ids.map((id, i) => req(token(1, `0x${i.toString(16).padStart(40, '0')}`, 'TKN'), id));
      const quotes = await source().fetch(requests, signal());
      assert.equal(quotes.size, 0);
      assert.ok(api.requests.length > 1);
      const asked = api.requests.flatMap((r) => r.query['ids']!.split(','));
      assert.deepEqual(asked.sort(), [...ids].sort(), 'every id asked exactly once');
      for (const r of api.requests) assert.ok(encodeURIComponent(r.query['ids']!).length <= 1_500);
    });

    it('drops negative, zero, NaN, null and overflowing (1e400) prices, keeping the sane ones', async () => {
      api.setRoutes([{ path: '/simple/price', answer: { fixture: 'coingecko/simple-price-absurd.json' } }]);
      const requests = [req(WBTC, 'bitcoin'), req(ETH, 'ethereum'), req(LINK, 'chainlink'), req(PEPE, 'pepe'), req(USDC, 'usd-coin'), req(UNI, 'uniswap')];
      const quotes = await source().fetch(requests, signal());
      assert.deepEqual([...quotes.keys()], [requestKey(req(UNI, 'uniswap'))]);
      assert.equal(quotes.get(requestKey(req(UNI, 'uniswap')))?.price, 7.61);
    });

    it('is eligible only with a CoinGecko id, and never for devnet tokens', () => {
      const cg = source();
      assert.equal(cg.eligible(req(ETH, 'ethereum')), true);
      assert.equal(cg.eligible(req(ETH, undefined)), false);
      assert.equal(cg.eligible(req(ETH, 'ethereum,bitcoin')), false, 'an id cannot smuggle in another');
      assert.equal(cg.eligible(req(token(31337, 'native', 'ETH'), 'ethereum')), false);
      assert.equal(cg.eligible({ ...req(LINK, 'chainlink'), token: { ...LINK, devnet: true } }), false);
    });

    it('asks nothing for an empty batch', async () => {
      assert.equal((await source().fetch([], signal())).size, 0);
      assert.equal(api.requests.length, 0);
    });
  });

  describe('failures', () => {
    it('honours Retry-After on 429, then gets the prices', async () => {
      api.setRoutes([{ path: '/simple/price', answer: [rateLimited(1), { fixture: 'coingecko/simple-price.json' }] }]);
      const quotes = await source().fetch([req(ETH, 'ethereum')], signal());
      assert.equal(quotes.get(requestKey(req(ETH, 'ethereum')))?.price, 2751.43);
      assert.equal(api.requests.length, 2);
    });

    it('fails fast with rate_limited when Retry-After exceeds its wait budget', async () => {
      api.setRoutes([{ path: '/simple/price', answer: rateLimited(60) }]);
      const started = performance.now();
      await assert.rejects(source({ maxRateLimitWaitMs: 5_000 }).fetch([req(ETH, 'ethereum')], signal()), (err) => {
        assert.equal(reason(err), 'rate_limited');
        assert.equal((err as DependencyError).details?.['retryAfterSeconds'], 60);
        return true;
      });
      assert.ok(performance.now() - started < 1_000);
    });

    it('retries a 500, then its breaker opens and refuses without calling', async () => {
      api.setRoutes([{ path: '/simple/price', answer: serverError(500) }]);
      const p = policy({ breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 } });
      const cg = source({ policy: p });
      await assert.rejects(cg.fetch([req(ETH, 'ethereum')], signal()), (err) => err instanceof DependencyError);
      assert.equal(api.requests.length, 3);
      assert.equal(p.state(), 'open');
      await assert.rejects(cg.fetch([req(ETH, 'ethereum')], signal()), (err) => reason(err) === 'circuit_open');
      assert.equal(api.requests.length, 3);
    });

    it('times out a slow answer', async () => {
      api.setRoutes([{ path: '/simple/price', answer: { fixture: 'coingecko/simple-price.json', delayMs: 400 } }]);
      const p = policy({ timeoutMs: 60, retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 } });
      await assert.rejects(source({ policy: p }).fetch([req(ETH, 'ethereum')], signal()), (err) => reason(err) === 'timeout');
    });

    it('names itself on malformed JSON and never shows the API key, not even in causes', async () => {
      api.setRoutes([{ path: '/simple/price', answer: malformedJson() }]);
      await assert.rejects(source().fetch([req(ETH, 'ethereum')], signal()), (err) => {
        assert.equal(reason(err), 'bad_response');
        assert.match((err as Error).message, /coingecko/);
        assert.ok(!inspect(err, { depth: 10 }).includes(KEY));
        assert.ok(!JSON.stringify(err).includes(KEY));
        return true;
      });
      assert.equal(api.requests.length, 1);
    });

    it('reports a refused key as a 401 without the key in the error', async () => {
      api.setRoutes([{ path: '/simple/price', answer: { status: 401, body: readFixture('coingecko/error-unauthorized.json') } }]);
      await assert.rejects(source().fetch([req(ETH, 'ethereum')], signal()), (err) => {
        assert.equal((err as DependencyError).details?.['status'], 401);
        assert.ok(!inspect(err, { depth: 10 }).includes(KEY));
        return true;
      });
      assert.equal(api.requests.length, 1, '4xx is not retried');
    });

    it('sends the pro header when told to', async () => {
      api.setRoutes([{ path: '/simple/price', answer: { fixture: 'coingecko/simple-price.json' } }]);
      await source({ apiKeyHeader: 'x-cg-pro-api-key' }).fetch([req(ETH, 'ethereum')], signal());
      assert.equal(api.requests[0]!.headers['x-cg-pro-api-key'], KEY);
      assert.equal(api.requests[0]!.headers['x-cg-demo-api-key'], undefined);
    });
  });

  describe('candles', () => {
    it('builds hourly OHLC from price points: opens at the last price before, closes at the last one inside', async () => {
      api.setRoutes([{ path: '/coins/bitcoin/market_chart', answer: { fixture: 'coingecko/market-chart-bitcoin-sample.json' } }]);
      const candles = await source().candles(req(WBTC, 'bitcoin'), '1h', 10, signal());
      const at = (iso: string) => Date.parse(iso);
      assert.deepEqual(
        candles.map(({ volume: _v, ...ohlc }) => ohlc),
        [
          // 07:40's 107000 opens 08:00; the point exactly at 09:00 closes 08:00 and opens 09:00.
          { openTime: at('2025-06-12T08:00:00Z'), open: 107000, high: 107300, low: 106800, close: 107250 },
          // null and negative points at 09:20 and 09:30 are dropped.
          { openTime: at('2025-06-12T09:00:00Z'), open: 107250, high: 107600, low: 107250, close: 107600 },
          // No observation in the hour: the last price carries, like an exchange candle without trades.
          { openTime: at('2025-06-12T10:00:00Z'), open: 107600, high: 107600, low: 107600, close: 107600 },
          { openTime: at('2025-06-12T11:00:00Z'), open: 107600, high: 107600, low: 107412, close: 107412 },
        ],
      );
      // Rolling 24 h volume pro-rated to the hour: 48e9, 45.6e9, (carried) 45.6e9, 43.2e9 per day.
      assert.deepEqual(
        candles.map((c) => Math.round(c.volume)),
        [2e9, 1.9e9, 1.9e9, 1.8e9],
      );
      assert.equal(api.requests[0]!.query['vs_currency'], 'usd');
      assert.equal(api.requests[0]!.query['days'], '1');
      assert.equal(api.requests[0]!.headers['x-cg-demo-api-key'], KEY);
    });

    it('builds a 4-hour candle from the same points and keeps only the most recent `limit`', async () => {
      api.setRoutes([{ path: '/coins/bitcoin/market_chart', answer: { fixture: 'coingecko/market-chart-bitcoin-sample.json' } }]);
      const [four] = await source().candles(req(WBTC, 'bitcoin'), '4h', 5, signal());
      assert.deepEqual({ ...four, volume: undefined }, { openTime: Date.parse('2025-06-12T08:00:00Z'), open: 107000, high: 107600, low: 106800, close: 107412, volume: undefined });
      const lastTwo = await source().candles(req(WBTC, 'bitcoin'), '1h', 2, signal());
      assert.deepEqual(
        lastTwo.map((c) => c.openTime),
        [Date.parse('2025-06-12T10:00:00Z'), Date.parse('2025-06-12T11:00:00Z')],
      );
    });

    it('turns a day of 5-minutely points into ordered, aligned, joined candles', async () => {
      api.setRoutes([{ path: '/coins/ethereum/market_chart', answer: { fixture: 'coingecko/market-chart-ethereum-1d.json' } }]);
      for (const [interval, step, limit] of [['5m', 300_000, 48], ['15m', 900_000, 40], ['1h', 3_600_000, 12]] as const) {
        const candles = await source().candles(req(ETH, 'ethereum'), interval, limit, signal());
        assert.equal(candles.length, limit, interval);
        candles.forEach((c, i) => {
          assert.equal(c.openTime % step, 0, 'aligned to the interval');
          assert.ok(c.low <= Math.min(c.open, c.close) && c.high >= Math.max(c.open, c.close), 'OHLC consistent');
          assert.ok(c.volume > 0);
          if (i > 0) {
            assert.equal(c.openTime - candles[i - 1]!.openTime, step, 'oldest first, no gaps');
            assert.equal(c.open, candles[i - 1]!.close, 'each candle opens where the last closed');
          }
        });
        assert.equal(candles.at(-1)!.close, 2751.43, 'the current candle closes at the latest price');
      }
      assert.deepEqual(
        api.requests.map((r) => r.query['days']),
        ['1', '1', '1'],
      );
    });

    it('asks for enough days for the window, within what the granularity allows', async () => {
      api.setRoutes([{ path: '/coins/ethereum/market_chart', answer: { body: { prices: [], market_caps: [], total_volumes: [] } } }]);
      const cg = source();
      await cg.candles(req(ETH, 'ethereum'), '1h', 48, signal());
      await cg.candles(req(ETH, 'ethereum'), '4h', 1000, signal());
      await cg.candles(req(ETH, 'ethereum'), '1d', 200, signal());
      assert.deepEqual(
        api.requests.map((r) => r.query['days']),
        ['3', '90', '201'],
      );
    });

    it('builds only the buckets it returns, even after a stray early timestamp', async () => {
      const chart = readFixture('coingecko/market-chart-bitcoin-sample.json');
      chart.prices.unshift([1_000, 99_000]);
      api.setRoutes([{ path: '/coins/bitcoin/market_chart', answer: { body: chart } }]);
      const started = performance.now();
      const candles = await source().candles(req(WBTC, 'bitcoin'), '5m', 3, signal());
      assert.ok(performance.now() - started < 500);
      assert.deepEqual(
        candles.map((c) => [new Date(c.openTime).toISOString().slice(11, 16), c.open, c.close]),
        [
          ['11:45', 107500, 107500],
          ['11:50', 107500, 107500],
          ['11:55', 107500, 107412],
        ],
      );
    });

    it('refuses 1-minute candles, finer than any CoinGecko chart', async () => {
      await assert.rejects(source().candles(req(ETH, 'ethereum'), '1m', 10, signal()), (err) => reason(err) === 'unsupported_interval');
      assert.equal(api.requests.length, 0);
    });
  });

  describe('market data', () => {
    it('reads the top coins by market cap, dropping rows without a price', async () => {
      api.setRoutes([{ path: '/coins/markets', answer: { fixture: 'coingecko/markets-usd.json' } }]);
      const rows = await source().markets('usd', 7, signal());
      assert.deepEqual(api.requests[0]!.query, {
        vs_currency: 'usd',
        order: 'market_cap_desc',
        per_page: '7',
        page: '1',
        sparkline: 'false',
        price_change_percentage: '24h',
      });
      assert.deepEqual(
        rows.map((r) => r.coingeckoId),
        ['bitcoin', 'ethereum', 'tether', 'binancecoin', 'usd-coin', 'chainlink'],
      );
      assert.deepEqual(rows[1], {
        coingeckoId: 'ethereum',
        symbol: 'ETH',
        name: 'Ethereum',
        price: 2751.43,
        marketCap: 332186740912,
        change24hPct: -3.21416,
        volume24h: 24180336051,
        rank: 2,
      });
    });

    it('lists trending coins in CoinGecko’s order', async () => {
      api.setRoutes([{ path: '/search/trending', answer: { fixture: 'coingecko/trending.json' } }]);
      const coins = await source().trending(signal());
      assert.deepEqual(coins, [
        { coingeckoId: 'pepe', symbol: 'PEPE', name: 'Pepe', rank: 1, marketCapRank: 26 },
        { coingeckoId: 'hyperliquid', symbol: 'HYPE', name: 'Hyperliquid', rank: 2, marketCapRank: 14 },
        { coingeckoId: 'chainlink', symbol: 'LINK', name: 'Chainlink', rank: 3, marketCapRank: 13 },
        { coingeckoId: 'new-listing-token', symbol: 'NLT', name: 'New Listing Token', rank: 4, marketCapRank: undefined },
      ]);
    });

    it('reads a token’s details: supply, contracts per chain, links', async () => {
      api.setRoutes([{ path: '/coins/usd-coin', answer: { fixture: 'coingecko/coin-usd-coin.json' } }]);
      const info = await source().coinInfo('usd-coin', 'usd', signal());
      assert.ok(info);
      assert.equal(api.requests[0]!.query['market_data'], 'true');
      assert.equal(api.requests[0]!.query['tickers'], 'false');
      assert.equal(info.symbol, 'USDC');
      assert.equal(info.price, 0.999812);
      assert.equal(info.marketCap, 61596211987);
      assert.equal(info.change24hPct, -0.0056322049);
      assert.deepEqual(info.supply, { circulating: 61609155412.88469, total: 61611399230.85762, max: undefined });
      const byChain = Object.fromEntries(info.contracts.filter((c) => c.chainId !== undefined).map((c) => [c.chainId, c.address]));
      assert.deepEqual(byChain, {
        1: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
        137: '0x3c499c542cef5e3811e1192ce70d8cc03d5c3359',
        42161: '0xaf88d065e77c8cc2239327c5edb3a432268e5831',
        10: '0x0b2c639c533813f4aa9d7837caf62653d097ff85',
        8453: '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913',
        43114: '0xb97ef9ef8734c71904d8002f8b6bc66dd9c48a6e',
      });
      assert.equal(info.contracts.find((c) => c.platform === 'base')?.decimals, 6);
      assert.deepEqual(info.contracts.filter((c) => c.chainId === undefined).map((c) => c.platform).sort(), ['solana', 'stellar', 'sui', 'tron']);
      assert.deepEqual(info.links.homepage, ['https://www.circle.com/en/usdc']);
      assert.equal(info.links.twitter, 'https://x.com/circle');
      assert.equal(info.links.telegram, undefined, 'an empty identifier is no link');
      assert.deepEqual(info.links.github, ['https://github.com/centrehq/centre-tokens']);
      assert.equal(info.links.explorers.length, 5);
      assert.ok(info.description?.includes('what is USDC & how it works'));
      assert.ok(!info.description?.includes('<a'));
      assert.equal(info.updatedAt, Date.parse('2025-06-12T11:59:26.918Z'));
    });

    it('reads a chain’s own coin (no contracts) in another fiat', async () => {
      api.setRoutes([{ path: '/coins/ethereum', answer: { fixture: 'coingecko/coin-ethereum.json' } }]);
      const info = await source().coinInfo('ethereum', 'eur', signal());
      assert.deepEqual(info?.contracts, []);
      assert.equal(info?.price, 2382.7);
      assert.equal(info?.supply.max, undefined);
      assert.equal(info?.marketCapRank, 2);
      assert.equal(info?.genesisDate, '2015-07-30');
      assert.equal(info?.links.reddit, 'https://www.reddit.com/r/ethereum');
    });

    it('returns undefined for an unknown coin, and keeps only http(s) links', async () => {
      const usdc = readFixture('coingecko/coin-usd-coin.json');
      usdc.links.homepage = ['javascript:alert(1)', 'https://www.circle.com/en/usdc', 'ftp://old.example'];
      api.setRoutes([
        { path: '/coins/no-such-coin', answer: { status: 404, fixture: 'coingecko/error-coin-not-found.json' } },
        { path: '/coins/usd-coin', answer: { body: usdc } },
      ]);
      assert.equal(await source().coinInfo('no-such-coin'), undefined);
      assert.deepEqual((await source().coinInfo('usd-coin'))?.links.homepage, ['https://www.circle.com/en/usdc']);
    });
  });
});
