import { z } from 'zod';
import { defineCapability } from '../core/capability.js';
import { escapeMarkup, table } from '../core/reply.js';
import { formatAge, formatPrice } from '../market/format.js';
import type { Interval } from '../market/types.js';
import { assetFor, fiatSlot, marketServices } from './market-input.js';
import { fiatFor } from './user-defaults.js';
import './services.js';

/** Enough candles for MACD(12, 26, 9), EMA(50) and a volatility window, with room to spot a crossover. */
const CANDLES = 100;

export const getIndicators = defineCapability({
  name: 'get_indicators',
  summary: 'Reads technical indicators of a token (RSI, MACD, Bollinger bands, moving averages, ATR, realized volatility) and says in plain words what each suggests, e.g. "RSI 78 — overbought".',
  input: z.object({
    token: z.string().trim().min(1).max(100).describe('The token: a symbol, a name or an address.'),
    interval: z.enum(['5m', '15m', '1h', '4h', '1d']).optional().describe('Candle size the indicators are computed on (default 1h).'),
    fiat: fiatSlot,
  }),
  examples: ['rsi of eth', 'indicators for btc', 'is pepe overbought', 'macd link', 'technical analysis of uni', 'eth ta', 'what do the indicators say about eth', 'signals for btc', 'sol macd on the daily', 'is btc oversold', 'rsi and macd for sol', 'bollinger bands on eth', 'moving averages for btc', 'technicals on pepe', 'trend analysis link', 'eth signals'],
  effect: 'read',
  cost: 2,
  async run(ctx, input) {
    const market = marketServices(ctx);
    const fiat = await fiatFor(ctx, market, input.fiat);
    const interval: Interval = input.interval ?? '1h';
    const token = await assetFor(market, input.token, (choice) => `indicators for ${choice}`);
    const history = await market.history.candles(market.request(token, fiat), interval, CANDLES);
    // Loaded on first use: the indicator library costs ~0.1 s at start-up otherwise.
    const { readIndicators } = await import('../market/indicators.js');
    const readings = readIndicators(history.candles, interval);
    const last = history.candles.at(-1)!;
    return {
      data: { token, interval, fiat, readings, close: last.close, candles: history.candles.length, source: history.source },
      reply: {
        blocks: [
          { type: 'text', text: `**${escapeMarkup(token.symbol)}** on ${interval} candles (close ${formatPrice(last.close, fiat)}; ${history.candles.length} candles from ${history.source}, ${formatAge(Date.now() - history.at)}). Not advice — patterns, not predictions.` },
          table(readings.map((r) => [r.name, `${r.unit === 'price' ? formatPrice(r.value, fiat) : r.unit === 'percent' ? `${r.value}%` : String(r.value)} — ${r.reading}`])),
        ],
      },
    };
  },
});
