/**
 * The axes of a price chart: round price ticks (tiny prices keep their digits) and time labels on
 * round UTC boundaries. Pure functions, apart from the chart that uses them.
 */
import { INTERVAL_MS, type Interval } from './types.js';

/** A step of 1, 2 or 5 × 10^k near `raw`. */
function niceStep(raw: number): number {
  const exp = Math.floor(Math.log10(raw));
  const f = raw / 10 ** exp;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * 10 ** exp;
}

export interface PriceAxis {
  min: number;
  max: number;
  step: number;
}

/** Round min, max and tick step around `values`, so labels fall on round prices (tiny ones too). Used by the price axis. */
export function niceAxis(values: readonly number[], splits: number): PriceAxis {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.01 || 1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep((hi - lo) / splits);
  return { min: Math.floor(lo / step) * step, max: Math.ceil(hi / step) * step, step };
}

/** An en-US number formatter for axis labels. */
export function numbers(format: Intl.NumberFormatOptions): (value: number) => string {
  const nf = new Intl.NumberFormat('en-US', format);
  return (value) => nf.format(value);
}

/** Fixed decimals enough for `step`: 0.0000122 stays 0.0000122, 65,400 gets grouping. */
export function priceFormatter(step: number): (value: number) => string {
  const digits = Math.min(20, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  return numbers({ minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Label spacings, shortest first: time steps in ms, then whole months. */
const TIME_STEPS: Array<{ ms: number } | { months: number }> = [
  ...[1, 5, 15, 30].map((m) => ({ ms: m * MINUTE })),
  ...[1, 2, 3, 6, 12].map((h) => ({ ms: h * HOUR })),
  ...[1, 2, 7, 14].map((d) => ({ ms: d * DAY })),
  ...[1, 3, 6, 12].map((months) => ({ months })),
];

/**
 * Time labels (UTC) at round boundaries: a label goes on the first candle of each new hour,
 * day, week or month bucket, with as many buckets as fit the width (~85 px a label).
 */
export function layoutTimeAxis(times: readonly number[], interval: Interval, plotWidth: number): { labels: string[]; show: (index: number) => boolean } {
  const first = times[0] ?? 0;
  const span = (times[times.length - 1] ?? first) - first + INTERVAL_MS[interval];
  const maxLabels = Math.max(2, Math.floor(plotWidth / 85));
  const step =
    TIME_STEPS.find((s) => ('ms' in s ? s.ms >= INTERVAL_MS[interval] && span / s.ms <= maxLabels : span / (s.months * 30 * DAY) <= maxLabels)) ??
    ({ months: 12 } as const);
  const bucket = (t: number): number => {
    if ('months' in step) {
      const d = new Date(t);
      return Math.floor((d.getUTCFullYear() * 12 + d.getUTCMonth()) / step.months);
    }
    // Weeks start on Monday: 1970-01-01 was a Thursday.
    return step.ms === 7 * DAY ? Math.floor((t / DAY + 3) / 7) : Math.floor(t / step.ms);
  };
  const text = (t: number): string => {
    const d = new Date(t);
    const date = `${MONTH_NAMES[d.getUTCMonth()]} ${d.getUTCDate()}`;
    if ('months' in step) return d.getUTCMonth() === 0 ? String(d.getUTCFullYear()) : (MONTH_NAMES[d.getUTCMonth()] as string);
    if (step.ms >= DAY) return d.getUTCMonth() === 0 && d.getUTCDate() === 1 ? String(d.getUTCFullYear()) : date;
    if (t % DAY === 0) return date;
    return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  };
  const shown = new Set<number>();
  for (let i = 1; i < times.length; i++) if (bucket(times[i] as number) !== bucket(times[i - 1] as number)) shown.add(i);
  if (shown.size === 0) shown.add(0);
  const labels = times.map((t, i) => (shown.has(i) ? text(t) : ''));
  return { labels, show: (index) => shown.has(index) };
}
