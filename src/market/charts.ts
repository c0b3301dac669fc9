/**
 * Price charts as PNG: ECharts renders an SVG server-side (no DOM, no canvas package), resvg turns
 * it into a PNG. Light theme, price axis on the right, time labels on round UTC boundaries,
 * green/red candles, volume and indicator panes stacked below the price.
 *
 * ECharts is loaded on the first render, not at import: its prebuilt bundle takes 0.1–0.2 s and
 * ~6 MB of heap to load (its ES-module build, hundreds of files: ~0.6 s, ~18 MB), which a process
 * that never draws a chart should not pay. The SVG step runs on the event loop (~30–60 ms for 500
 * candles); the PNG step runs in libuv's thread pool.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { renderAsync, type ResvgRenderOptions } from '@resvg/resvg-js';
import type * as ECharts from 'echarts';
import type { EChartsOption, SeriesOption, XAXisComponentOption, YAXisComponentOption } from 'echarts';
import { UserError } from '../core/errors.js';
import type { ImageBlock } from '../core/reply.js';
import { bollinger, ema, macd, rsi, sma, type SeriesValues } from './indicators.js';
import { layoutTimeAxis, niceAxis, numbers, priceFormatter, type PriceAxis } from './chart-axes.js';
import { INTERVAL_MS, type Candle, type Interval } from './types.js';

export type ChartOverlay = 'sma20' | 'ema50' | 'bollinger';
export type ChartPane = 'rsi' | 'macd';

export interface ChartOptions {
  title: string;
  /** Oldest first. */
  candles: readonly Candle[];
  kind: 'line' | 'candles';
  volume: boolean;
  overlays?: ChartOverlay[];
  panes?: ChartPane[];
  width?: number;
  height?: number;
  /** Lower-case ISO code; shown above the price axis. */
  fiat?: string;
  /** A second line under the title: the source and the age of the data. */
  subtitle?: string;
  /** The candles' interval, for the time labels; inferred from their spacing when absent. */
  interval?: Interval;
}

export interface ChartResult {
  png: Buffer;
  width: number;
  height: number;
  /** Time spent rendering (SVG + PNG), in ms. */
  ms: number;
  /** The font family of the text: one found on this machine, or 'system' (whatever resvg's scan found). */
  font: string;
  /** Overlays and panes left out because there were too few candles for them. */
  skipped: string[];
}

const THEME = {
  background: '#ffffff', title: '#111827', text: '#4b5563', muted: '#9ca3af', grid: '#eef0f3', axis: '#d1d5db',
  up: '#16a34a', down: '#dc2626', upBar: 'rgba(22,163,74,0.45)', downBar: 'rgba(220,38,38,0.45)',
  line: '#2563eb', area: 'rgba(37,99,235,0.08)', sma20: '#f59e0b', ema50: '#8b5cf6', bollinger: '#0ea5e9',
  rsi: '#7c3aed', macd: '#2563eb', signal: '#f97316',
} as const;

/** Above this many candles, bars and candles are drawn as one path per colour. */
const LARGE_THRESHOLD = 200;
const MARGIN = { left: 14, bottom: 30, gap: 12 };
/** Width of a digit of the 11 px axis labels, to fit the right margin to the longest price label. */
const LABEL_CHAR_PX = 7;

type EChartsModule = typeof ECharts;
let echartsModule: EChartsModule | undefined;

/** Loads ECharts' prebuilt CommonJS bundle once (see the file comment for why lazily). */
function loadEcharts(): EChartsModule {
  echartsModule ??= createRequire(import.meta.url)('echarts/dist/echarts.min.js') as EChartsModule;
  return echartsModule;
}

/** Common sans-serif fonts (Debian/Ubuntu, Arch, macOS, Windows): the first whose regular face exists is used. */
const FONT_CANDIDATES: Array<[family: string, regular: string, bold: string]> = [
  ['DejaVu Sans', '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'],
  ['Liberation Sans', '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf', '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf'],
  ['Noto Sans', '/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf', '/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf'],
  ['DejaVu Sans', '/usr/share/fonts/TTF/DejaVuSans.ttf', '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf'],
  ['Arial', '/System/Library/Fonts/Supplemental/Arial.ttf', '/System/Library/Fonts/Supplemental/Arial Bold.ttf'],
  ['Arial', 'C:\\Windows\\Fonts\\arial.ttf', 'C:\\Windows\\Fonts\\arialbd.ttf'],
];
let fonts: { font: NonNullable<ResvgRenderOptions['font']>; name: string } | undefined;

/**
 * resvg's font options, decided once. A known font is loaded by file (quick, and the same text on
 * every machine); failing that, resvg scans the system fonts and takes the first it finds. With no
 * fonts at all the chart still renders, without its text.
 */
function fontOptions(): { font: NonNullable<ResvgRenderOptions['font']>; name: string } {
  if (fonts) return fonts;
  const hit = FONT_CANDIDATES.find(([, regular]) => existsSync(regular));
  if (!hit) return (fonts = { font: { loadSystemFonts: true }, name: 'system' });
  const [family, ...files] = hit;
  const fontFiles = files.filter((f) => existsSync(f));
  return (fonts = { font: { loadSystemFonts: false, fontFiles, defaultFontFamily: family, sansSerifFamily: family }, name: family });
}

/** The interval closest to the candles' median spacing. */
function inferInterval(candles: readonly Candle[]): Interval {
  const gaps = candles.slice(1).map((c, i) => c.openTime - (candles[i] as Candle).openTime);
  const gap = gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? INTERVAL_MS['1h'];
  const intervals = Object.keys(INTERVAL_MS) as Interval[];
  return intervals.reduce((best, i) => (Math.abs(INTERVAL_MS[i] - gap) < Math.abs(INTERVAL_MS[best] - gap) ? i : best));
}

function checkOptions(options: ChartOptions, width: number, height: number): void {
  if (options.candles.length === 0) throw new UserError('bad_input', 'There is no price history to chart.');
  if (![width, height].every(Number.isInteger) || width < 300 || height < 200 || width > 4000 || height > 4000) {
    throw new UserError('bad_input', `A chart must be 300–4000 px wide and 200–4000 px high; got ${width}×${height}.`);
  }
  if (options.candles.some((c) => ![c.open, c.high, c.low, c.close, c.volume, c.openTime].every(Number.isFinite))) {
    throw new UserError('bad_input', 'The price history has a candle with a missing value.');
  }
}

/** The SVG paths of candles and bars: stroked or filled with the up/down colours (ECharts writes rgba as rgb + opacity). */
const CANDLE_PATH = new RegExp(
  `<path (?=[^>]*(?:stroke|fill)="(?:${[THEME.up, THEME.down, 'rgb(22,163,74)', 'rgb(220,38,38)'].map((c) => c.replace(/[()]/g, '\\$&')).join('|')})")`,
  'g',
);

/**
 * Candles and bars a pixel or two wide turn into pale smudges when anti-aliased, so they are drawn
 * with crisp edges (full colour, snapped to pixels) while lines and text stay anti-aliased.
 */
function crispCandles(svg: string): string {
  return svg.replace(CANDLE_PATH, '<path shape-rendering="crispEdges" ');
}

/** A line series on grid `axis`; nulls are gaps. */
function line(name: string, data: SeriesValues, color: string, axis: number, width = 1.5): SeriesOption {
  return { type: 'line', name, data, xAxisIndex: axis, yAxisIndex: axis, showSymbol: false, silent: true, lineStyle: { color, width }, itemStyle: { color } };
}

/**
 * Bars coloured green or red by `isUp`, as two overlapping series rather than one with a colour
 * per bar: a series of one colour can be drawn in ECharts' large mode (one SVG path instead of one
 * element per bar), which halves the render time of 500 candles.
 */
function twoColourBars(values: SeriesValues, isUp: (index: number, value: number) => boolean, axis: number): SeriesOption[] {
  const part = (up: boolean): SeriesOption => ({
    type: 'bar', xAxisIndex: axis, yAxisIndex: axis, silent: true, large: true, largeThreshold: LARGE_THRESHOLD,
    barMaxWidth: 14, barGap: '-100%', itemStyle: { color: up ? THEME.upBar : THEME.downBar },
    data: values.map((v, i) => (v !== null && isUp(i, v) === up ? v : 0)),
  });
  return [part(true), part(false)];
}

/** One stacked grid: the price, volume or an indicator pane, with its series. */
interface Section {
  key: 'price' | 'volume' | ChartPane;
  label: string;
  weight: number;
  series: SeriesOption[];
}

/** The price section (series, overlays, the values its axis must span) and what was skipped. */
function priceSection(options: ChartOptions, skipped: string[]): { section: Section; extent: number[] } {
  const { candles } = options;
  const closes = candles.map((c) => c.close);
  const series: SeriesOption[] =
    options.kind === 'candles'
      ? [
          {
            type: 'candlestick',
            silent: true,
            large: true,
            largeThreshold: LARGE_THRESHOLD,
            barMaxWidth: 14,
            data: candles.map((c) => [c.open, c.close, c.low, c.high]),
            itemStyle: { color: THEME.up, color0: THEME.down, borderColor: THEME.up, borderColor0: THEME.down },
          },
        ]
      : [{ ...line('price', closes, THEME.line, 0), showSymbol: candles.length === 1, lineStyle: { color: THEME.line, width: 2 }, areaStyle: { color: THEME.area } }];
  const extent = options.kind === 'candles' ? candles.flatMap((c) => [c.low, c.high]) : [...closes];
  const overlay = (name: string, values: SeriesValues, color: string, width?: number) => {
    series.push(line(name, values, color, 0, width));
    for (const v of values) if (v !== null) extent.push(v);
  };
  const overlays = new Set(options.overlays ?? []);
  for (const o of overlays) {
    try {
      if (o === 'sma20') overlay('SMA 20', sma(candles, 20).values, THEME.sma20);
      if (o === 'ema50') overlay('EMA 50', ema(candles, 50).values, THEME.ema50);
      if (o === 'bollinger') {
        const bands = bollinger(candles, 20, 2);
        overlay('Bollinger 20, 2', bands.upper, THEME.bollinger, 1);
        // Thin solid lines: dashed ones cost ~10 ms each to render. The middle band is the SMA 20,
        // drawn once when both are asked for.
        if (!overlays.has('sma20')) overlay('Bollinger 20, 2', bands.middle, THEME.bollinger, 1);
        overlay('Bollinger 20, 2', bands.lower, THEME.bollinger, 1);
      }
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      skipped.push(o);
    }
  }
  return { section: { key: 'price', label: '', weight: 1, series }, extent };
}

/** An indicator pane on grid `axis`, or undefined (and noted in `skipped`) with too few candles. */
function paneSection(pane: ChartPane, candles: readonly Candle[], axis: number, skipped: string[]): Section | undefined {
  try {
    if (pane === 'rsi') {
      const bounds = { silent: true, symbol: 'none', label: { show: false }, data: [{ yAxis: 30 }, { yAxis: 70 }] };
      const series = { ...line('RSI 14', rsi(candles, 14).values, THEME.rsi, axis), markLine: { ...bounds, lineStyle: { color: THEME.muted, type: 'dashed' as const, width: 1 } } };
      return { key: 'rsi', label: 'RSI 14', weight: 0.24, series: [series] };
    }
    const m = macd(candles, 12, 26, 9);
    const series = [...twoColourBars(m.histogram, (_, h) => h >= 0, axis), line('MACD', m.macd, THEME.macd, axis), line('signal', m.signal, THEME.signal, axis)];
    return { key: 'macd', label: 'MACD 12, 26, 9', weight: 0.24, series };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    skipped.push(pane);
    return undefined;
  }
}

/** The y axis of each kind of section; the price axis has round bounds from `niceAxis`. */
function yAxis(section: Section, index: number, price: PriceAxis, fiat: string): YAXisComponentOption {
  const axisLabel = { color: THEME.text, fontSize: 11 };
  const common = { gridIndex: index, position: 'right' as const, axisLine: { show: false }, axisTick: { show: false }, splitLine: { lineStyle: { color: THEME.grid } } };
  switch (section.key) {
    case 'price': {
      const { min, max, step } = price;
      const name = { name: fiat.toUpperCase(), nameLocation: 'end' as const, nameGap: 10, nameTextStyle: { color: THEME.muted, fontSize: 11, align: 'left' as const } };
      return { ...common, ...name, min, max, interval: step, axisLabel: { ...axisLabel, formatter: priceFormatter(step) } };
    }
    case 'rsi':
      return { ...common, min: 0, max: 100, interval: 10, splitLine: { show: false }, axisLabel: { ...axisLabel, formatter: (v: number) => (v === 30 || v === 70 ? String(v) : '') } };
    case 'volume':
      return { ...common, min: 0, splitNumber: 2, axisLabel: { ...axisLabel, formatter: numbers({ notation: 'compact', maximumFractionDigits: 1 }) } };
    default:
      return { ...common, scale: true, splitNumber: 2, axisLabel: { ...axisLabel, formatter: numbers({ maximumSignificantDigits: 3 }) } };
  }
}

/** The whole ECharts option: sections stacked under the title, the price keeping >= 45 % of the height. */
function chartOption(options: ChartOptions, width: number, height: number, skipped: string[]): EChartsOption {
  const { candles } = options;
  const { section: price, extent } = priceSection(options, skipped);
  const sections: Section[] = [price];
  if (options.volume) {
    const isUp = (i: number) => (candles[i] as Candle).close >= (candles[i] as Candle).open;
    sections.push({ key: 'volume', label: 'Volume', weight: 0.2, series: twoColourBars(candles.map((c) => c.volume), isUp, 1) });
  }
  for (const pane of new Set(options.panes ?? [])) {
    const section = paneSection(pane, candles, sections.length, skipped);
    if (section) sections.push(section);
  }

  // The right margin fits the longest price label (0.00000001234 is wider than 65,000), plus a sign.
  const priceAxis = niceAxis(extent, 5);
  const format = priceFormatter(priceAxis.step);
  const longest = Math.max(format(priceAxis.min).length, format(priceAxis.max).length);
  const right = Math.max(60, (longest + 1) * LABEL_CHAR_PX + 12);
  const top = options.subtitle ? 58 : 40;
  const available = height - top - MARGIN.bottom - (sections.length - 1) * MARGIN.gap;
  const extra = sections.slice(1).reduce((sum, s) => sum + s.weight, 0);
  const priceHeight = Math.round(Math.max(available / (1 + extra), available * 0.45));
  let y = top;
  const grids = sections.map((s, i) => {
    const h = i === 0 ? priceHeight : Math.round(((available - priceHeight) * s.weight) / extra);
    y += h + MARGIN.gap;
    return { left: MARGIN.left, right, top: y - h - MARGIN.gap, height: h };
  });

  const times = candles.map((c) => c.openTime);
  const time = layoutTimeAxis(times, options.interval ?? inferInterval(candles), width - MARGIN.left - right);
  const xAxis: XAXisComponentOption[] = sections.map((_, i) => {
    const bottom = i === sections.length - 1;
    return {
      type: 'category',
      gridIndex: i,
      data: time.labels,
      axisLine: { lineStyle: { color: THEME.axis } },
      axisTick: { show: bottom, interval: time.show, lineStyle: { color: THEME.axis } },
      axisLabel: { show: bottom, interval: time.show, color: THEME.text, fontSize: 11, hideOverlap: true },
      splitLine: { show: true, interval: time.show, lineStyle: { color: THEME.grid } },
    };
  });
  const paneTitles = sections.slice(1).map((s, i) => ({
    text: s.label,
    left: MARGIN.left + 6,
    top: (grids[i + 1]?.top ?? 0) + 2,
    padding: 2,
    backgroundColor: 'rgba(255,255,255,0.8)',
    textStyle: { color: THEME.muted, fontSize: 11, fontWeight: 'normal' as const },
  }));
  const legend = [...new Set(price.series.slice(1).map((s) => s.name as string))];
  return {
    animation: false,
    backgroundColor: THEME.background,
    textStyle: { fontFamily: 'sans-serif' },
    title: [
      {
        text: options.title,
        subtext: options.subtitle ?? '',
        left: MARGIN.left,
        top: 8,
        itemGap: 4,
        textStyle: { color: THEME.title, fontSize: 16, fontWeight: 'bold' },
        subtextStyle: { color: THEME.muted, fontSize: 12 },
      },
      ...paneTitles,
    ],
    legend: legend.length
      ? { data: legend, left: MARGIN.left + 4, top: top + 4, itemWidth: 16, itemHeight: 8, backgroundColor: 'rgba(255,255,255,0.8)', textStyle: { color: THEME.text, fontSize: 11 } }
      : { show: false },
    grid: grids,
    xAxis,
    yAxis: sections.map((s, i) => yAxis(s, i, priceAxis, options.fiat ?? 'usd')),
    series: sections.flatMap((s) => s.series),
  };
}

/**
 * Renders a price chart to PNG.
 * Overlays and panes that need more candles than there are are left out and listed in `skipped`.
 * @example const chart = await renderChart({ title: 'ETH / USD · 1h', candles, kind: 'candles', volume: true });
 */
export async function renderChart(options: ChartOptions): Promise<ChartResult> {
  const width = options.width ?? 1000;
  const height = options.height ?? 600;
  checkOptions(options, width, height);
  const echarts = loadEcharts();
  const started = performance.now();
  const skipped: string[] = [];
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  let svg: string;
  try {
    chart.setOption(chartOption(options, width, height, skipped));
    svg = chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
  const { font, name } = fontOptions();
  const image = await renderAsync(crispCandles(svg), { font, background: THEME.background, textRendering: 1 });
  const png = image.asPng();
  return { png, width: image.width, height: image.height, ms: performance.now() - started, font: name, skipped };
}

/** The chart as a Reply image block. */
export function chartImageBlock(result: Pick<ChartResult, 'png'>, alt: string): ImageBlock {
  return { type: 'image', mime: 'image/png', base64: result.png.toString('base64'), alt };
}
