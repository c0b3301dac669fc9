import { DependencyError, UserError } from '../core/errors.js';
import type { Cache } from '../infra/cache.js';
import { INTERVAL_MS, requestKey, type Candle, type CandleSource, type Interval, type PriceRequest } from './types.js';

export interface CandleAnswer {
  candles: Candle[];
  source: string;
  interval: Interval;
  /** When the candles were fetched (ms since epoch). */
  at: number;
}

export interface CandleServiceOptions {
  /** In order of preference; the first eligible one that answers wins. */
  sources: readonly CandleSource[];
  cache: Cache<CandleAnswer>;
  now?: () => number;
  /** Deadline for one source. */
  timeoutMs?: number;
}

/**
 * OHLCV history: Binance klines or CoinGecko market charts for real assets, the devnet's own pool
 * events for devnet copies. Cached for a fraction of the interval, so a chart asked twice in a row
 * costs one fetch and a 1-minute chart is never more than ~15 s behind.
 */
export class CandleService {
  readonly #o: CandleServiceOptions;
  readonly #now: () => number;

  constructor(options: CandleServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  eligible(request: PriceRequest, interval?: Interval): boolean {
    return this.#sourcesFor(request, interval).length > 0;
  }

  async candles(request: PriceRequest, interval: Interval, limit: number): Promise<CandleAnswer> {
    const sources = this.#sourcesFor(request, interval);
    if (sources.length === 0) throw new UserError('unknown_token', `I have no price history for ${request.token.symbol}.`);
    const key = `${requestKey(request)}|${interval}|${limit}`;
    const ttlMs = Math.max(5_000, Math.min(INTERVAL_MS[interval] / 4, 300_000));
    return this.#o.cache.getOrCompute(key, () => this.#fetch(sources, request, interval, limit), { ttlMs, staleMs: ttlMs * 4 });
  }

  #sourcesFor(request: PriceRequest, interval?: Interval): CandleSource[] {
    return this.#o.sources.filter((s) => (!request.token.devnet || s.servesDevnet === true) && (!interval || !s.intervals || s.intervals.includes(interval)) && s.eligible(request));
  }

  async #fetch(sources: readonly CandleSource[], request: PriceRequest, interval: Interval, limit: number): Promise<CandleAnswer> {
    const failures: string[] = [];
    for (const source of sources) {
      try {
        const signal = AbortSignal.timeout(this.#o.timeoutMs ?? 5_000);
        const candles = (await source.candles(request, interval, limit, signal)).filter(sane);
        if (candles.length > 0) return { candles, source: source.name, interval, at: this.#now() };
        failures.push(`${source.name}: no candles`);
      } catch (err) {
        failures.push(`${source.name}: ${err instanceof Error ? err.message.split('\n')[0] : 'failed'}`);
      }
    }
    throw new DependencyError('price history', { details: { failures } });
  }
}

/** A candle a chart or an indicator can trust: finite, positive, high ≥ low. */
function sane(c: Candle): boolean {
  const values = [c.open, c.high, c.low, c.close];
  return values.every((v) => Number.isFinite(v) && v > 0) && c.high >= c.low && Number.isFinite(c.volume) && c.volume >= 0;
}
