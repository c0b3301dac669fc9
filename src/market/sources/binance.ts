import { z } from 'zod';
import { chainById } from '../../chain/chains.js';
import type { DependencyPolicy } from '../../infra/resilience.js';
import { HttpStatusError, fetchJson, numberish, positivePrice } from '../http-json.js';
import {
  requestKey,
  type Candle,
  type CandleSource,
  type Interval,
  type PriceQuote,
  type PriceRequest,
  type PriceSource,
  type RequestKey,
} from '../types.js';

export interface BinanceSourceOptions {
  /** The `binance` dependency policy, shared by every caller (built once in app.ts). */
  policy: DependencyPolicy;
  /** Default https://api.binance.com (https://data-api.binance.vision serves the same public market data). */
  baseUrl?: string;
  /** Longest Retry-After worth waiting for inside one call; longer fails fast. Default 5 s. */
  maxRateLimitWaitMs?: number;
  now?: () => number;
}

/**
 * The quote asset standing for each fiat. USD is read from USDT pairs, the deepest Binance has:
 * we take USDT ≈ USD, which holds to a fraction of a percent outside a depeg (the oracle's median
 * across sources is the guard against that). EUR has real EUR pairs for the larger coins.
 */
const QUOTE_ASSET: Readonly<Record<string, string>> = { usd: 'USDT', eur: 'EUR' };

/** Dollar and euro stablecoins: there is no USDTUSDT, and a USDC/USDT rate is not a USD price. */
const STABLECOINS = new Set(['USDT', 'USDC', 'DAI', 'BUSD', 'FDUSD', 'TUSD', 'USDP', 'USDE', 'USDS', 'PYUSD', 'USD1', 'USDD', 'FRAX', 'LUSD', 'GUSD', 'EURC', 'EURI', 'AEUR']);

/** Binance base assets: upper-case letters and digits ("ETH", "1000SATS"). Also keeps the JSON parameter safe. */
const ASSET = /^[A-Z0-9]{2,15}$/;

/** Symbols per `symbols=[…]` call; keeps the URL short. */
const SYMBOLS_PER_CALL = 100;
/** Binance's klines limit is 1000 per call. */
const MAX_KLINES = 1000;
/** A symbol Binance called invalid is not asked for again for this long (listings change rarely). */
const INVALID_SYMBOL_TTL_MS = 60 * 60_000;
/** Binance's error code for an unknown symbol: `{"code":-1121,"msg":"Invalid symbol."}`. */
const INVALID_SYMBOL = -1121;

const TickerPrice = z.object({ symbol: z.string(), price: numberish });
const Ticker24h = z.object({ symbol: z.string(), priceChangePercent: numberish });
/** [openTime, open, high, low, close, volume, closeTime, quoteAssetVolume, trades, takerBase, takerQuote, ignore] */
const Kline = z.tuple([numberish, numberish, numberish, numberish, numberish, numberish, numberish, numberish]).rest(z.unknown());

/**
 * Binance spot: last trade prices from `/api/v3/ticker/price` (one call for many symbols), the
 * 24 h change from `/api/v3/ticker/24hr` (best effort: without it the prices still count), and
 * candles from `/api/v3/klines`, whose intervals are ours. A batch with one unlisted symbol is
 * refused whole by Binance (-1121), so then each symbol is asked alone and unlisted ones remembered.
 */
export class BinanceSource implements PriceSource, CandleSource {
  readonly name = 'binance';
  readonly maxAgeMs = 60_000;
  readonly #options: BinanceSourceOptions;
  readonly #baseUrl: string;
  readonly #now: () => number;
  /** symbol → until when it counts as unlisted (ms since epoch). */
  readonly #invalid = new Map<string, number>();

  constructor(options: BinanceSourceOptions) {
    this.#options = options;
    this.#baseUrl = (options.baseUrl ?? 'https://api.binance.com').replace(/\/+$/, '');
    this.#now = options.now ?? Date.now;
  }

  eligible(request: PriceRequest): boolean {
    return (
      QUOTE_ASSET[request.fiat] !== undefined &&
      ASSET.test(request.marketSymbol) &&
      !STABLECOINS.has(request.marketSymbol) &&
      !request.token.devnet &&
      chainById(request.token.chainId)?.devnet !== true
    );
  }

  async fetch(requests: readonly PriceRequest[], signal: AbortSignal): Promise<Map<RequestKey, PriceQuote>> {
    const wanted = requests.filter((r) => this.eligible(r) && !this.#isInvalid(symbolOf(r)));
    const out = new Map<RequestKey, PriceQuote>();
    if (wanted.length === 0) return out;
    const symbols = [...new Set(wanted.map(symbolOf))];
    // Best effort: a failed change lookup must not cost the prices; failed prices end the lookup.
    const pricesFailed = new AbortController();
    const [prices, changes] = await Promise.all([
      this.#prices(symbols, signal).catch((err: unknown) => {
        pricesFailed.abort(err);
        throw err;
      }),
      this.#changes(symbols, AbortSignal.any([signal, pricesFailed.signal])).catch(() => new Map<string, number>()),
    ]);
    const at = this.#now();
    for (const request of wanted) {
      const price = positivePrice(prices.get(symbolOf(request)));
      if (price === undefined) continue;
      const quote: PriceQuote = { source: this.name, price, at };
      const change = changes.get(symbolOf(request));
      if (change !== undefined) quote.change24hPct = change;
      out.set(requestKey(request), quote);
    }
    return out;
  }

  async candles(request: PriceRequest, interval: Interval, limit: number, signal: AbortSignal): Promise<Candle[]> {
    const symbol = symbolOf(request);
    if (!this.eligible(request) || this.#isInvalid(symbol) || limit <= 0) return [];
    const params = { symbol, interval, limit: String(Math.min(MAX_KLINES, Math.floor(limit))) };
    let rows: Array<z.output<typeof Kline>>;
    try {
      rows = await this.#get('/api/v3/klines', params, z.array(Kline), signal);
    } catch (err) {
      if (!this.#noteInvalid(err, symbol)) throw err;
      return [];
    }
    return rows
      .flatMap(([openTime, open, high, low, close, , , quoteVolume]): Candle[] => {
        const o = positivePrice(open);
        const h = positivePrice(high);
        const l = positivePrice(low);
        const c = positivePrice(close);
        if (openTime === undefined || o === undefined || h === undefined || l === undefined || c === undefined) return [];
        if (h < Math.max(o, c, l) || l > Math.min(o, c)) return [];
        // Volume in the quote asset (USDT ≈ USD, or EUR), as Candle asks for.
        return [{ openTime, open: o, high: h, low: l, close: c, volume: quoteVolume !== undefined && quoteVolume >= 0 ? quoteVolume : 0 }];
      })
      .sort((a, b) => a.openTime - b.openTime);
  }

  async #prices(symbols: readonly string[], signal: AbortSignal): Promise<Map<string, number | undefined>> {
    const out = new Map<string, number | undefined>();
    await Promise.all(
      chunks(symbols, SYMBOLS_PER_CALL).map(async (chunk) => {
        try {
          const rows = await this.#get('/api/v3/ticker/price', { symbols: JSON.stringify(chunk) }, z.array(TickerPrice), signal);
          for (const row of rows) out.set(row.symbol, row.price);
        } catch (err) {
          if (!isInvalidSymbol(err)) throw err;
          await this.#pricesOneByOne(chunk, signal, out);
        }
      }),
    );
    return out;
  }

  /** After a batch was refused for an unlisted symbol: every symbol alone, so the listed ones still count. */
  async #pricesOneByOne(symbols: readonly string[], signal: AbortSignal, out: Map<string, number | undefined>): Promise<void> {
    const results = await Promise.allSettled(symbols.map((symbol) => this.#get('/api/v3/ticker/price', { symbol }, TickerPrice, signal)));
    const failures: unknown[] = [];
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') out.set(result.value.symbol, result.value.price);
      else if (!this.#noteInvalid(result.reason, symbols[i]!)) failures.push(result.reason);
    });
    // Some prices are an answer; none at all because of an outage is the source failing.
    if (failures.length > 0 && out.size === 0) throw failures[0];
  }

  async #changes(symbols: readonly string[], signal: AbortSignal): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const chunk of chunks(symbols, SYMBOLS_PER_CALL)) {
      const rows = await this.#get('/api/v3/ticker/24hr', { symbols: JSON.stringify(chunk) }, z.array(Ticker24h), signal);
      for (const row of rows) if (row.priceChangePercent !== undefined) out.set(row.symbol, row.priceChangePercent);
    }
    return out;
  }

  #isInvalid(symbol: string): boolean {
    const until = this.#invalid.get(symbol);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#invalid.delete(symbol);
    return false;
  }

  /** Remembers `symbol` as unlisted when `err` says so; true if it did. */
  #noteInvalid(err: unknown, symbol: string): boolean {
    if (!isInvalidSymbol(err)) return false;
    this.#invalid.set(symbol, this.#now() + INVALID_SYMBOL_TTL_MS);
    return true;
  }

  #get<S extends z.ZodType>(path: string, params: Record<string, string>, schema: S, signal: AbortSignal): Promise<z.output<S>> {
    return fetchJson(`${this.#baseUrl}${path}?${new URLSearchParams(params).toString()}`, {
      policy: this.#options.policy,
      schema,
      signal,
      maxRetryAfterMs: this.#options.maxRateLimitWaitMs ?? 5_000,
    });
  }
}

/** "ETH" priced in usd → "ETHUSDT"; in eur → "ETHEUR". */
export function symbolOf(request: Pick<PriceRequest, 'marketSymbol' | 'fiat'>): string {
  return `${request.marketSymbol}${QUOTE_ASSET[request.fiat] ?? ''}`;
}

function isInvalidSymbol(err: unknown): boolean {
  if (!(err instanceof HttpStatusError) || err.upstreamStatus !== 400) return false;
  try {
    return (JSON.parse(err.body) as { code?: unknown }).code === INVALID_SYMBOL;
  } catch {
    return false;
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
