import { z } from 'zod';
import { defineCapability, type CapabilityResult } from '../core/capability.js';
import { displayAmount, parseAmount } from '../core/amount.js';
import { escapeMarkup } from '../core/reply.js';
import { formatAge, formatPrice } from '../market/format.js';
import { assetFor, marketServices } from './market-input.js';
import { fiatFor, KNOWN_FIATS } from './user-defaults.js';
import './services.js';

const FIAT = /^[a-z]{3}$/;

export const convert = defineCapability({
  name: 'convert',
  summary: 'Converts an amount of a token into a fiat currency or into another token at current prices ("2 eth in usd", "100 usdc to link").',
  input: z.object({
    amount: z.string().trim().min(1).max(40).describe('How much, in whole units ("2", "0.5", "1000").'),
    from: z.string().trim().min(1).max(100).describe('The token you have.'),
    to: z.string().trim().min(1).max(100).describe('A fiat code ("usd", "eur") or another token.'),
  }),
  examples: ['2 eth in usd', 'convert 100 usdc to link', 'how much is 0.5 btc in eur', '1000 pepe to usd', '10 link to eth', 'what is 2 eth worth in usd'],
  effect: 'read',
  async run(ctx, input): Promise<CapabilityResult<Record<string, unknown>>> {
    const market = marketServices(ctx);
    const from = await assetFor(market, input.from, (choice) => `convert ${input.amount} ${choice} to ${input.to}`);
    const amount = parseAmount(input.amount, from.decimals);
    const target = input.to.trim().toLowerCase().replace(/^\$/, '');
    const toFiat = FIAT.test(target) && KNOWN_FIATS.has(target);
    const fiat = toFiat ? target : await fiatFor(ctx, market, undefined);
    const fromPrice = await market.oracle.price(market.request(from, fiat), ctx.signal);
    // The amount is exact; its value is an estimate, so float arithmetic on the price is fine here.
    const units = Number(amount.base) / 10 ** amount.decimals;
    const value = units * fromPrice.price;
    if (toFiat) {
      return {
        data: { amount: amount.base.toString(), from, fiat, value, price: fromPrice.price, confidence: fromPrice.confidence, ageMs: fromPrice.ageMs },
        reply: { blocks: [{ type: 'text', text: `${displayAmount(amount)} ${escapeMarkup(from.symbol)} ≈ **${formatPrice(value, fiat)}** (at ${formatPrice(fromPrice.price, fiat)}, confidence ${fromPrice.confidence.toFixed(2)}, ${formatAge(fromPrice.ageMs)})` }] },
      };
    }
    const to = await assetFor(market, input.to, (choice) => `convert ${input.amount} ${input.from} to ${choice}`);
    const toPrice = await market.oracle.price(market.request(to, fiat), ctx.signal);
    const out = value / toPrice.price;
    const confidence = Math.min(fromPrice.confidence, toPrice.confidence);
    return {
      data: { amount: amount.base.toString(), from, to, value: out, rate: fromPrice.price / toPrice.price, confidence },
      reply: {
        blocks: [
          {
            type: 'text',
            text: `${displayAmount(amount)} ${escapeMarkup(from.symbol)} ≈ **${out.toPrecision(6).replace(/\.?0+$/, '')} ${escapeMarkup(to.symbol)}** (${from.symbol} ${formatPrice(fromPrice.price, fiat)}, ${to.symbol} ${formatPrice(toPrice.price, fiat)}; confidence ${confidence.toFixed(2)}) — before swap fees and price impact`,
          },
        ],
      },
    };
  },
});
