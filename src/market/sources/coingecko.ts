import { z } from 'zod';
import { chainById } from '../../chain/chains.js';
import { DependencyError } from '../../core/errors.js';
import type { DependencyPolicy } from '../../infra/resilience.js';
import { HttpStatusError, fetchJson, numberish, positivePrice } from '../http-json.js';
import { Coin, toCoinInfo, type CoinInfo } from './coingecko-coin.js';
import { INTERVAL_MS, requestKey, type Candle, type CandleSource, type Interval, type MarketRow } from '../types.js';
import type { PriceQuote, PriceRequest, PriceSource, RequestKey } from '../types.js';

export interface CoinGeckoSourceOptions {
  /** The `coingecko` dependency policy, shared by every caller (built once in app.ts). */
  policy: DependencyPolicy;
  /** Default https://api.coingecko.com/api/v3; paid plans use https://pro-api.coingecko.com/api/v3. */
  baseUrl?: string;
  apiKey?: string;
  /** Default `x-cg-pro-api-key` for a pro-api base URL, `x-cg-demo-api-key` otherwise. */
  apiKeyHeader?: string;
  /** Longest Retry-After worth waiting for inside one call; longer fails fast. Default 5 s. */
  maxRateLimitWaitMs?: number;
  now?: () => number;
}

export interface TrendingCoin {
  coingeckoId: string;
  symbol: string;
  name: string;
  /** Position in CoinGecko's trending-search list, 1 = most searched. */
  rank: number;
  marketCapRank: number | undefined;
}

const DAY_MS = 86_400_000;
/** Encoded length budget for the `ids` parameter: URLs stay well under the common 2 k limit. */
const MAX_IDS_CHARS = 1_500;
const ID = /^[a-z0-9][a-z0-9._-]*$/;
const FIAT = /^[a-z]{2,6}$/;

/**
 * Market-chart granularity is chosen by CoinGecko from `days` (docs, "Coin Historical Chart Data
 * by ID"): 1 day → 5-minutely points, 2–90 days → hourly, above 90 → daily at 00:00 UTC. So each of
 * our intervals has a longest window it can be built from; the keyless/demo API stops at 365 days.
 */
const MAX_DAYS: Partial<Record<Interval, number>> = { '5m': 1, '15m': 1, '1h': 90, '4h': 90, '1d': 365 };

const SimplePrice = z.record(z.string(), z.record(z.string(), numberish));
const Point = z.tuple([numberish, numberish]);
const MarketChart = z.object({ prices: z.array(Point), total_volumes: z.array(Point).optional() });
const Markets = z.array(
  z.object({
    id: z.string(),
    symbol: z.string(),
    name: z.string(),
    current_price: numberish,
    market_cap: numberish,
    market_cap_rank: numberish,
    total_volume: numberish,
    price_change_percentage_24h: numberish,
  }),
);
const Trending = z.object({
  coins: z.array(z.object({ item: z.object({ id: z.string(), symbol: z.string(), name: z.string(), market_cap_rank: numberish }) })),
});
/**
 * CoinGecko: prices by coin id (many ids and fiats in one `/simple/price` call), candles built
 * from `/coins/{id}/market_chart`, the market overview, trending searches and coin details.
 * CoinGecko refreshes `/simple/price` every 60 s for keyless/demo keys (20 s on paid plans) and a
 * thinly traded coin's `last_updated_at` can lag minutes behind, hence the 5-minute `maxAgeMs`.
 */
export class CoinGeckoSource implements PriceSource, CandleSource {
  readonly name = 'coingecko';
  readonly maxAgeMs = 5 * 60_000;
  /** Intervals `candles` can build; 1m is finer than any CoinGecko chart granularity. */
  readonly intervals: readonly Interval[] = Object.keys(MAX_DAYS) as Interval[];
  readonly #options: CoinGeckoSourceOptions;
  readonly #baseUrl: string;
  readonly #headers: Record<string, string>;
  readonly #now: () => number;

  constructor(options: CoinGeckoSourceOptions) {
    this.#options = options;
    this.#baseUrl = (options.baseUrl ?? 'https://api.coingecko.com/api/v3').replace(/\/+$/, '');
    const header = options.apiKeyHeader ?? (this.#baseUrl.includes('pro-api.') ? 'x-cg-pro-api-key' : 'x-cg-demo-api-key');
    this.#headers = options.apiKey ? { [header]: options.apiKey } : {};
    this.#now = options.now ?? Date.now;
  }

  eligible(request: PriceRequest): boolean {
    // Devnet tokens have no market outside the devnet, whatever real coin they copy.
    if (request.token.devnet || chainById(request.token.chainId)?.devnet) return false;
    return request.coingeckoId !== undefined && ID.test(request.coingeckoId) && FIAT.test(request.fiat);
  }

  async fetch(requests: readonly PriceRequest[], signal: AbortSignal): Promise<Map<RequestKey, PriceQuote>> {
    const wanted = requests.filter((r) => this.eligible(r));
    const out = new Map<RequestKey, PriceQuote>();
    if (wanted.length === 0) return out;
    const ids = [...new Set(wanted.map((r) => r.coingeckoId!))];
    const fiats = [...new Set(wanted.map((r) => r.fiat))].join(',');
    const bodies = await Promise.all(
      chunkByLength(ids, MAX_IDS_CHARS).map((chunk) =>
        this.#get('/simple/price', { ids: chunk.join(','), vs_currencies: fiats, include_24hr_change: 'true', include_last_updated_at: 'true' }, SimplePrice, signal),
      ),
    );
    const byId = Object.assign({}, ...bodies) as z.output<typeof SimplePrice>;
    const now = this.#now();
    for (const request of wanted) {
      const entry = byId[request.coingeckoId!];
      const price = positivePrice(entry?.[request.fiat]);
      if (entry === undefined || price === undefined) continue;
      const updated = entry['last_updated_at'];
      const quote: PriceQuote = { source: this.name, price, at: updated !== undefined && updated > 0 ? Math.min(updated * 1000, now) : now };
      const change = entry[`${request.fiat}_24h_change`];
      if (change !== undefined) quote.change24hPct = change;
      out.set(requestKey(request), quote);
    }
    return out;
  }

  /** Candles bucketed from market-chart price points: see `candlesFromPoints`. */
  async candles(request: PriceRequest, interval: Interval, limit: number, signal: AbortSignal): Promise<Candle[]> {
    const maxDays = MAX_DAYS[interval];
    if (maxDays === undefined) {
      throw new DependencyError(this.name, { details: { reason: 'unsupported_interval', interval } });
    }
    if (!this.eligible(request) || limit <= 0) return [];
    // One extra interval: the oldest bucket is usually cut by the window's start and is dropped.
    const days = Math.min(maxDays, Math.max(1, Math.ceil(((limit + 1) * INTERVAL_MS[interval]) / DAY_MS)));
    const chart = await this.#get(
      `/coins/${encodeURIComponent(request.coingeckoId!)}/market_chart`,
      { vs_currency: request.fiat, days: String(days) },
      MarketChart,
      signal,
    );
    return candlesFromPoints(chart.prices, chart.total_volumes ?? [], interval, limit);
  }

  /** The top `limit` coins by market cap (at most 250, CoinGecko's page size). */
  async markets(fiat: string, limit: number, signal?: AbortSignal): Promise<MarketRow[]> {
    const perPage = Math.min(250, Math.max(1, Math.floor(limit)));
    const rows = await this.#get(
      '/coins/markets',
      { vs_currency: fiat, order: 'market_cap_desc', per_page: String(perPage), page: '1', sparkline: 'false', price_change_percentage: '24h' },
      Markets,
      signal,
    );
    return rows.flatMap((row): MarketRow[] => {
      const price = positivePrice(row.current_price);
      if (price === undefined) return [];
      return [
        {
          coingeckoId: row.id,
          symbol: row.symbol.toUpperCase(),
          name: row.name,
          price,
          // CoinGecko reports 0 for an unknown market cap or volume.
          marketCap: positivePrice(row.market_cap),
          change24hPct: row.price_change_percentage_24h,
          volume24h: positivePrice(row.total_volume),
          rank: positivePrice(row.market_cap_rank),
        },
      ];
    });
  }

  /** Coins most searched on CoinGecko in the last 24 hours, in its order. */
  async trending(signal?: AbortSignal): Promise<TrendingCoin[]> {
    const body = await this.#get('/search/trending', {}, Trending, signal);
    return body.coins.map(({ item }, i) => ({
      coingeckoId: item.id,
      symbol: item.symbol.toUpperCase(),
      name: item.name,
      rank: i + 1,
      marketCapRank: positivePrice(item.market_cap_rank),
    }));
  }

  /** Details of one coin; undefined when CoinGecko does not know the id. */
  async coinInfo(id: string, fiat = 'usd', signal?: AbortSignal): Promise<CoinInfo | undefined> {
    if (!ID.test(id)) return undefined;
    let coin: z.output<typeof Coin>;
    try {
      coin = await this.#get(
        `/coins/${encodeURIComponent(id)}`,
        { localization: 'false', tickers: 'false', market_data: 'true', community_data: 'false', developer_data: 'false', sparkline: 'false' },
        Coin,
        signal,
      );
    } catch (err) {
      if (err instanceof HttpStatusError && err.upstreamStatus === 404) return undefined;
      throw err;
    }
    return toCoinInfo(coin, fiat);
  }

  #get<S extends z.ZodType>(path: string, params: Record<string, string>, schema: S, signal: AbortSignal | undefined): Promise<z.output<S>> {
    const query = new URLSearchParams(params).toString();
    return fetchJson(`${this.#baseUrl}${path}${query ? `?${query}` : ''}`, {
      policy: this.#options.policy,
      schema,
      headers: this.#headers,
      maxRetryAfterMs: this.#options.maxRateLimitWaitMs ?? 5_000,
      ...(signal ? { signal } : {}),
    });
  }
}

/**
 * Builds OHLC candles from a series of price observations (CoinGecko's market chart is points,
 * not candles). The candle for [T, T+interval) opens at the last price observed at or before T,
 * closes at the last one at or before T+interval (the latest one for the current candle), and its
 * high and low span the open and every observation in between. A point on a boundary thus closes
 * one candle and opens the next, so consecutive candles join as exchange candles do; this also
 * reads daily 00:00 UTC snapshots right (day D runs from D's snapshot to D+1's). The oldest bucket
 * is dropped when no observation precedes its start (its open is unknown); a bucket without
 * observations repeats the last price, like an exchange candle without trades.
 *
 * Volume is an estimate: CoinGecko gives a rolling 24-hour volume at each point, so a candle gets
 * the mean of those inside it (or the last before it) × interval / 24 h.
 */
export function candlesFromPoints(
  prices: ReadonlyArray<readonly [number | undefined, number | undefined]>,
  volumes: ReadonlyArray<readonly [number | undefined, number | undefined]>,
  interval: Interval,
  limit: number,
): Candle[] {
  const step = INTERVAL_MS[interval];
  const points = clean(prices, positivePrice);
  const vols = clean(volumes, (v) => (v !== undefined && v >= 0 ? v : undefined));
  if (points.length === 0 || limit <= 0) return [];

  const first = points[0]![0];
  const lastStart = Math.floor(points.at(-1)![0] / step) * step;
  let start = Math.floor(first / step) * step;
  if (first > start) start += step;
  // Only the buckets that will be kept: a stray early timestamp must not mean millions of them.
  start = Math.max(start, lastStart - (limit - 1) * step);

  const candles: Candle[] = [];
  let i = 0; // the last point at or before the bucket's start
  let v = -1; // the last volume point before the bucket's start
  for (let t = start; t <= lastStart; t += step) {
    while (i + 1 < points.length && points[i + 1]![0] <= t) i++;
    const open = points[i]![1];
    let high = open;
    let low = open;
    let close = open;
    for (let j = i + 1; j < points.length && points[j]![0] <= t + step; j++) {
      const p = points[j]![1];
      high = Math.max(high, p);
      low = Math.min(low, p);
      close = p;
    }
    while (v + 1 < vols.length && vols[v + 1]![0] < t) v++;
    let sum = 0;
    let n = 0;
    for (let k = v + 1; k < vols.length && vols[k]![0] < t + step; k++, n++) sum += vols[k]![1];
    const rolling24h = n > 0 ? sum / n : v >= 0 ? vols[v]![1] : 0;
    candles.push({ openTime: t, open, high, low, close, volume: (rolling24h * step) / DAY_MS });
  }
  return candles;
}

/** Valid points only (finite time, value accepted by `keep`), oldest first. */
function clean(
  series: ReadonlyArray<readonly [number | undefined, number | undefined]>,
  keep: (value: number | undefined) => number | undefined,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [t, value] of series) {
    const kept = keep(value);
    if (t !== undefined && t > 0 && kept !== undefined) out.push([t, kept]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** Splits ids into groups whose comma-joined, URL-encoded length stays under `budget`. */
function chunkByLength(ids: readonly string[], budget: number): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const id of ids) {
    const cost = encodeURIComponent(id).length + 3; // "%2C"
    if (current.length > 0 && length + cost > budget) {
      chunks.push(current);
      current = [];
      length = 0;
    }
    current.push(id);
    length += cost;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
