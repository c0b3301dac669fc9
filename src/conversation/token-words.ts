import { CHAINS } from '../chain/chains.js';
import { SEED_TOKENS } from '../chain/devnet/seed.js';
import { ALIASES, BUNDLED_TOKEN_LISTS } from '../chain/tokens.js';

/**
 * Every one-word token name Möbius ships knowledge of, whatever chains are enabled, so parsing is
 * the same on every instance and needs no chain (`mobius parse` starts none). The parser recognises
 * these on their own ("what is pepe", "bitcoin?"): every
 * native coin, every bundled token list symbol, the devnet's seeded tokens and the everyday aliases
 * ("bitcoin", "tether"). Multi-word names ("usd coin") reach the resolver through the token slot.
 */
export function knownTokenWords(): string[] {
  return [
    ...CHAINS.map((c) => c.native.symbol),
    ...Object.values(BUNDLED_TOKEN_LISTS).flatMap((list) => list.tokens.map((t) => t.symbol)),
    ...SEED_TOKENS.map((t) => t.symbol),
    'WETH',
    ...Object.keys(ALIASES).filter((word) => !word.includes(' ')),
  ];
}
