import { z } from 'zod';
import { findChain } from '../chain/chains.js';
import { defineCapability } from '../core/capability.js';
import { UserError } from '../core/errors.js';
import { table } from '../core/reply.js';
import { formatBps, KNOWN_FIATS, PREFERENCE_KEYS, preferenceStore } from './user-defaults.js';
import './services.js';

export const setPreference = defineCapability({
  name: 'set_preference',
  summary: 'Saves your settings: the fiat currency answers use when you name none, your default chain for balances, gas and token lookups, and your slippage tolerance for swaps (in basis points: 50 = 0.5%).',
  input: z
    .object({
      fiat: z
        .string()
        .trim()
        .toLowerCase()
        .refine((code) => KNOWN_FIATS.has(code), { message: `a fiat currency is one of ${[...KNOWN_FIATS].join(', ')}` })
        .optional()
        .describe('Your currency, a 3-letter code like "eur".'),
      chain: z.string().trim().min(1).max(40).optional().describe('Your default chain, e.g. "base", "ethereum".'),
      slippageBps: z
        .number()
        .int('slippage is whole basis points (1 bp = 0.01%)')
        .min(1, 'slippage is at least 1 bp (0.01%)')
        .max(5000, 'slippage is at most 5000 bps (50%)')
        .optional()
        .describe('Slippage tolerance for swaps in basis points, 1–5000 (50 = 0.5%).'),
    })
    .refine((input) => input.fiat !== undefined || input.chain !== undefined || input.slippageBps !== undefined, {
      message: 'name a setting: a currency ("set my currency to eur"), a default chain ("use base by default") or slippage ("set slippage to 0.5%")',
    }),
  examples: ['set my currency to eur', 'use base by default', 'set slippage to 0.5%', 'change my default chain to arbitrum', 'default currency gbp'],
  effect: 'read',
  async run(ctx, input) {
    const store = preferenceStore(ctx.services.preferences);
    const userId = ctx.principal.userId;
    const saved: Record<string, string | number> = {};
    const rows: Array<[string, string]> = [];
    // Check everything before saving anything: a bad chain must not leave half the settings saved.
    let chainKey: string | undefined;
    if (input.chain !== undefined) {
      const info = findChain(input.chain);
      if (!info) throw new UserError('bad_input', `I don't know a chain called "${input.chain}".`);
      const served = ctx.services.chain?.access.chains() ?? [];
      if (!served.some((c) => c.key === info.key)) {
        throw new UserError('bad_input', `${info.name} is not served by this Möbius${served.length > 0 ? `; it serves ${served.map((c) => c.name).join(', ')}` : ''}.`);
      }
      chainKey = info.key;
    }
    if (input.fiat !== undefined) {
      await store.set(userId, PREFERENCE_KEYS.fiat, input.fiat);
      saved.fiat = input.fiat;
      rows.push(['currency', input.fiat.toUpperCase()]);
    }
    if (chainKey !== undefined) {
      await store.set(userId, PREFERENCE_KEYS.chain, chainKey);
      saved.chain = chainKey;
      rows.push(['default chain', findChain(chainKey)!.name]);
    }
    if (input.slippageBps !== undefined) {
      await store.set(userId, PREFERENCE_KEYS.slippageBps, input.slippageBps);
      saved.slippageBps = input.slippageBps;
      rows.push(['slippage', formatBps(input.slippageBps)]);
    }
    return { data: { saved }, reply: { blocks: [{ type: 'text', text: '✅ Saved.' }, table(rows)] } };
  },
});
