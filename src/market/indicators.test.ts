import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../core/errors.js';
import {
  MIN_CANDLES_FOR_READING,
  PERIODS_PER_YEAR,
  atr,
  bollinger,
  ema,
  macd,
  readIndicators,
  realizedVolatility,
  rsi,
  sma,
  type SeriesValues,
} from './indicators.js';
import type { Candle } from './types.js';

// StockCharts' worked example of Wilder's RSI(14) ("RSI" in ChartSchool), with its published values.
const CLOSES = [
  44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.1, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28, 46.28, 46.0, 46.03, 46.41,
  46.22, 45.64, 46.21, 46.25, 45.71, 46.45, 45.78, 45.35, 44.03, 44.18, 44.22, 44.57, 43.42, 42.66, 43.13,
];
const PUBLISHED_RSI = [
  70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46, 41.87, 45.46, 37.3, 33.08, 37.77,
];

/** Candles around closes: open at the previous close, high/low a fixed spread outside the body. */
function candlesOf(closes: readonly number[], spread = 0.25): Candle[] {
  return closes.map((close, i) => {
    const open = closes[i - 1] ?? close;
    return { openTime: Date.UTC(2026, 0, 1) + i * 3_600_000, open, high: Math.max(open, close) + spread, low: Math.min(open, close) - spread, close, volume: 1000 };
  });
}

const CANDLES = candlesOf(CLOSES);

// Independent textbook implementations, written out plainly for the cross-check.
function refSma(values: readonly number[], period: number): SeriesValues {
  return values.map((_, i) => (i < period - 1 ? null : values.slice(i - period + 1, i + 1).reduce((a, b) => a + b, 0) / period));
}
function refEma(values: readonly number[], period: number): SeriesValues {
  const k = 2 / (period + 1);
  let previous = 0;
  return values.map((v, i) => {
    if (i < period - 1) return null;
    previous = i === period - 1 ? values.slice(0, period).reduce((a, b) => a + b, 0) / period : v * k + previous * (1 - k);
    return previous;
  });
}
function refRsi(values: readonly number[], period: number): SeriesValues {
  let gain = 0;
  let loss = 0;
  return values.map((v, i) => {
    if (i === 0) return null;
    const change = v - (values[i - 1] as number);
    if (i <= period) {
      gain += Math.max(change, 0) / period;
      loss += Math.max(-change, 0) / period;
      if (i < period) return null;
    } else {
      gain = (gain * (period - 1) + Math.max(change, 0)) / period;
      loss = (loss * (period - 1) + Math.max(-change, 0)) / period;
    }
    return 100 - 100 / (1 + gain / loss);
  });
}
function refAtr(candles: readonly Candle[], period: number): SeriesValues {
  const tr = candles.map((c, i) => {
    const prev = candles[i - 1]?.close;
    return prev === undefined ? c.high - c.low : Math.max(c.high - c.low, Math.abs(c.high - prev), Math.abs(c.low - prev));
  });
  let value = 0;
  return tr.map((t, i) => {
    if (i < period - 1) return null;
    value = i === period - 1 ? tr.slice(0, period).reduce((a, b) => a + b, 0) / period : (value * (period - 1) + t) / period;
    return value;
  });
}

function assertClose(actual: SeriesValues, expected: SeriesValues, tolerance = 1e-9): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (e === null || e === undefined) return assert.equal(a, null, `index ${i} should have no value yet`);
    assert.ok(a !== null && Math.abs(a - e) <= tolerance, `index ${i}: ${a} vs ${e}`);
  });
}

function assertWellFormed(values: SeriesValues, length: number): void {
  assert.equal(values.length, length);
  for (const v of values) assert.ok(v === null || Number.isFinite(v), `bad value ${v}`);
}

function thrown(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a throw');
}

describe('indicator series', () => {
  it('computes SMA aligned with the candles, null before the period fills', () => {
    const s = sma(CANDLES, 5);
    assertClose(s.values, refSma(CLOSES, 5));
    assert.equal(s.values[3], null);
    assert.ok(Math.abs((s.values[4] as number) - (44.34 + 44.09 + 44.15 + 43.61 + 44.33) / 5) < 1e-12);
    assert.equal(s.latest, s.values.at(-1));
  });

  it('seeds EMA with the SMA of the first period (the textbook value, not the first price)', () => {
    const e = ema(CANDLES, 10);
    assertClose(e.values, refEma(CLOSES, 10));
    assert.ok(Math.abs((e.values[9] as number) - (sma(CANDLES, 10).values[9] as number)) < 1e-12);
  });

  it("matches Wilder's RSI: StockCharts' published table and an independent implementation", () => {
    const r = rsi(CANDLES, 14);
    assertClose(r.values, refRsi(CLOSES, 14));
    assert.equal(r.values.filter((v) => v !== null).length, PUBLISHED_RSI.length);
    // StockCharts rounds its spreadsheet's intermediate averages, hence a tenth of a point.
    r.values.slice(14).forEach((v, i) => assert.ok(Math.abs((v as number) - (PUBLISHED_RSI[i] as number)) < 0.1, `RSI ${i}: ${v}`));
  });

  it('builds MACD from SMA-seeded EMAs, with the signal starting after `signal` MACD values', () => {
    const m = macd(CANDLES, 3, 6, 4);
    const fast = refEma(CLOSES, 3);
    const slow = refEma(CLOSES, 6);
    const line = slow.map((s, i) => (s === null ? null : (fast[i] as number) - s));
    const signal = [...new Array<null>(5).fill(null), ...refEma(line.slice(5) as number[], 4)];
    assertClose(m.macd, line);
    assertClose(m.signal, signal);
    assertClose(m.histogram, line.map((l, i) => (signal[i] === null || l === null ? null : l - (signal[i] as number))));
    assert.equal(m.signal.findIndex((v) => v !== null), 8);
    assert.deepEqual(m.latest, { macd: m.macd.at(-1), signal: m.signal.at(-1), histogram: m.histogram.at(-1) });
  });

  it('draws Bollinger bands at ± k population standard deviations', () => {
    const b = bollinger(CANDLES, 20, 2);
    const mean = refSma(CLOSES, 20);
    const sd = CLOSES.map((_, i) => {
      if (i < 19) return null;
      const w = CLOSES.slice(i - 19, i + 1);
      return Math.sqrt(w.reduce((s, x) => s + (x - (mean[i] as number)) ** 2, 0) / 20);
    });
    assertClose(b.middle, mean);
    assertClose(b.upper, mean.map((m, i) => (m === null ? null : m + 2 * (sd[i] as number))));
    assertClose(b.lower, mean.map((m, i) => (m === null ? null : m - 2 * (sd[i] as number))));
  });

  it("computes Wilder's ATR, the first true range being the first candle's high − low", () => {
    assertClose(atr(CANDLES, 14).values, refAtr(CANDLES, 14));
  });

  it('annualises realised volatility by the periods per year of the interval', () => {
    assert.equal(PERIODS_PER_YEAR['1d'], 365);
    assert.equal(PERIODS_PER_YEAR['1h'], 8760);
    assert.equal(PERIODS_PER_YEAR['1m'], 525_600);
    // Log returns alternating +a and −a: mean 0, sample variance 4a²/3 over a window of 4.
    const a = 0.01;
    const closes = Array.from({ length: 9 }, (_, i) => 100 * Math.exp(i % 2 === 0 ? 0 : a));
    const v = realizedVolatility(candlesOf(closes), 4, '1d');
    assert.equal(v.values.slice(0, 4).every((x) => x === null), true);
    assert.ok(Math.abs(v.latest - Math.sqrt((4 * a * a) / 3) * Math.sqrt(365)) < 1e-12);
    assert.ok(Math.abs(realizedVolatility(candlesOf(closes), 4, '1h').latest / v.latest - Math.sqrt(24)) < 1e-9);
  });

  it('returns only numbers and nulls, one per candle', () => {
    const n = CANDLES.length;
    for (const values of [sma(CANDLES, 5).values, ema(CANDLES, 5).values, rsi(CANDLES).values, atr(CANDLES).values, realizedVolatility(CANDLES, 10, '1h').values]) {
      assertWellFormed(values, n);
    }
    const m = macd(CANDLES, 3, 6, 4);
    [m.macd, m.signal, m.histogram].forEach((values) => assertWellFormed(values, n));
  });

  it('says how many candles it needs when there are too few', () => {
    const err = thrown(() => rsi(CANDLES.slice(0, 10), 14));
    assert.equal(err.code, 'bad_input');
    assert.match(err.message, /RSI\(14\) needs at least 15 candles; only 10 are available/);
    assert.deepEqual(err.details, { needed: 15, got: 10 });
    assert.match(thrown(() => macd(CANDLES)).message, /needs at least 34 candles; only 33/);
    assert.match(thrown(() => sma([], 20)).message, /needs at least 20 candles; only 0/);
    assert.match(thrown(() => realizedVolatility(CANDLES.slice(0, 5), 30, '1h')).message, /needs at least 31 candles/);
    assert.equal(thrown(() => sma(CANDLES, 0)).code, 'bad_input');
    assert.equal(thrown(() => macd(CANDLES, 26, 12, 9)).code, 'bad_input');
  });
});

/** Up, a long slide, then a sharp turn: MACD crosses its signal a few candles after the last turn. */
function turningCloses(up: boolean, length = 80): number[] {
  return Array.from({ length }, (_, i) => {
    const drift = i < 25 ? i : i < 60 ? 50 - i : -10 + (i - 60) * 3;
    return 100 + (up ? drift : -drift) * 0.5;
  });
}

/** Cuts `closes` so the last MACD crossover (by the reference implementation) is `ago` candles old. */
function crossoverAgo(closes: number[], ago: number): Candle[] {
  const line = refEma(closes, 26).map((s, i) => (s === null ? null : (refEma(closes, 12)[i] as number) - s));
  const signal = [...new Array<null>(25).fill(null), ...refEma(line.slice(25) as number[], 9)];
  const hist = line.map((l, i) => (l === null || signal[i] === null ? null : l - (signal[i] as number)));
  const crossing = hist.findIndex((h, i) => i > 40 && h !== null && hist[i - 1] !== null && Math.sign(h) !== Math.sign(hist[i - 1] as number));
  assert.ok(crossing > 0, 'the fixture should cross');
  return candlesOf(closes.slice(0, crossing + ago + 1));
}

describe('readIndicators', () => {
  const byName = (candles: Candle[]) => new Map(readIndicators(candles, '1h').map((r) => [r.name, r]));

  it('reads a bullish MACD crossover and how many candles ago it was', () => {
    const reading = byName(crossoverAgo(turningCloses(true), 2)).get('MACD(12, 26, 9)');
    assert.match(reading?.reading ?? '', /^bullish crossover 2 candles ago/);
    assert.match(byName(crossoverAgo(turningCloses(true), 0)).get('MACD(12, 26, 9)')?.reading ?? '', /^bullish crossover on the latest candle/);
  });

  it('reads a bearish MACD crossover', () => {
    assert.match(byName(crossoverAgo(turningCloses(false), 1)).get('MACD(12, 26, 9)')?.reading ?? '', /^bearish crossover 1 candle ago/);
  });

  it('reads RSI as overbought or oversold, price against the bands, ATR and volatility in words', () => {
    const rising = Array.from({ length: 60 }, (_, i) => 100 + i + (i % 3 === 0 ? -0.4 : 0));
    const up = byName(candlesOf(rising));
    assert.equal(up.get('RSI(14)')?.reading, 'overbought (above 70)');
    assert.ok((up.get('RSI(14)')?.value ?? 0) > 70);
    assert.match(up.get('SMA(20)')?.reading ?? '', /^price is \d+\.\d% above it \(bullish\)$/);
    assert.match(up.get('EMA(50)')?.reading ?? '', /above it/);
    assert.match(up.get('Bollinger bands(20, 2)')?.reading ?? '', /^price near the upper band; the bands are/);
    const down = byName(candlesOf(rising.map((x) => 300 - x)));
    assert.equal(down.get('RSI(14)')?.reading, 'oversold (below 30)');
    assert.match(down.get('Bollinger bands(20, 2)')?.reading ?? '', /near the lower band/);
    const atrReading = up.get('ATR(14)');
    assert.equal(atrReading?.unit, 'percent');
    assert.match(atrReading?.reading ?? '', /^a typical hourly candle spans \d+\.\d\d% of the price$/);
    assert.match(up.get('Volatility')?.reading ?? '', /^\d+% a year, (low|moderate|high|very high) \(from the last 30 hourly candles\)$/);
  });

  it('reads a flat price (a stablecoin) as neutral, not overbought', () => {
    const flat = byName(candlesOf(new Array<number>(40).fill(1), 0.0001));
    assert.equal(flat.get('RSI(14)')?.value, 50);
    assert.equal(flat.get('SMA(20)')?.reading, 'price is at the average');
    assert.equal(flat.get('MACD(12, 26, 9)')?.reading, 'MACD is on its signal line');
    assert.match(flat.get('Volatility')?.reading ?? '', /^0% a year, low/);
    for (const r of flat.values()) assert.ok(Number.isFinite(r.value), r.name);
  });

  it('leaves EMA(50) out below 50 candles and refuses fewer than it needs', () => {
    const names = readIndicators(CANDLES.concat(candlesOf(CLOSES).slice(0, 5)), '1d').map((r) => r.name);
    assert.deepEqual(names, ['SMA(20)', 'RSI(14)', 'MACD(12, 26, 9)', 'Bollinger bands(20, 2)', 'ATR(14)', 'Volatility']);
    const err = thrown(() => readIndicators(CANDLES.slice(0, 20), '1h'));
    assert.equal(err.code, 'bad_input');
    assert.match(err.message, new RegExp(`needs at least ${MIN_CANDLES_FOR_READING} candles; only 20 are available`));
  });
});
