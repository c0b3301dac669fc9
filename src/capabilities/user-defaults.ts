import type { ChainInfo } from '../chain/chains.js';
import type { CapabilityContext } from '../core/capability.js';
import { UserError } from '../core/errors.js';
import type { PreferenceStore } from '../wallets/preferences.js';
import type { MarketServices } from './services.js';
import './services.js';

/** Fiat currencies people name; a price source may still lack one (the oracle then says so). */
export const KNOWN_FIATS: ReadonlySet<string> = new Set(['usd', 'eur', 'gbp', 'jpy', 'chf', 'cad', 'aud', 'cny', 'inr', 'krw', 'brl', 'try', 'rub', 'sek', 'nok', 'pln', 'mxn', 'sgd', 'hkd']);

/** Where each setting lives in the PreferenceStore (one row per user and key). */
export const PREFERENCE_KEYS = { fiat: 'fiat', chain: 'chain', slippageBps: 'slippage_bps' } as const;

/**
 * The fiat to answer in: the one the person named, else their saved currency ("set my currency to
 * eur"), else the instance's default (MOBIUS_FIAT).
 *
 * @example const fiat = await fiatFor(ctx, market, input.fiat);
 */
export async function fiatFor(ctx: CapabilityContext, market: MarketServices, named: string | undefined): Promise<string> {
  if (named) return named;
  const saved = await ctx.services.preferences?.get<string>(ctx.principal.userId, PREFERENCE_KEYS.fiat);
  return typeof saved === 'string' ? saved : market.defaultFiat;
}

/**
 * The chain the person means when they named none: their default chain ("use base by default")
 * when this instance serves it, else undefined (every chain). A saved chain this instance no longer
 * serves is ignored rather than turning every question into an error.
 */
export async function defaultChainFor(ctx: CapabilityContext): Promise<ChainInfo | undefined> {
  const saved = await ctx.services.preferences?.get<string>(ctx.principal.userId, PREFERENCE_KEYS.chain);
  if (typeof saved !== 'string') return undefined;
  return ctx.services.chain?.access.chains().find((c) => c.key === saved);
}

/** The named chain's words, else the person's default chain's key, else undefined (every chain). */
export async function chainWordsFor(ctx: CapabilityContext, named: string | undefined): Promise<string | undefined> {
  return named ?? (await defaultChainFor(ctx))?.key;
}

/** The settings store, or a clear answer that this instance has none. */
export function preferenceStore(store: PreferenceStore | undefined): PreferenceStore {
  if (!store) throw new UserError('bad_input', 'Settings are not available on this Möbius.');
  return store;
}

/** 50 → "0.5% (50 bps)". */
export function formatBps(bps: number): string {
  return `${bps / 100}% (${bps} bp${bps === 1 ? '' : 's'})`;
}
