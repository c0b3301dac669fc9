import { z } from 'zod';
import type { ChainInfo } from '../chain/chains.js';
import type { CapabilityContext } from '../core/capability.js';
import { UserError } from '../core/errors.js';
import type { ChainServices } from './services.js';

/** The optional `chain` slot several capabilities share: a key, a name or an alias ("base", "arb"). */
export const chainSlot = z.string().trim().min(1).max(40).optional().describe('Chain name, e.g. "ethereum", "base", "devnet". Omitted: every chain this instance serves.');

/** The chains a request means: the one named, or every enabled chain. */
export function chainsFor(chain: ChainServices, words: string | undefined): readonly ChainInfo[] {
  return words ? [chain.access.chain(words)] : chain.access.chains();
}

/** The chain layer, or a clear answer that this instance serves no chains. */
export function chainServices(ctx: CapabilityContext): ChainServices {
  const chain = ctx.services.chain;
  if (!chain) throw new UserError('bad_input', 'This Möbius serves no chains (CHAINS=none), so it cannot read balances, tokens or gas.');
  return chain;
}
