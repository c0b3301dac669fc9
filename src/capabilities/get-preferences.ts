import { z } from 'zod';
import { findChain } from '../chain/chains.js';
import { defineCapability } from '../core/capability.js';
import { table } from '../core/reply.js';
import { formatBps, PREFERENCE_KEYS, preferenceStore } from './user-defaults.js';
import './services.js';

export const getPreferences = defineCapability({
  name: 'get_preferences',
  summary: 'Shows your settings: the currency answers use, your default chain and your slippage tolerance for swaps.',
  input: z.object({}),
  examples: ['my settings', 'my preferences', 'show my settings', 'what are my settings', 'settings', 'what is my default chain', 'which currency am i using', 'what is my slippage', 'my defaults', 'my prefs', 'what is my slippage set to'],
  effect: 'read',
  async run(ctx) {
    const store = preferenceStore(ctx.services.preferences);
    const all = await store.all(ctx.principal.userId);
    const fiat = typeof all[PREFERENCE_KEYS.fiat] === 'string' ? (all[PREFERENCE_KEYS.fiat] as string) : undefined;
    const chain = typeof all[PREFERENCE_KEYS.chain] === 'string' ? (all[PREFERENCE_KEYS.chain] as string) : undefined;
    const slippageBps = typeof all[PREFERENCE_KEYS.slippageBps] === 'number' ? (all[PREFERENCE_KEYS.slippageBps] as number) : undefined;
    const defaultFiat = ctx.services.market?.defaultFiat ?? 'usd';
    const rows: Array<[string, string]> = [
      ['currency', fiat ? fiat.toUpperCase() : `${defaultFiat.toUpperCase()} (default)`],
      ['default chain', chain ? (findChain(chain)?.name ?? chain) : 'none: every chain'],
      ['slippage', slippageBps === undefined ? 'not set' : formatBps(slippageBps)],
    ];
    return {
      data: { fiat: fiat ?? null, defaultFiat, chain: chain ?? null, slippageBps: slippageBps ?? null },
      reply: {
        blocks: [table(rows, 'Your settings'), { type: 'text', text: 'Change them with e.g. "set my currency to eur", "use base by default", "set slippage to 0.5%".' }],
      },
    };
  },
});
