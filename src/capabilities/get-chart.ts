import { z } from 'zod';
import { defineCapability } from '../core/capability.js';
import { escapeMarkup } from '../core/reply.js';
import { formatAge, formatPct, formatPrice } from '../market/format.js';
import { assetFor, fiatSlot, marketServices } from './market-input.js';
import { WINDOWS, windowSlot, type Window } from './get-price-change.js';
import { fiatFor } from './user-defaults.js';
import './services.js';

const overlay = z.enum(['sma20', 'ema50', 'bollinger', 'rsi', 'macd']);

export const getChart = defineCapability({
  name: 'get_chart',
  summary: 'Draws a price chart of a token (candlesticks or a line, with volume) over the last hour, day, week or month, optionally with moving averages, Bollinger bands, RSI or MACD, and says where the data came from.',
  input: z.object({
    token: z.string().trim().min(1).max(100).describe('The token: a symbol, a name or an address.'),
    window: windowSlot,
    kind: z.enum(['candles', 'line']).optional().describe('Candlesticks (default) or a line.'),
    indicators: z.array(overlay).max(5).optional().describe('Overlays and panes: sma20, ema50, bollinger, rsi, macd.'),
    fiat: fiatSlot,
  }),
  examples: ['chart eth', 'eth chart 7d', 'show me a chart of pepe', 'graph btc this week', 'candles for link 24h', 'chart uni with rsi'],
  effect: 'read',
  cost: 3,
  async run(ctx, input) {
    const market = marketServices(ctx);
    const fiat = await fiatFor(ctx, market, input.fiat);
    const window: Window = input.window ?? '24h';
    const token = await assetFor(market, input.token, (choice) => `chart ${choice} ${window}`);
    const { interval, limit } = WINDOWS[window];
    ctx.progress({ text: `Drawing ${token.symbol} over ${window}…` });
    const history = await market.history.candles(market.request(token, fiat), interval, limit);
    const { renderChart, chartImageBlock } = await import('../market/charts.js');
    const wanted = input.indicators ?? [];
    const chart = await renderChart({
      title: `${token.symbol}${token.devnet ? ' (devnet)' : ''} · ${window}`,
      candles: history.candles,
      kind: input.kind ?? 'candles',
      volume: true,
      overlays: wanted.filter((i): i is 'sma20' | 'ema50' | 'bollinger' => ['sma20', 'ema50', 'bollinger'].includes(i)),
      panes: wanted.filter((i): i is 'rsi' | 'macd' => i === 'rsi' || i === 'macd'),
      fiat,
      interval,
      subtitle: `${history.source}, ${formatAge(Date.now() - history.at)}`,
    });
    const first = history.candles[0]!;
    const last = history.candles.at(-1)!;
    const pct = ((last.close - first.open) / first.open) * 100;
    const skipped = chart.skipped.length > 0 ? ` (left out, too little history: ${chart.skipped.join(', ')})` : '';
    return {
      data: { token, window, interval, candles: history.candles.length, source: history.source, changePct: pct, width: chart.width, height: chart.height, renderMs: Math.round(chart.ms), skipped: chart.skipped },
      reply: {
        blocks: [
          chartImageBlock(chart, `${token.symbol} price chart, ${window}: ${formatPrice(first.open, fiat)} to ${formatPrice(last.close, fiat)}`),
          { type: 'text', text: `**${escapeMarkup(token.symbol)}** ${window}: ${formatPrice(last.close, fiat)} (${formatPct(pct)}) · ${history.candles.length} × ${interval} candles from ${history.source}${skipped}` },
        ],
      },
    };
  },
});
