import { robustZ } from './stats.js';
import type { Candle } from './types.js';

export interface SpikeSignal {
  kind: 'spike';
  direction: 'up' | 'down';
  /** The move of the last candle, in percent. */
  pct: number;
  /** How unusual it is: robust z-score of the last return against the window's returns. */
  z: number;
}

export interface DivergenceSignal {
  kind: 'divergence';
  /** The two sources furthest apart, and how far (percent of the lower). */
  high: { name: string; price: number };
  low: { name: string; price: number };
  pct: number;
}

/** Beyond this robust z the last move is a spike; ~4 keeps false alarms rare on fat-tailed returns. */
const SPIKE_Z = 4;
/** Two swaps' fees (0.3 % each on Uniswap V2): closer prices cannot be arbitraged for profit. */
export const ARBITRAGE_THRESHOLD_PCT = 0.6;

/**
 * A price spike: the last candle's log return against the window's returns by robust z-score
 * (median and MAD, so earlier spikes do not mask this one). Needs at least 20 candles.
 */
export function detectSpike(candles: readonly Candle[]): SpikeSignal | undefined {
  if (candles.length < 21) return undefined;
  const returns = candles.slice(1).map((c, i) => Math.log(c.close / candles[i]!.close));
  const z = robustZ(returns).at(-1)!;
  const last = returns.at(-1)!;
  // A flat market (MAD 0) gives Infinity for any move: require a real move too.
  if (Math.abs(z) < SPIKE_Z || Math.abs(last) < 0.005) return undefined;
  return { kind: 'spike', direction: last > 0 ? 'up' : 'down', pct: (Math.exp(last) - 1) * 100, z: Number.isFinite(z) ? z : 99 };
}

/** Sources quoting one asset further apart than fees allow: possibly an arbitrage, possibly a broken source. */
export function detectDivergence(quotes: ReadonlyArray<{ name: string; price: number }>): DivergenceSignal | undefined {
  if (quotes.length < 2) return undefined;
  const sorted = [...quotes].sort((a, b) => a.price - b.price);
  const low = sorted[0]!;
  const high = sorted.at(-1)!;
  const pct = ((high.price - low.price) / low.price) * 100;
  return pct > ARBITRAGE_THRESHOLD_PCT ? { kind: 'divergence', high, low, pct } : undefined;
}

/** Plain words for a signal, for the market overview. */
export function describeSignal(symbol: string, signal: SpikeSignal | DivergenceSignal): string {
  if (signal.kind === 'spike') {
    return `${symbol} ${signal.direction === 'up' ? 'spiked up' : 'dropped'} ${Math.abs(signal.pct).toFixed(2)}% in the last candle (${Math.abs(signal.z) >= 99 ? 'far' : signal.z.toFixed(1) + '×'} beyond its usual moves)`;
  }
  return `${symbol}: ${signal.high.name} is ${signal.pct.toFixed(2)}% above ${signal.low.name} — more than two swaps' fees apart, a possible arbitrage`;
}

