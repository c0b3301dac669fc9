import { z } from 'zod';
import type { CapabilityContext } from '../core/capability.js';
import { UserError } from '../core/errors.js';
import type { TokenRef } from '../core/token.js';
import type { Button } from '../core/reply.js';
import type { MarketServices } from './services.js';

export const fiatSlot = z
  .string()
  .trim()
  .regex(/^[a-zA-Z]{3}$/, 'a fiat currency is a 3-letter code like usd or eur')
  .transform((s) => s.toLowerCase())
  .optional()
  .describe('Fiat currency code, e.g. "usd", "eur". Omitted: the default (usually USD).');

export function marketServices(ctx: CapabilityContext): MarketServices {
  const market = ctx.services.market;
  if (!market) throw new UserError('bad_input', 'This Möbius serves no chains (CHAINS=none), so it has no price sources configured.');
  return market;
}

/** The token a person meant, or an error that says what to do: pick one (buttons) or fix a typo. */
export async function assetFor(market: MarketServices, words: string, again: (choice: string) => string): Promise<TokenRef> {
  const found = await market.resolveAsset(words);
  if (found.kind === 'token') return found.token;
  if (found.kind === 'unknown') {
    const hint = found.suggestions.length > 0 ? ` Did you mean ${found.suggestions.join(', ')}?` : '';
    throw new UserError('unknown_token', `I don't know a token "${found.query}".${hint}`, { details: { suggestions: found.suggestions } });
  }
  const buttons: Button[] = found.candidates.slice(0, 8).map((t) => ({ label: `${t.symbol} (${t.name ?? t.address})`, action: 'send', value: again(t.address === 'native' ? t.symbol : t.address) }));
  throw new UserError('bad_input', found.question, { details: { candidates: found.candidates, buttons } });
}
