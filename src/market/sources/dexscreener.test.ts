import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { malformedJson, rateLimited, serverError, startReplayServer, type ReplayServer } from '../../../test/helpers/api-replay.js';
import { DependencyError } from '../../core/errors.js';
import type { TokenRef } from '../../core/token.js';
import { createMetrics } from '../../infra/metrics.js';
import { createDependencyPolicy, type DependencyPolicyOptions } from '../../infra/resilience.js';
import { requestKey, type PriceRequest } from '../types.js';
import { DexScreenerSource, MAX_ADDRESSES_PER_CALL } from './dexscreener.js';

const NOW = Date.parse('2025-06-12T12:00:00Z');

function policy(options: Partial<DependencyPolicyOptions> = {}) {
  return createDependencyPolicy(
    { name: 'dexscreener', timeoutMs: 500, retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 }, ...options },
    { metrics: createMetrics({ defaultMetrics: false }) },
  );
}

const token = (chainId: number, address: TokenRef['address'], symbol: string): TokenRef => ({ chainId, address, symbol, decimals: 18 });
const WETH = token(1, '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2', 'WETH');
const LINK = token(1, '0x514910771AF9Ca656af840dff83E8264EcF986CA', 'LINK');
const PEPE = token(1, '0x6982508145454Ce325dDbE47a25d4ec3d2311933', 'PEPE');
const ETH = token(1, 'native', 'ETH');
const BASE_ETH = token(8453, 'native', 'ETH');
const OP_ETH = token(10, 'native', 'ETH');
const req = (t: TokenRef, fiat = 'usd'): PriceRequest => ({ token: t, marketSymbol: t.symbol, fiat });
const signal = () => AbortSignal.timeout(10_000);
const reason = (err: unknown) => (err instanceof DependencyError ? err.details?.['reason'] : undefined);
const TOKENS = /^\/latest\/dex\/tokens\//;
const addressesOf = (path: string) => path.replace(TOKENS, '').split(',');

describe('DexScreenerSource', () => {
  let api: ReplayServer;
  const source = (options: Partial<ConstructorParameters<typeof DexScreenerSource>[0]> = {}) =>
    new DexScreenerSource({ baseUrl: api.url, policy: policy(), now: () => NOW, ...options });

  before(async () => {
    api = await startReplayServer([]);
  });
  after(() => api.close());
  beforeEach(() => {
    api.requests.length = 0;
  });

  it('prices tokens from their deep pairs on their own chain: liquidity-weighted median, summed depth', async () => {
    api.setRoutes([{ path: TOKENS, answer: { fixture: 'dexscreener/tokens-eth-base-op.json' } }]);
    const requests = [req(WETH), req(ETH), req(LINK), req(PEPE), req(BASE_ETH), req(OP_ETH)];
    const quotes = await source().fetch(requests, signal());

    assert.equal(api.requests.length, 1);
    assert.deepEqual(addressesOf(api.requests[0]!.path).sort(), [
      '0x4200000000000000000000000000000000000006', // WETH on Base and on Optimism: one lookup
      '0x514910771af9ca656af840dff83e8264ecf986ca',
      '0x6982508145454ce325ddbe47a25d4ec3d2311933',
      '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2', // WETH and native ETH: one lookup
    ]);

    // WETH: three deep pairs (2750.80 $39M, 2751.32 $121M, 2752.10 $59M); the $3k pair at 2999 and
    // the pair without liquidity are ignored; the WETH-quoted PEPE and LINK pairs do not price WETH.
    const weth = quotes.get(requestKey(req(WETH)));
    assert.deepEqual(weth, { source: 'dexscreener', price: 2751.32, at: NOW, liquidityUsd: 121433902.55 + 58912004.1 + 39220115.8, change24hPct: -3.19 });
    assert.deepEqual(quotes.get(requestKey(req(ETH))), weth, 'the native coin is priced as its wrapped token');
    assert.equal(quotes.get(requestKey(req(LINK)))?.price, 14.52);
    assert.equal(quotes.get(requestKey(req(LINK)))?.liquidityUsd, 12402733.9 + 905310.2);
    assert.equal(quotes.get(requestKey(req(PEPE)))?.price, 0.00001183);
    // Same address, different chains: each keeps its own chain's pairs.
    assert.equal(quotes.get(requestKey(req(BASE_ETH)))?.price, 2751.6);
    assert.equal(quotes.get(requestKey(req(BASE_ETH)))?.liquidityUsd, 28004199 + 41203772);
    assert.equal(quotes.get(requestKey(req(OP_ETH)))?.price, 2753.9);
  });

  it('respects the liquidity floor it is given', async () => {
    api.setRoutes([{ path: TOKENS, answer: { fixture: 'dexscreener/tokens-eth-base-op.json' } }]);
    const quotes = await source({ minLiquidityUsd: 50_000_000 }).fetch([req(WETH), req(LINK)], signal());
    assert.equal(quotes.get(requestKey(req(WETH)))?.price, 2751.32);
    assert.equal(quotes.get(requestKey(req(WETH)))?.liquidityUsd, 121433902.55 + 58912004.1);
    assert.equal(quotes.has(requestKey(req(LINK))), false, 'no LINK pair is that deep');
  });

  it(`asks for at most ${MAX_ADDRESSES_PER_CALL} addresses per call`, async () => {
    api.setRoutes([{ path: TOKENS, answer: { fixture: 'dexscreener/tokens-none.json' } }]);
    const tokens = Array.from({ length: 65 }, (_, i) => token(1, `0x${(i + 1).toString(16).padStart(40, '0')}`, `T${i}`));
    const quotes = await source().fetch(tokens.map((t) => req(t)), signal());
    assert.equal(quotes.size, 0, 'pairs: null is no answer, not an error');
    const batches = api.requests.map((r) => addressesOf(r.path));
    assert.deepEqual(batches.map((b) => b.length).sort((a, b) => b - a), [30, 30, 5]);
    assert.deepEqual(batches.flat().sort(), tokens.map((t) => t.address.toLowerCase()).sort());
  });

  it('drops negative, zero, NaN and overflowing prices and depths', async () => {
    api.setRoutes([{ path: TOKENS, answer: { fixture: 'dexscreener/tokens-absurd.json' } }]);
    const quotes = await source().fetch([req(WETH), req(LINK), req(PEPE)], signal());
    assert.deepEqual([...quotes.keys()], [requestKey(req(PEPE))]);
    assert.equal(quotes.get(requestKey(req(PEPE)))?.price, 0.00001183);
    assert.equal(quotes.get(requestKey(req(PEPE)))?.liquidityUsd, 35110392, 'the pair with infinite liquidity is ignored');
  });

  it('is eligible for USD on the chains DexScreener lists, native coins included', () => {
    const dex = source();
    assert.equal(dex.eligible(req(WETH)), true);
    assert.equal(dex.eligible(req(ETH)), true);
    assert.equal(dex.eligible(req(token(56, 'native', 'BNB'))), true);
    assert.equal(dex.eligible(req(token(369, 'native', 'PLS'))), true);
    assert.equal(dex.eligible(req(WETH, 'eur')), false);
    assert.equal(dex.eligible(req(token(31337, 'native', 'ETH'))), false, 'the devnet');
    assert.equal(dex.eligible(req(token(100, '0xe91D153E0b41518A2Ce8Dd3D7944Fa863463a97d', 'WXDAI'))), false, 'a chain we do not map');
  });

  it('honours Retry-After on 429, then gets the prices', async () => {
    api.setRoutes([{ path: TOKENS, answer: [rateLimited(1, { error: 'Too Many Requests' }), { fixture: 'dexscreener/tokens-eth-base-op.json' }] }]);
    const quotes = await source().fetch([req(LINK)], signal());
    assert.equal(quotes.get(requestKey(req(LINK)))?.price, 14.52);
    assert.equal(api.requests.length, 2);
  });

  it('fails fast when the 429 asks for longer than it may wait', async () => {
    api.setRoutes([{ path: TOKENS, answer: rateLimited(30, { error: 'Too Many Requests' }) }]);
    await assert.rejects(source({ maxRateLimitWaitMs: 2_000 }).fetch([req(LINK)], signal()), (err) => reason(err) === 'rate_limited');
    assert.equal(api.requests.length, 1);
  });

  it('retries a 500, then its breaker opens', async () => {
    api.setRoutes([{ path: TOKENS, answer: serverError(500) }]);
    const p = policy({ breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 } });
    await assert.rejects(source({ policy: p }).fetch([req(LINK)], signal()), (err) => err instanceof DependencyError);
    assert.equal(api.requests.length, 3);
    await assert.rejects(source({ policy: p }).fetch([req(LINK)], signal()), (err) => reason(err) === 'circuit_open');
    assert.equal(api.requests.length, 3);
  });

  it('times out a silent server', async () => {
    api.setRoutes([{ path: TOKENS, answer: { hang: true } }]);
    const p = policy({ timeoutMs: 60, retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 } });
    await assert.rejects(source({ policy: p }).fetch([req(LINK)], signal()), (err) => reason(err) === 'timeout');
  });

  it('reports malformed JSON as a bad answer from dexscreener', async () => {
    api.setRoutes([{ path: TOKENS, answer: malformedJson() }]);
    await assert.rejects(source().fetch([req(LINK)], signal()), (err) => reason(err) === 'bad_response' && /dexscreener/.test((err as Error).message));
    assert.equal(api.requests.length, 1);
  });
});
