// Chart rendering: 500 one-hour candles with volume to a 1000×600 PNG, the first (cold) render —
// which loads ECharts — and the warm median, plus a busier chart (three overlays and an RSI pane).
// The reference, measured in the same run, is a bare ECharts candlestick + volume chart of the same
// candles with default options through the same resvg: what the libraries cost without our styling.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { renderAsync } from '@resvg/resvg-js';
import type * as ECharts from 'echarts';
import { renderChart, type ChartOptions } from '../src/market/charts.js';
import type { Candle } from '../src/market/types.js';
import { median, round, type Bench } from './lib.js';

const CANDLES = 500;
const RUNS = 20;
const TARGET_MS = 150;

function candles(count: number): Candle[] {
  let seed = 11;
  const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  let price = 3000;
  return Array.from({ length: count }, (_, i) => {
    const open = price;
    price = open * (1 + (rand() - 0.5) * 0.03);
    const high = Math.max(open, price) * (1 + rand() * 0.008);
    const low = Math.min(open, price) * (1 - rand() * 0.008);
    return { openTime: Date.UTC(2026, 0, 1) + i * 3_600_000, open, high, low, close: price, volume: rand() * 5e6 };
  });
}

async function warmMedian(render: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await render();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** Bare ECharts (default options) + resvg, the same candles and size. */
function bareRender(data: Candle[]): () => Promise<unknown> {
  const echarts = createRequire(import.meta.url)('echarts/dist/echarts.min.js') as typeof ECharts;
  const font = { loadSystemFonts: false, fontFiles: ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'], defaultFontFamily: 'DejaVu Sans' };
  return async () => {
    const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 1000, height: 600 });
    chart.setOption({
      animation: false,
      grid: [{ top: 40, height: 380 }, { top: 460, height: 100 }],
      xAxis: [0, 1].map((gridIndex) => ({ type: 'category' as const, gridIndex, data: data.map((c) => c.openTime) })),
      yAxis: [{ scale: true }, { gridIndex: 1 }],
      series: [
        { type: 'candlestick', data: data.map((c) => [c.open, c.close, c.low, c.high]) },
        { type: 'bar', xAxisIndex: 1, yAxisIndex: 1, data: data.map((c) => c.volume) },
      ],
    });
    const svg = chart.renderToSVGString();
    chart.dispose();
    return (await renderAsync(svg, { font })).asPng();
  };
}

/** Loading the ECharts bundle in a fresh process: time and heap, what the lazy load saves at start-up. */
function echartsLoadCost(): { ms: number; heapMiB: number } {
  const script = `const h=process.memoryUsage().heapUsed;const t=performance.now();require('echarts/dist/echarts.min.js');
    console.log(JSON.stringify({ms:performance.now()-t,heapMiB:(process.memoryUsage().heapUsed-h)/2**20}))`;
  const runs = [0, 1, 2].map(() => JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { ms: number; heapMiB: number });
  return { ms: median(runs.map((r) => r.ms)), heapMiB: median(runs.map((r) => r.heapMiB)) };
}

const bench: Bench = {
  name: 'chart',
  async run() {
    const data = candles(CANDLES);
    const plain: ChartOptions = { title: 'ETH / USD · 1h', subtitle: 'bench · now', candles: data, kind: 'candles', volume: true };
    const busy: ChartOptions = { ...plain, overlays: ['sma20', 'ema50', 'bollinger'], panes: ['rsi'] };

    const coldStart = performance.now();
    const first = await renderChart(plain);
    const cold = performance.now() - coldStart;

    const reference = await warmMedian(bareRender(data)); // includes its own warm-up in the first runs
    const warm = await warmMedian(() => renderChart(plain));
    const warmBusy = await warmMedian(() => renderChart(busy));
    const load = echartsLoadCost();

    return {
      name: 'chart',
      measurements: [
        { metric: `first render, cold (loads ECharts), ${CANDLES} candles + volume`, value: round(cold, 0), unit: 'ms' },
        {
          metric: `warm render, ${CANDLES} candles + volume (median of ${RUNS})`,
          value: round(warm, 1),
          unit: 'ms',
          reference: round(reference, 1),
          ratio: round(warm / reference, 2),
          target: `<= ${TARGET_MS} ms`,
          pass: warm <= TARGET_MS,
        },
        {
          metric: `warm render, + SMA20, EMA50, Bollinger, RSI pane (median of ${RUNS})`,
          value: round(warmBusy, 1),
          unit: 'ms',
          reference: round(reference, 1),
          ratio: round(warmBusy / reference, 2),
          target: `<= ${TARGET_MS} ms`,
          pass: warmBusy <= TARGET_MS,
        },
        { metric: `PNG size, ${CANDLES} candles + volume (font: ${first.font})`, value: round(first.png.length / 1024, 1), unit: 'KiB' },
        { metric: 'loading the ECharts bundle in a fresh process (median of 3)', value: round(load.ms, 0), unit: 'ms' },
        { metric: 'heap taken by the ECharts bundle', value: round(load.heapMiB, 1), unit: 'MiB' },
      ],
    };
  },
};
export default bench;
