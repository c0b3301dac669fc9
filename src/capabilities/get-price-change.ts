import { z } from 'zod';
import { defineCapability } from '../core/capability.js';
import { escapeMarkup } from '../core/reply.js';
import { formatAge, formatDuration, formatPct, formatPrice } from '../market/format.js';
import type { Interval } from '../market/types.js';
import { assetFor, fiatSlot, marketServices } from './market-input.js';
import { fiatFor } from './user-defaults.js';
import './services.js';

/** The candles that cover each window: enough points for a chart, few enough for one request. */
export const WINDOWS = {
  '1h': { interval: '1m', limit: 60 },
  '24h': { interval: '15m', limit: 96 },
  '7d': { interval: '1h', limit: 168 },
  '30d': { interval: '4h', limit: 180 },
} as const satisfies Record<string, { interval: Interval; limit: number }>;

export type Window = keyof typeof WINDOWS;
export const windowSlot = z.enum(['1h', '24h', '7d', '30d']).optional().describe('Time window: 1h, 24h, 7d or 30d. Omitted: 24h.');

export const getPriceChange = defineCapability({
  name: 'get_price_change',
  summary: 'Tells how much a token\'s price moved over the last hour, day, week or month, with the high and low of that window and where the history came from.',
  input: z.object({
    token: z.string().trim().min(1).max(100).describe('The token: a symbol, a name or an address.'),
    window: windowSlot,
    fiat: fiatSlot,
  }),
  examples: ['eth change 24h', 'how much did btc move this week', 'is pepe up or down today', 'link performance 7d', 'did uni pump', 'eth 30d change', 'how much has eth gained this week', 'did sol go up', 'how much did btc drop today', 'eth gain and loss 7d', 'how has eth done this week', 'eth 7d performance', 'is btc up today', 'what did sol do today', 'btc weekly change', 'eth percent change', 'how much did eth go down', 'did btc dump', 'how is eth doing'],
  effect: 'read',
  async run(ctx, input) {
    const market = marketServices(ctx);
    const fiat = await fiatFor(ctx, market, input.fiat);
    const window: Window = input.window ?? '24h';
    const token = await assetFor(market, input.token, (choice) => `${choice} change ${window}`);
    const { interval, limit } = WINDOWS[window];
    const history = await market.history.candles(market.request(token, fiat), interval, limit);
    const candles = history.candles;
    const first = candles[0]!;
    const last = candles.at(-1)!;
    const pct = ((last.close - first.open) / first.open) * 100;
    const high = Math.max(...candles.map((c) => c.high));
    const low = Math.min(...candles.map((c) => c.low));
    const coveredMs = last.openTime - first.openTime + (candles.length > 1 ? last.openTime - candles.at(-2)!.openTime : 0);
    const span = candles.length < limit ? ` (history covers only the last ${formatDuration(coveredMs)})` : '';
    const arrow = pct > 0 ? '📈' : pct < 0 ? '📉' : '➖';
    return {
      data: { token, window, fiat, changePct: pct, open: first.open, close: last.close, high, low, source: history.source, candles: candles.length, ageMs: Date.now() - history.at },
      reply: {
        blocks: [
          {
            type: 'text',
            text: `${arrow} **${escapeMarkup(token.symbol)}** ${formatPct(pct)} over ${window}${span}: ${formatPrice(first.open, fiat)} → ${formatPrice(last.close, fiat)} (high ${formatPrice(high, fiat)}, low ${formatPrice(low, fiat)}). History from ${history.source}, ${formatAge(Date.now() - history.at)}${token.devnet ? ' — devnet market' : ''}.`,
          },
        ],
      },
    };
  },
});
