import type { TokenRef } from '../core/token.js';

/**
 * What the market layer asks a price source about: one token, priced in one fiat currency.
 * Sources find what they need here (an id for CoinGecko, a symbol pair for Binance, the address
 * for DexScreener and on-chain pools) and declare themselves ineligible otherwise.
 */
export interface PriceRequest {
  token: TokenRef;
  /** CoinGecko's id for the asset when known ("ethereum", "usd-coin"). */
  coingeckoId?: string;
  /** The symbol of the asset it tracks, upper-case, for exchanges: "ETH" for WETH, "BTC" for WBTC. */
  marketSymbol: string;
  /** Lower-case ISO code: "usd", "eur". */
  fiat: string;
}

/** One source's answer for one request. Prices may be numbers; amounts never are. */
export interface PriceQuote {
  source: string;
  price: number;
  /** When the source says the price was current (ms since epoch), for staleness checks. */
  at: number;
  /** USD depth behind the price (pools, DEX pairs), used to weight the median. */
  liquidityUsd?: number;
  /** 24 h change in percent, when the source reports it. */
  change24hPct?: number;
}

/** A key that identifies a request in a batch answer: `tokenKey(token)|fiat`. */
export type RequestKey = string;

export interface PriceSource {
  readonly name: string;
  /**
   * Whether it may price devnet copies (tokens flagged `devnet`): only sources that read the
   * devnet itself do. A market API pricing "devnet ETH" at the real ETH price would be a lie.
   */
  readonly servesDevnet?: boolean;
  /** How long an answer from this source is trusted before it counts as stale (ms). */
  readonly maxAgeMs: number;
  /** Whether this source can price `request` at all (no network). */
  eligible(request: PriceRequest): boolean;
  /**
   * Prices a batch (already filtered by `eligible`). A request the source has no answer for is
   * simply absent from the map; a failure of the whole source rejects (DependencyError for outages).
   */
  fetch(requests: readonly PriceRequest[], signal: AbortSignal): Promise<Map<RequestKey, PriceQuote>>;
}

export type Interval = '1m' | '5m' | '15m' | '1h' | '4h' | '1d';

export const INTERVAL_MS: Record<Interval, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

/** One OHLCV candle; `openTime` in ms since epoch, volume in the quote (fiat) currency when known. */
export interface Candle {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface CandleSource {
  readonly name: string;
  /** As for price sources: only sources reading the devnet may chart devnet copies. */
  readonly servesDevnet?: boolean;
  /** The intervals it can build; absent means all. */
  readonly intervals?: readonly Interval[];
  eligible(request: PriceRequest): boolean;
  /** Up to `limit` most recent candles, oldest first. */
  candles(request: PriceRequest, interval: Interval, limit: number, signal: AbortSignal): Promise<Candle[]>;
}

/** A row of the market overview (top by market cap, movers). */
export interface MarketRow {
  coingeckoId: string;
  symbol: string;
  name: string;
  price: number;
  marketCap: number | undefined;
  change24hPct: number | undefined;
  volume24h: number | undefined;
  rank: number | undefined;
}

export function requestKey(request: Pick<PriceRequest, 'token' | 'fiat'>): RequestKey {
  return `${request.token.chainId}:${request.token.address.toLowerCase()}|${request.fiat}`;
}
