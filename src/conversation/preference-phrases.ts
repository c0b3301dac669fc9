import { findChain } from '../chain/chains.js';
import { KNOWN_FIATS } from '../capabilities/user-defaults.js';

/** What a settings sentence asks for: the `set_preference` input, unvalidated (the capability checks bounds). */
export interface PreferencePhrase {
  name: 'set_preference';
  input: { fiat?: string; chain?: string; slippageBps?: number };
}

const FIAT = /^(?:please\s+)?(?:set|change|switch|make)\s+(?:my\s+)?(?:default\s+|display\s+)?(?:currency|fiat)(?:\s+currency)?\s+(?:to|as|into|=)\s+\$?([a-z]{3})$/;
const FIAT_IS = /^(?:my\s+)?(?:default\s+)?(?:currency|fiat)(?:\s+currency)?\s*(?:is|=|:|should be)?\s+([a-z]{3})(?:\s+(?:from now on|by default|please))?$/;
const ALWAYS_IN = /^(?:always\s+)?(?:show|quote|give|tell)\s+(?:me\s+)?(?:prices|everything|values)\s+in\s+([a-z]{3})\s+(?:from now on|by default|always)$|^always\s+(?:show|quote|give)\s+(?:me\s+)?(?:prices|everything|values)\s+in\s+([a-z]{3})$/;
const CHAIN = /^(?:please\s+)?(?:set|change|switch|make)\s+(?:my\s+)?default\s+(?:chain|network)\s+(?:to|as|=)\s+([a-z][a-z0-9 -]{1,30})$/;
const CHAIN_IS = /^(?:my\s+)?default\s+(?:chain|network)\s*(?:is|=|:|should be)?\s+([a-z][a-z0-9 -]{1,30})$/;
/** "use base by default", "make eur my default": a chain or a fiat, whichever the word names. */
const BY_DEFAULT = /^(?:please\s+)?(?:use|prefer|make|set)\s+([a-z][a-z0-9 -]{1,30}?)\s+(?:by default|as (?:my\s+|the\s+)?default(?:\s+(?:chain|network|currency|fiat))?|(?:my|the)\s+default(?:\s+(?:chain|network|currency|fiat))?)$/;
const SLIPPAGE = /^(?:please\s+)?(?:set\s+|change\s+|use\s+|put\s+|make\s+)?(?:my\s+)?(?:max(?:imum)?\s+)?(?:default\s+)?slippage(?:\s+tolerance)?\s*(?:to|at|of|=|:|is)?\s*(\d{1,5}(?:\.\d+)?|\.\d+)\s*(%|percent|pct|bps|bp|basis points?)?$/;
const USE_SLIPPAGE = /^(?:please\s+)?(?:use|set|allow)\s+(\d{1,5}(?:\.\d+)?|\.\d+)\s*(%|percent|pct|bps|bp|basis points?)\s+(?:max(?:imum)?\s+)?slippage(?:\s+tolerance)?$/;

/**
 * Reads a sentence that changes a setting — "set my currency to eur", "use base by default", "set
 * slippage to 0.5%" — into `set_preference`. Deterministic and context-free, like the parser that
 * calls it. Slippage becomes whole basis points (0.5% → 50); a bare number is a percentage, as
 * people say it ("slippage 1").
 *
 * @example readPreferencePhrase('set slippage to 0.5%') // { name: 'set_preference', input: { slippageBps: 50 } }
 */
export function readPreferencePhrase(text: string): PreferencePhrase | undefined {
  const words = text.trim().toLowerCase().replace(/[.!]+$/, '').replace(/\s+/g, ' ');
  if (!/currency|fiat|default|chain|network|slippage|prices|everything|values/.test(words)) return undefined;
  const fiat = FIAT.exec(words) ?? FIAT_IS.exec(words);
  if (fiat) return { name: 'set_preference', input: { fiat: fiat[1]! } };
  const always = ALWAYS_IN.exec(words);
  if (always) return { name: 'set_preference', input: { fiat: (always[1] ?? always[2])! } };
  const chain = CHAIN.exec(words) ?? CHAIN_IS.exec(words);
  if (chain) {
    const named = chain[1]!.trim();
    // A chain's key where the words name one ("arbitrum one" → arbitrum); else the words, for the capability to refuse clearly.
    return { name: 'set_preference', input: { chain: findChain(named)?.key ?? named } };
  }
  const byDefault = BY_DEFAULT.exec(words);
  if (byDefault) {
    const named = byDefault[1]!.trim().replace(/^the\s+/, '');
    if (KNOWN_FIATS.has(named)) return { name: 'set_preference', input: { fiat: named } };
    const found = findChain(named.replace(/\s+(?:chain|network)$/, ''));
    // A word that is neither ("use savings by default") is no setting this reads.
    return found ? { name: 'set_preference', input: { chain: found.key } } : undefined;
  }
  const slippage = SLIPPAGE.exec(words) ?? USE_SLIPPAGE.exec(words);
  if (slippage) return { name: 'set_preference', input: { slippageBps: toBasisPoints(slippage[1]!, slippage[2]) } };
  return undefined;
}

/** "0.5" % → 50; "50" bps → 50. A fraction of a basis point stays fractional, for validation to refuse. */
function toBasisPoints(number: string, unit: string | undefined): number {
  const value = Number(number);
  if (unit && unit.startsWith('b')) return value;
  // Percent × 100 through the decimal text, so 0.29% is 29, not 28.999999999999996.
  return Math.round(value * 100 * 1e6) / 1e6;
}
