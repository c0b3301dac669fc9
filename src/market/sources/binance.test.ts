import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFixture, serverError, startReplayServer, type RecordedRequest, type ReplayResponse, type ReplayServer } from '../../../test/helpers/api-replay.js';
import { DependencyError } from '../../core/errors.js';
import { HttpStatusError } from '../http-json.js';
import type { TokenRef } from '../../core/token.js';
import { createMetrics } from '../../infra/metrics.js';
import { createDependencyPolicy, type DependencyPolicyOptions } from '../../infra/resilience.js';
import { requestKey, type PriceRequest } from '../types.js';
import { BinanceSource } from './binance.js';

const NOW = Date.parse('2025-06-12T12:00:00Z');

function policy(options: Partial<DependencyPolicyOptions> = {}) {
  return createDependencyPolicy(
    { name: 'binance', timeoutMs: 500, retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 }, ...options },
    { metrics: createMetrics({ defaultMetrics: false }) },
  );
}

const token = (chainId: number, address: TokenRef['address'], symbol: string): TokenRef => ({ chainId, address, symbol, decimals: 18 });
const ETH = token(1, 'native', 'ETH');
const WBTC = token(1, '0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599', 'WBTC');
const LINK = token(1, '0x514910771AF9Ca656af840dff83E8264EcF986CA', 'LINK');
const PEPE = token(1, '0x6982508145454Ce325dDbE47a25d4ec3d2311933', 'PEPE');
const UNI = token(1, '0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984', 'UNI');
const USDC = token(1, '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', 'USDC');
const NOPE = token(1, '0x000000000000000000000000000000000000dEaD', 'NOPECOIN');
const req = (t: TokenRef, marketSymbol = t.symbol, fiat = 'usd'): PriceRequest => ({ token: t, marketSymbol, fiat });
const signal = () => AbortSignal.timeout(10_000);
const reason = (err: unknown) => (err instanceof DependencyError ? err.details?.['reason'] : undefined);
const symbolsOf = (r: RecordedRequest) => JSON.parse(r.query['symbols']!) as string[];

/** Answers like Binance: only the asked symbols, and -1121 for the whole batch if one is unlisted. */
function tickers(fixture: string) {
  const rows = readFixture<Array<{ symbol: string }>>(fixture);
  return (r: RecordedRequest): ReplayResponse => {
    const asked = r.query['symbols'] ? symbolsOf(r) : [r.query['symbol']!];
    const found = rows.filter((row) => asked.includes(row.symbol));
    if (found.length < asked.length) return { status: 400, body: readFixture('binance/error-invalid-symbol.json') };
    return { body: r.query['symbol'] ? found[0] : found };
  };
}

describe('BinanceSource', () => {
  let api: ReplayServer;
  const source = (options: Partial<ConstructorParameters<typeof BinanceSource>[0]> = {}) =>
    new BinanceSource({ baseUrl: api.url, policy: policy(), now: () => NOW, ...options });
  const normalRoutes = () =>
    api.setRoutes([
      { path: '/api/v3/ticker/price', answer: tickers('binance/ticker-price.json') },
      { path: '/api/v3/ticker/24hr', answer: tickers('binance/ticker-24hr.json') },
    ]);

  before(async () => {
    api = await startReplayServer([]);
  });
  after(() => api.close());
  beforeEach(() => {
    api.requests.length = 0;
  });

  describe('prices', () => {
    it('prices USD from USDT pairs and EUR from EUR pairs, one call for the prices and one for the change', async () => {
      normalRoutes();
      const requests = [req(ETH), req(WBTC, 'BTC'), req(LINK), req(PEPE), req(ETH, 'ETH', 'eur'), req(WBTC, 'BTC', 'eur')];
      const quotes = await source().fetch(requests, signal());

      const [priceCall, ...others] = api.requestsTo('/api/v3/ticker/price');
      assert.equal(others.length, 0);
      assert.deepEqual(symbolsOf(priceCall!).sort(), ['BTCEUR', 'BTCUSDT', 'ETHEUR', 'ETHUSDT', 'LINKUSDT', 'PEPEUSDT']);
      assert.equal(api.requestsTo('/api/v3/ticker/24hr').length, 1);

      assert.deepEqual(quotes.get(requestKey(req(ETH))), { source: 'binance', price: 2750.96, at: NOW, change24hPct: -3.196 });
      assert.equal(quotes.get(requestKey(req(WBTC, 'BTC')))?.price, 107398.01);
      assert.equal(quotes.get(requestKey(req(PEPE)))?.price, 0.00001182);
      assert.equal(quotes.get(requestKey(req(ETH, 'ETH', 'eur')))?.price, 2382.14);
      assert.equal(quotes.get(requestKey(req(WBTC, 'BTC', 'eur')))?.change24hPct, -1.307);
    });

    it('is eligible for USD and EUR by market symbol, never for stablecoins', () => {
      const binance = source();
      assert.equal(binance.eligible(req(ETH)), true);
      assert.equal(binance.eligible(req(ETH, 'ETH', 'eur')), true);
      assert.equal(binance.eligible(req(ETH, 'ETH', 'gbp')), false);
      assert.equal(binance.eligible(req(USDC)), false, 'no USDCUSDT price stands for USD');
      assert.equal(binance.eligible(req(USDC, 'DAI')), false);
      assert.equal(binance.eligible(req(ETH, 'eth')), false, 'symbols are upper-case');
      assert.equal(binance.eligible(req(ETH, 'ETH","BTC')), false, 'nothing can break out of the JSON parameter');
      assert.equal(binance.eligible(req(token(31337, 'native', 'ETH'))), false, 'the devnet');
    });

    it('when one symbol is unlisted, prices the others one by one and stops asking for it', async () => {
      normalRoutes();
      const binance = source();
      const quotes = await binance.fetch([req(ETH), req(NOPE), req(LINK)], signal());
      assert.deepEqual([...quotes.keys()].sort(), [requestKey(req(ETH)), requestKey(req(LINK))].sort());
      assert.deepEqual(
        api.requestsTo('/api/v3/ticker/price').map((r) => r.query['symbol'] ?? 'batch').sort(),
        ['ETHUSDT', 'LINKUSDT', 'NOPECOINUSDT', 'batch'],
      );

      api.requests.length = 0;
      const again = await binance.fetch([req(ETH), req(NOPE), req(LINK)], signal());
      assert.equal(again.size, 2);
      assert.equal(again.get(requestKey(req(ETH)))?.change24hPct, -3.196, 'with the unlisted symbol gone, the change is back');
      const calls = api.requestsTo('/api/v3/ticker/price');
      assert.equal(calls.length, 1);
      assert.deepEqual(symbolsOf(calls[0]!).sort(), ['ETHUSDT', 'LINKUSDT']);
    });

    it('keeps the prices when the 24 h change cannot be had', async () => {
      api.setRoutes([
        { path: '/api/v3/ticker/price', answer: tickers('binance/ticker-price.json') },
        { path: '/api/v3/ticker/24hr', answer: serverError(503) },
      ]);
      const quotes = await source().fetch([req(ETH)], signal());
      assert.deepEqual(quotes.get(requestKey(req(ETH))), { source: 'binance', price: 2750.96, at: NOW });
    });

    it('drops negative, zero, NaN and overflowing prices', async () => {
      api.setRoutes([
        { path: '/api/v3/ticker/price', answer: { fixture: 'binance/ticker-price-absurd.json' } },
        { path: '/api/v3/ticker/24hr', answer: { body: [] } },
      ]);
      const quotes = await source().fetch([req(WBTC, 'BTC'), req(ETH), req(LINK), req(PEPE), req(UNI)], signal());
      assert.deepEqual([...quotes.keys()], [requestKey(req(UNI))]);
      assert.equal(quotes.get(requestKey(req(UNI)))?.price, 7.608);
    });

    it('retries a 500, then its breaker opens', async () => {
      api.setRoutes([{ path: /^\/api\/v3\/ticker\//, answer: serverError(500) }]);
      const p = policy({ retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 }, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 } });
      await assert.rejects(source({ policy: p }).fetch([req(ETH)], signal()), (err) => err instanceof HttpStatusError && err.upstreamStatus === 500);
      assert.equal(api.requestsTo('/api/v3/ticker/price').length, 2, 'retried once');
      // Two price failures and the change lookup's first; its retry is abandoned with the prices.
      for (let i = 0; i < 100 && p.state() !== 'open'; i++) await sleep(10);
      assert.equal(p.state(), 'open');
      const made = api.requests.length;
      await assert.rejects(source({ policy: p }).fetch([req(ETH)], signal()), (err) => reason(err) === 'circuit_open');
      assert.equal(api.requests.length, made, 'nothing reaches an API whose breaker is open');
    });

    it('treats 418 (an IP ban) like 429 and fails fast on a long Retry-After', async () => {
      api.setRoutes([{ path: /^\/api\/v3\//, answer: { status: 418, headers: { 'retry-after': '1800' }, body: { code: -1003, msg: 'Way too many requests; IP banned until 1749731381000.' } } }]);
      await assert.rejects(source().fetch([req(ETH)], signal()), (err) => reason(err) === 'rate_limited' && (err as DependencyError).details?.['retryAfterSeconds'] === 1800);
    });

    it('times out a silent server', async () => {
      api.setRoutes([{ path: /^\/api\/v3\//, answer: { hang: true } }]);
      const p = policy({ timeoutMs: 60, retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 } });
      await assert.rejects(source({ policy: p }).fetch([req(ETH)], signal()), (err) => reason(err) === 'timeout');
    });
  });

  describe('candles', () => {
    it('maps klines to candles oldest first, with volume in the quote currency', async () => {
      const rows = readFixture<unknown[][]>('binance/klines-ethusdt-1h.json');
      api.setRoutes([{ path: '/api/v3/klines', answer: { body: [...rows].reverse() } }]);
      const candles = await source().candles(req(ETH), '1h', 5, signal());
      assert.deepEqual(api.requests[0]!.query, { symbol: 'ETHUSDT', interval: '1h', limit: '5' });
      assert.equal(candles.length, 5);
      assert.deepEqual(candles[0], { openTime: 1749711600000, open: 2768.4, high: 2771.88, low: 2752.13, close: 2760.01, volume: 39207512.1182259 });
      assert.deepEqual(
        candles.map((c) => c.openTime),
        [1749711600000, 1749715200000, 1749718800000, 1749722400000, 1749726000000],
      );
      assert.equal(candles.at(-1)!.close, 2750.96);
    });

    it('caps the limit at Binance’s 1000 and asks for EUR pairs in EUR', async () => {
      api.setRoutes([{ path: '/api/v3/klines', answer: { body: [] } }]);
      await source().candles(req(ETH, 'ETH', 'eur'), '1d', 5000, signal());
      assert.deepEqual(api.requests[0]!.query, { symbol: 'ETHEUR', interval: '1d', limit: '1000' });
    });

    it('drops candles with absurd or inconsistent prices', async () => {
      api.setRoutes([{ path: '/api/v3/klines', answer: { fixture: 'binance/klines-absurd.json' } }]);
      const candles = await source().candles(req(ETH), '1h', 5, signal());
      assert.deepEqual(
        candles.map((c) => c.openTime),
        [1749711600000],
      );
    });

    it('answers no candles for an unlisted symbol and remembers it', async () => {
      api.setRoutes([{ path: '/api/v3/klines', answer: { status: 400, fixture: 'binance/error-invalid-symbol.json' } }]);
      const binance = source();
      assert.deepEqual(await binance.candles(req(NOPE), '1h', 10, signal()), []);
      assert.deepEqual(await binance.candles(req(NOPE), '1h', 10, signal()), []);
      assert.equal(api.requests.length, 1);
    });
  });
});
