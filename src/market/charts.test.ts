import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { UserError } from '../core/errors.js';
import { niceAxis, priceFormatter } from './chart-axes.js';
import { chartImageBlock, renderChart, type ChartOptions } from './charts.js';
import type { Candle } from './types.js';

/** A deterministic random walk of candles (a small LCG, so every run draws the same chart). */
function walk(count: number, start: number, intervalMs = 3_600_000): Candle[] {
  let seed = 7;
  const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  let price = start;
  return Array.from({ length: count }, (_, i) => {
    const open = price;
    price = open * (1 + (rand() - 0.5) * 0.04);
    return {
      openTime: Date.UTC(2026, 2, 1) + i * intervalMs,
      open,
      close: price,
      high: Math.max(open, price) * (1 + rand() * 0.01),
      low: Math.min(open, price) * (1 - rand() * 0.01),
      volume: 1_000 + rand() * 1e6,
    };
  });
}

interface Pixels {
  png: PNG;
  at(x: number, y: number): [number, number, number];
  /** Pixels in the box for which `test(r, g, b)` holds. */
  count(box: Box, test: (r: number, g: number, b: number) => boolean): number;
  colours(box: Box): number;
}
type Box = { x0: number; y0: number; x1: number; y1: number };

function decode(buffer: Buffer): Pixels {
  const png = PNG.sync.read(buffer);
  const at = (x: number, y: number): [number, number, number] => {
    const i = (y * png.width + x) * 4;
    return [png.data[i] as number, png.data[i + 1] as number, png.data[i + 2] as number];
  };
  const each = (box: Box, fn: (rgb: [number, number, number]) => void) => {
    for (let y = box.y0; y < box.y1; y++) for (let x = box.x0; x < box.x1; x++) fn(at(x, y));
  };
  return {
    png,
    at,
    count(box, test) {
      let n = 0;
      each(box, ([r, g, b]) => void (test(r, g, b) && n++));
      return n;
    },
    colours(box) {
      const seen = new Set<number>();
      each(box, ([r, g, b]) => seen.add((r << 16) | (g << 8) | b));
      return seen.size;
    },
  };
}

const isWhite = (r: number, g: number, b: number) => r === 255 && g === 255 && b === 255;
const isDark = (r: number, g: number, b: number) => r < 140 && g < 140 && b < 140;
const exactly = (rgb: [number, number, number]) => (r: number, g: number, b: number) => r === rgb[0] && g === rgb[1] && b === rgb[2];
const GREEN: [number, number, number] = [0x16, 0xa3, 0x4a];
const RED: [number, number, number] = [0xdc, 0x26, 0x26];
const BLUE_LINE: [number, number, number] = [0x25, 0x63, 0xeb];

// With the default 1000 × 600 the price plot spans x 14 to 920–940 (the right margin fits the labels) from y ≈ 40.
const PLOT: Box = { x0: 20, y0: 70, x1: 900, y1: 330 };
const PRICE_LABELS: Box = { x0: 930, y0: 40, x1: 1000, y1: 380 };
const TIME_LABELS: Box = { x0: 14, y0: 575, x1: 922, y1: 600 };

async function render(options: Partial<ChartOptions> & Pick<ChartOptions, 'candles'>) {
  const result = await renderChart({ title: 'ETH / USD · 1h', kind: 'candles', volume: true, ...options });
  return { result, pixels: decode(result.png) };
}

describe('renderChart', () => {
  it('draws green and red candles with volume and overlays, axis text included', async () => {
    const { result, pixels } = await render({ candles: walk(200, 3000), overlays: ['sma20', 'bollinger'], subtitle: 'CoinGecko · 1 min ago' });
    assert.deepEqual([result.width, result.height, pixels.png.width, pixels.png.height], [1000, 600, 1000, 600]);
    assert.deepEqual(result.skipped, []);
    assert.ok(result.ms > 0);
    assert.ok(pixels.colours(PLOT) > 40, `distinct colours: ${pixels.colours(PLOT)}`);
    assert.ok(pixels.count(PLOT, (r, g, b) => !isWhite(r, g, b)) > 5_000);
    assert.ok(pixels.count(PLOT, exactly(GREEN)) > 100, 'up candles');
    assert.ok(pixels.count(PLOT, exactly(RED)) > 100, 'down candles');
    assert.ok(pixels.count(PRICE_LABELS, isDark) > 100, 'price labels');
    assert.ok(pixels.count(TIME_LABELS, isDark) > 50, 'time labels');
    assert.ok(pixels.count({ x0: 14, y0: 0, x1: 400, y1: 36 }, isDark) > 100, 'title');
    assert.deepEqual(pixels.at(2, 2), [255, 255, 255]);
  });

  it('draws a line chart at another size, with RSI and MACD panes', async () => {
    const { result, pixels } = await render({ candles: walk(300, 65000, 300_000), kind: 'line', panes: ['rsi', 'macd'], overlays: ['ema50'], width: 800, height: 700 });
    assert.deepEqual([pixels.png.width, pixels.png.height, result.width, result.height], [800, 700, 800, 700]);
    assert.deepEqual(result.skipped, []);
    assert.ok(pixels.count({ x0: 20, y0: 60, x1: 700, y1: 300 }, exactly(BLUE_LINE)) > 100, 'the price line');
    // The panes (bottom part) hold the RSI line and the MACD histogram bars.
    assert.ok(pixels.count({ x0: 20, y0: 450, x1: 700, y1: 660 }, (r, g, b) => !isWhite(r, g, b)) > 2_000);
    assert.ok(pixels.count({ x0: 726, y0: 40, x1: 800, y1: 670 }, isDark) > 200, 'axis labels for every pane');
  });

  it('renders tiny prices (PEPE) with labels that are not all 0', async () => {
    const candles = walk(120, 0.0000123, 86_400_000);
    const { pixels } = await render({ candles, title: 'PEPE / USD · 1d' });
    assert.ok(pixels.count(PRICE_LABELS, isDark) > 300, 'long labels such as 0.0000125');
    assert.ok(pixels.count(PLOT, exactly(GREEN)) + pixels.count(PLOT, exactly(RED)) > 200);
  });

  it('formats price-axis ticks with enough decimals for their step', () => {
    const tiny = niceAxis([0.00001201, 0.00001312], 5);
    const format = priceFormatter(tiny.step);
    const labels = Array.from({ length: Math.round((tiny.max - tiny.min) / tiny.step) + 1 }, (_, i) => format(tiny.min + i * tiny.step));
    assert.deepEqual(labels, ['0.0000120', '0.0000122', '0.0000124', '0.0000126', '0.0000128', '0.0000130', '0.0000132']);
    const big = niceAxis([61_234, 68_900], 5);
    assert.deepEqual([big.min, big.max, big.step], [60_000, 70_000, 2_000]);
    assert.equal(priceFormatter(big.step)(64_000), '64,000');
    assert.equal(priceFormatter(0.5)(1.5), '1.5');
    const flat = niceAxis([1, 1], 5);
    assert.ok(flat.min < 1 && flat.max > 1);
  });

  it('draws a single candle, leaving out what needs more candles', async () => {
    const { result, pixels } = await render({ candles: walk(1, 100), overlays: ['sma20'], panes: ['rsi'] });
    assert.deepEqual(result.skipped, ['sma20', 'rsi']);
    assert.ok(pixels.count(PLOT, exactly(GREEN)) + pixels.count(PLOT, exactly(RED)) > 20);
    assert.ok(pixels.count(PRICE_LABELS, isDark) > 50);
  });

  it('refuses an empty series and impossible sizes with a bad_input error', async () => {
    await assert.rejects(render({ candles: [] }), (err: unknown) => err instanceof UserError && err.code === 'bad_input' && /no price history/.test(err.message));
    await assert.rejects(render({ candles: walk(10, 1), width: 50 }), (err: unknown) => err instanceof UserError && err.code === 'bad_input');
    const broken = walk(10, 1);
    (broken[3] as Candle).close = Number.NaN;
    await assert.rejects(render({ candles: broken }), (err: unknown) => err instanceof UserError && err.code === 'bad_input');
  });
});

describe('chartImageBlock', () => {
  it('wraps the PNG as a base64 image block for a Reply', async () => {
    const { result } = await render({ candles: walk(30, 10), volume: false });
    const block = chartImageBlock(result, 'ETH price, last 30 hours');
    assert.equal(block.type, 'image');
    assert.equal(block.mime, 'image/png');
    assert.equal(block.alt, 'ETH price, last 30 hours');
    assert.deepEqual(Buffer.from(block.base64, 'base64').subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });
});
