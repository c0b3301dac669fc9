// The price path. (1) Cached get_price through POST /v1/chat ("price of eth") on the default devnet
// install, against a bare Fastify in alternating rounds, as the http bench does for "help".
// (2) The oracle's own overhead: three real HTTP source clients against a local server that
// answers after 10, 20 and 30 ms; the oracle's time minus its slowest source's time alone.
import type { Bench } from './lib.js';
import { median, round } from './lib.js';
import { CONNECTIONS, pairedChatRounds } from './load.js';
import { chainByKey } from '../src/chain/chains.js';
import { L1Cache } from '../src/infra/cache.js';
import { createMetrics } from '../src/infra/metrics.js';
import { createDependencyPolicy } from '../src/infra/resilience.js';
import { priceRequestFor } from '../src/market/assets.js';
import { PriceOracle, type OracleAnswer } from '../src/market/oracle.js';
import { BinanceSource } from '../src/market/sources/binance.js';
import { CoinGeckoSource } from '../src/market/sources/coingecko.js';
import { DexScreenerSource } from '../src/market/sources/dexscreener.js';
import type { PriceSource } from '../src/market/types.js';
import { readFixture, startReplayServer } from '../test/helpers/api-replay.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_S = Number(process.env.BENCH_ROUND_S ?? 4);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function oracleOverhead(): Promise<{ overheadMs: number; slowestMs: number; oracleMs: number }> {
  const fresh = () => {
    const body = readFixture('coingecko/simple-price.json');
    for (const coin of Object.values(body) as Array<{ last_updated_at: number }>) coin.last_updated_at = Math.floor(Date.now() / 1000);
    return { body };
  };
  // Sources answer after 10 ms (CoinGecko), 20 ms (Binance) and 30 ms (DexScreener).
  const api = await startReplayServer([
    { path: '/simple/price', answer: async () => (await new Promise((r) => setTimeout(r, 10)), fresh()) },
    { path: '/api/v3/ticker/price', answer: { fixture: 'binance/ticker-price.json', delayMs: 20 } },
    { path: '/api/v3/ticker/24hr', answer: { body: [], delayMs: 20 } },
    { path: /^\/latest\/dex\/tokens\//, answer: { fixture: 'dexscreener/tokens-eth-base-op.json', delayMs: 30 } },
  ]);
  try {
    const metrics = createMetrics({ defaultMetrics: false });
    const policy = (name: string) => createDependencyPolicy({ name, timeoutMs: 2000 }, { metrics });
    const sources: PriceSource[] = [
      new CoinGeckoSource({ policy: policy('coingecko'), baseUrl: api.url }),
      new BinanceSource({ policy: policy('binance'), baseUrl: api.url }),
      new DexScreenerSource({ policy: policy('dexscreener'), baseUrl: api.url }),
    ];
    const request = priceRequestFor({ chainId: 1, address: 'native', symbol: 'ETH', decimals: 18 }, chainByKey('ethereum'), 'usd', () => undefined);
    // No cache reuse: every call aggregates from the sources.
    const oracle = new PriceOracle({ sources, cache: new L1Cache<OracleAnswer>({ name: 'bench', max: 10, defaultTtlMs: 1 }), ttlMs: 1, staleMs: 0, deadlineMs: 2000, log: quiet });
    const slowestAlone: number[] = [];
    const oracleTimes: number[] = [];
    for (let i = 0; i < 40; i++) {
      let slowest = 0;
      for (const source of sources) {
        const t = performance.now();
        await source.fetch([request], AbortSignal.timeout(2000));
        slowest = Math.max(slowest, performance.now() - t);
      }
      slowestAlone.push(slowest);
      await new Promise((r) => setTimeout(r, 2));
      const t = performance.now();
      await oracle.price(request);
      oracleTimes.push(performance.now() - t);
    }
    const slowestMs = median(slowestAlone.slice(5));
    const oracleMs = median(oracleTimes.slice(5));
    return { overheadMs: oracleMs - slowestMs, slowestMs, oracleMs };
  } finally {
    await api.close();
  }
}

const bench: Bench = {
  name: 'price',
  async run() {
    const overhead = await oracleOverhead();
    // A long price TTL: the question is what a cached answer costs, not how fast the devnet is.
    const { ours, reference } = await pairedChatRounds({ DEVNET_MARKET_MAKER_INTERVAL_MS: '0', PRICE_CACHE_TTL_MS: '3600000' }, 'price of eth', ROUNDS, ROUND_S);
    const ratios = ours.map((o, i) => o.rps / reference[i]!.rps);
    const ratio = round(median(ratios), 3);
    const p99 = median(ours.map((r) => r.p99));
    const failures = ours.reduce((n, r) => n + r.failures, 0);
    return {
      name: 'price',
      measurements: [
        {
          metric: `chat "price of eth" (cached, devnet) req/s, ${CONNECTIONS} conns (ratios ${ratios.map((r) => r.toFixed(2)).join(' ')})`,
          value: round(median(ours.map((r) => r.rps)), 0),
          unit: 'req/s',
          reference: round(median(reference.map((r) => r.rps)), 0),
          ratio,
          target: '>= 0.5 ratio',
          pass: ratio >= 0.5,
        },
        { metric: 'chat "price of eth" p99 latency', value: p99, unit: 'ms', reference: median(reference.map((r) => r.p99)), target: '<= 10 ms', pass: p99 <= 10 },
        { metric: 'non-2xx, errors, timeouts', value: failures, unit: 'responses', target: '== 0', pass: failures === 0 },
        { metric: 'oracle: 3 HTTP sources (10/20/30 ms), median', value: round(overhead.oracleMs, 2), unit: 'ms', reference: round(overhead.slowestMs, 2) },
        { metric: 'oracle overhead over its slowest source', value: round(overhead.overheadMs, 2), unit: 'ms', target: '<= 2 ms', pass: overhead.overheadMs <= 2 },
      ],
    };
  },
};
export default bench;
