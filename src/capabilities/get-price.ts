import { z } from 'zod';
import { defineCapability } from '../core/capability.js';
import { escapeMarkup, table, type Block } from '../core/reply.js';
import { formatAge, formatPct, formatPrice } from '../market/format.js';
import type { ServedPrice } from '../market/oracle.js';
import { assetFor, fiatSlot, marketServices } from './market-input.js';
import { fiatFor } from './user-defaults.js';
import './services.js';

/** One line per source: the number, its age, and why it was left out if it was. */
export function sourcesLine(answer: ServedPrice): string {
  const used = answer.sources.map((s) => `${s.name} ${formatPrice(s.price, answer.fiat)} (${formatAge(s.ageMs)}${s.dropped ? `, left out: ${s.dropped}` : ''})`);
  const failed = answer.failures.map((f) => `${f.name}: ${f.reason}`);
  return [...used, ...failed].join(' · ');
}

export const getPrice = defineCapability({
  name: 'get_price',
  summary: 'Tells the current price of one or more tokens in a fiat currency, aggregated from several independent sources with a confidence, and says where each number came from and how old it is.',
  input: z.object({
    tokens: z.array(z.string().trim().min(1).max(100)).min(1).max(10).describe('Tokens: symbols ("eth", "$pepe"), names ("bitcoin") or contract addresses.'),
    fiat: fiatSlot,
  }),
  examples: ['price of eth', 'eth price', 'how much is btc', 'px pepe', 'what is link trading at', 'price of uni in eur', 'wbtc price', 'value of btc', 'what is 1 eth worth', 'eth usd', 'current price of sol', 'eth quote', 'how much does btc cost'],
  effect: 'read',
  async run(ctx, input) {
    const market = marketServices(ctx);
    const fiat = await fiatFor(ctx, market, input.fiat);
    const blocks: Block[] = [];
    const prices: Array<Record<string, unknown>> = [];
    for (const words of input.tokens) {
      const token = await assetFor(market, words, (choice) => `price of ${choice}`);
      const answer = await market.oracle.price(market.request(token, fiat), ctx.signal);
      const change = answer.change24hPct === undefined ? '' : ` (${formatPct(answer.change24hPct)} 24h)`;
      const stale = answer.freshness === 'stale' ? ` ⚠️ every source is failing; this is the last good price, ${formatAge(answer.ageMs)}` : '';
      const devnet = token.devnet ? ' — devnet price, not the real market' : '';
      blocks.push({ type: 'text', text: `**${escapeMarkup(token.symbol)}** ${formatPrice(answer.price, fiat)}${change} · confidence ${answer.confidence.toFixed(2)}${devnet}${stale}` });
      blocks.push(table([['sources', sourcesLine(answer)], ['as of', formatAge(answer.ageMs)]]));
      prices.push({ token, price: answer.price, fiat, confidence: answer.confidence, ageMs: answer.ageMs, freshness: answer.freshness, sources: answer.sources, failures: answer.failures, ...(answer.change24hPct === undefined ? {} : { change24hPct: answer.change24hPct }) });
    }
    return { data: { prices }, reply: { blocks } };
  },
});
