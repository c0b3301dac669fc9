import { findChain } from '../chain/chains.js';
import { extractWalletPhrases } from './wallet-slots.js';

/**
 * The values a message carries besides its intent: an address, a chain ("on base"), an amount
 * with its token ("10 eth", "1.5k usdc"), a token alone ("$pepe", or a known symbol). A first,
 * deliberately small grammar; the conversation engine grows it.
 */
export interface Slots {
  address?: string;
  /** A chain key from the registry. */
  chain?: string;
  /** Decimal text, exact: "1.5k" becomes "1500", "1,000" becomes "1000". */
  amount?: string;
  token?: string;
  /** A time window: "24h", "this week" → 7d. */
  window?: string;
  /** Chart overlays and panes named in the message: rsi, macd, bollinger, sma20, ema50. */
  indicators?: string[];
  /** What to express it in: "in eur", "to link" (a fiat code or a token). */
  target?: string;
  /** One of the person's wallets: "wallet 2", "wallet savings", "use savings" (see wallet-slots.ts). */
  wallet?: string;
  /** A name given to a wallet: "called savings", "rename wallet 1 to savings". */
  name?: string;
  /** An account-link code after "link"/"connect": "link ABCD-2345" → "ABCD-2345". */
  linkCode?: string;
  /** The message with slot phrases taken out (an address becomes "0x"), for intent matching. */
  rest: string;
}

const ADDRESS = /\b0x[0-9a-f]*\b/i;
/**
 * "link ABCD-2345", "link my account with code abcd2345": the whole phrase is taken, so "link" is
 * not then read as the LINK token. Undashed, a code needs a digit ("link accounts" is no code).
 */
const LINK_CODE = /(?:^|\s)(?:link|connect)(?:\s+(?:my|the|this|to|account|accounts|with|using|code))*\s+([a-z0-9]{4}-[a-z0-9]{4}|(?=[a-z]*\d)[a-z0-9]{8})(?=\s|[.!]|$)/i;
const CHAIN_PHRASE = /\b(?:on|in|via)\s+([a-z][a-z0-9-]*(?:\s+[a-z][a-z0-9-]*){0,2})/i;
const AMOUNT_TOKEN = /(^|\s)\$?(\d[\d,]*(?:\.\d+)?|\.\d+)\s*([km])?\s+\$?([a-z][a-z0-9]{1,11})\b/i;
const TICKER = /(^|\s)\$([a-z][a-z0-9]{1,11})\b/i;
const WINDOWS: Array<[RegExp, string]> = [
  [/\b(?:1\s*h(?:ou)?r?|(?:last|past|this)\s+hour|hourly)\b/i, '1h'],
  [/\b(?:24\s*h(?:ours?|rs?)?|1\s*d(?:ay)?|today|(?:last|past)\s+day|daily)\b/i, '24h'],
  [/\b(?:7\s*d(?:ays?)?|1\s*w(?:ee)?k|(?:this|last|past)\s+week|weekly)\b/i, '7d'],
  [/\b(?:30\s*d(?:ays?)?|1\s*m(?:on)?th|(?:this|last|past)\s+month|monthly)\b/i, '30d'],
];
const TARGET = /\s(?:in|to|into)\s+\$?([a-z][a-z0-9]{1,11})\s*$/i;
/** Words after a number that are not tokens ("10 of", "5 more"). */
const NOT_TOKENS = new Set(['of', 'on', 'in', 'to', 'for', 'more', 'and', 'or', 'x', 'times', 'per', 'percent', 'pct']);

/** "1.5k" → "1500" with string arithmetic: an amount a person typed never passes through a float. */
function expand(number: string, suffix: string | undefined): string {
  const plain = number.replace(/,/g, '');
  if (!suffix) return plain;
  const zeros = suffix.toLowerCase() === 'k' ? 3 : 6;
  const [whole = '0', fraction = ''] = plain.split('.');
  const shifted = `${whole}${fraction.padEnd(zeros, '0').slice(0, zeros)}`;
  const rest = fraction.slice(zeros);
  const result = `${shifted.replace(/^0+(?=\d)/, '')}${rest ? `.${rest}` : ''}`;
  return result;
}

function indicatorName(word: string): string {
  const w = word.toLowerCase();
  if (w.startsWith('bollinger') || w === 'bbands') return 'bollinger';
  if (w.startsWith('sma') || w.startsWith('moving')) return 'sma20';
  if (w.startsWith('ema')) return 'ema50';
  return w;
}

export function extractSlots(text: string, tokenWords: ReadonlySet<string> = new Set()): Slots {
  let rest = ` ${text} `;
  const slots: Omit<Slots, 'rest'> = {};
  const linkCode = LINK_CODE.exec(rest);
  if (linkCode) {
    slots.linkCode = linkCode[1]!.toUpperCase();
    rest = rest.replace(linkCode[0], ' ');
  }
  const address = ADDRESS.exec(rest);
  if (address) {
    slots.address = address[0];
    rest = rest.replace(address[0], ' 0x ');
  }
  const chainPhrase = CHAIN_PHRASE.exec(rest);
  if (chainPhrase) {
    const words = chainPhrase[1]!.split(/\s+/);
    for (let n = words.length; n >= 1; n--) {
      const chain = findChain(words.slice(0, n).join(' '));
      if (chain) {
        slots.chain = chain.key;
        const phrase = chainPhrase[0].split(/\s+/).slice(0, n + 1).join(' ');
        rest = rest.replace(phrase, ' ');
        break;
      }
    }
  }
  // Wallet phrases before the window, the target and the token: "rename wallet 1 to savings" is no
  // conversion, "use wallet link" names a wallet, not the LINK token, and "wallet called daily" no window.
  const wallet = extractWalletPhrases(rest, tokenWords, slots.address);
  if (wallet.wallet) slots.wallet = wallet.wallet;
  if (wallet.name) slots.name = wallet.name;
  rest = wallet.rest;
  for (const [pattern, window] of WINDOWS) {
    const found = pattern.exec(rest);
    if (found) {
      slots.window = window;
      rest = rest.replace(found[0], ' ');
      break;
    }
  }
  const indicators = [...rest.matchAll(/\b(rsi|macd|bollinger(?:\s+bands?)?|bbands|sma(?:\s*20)?|ema(?:\s*50)?|moving averages?)\b/gi)];
  if (indicators.length > 0) {
    slots.indicators = [...new Set(indicators.map((m) => indicatorName(m[1]!)))];
    for (const m of indicators) rest = rest.replace(m[0], ' ');
    rest = rest.replace(/\s(?:with|and|plus)(?=\s|$)/gi, ' ');
  }
  // "in eur" / "to link" at the end: what the answer is expressed in. Taken before the token
  // so "2 eth in usd" does not read "usd" as the token.
  const target = TARGET.exec(rest);
  if (target) {
    slots.target = target[1]!.toLowerCase();
    rest = rest.replace(target[0], ' ');
  }
  const amount = AMOUNT_TOKEN.exec(rest);
  if (amount && !NOT_TOKENS.has(amount[4]!.toLowerCase())) {
    slots.amount = expand(amount[2]!, amount[3]);
    slots.token = amount[4]!.toLowerCase();
    rest = rest.replace(amount[0], ' ');
  }
  if (!slots.token) {
    const ticker = TICKER.exec(rest);
    if (ticker) {
      slots.token = ticker[2]!.toLowerCase();
      rest = rest.replace(ticker[0], ' ');
    } else if (tokenWords.size > 0) {
      const known = rest.split(/\s+/).find((w) => w.length > 1 && tokenWords.has(w.toLowerCase()));
      if (known) {
        slots.token = known.toLowerCase();
        rest = rest.replace(new RegExp(`(^|\\s)${known}(?=\\s|$)`), ' ');
      }
    }
  }
  return { ...slots, rest: rest.replace(/\s+/g, ' ').trim() };
}
