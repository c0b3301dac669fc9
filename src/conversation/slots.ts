import { findChain } from '../chain/chains.js';
import { AMBIGUOUS_TOKEN_WORDS, NOISE_WORDS } from './lexicon.js';
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
  /** Every token named, in order ("eth, btc and sol"); `token` is the first. */
  tokens?: string[];
  /** The chain word after "on" when it is also a token ("change on arb"): the token, where no chain fits. */
  chainToken?: string;
  /** A chain named without "on" ("is base up", "gas polygon"): used only where no token fits. */
  bareChain?: string;
  /** "top 10", "last 5": how many. */
  count?: number;
  /** A candle size for indicators: 5m, 15m, 1h, 4h, 1d ("on the 4h", "daily candles"). */
  interval?: string;
  /** "line chart" → line. */
  chartKind?: 'line' | 'candles';
  /** A fiat code named on its own ("eth usd", "btc/usd"). */
  fiat?: string;
  /** An amount in fiat ("$50", "50 usd", "€20"): `amount` holds the number. */
  amountFiat?: string;
  /** A threshold with its direction ("above 3000", "drops below 2k"). */
  threshold?: { direction: 'above' | 'below'; value: string };
  /** A relative move ("up 5%", "down 10%"). */
  move?: { direction: 'up' | 'down'; percent: string };
  /** The message with slot phrases taken out (an address becomes "0x"), for intent matching. */
  rest: string;
}

const ADDRESS = /\b0x[0-9a-f]*\b/i;
/** An ENS name, taken where an address is (resolution happens later, in the chain layer). */
const ENS = /(?:^|\s)((?:[a-z0-9][a-z0-9-]*\.)+eth)(?=['’]s\b|[\s?!,.]|$)/i;
const COUNT = /\b(?:top|last|latest|recent|past|first)\s+(\d{1,3})\b(?!\s*(?:h|hrs?|hours?|d|days?|w|wks?|weeks?|m|mins?|minutes?|months?)\b)/i;
const INTERVAL = /(?:(?<![\d.])(?:on\s+the\s+)?(5|15)\s*m(?:in)?\b|\b(?:on\s+the\s+)?4\s*h\b|\b(?:on\s+the\s+)?daily(?:\s+candles?)?\b|\b(?:on\s+the\s+)?1\s*d\b|\b1\s*h\b)/i;
const LINE_CHART = /\bline\s+(?:chart|graph)\b|\bline\b(?=.*\b(?:chart|graph)\b)/i;
const FIAT_SIGNS: Record<string, string> = { $: 'usd', '€': 'eur', '£': 'gbp', '¥': 'jpy' };
const FIAT_WORDS: Record<string, string> = { usd: 'usd', dollar: 'usd', dollars: 'usd', bucks: 'usd', eur: 'eur', euro: 'eur', euros: 'eur', gbp: 'gbp', pounds: 'gbp', jpy: 'jpy', yen: 'jpy' };
const FIAT_AMOUNT = /(?:^|\s)(?:([$€£¥])\s?(\d[\d,]*(?:\.\d+)?|\.\d+)\s*([km])?|(\d[\d,]*(?:\.\d+)?|\.\d+)\s*([km])?\s*(usd|dollars?|bucks|eur|euros?|gbp|pounds|jpy|yen)|(\d[\d,]*(?:\.\d+)?)\s*([€£¥$]))(?=[\s?!,.]|$)/i;
const THRESHOLD = /\b(?:(?:is|goes|go|gets|get|drops?|falls?|dips?|rises?|climbs?|breaks?|crosses)\s+)?(above|over|below|under|past)\s+\$?(\d[\d,]*(?:\.\d+)?)\s*([km])?\b/i;
const MOVE = /\b(up|down)\s+(\d+(?:\.\d+)?)\s*%/i;
/** "half my usdc", "all my pepe", "25% of my eth", "half an eth". */
const RELATIVE = /(?:^|\s)(?:(half|all|everything)(?:\s+of)?\s+(?:my|the)\s+|(\d{1,3}(?:\.\d+)?)\s*%\s+(?:of\s+)?(?:my\s+|the\s+)?|(half)\s+an?\s+)\$?([a-z][a-z0-9]{1,11})\b/i;
/** Chain keys that may stand alone ("is base up"); short aliases (op, arb, eth) may not. */
const BARE_CHAINS = /\b(ethereum|mainnet|base(?!\s+fee)|arbitrum|optimism|polygon|bsc|avalanche|pulsechain|devnet)\b/i;
const FIAT_CODE = /(?:^|[\s/])(usd|eur|gbp|jpy|chf|cad|aud|cny|inr|krw|brl|try|rub|sek|nok|pln|mxn|sgd|hkd)(?=[\s?!.,]|$)/i;
/**
 * "link ABCD-2345", "link my account with code abcd2345": the whole phrase is taken, so "link" is
 * not then read as the LINK token. Undashed, a code needs a digit ("link accounts" is no code).
 */
const LINK_CODE = /(?:^|\s)(?:link|connect)(?:\s+(?:my|the|this|to|account|accounts|with|using|code|is))*:?\s+([a-z0-9]{4}-[a-z0-9]{4}|(?=[a-z]*\d)[a-z0-9]{8})(?=\s|[.!]|$)/i;
const CHAIN_PHRASE = /\b(?:on|in|via)\s+([a-z][a-z0-9-]*(?:\s+[a-z][a-z0-9-]*){0,2})/i;
/** "10 eth", "5 test usdc" (test, devnet and free money is still the token). */
const AMOUNT_TOKEN = /(^|\s)\$?(\d[\d,]*(?:\.\d+)?|\.\d+)\s*([km])?\s+(?:(test|devnet|free|fake)\s+)?\$?([a-z][a-z0-9]{1,11})\b/i;
const TICKER = /(^|\s)\$([a-z][a-z0-9]{1,11})\b/i;
const WINDOWS: Array<[RegExp, string]> = [
  [/\b(?:1\s*h(?:ou)?r?|(?:last|past|this|an|the|one)\s+hour|hourly|60\s*min(?:ute)?s?)\b/i, '1h'],
  [/\b(?:24\s*h(?:ours?|rs?)?|1\s*d(?:ay)?|today|yesterday|(?:last|past|the)\s+day|daily)\b/i, '24h'],
  [/\b(?:7\s*d(?:ays?)?|1\s*w(?:ee)?k|(?:this|last|past|the|a)\s+week|weekly)\b/i, '7d'],
  [/\b(?:30\s*d(?:ays?)?|1\s*m(?:on)?th|(?:this|last|past|the|a)\s+month|monthly)\b/i, '30d'],
];
/** A preposition left before a window once it is taken ("change over the past hour"). */
const BEFORE_WINDOW = /\s(?:over|in|for|during|within|from)(?:\s+the)?\s*$/i;
/**
 * "op price", "price of ape": a word that is a token only sometimes (AMBIGUOUS_TOKEN_WORDS) is one
 * next to a market word.
 */
const MARKET_CONTEXT = /(?:\b(?:price|px|chart|rsi|macd)\s+(?:of\s+|for\s+|on\s+)?\$?([a-z][a-z0-9]{1,11})\b|(?:^|\s)\$?([a-z][a-z0-9]{1,11})\s+(?:price|px|chart|rsi|macd)\b)/i;
const TARGET = /\s(?:in|to|into|->|=\s*\?*)\s+\$?([a-z][a-z0-9]{1,11})(?:\s+(?:pls|please|plz|rn|now))?\s*[?!.]*\s*$/i;
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

/** findChain normalises Unicode on every call; the words people put after "on" are few. */
const chainCache = new Map<string, ReturnType<typeof findChain> | null>();
function chainNamed(words: string): ReturnType<typeof findChain> {
  const key = words.toLowerCase();
  const known = chainCache.get(key);
  if (known !== undefined) return known ?? undefined;
  const chain = findChain(key);
  if (chainCache.size >= 2000) chainCache.clear();
  chainCache.set(key, chain ?? null);
  return chain;
}

/** "how many usd is 0.25 eth": the answer's unit comes first. */
const HOW_MANY = /\bhow\s+(?:many|much)\s+\$?([a-z][a-z0-9]{1,11})\s+(?:is|are|for|would\s+be|do\s+i\s+get\s+for)\s+\$?(\d[\d,]*(?:\.\d+)?|\.\d+)\s*([km])?\s+\$?([a-z][a-z0-9]{1,11})\b/i;

/**
 * The values a message carries, and what is left of it once they are taken out. `tokenWords` are
 * the lower-case words known to name a token on their own ("pepe", "bitcoin").
 */
export function extractSlots(text: string, tokenWords: ReadonlySet<string> = new Set()): Slots {
  let rest = ` ${text} `;
  const slots: Omit<Slots, 'rest'> = {};
  const take = (found: string, by = ' ') => {
    rest = rest.replace(found, by);
  };
  // Most patterns need a digit (amounts, counts, thresholds): one test spares them on most messages.
  const digits = /\d/.test(text);
  const linkCode = /link|connect/i.test(text) ? LINK_CODE.exec(rest) : null;
  if (linkCode) {
    slots.linkCode = linkCode[1]!.toUpperCase();
    take(linkCode[0]);
  }
  const address = ADDRESS.exec(rest);
  if (address) {
    slots.address = address[0];
    take(address[0], ' 0x ');
  } else {
    const ens = ENS.exec(rest);
    if (ens) {
      slots.address = ens[1]!.toLowerCase();
      take(ens[1]!, ' 0x ');
      rest = rest.replace(/0x\s*['’]s\b/, '0x');
    }
  }
  const chainPhrase = CHAIN_PHRASE.exec(rest);
  if (chainPhrase) {
    const words = chainPhrase[1]!.split(/\s+/);
    for (let n = words.length; n >= 1; n--) {
      const chain = chainNamed(words.slice(0, n).join(' '));
      // "100 usdc in eth": what to express an amount in, not the Ethereum chain.
      if (chain && n === 1 && digits && /^in\s/i.test(chainPhrase[0]) && tokenWords.has(words[0]!.toLowerCase())) break;
      if (chain) {
        slots.chain = chain.key;
        const said = words.slice(0, n).join(' ').toLowerCase();
        if (n === 1 && tokenWords.has(said)) slots.chainToken = said;
        const phrase = chainPhrase[0].split(/\s+/).slice(0, n + 1).join(' ');
        take(phrase);
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
  const count = digits ? COUNT.exec(rest) : null;
  if (count) {
    slots.count = Number(count[1]);
    // The word stays ("top 20 coins" is still about the top ones).
    take(count[0], ` ${count[0].split(/\s+/)[0]} `);
  }
  const interval = digits || /daily/i.test(rest) ? INTERVAL.exec(rest) : null;
  if (interval) {
    const said = interval[0].toLowerCase().replace(/^on\s+the\s+/, '').replace(/\s+/g, '');
    slots.interval = said.startsWith('daily') || said === '1d' ? '1d' : said.startsWith('4') ? '4h' : said.startsWith('1h') ? '1h' : `${interval[1]}m`;
    // 1h and 1d are windows too ("chart eth 1h"): those stay for the window below.
    if (!/^(1h|1d)$/.test(said) && !said.startsWith('daily')) take(interval[0]);
  }
  for (const [pattern, window] of WINDOWS) {
    const found = pattern.exec(rest);
    if (found) {
      slots.window = window;
      rest = `${rest.slice(0, found.index).replace(BEFORE_WINDOW, ' ')} ${rest.slice(found.index + found[0].length)}`;
      break;
    }
  }
  const indicators = [...rest.matchAll(/\b(rsi|macd|bollinger(?:\s+bands?)?|bbands|sma(?:\s*20)?|ema(?:\s*50)?|moving averages?)\b/gi)];
  if (indicators.length > 0) {
    slots.indicators = [...new Set(indicators.map((m) => indicatorName(m[1]!)))];
    for (const m of indicators) take(m[0], ' indicators ');
    rest = rest.replace(/\s(?:with|and|plus|w\/)(?=\s|$)/gi, ' ');
  }
  if (LINE_CHART.test(rest)) slots.chartKind = 'line';
  const move = digits ? MOVE.exec(rest) : null;
  if (move) {
    slots.move = { direction: move[1]!.toLowerCase() as 'up' | 'down', percent: move[2]! };
    take(move[0], ` ${move[1]} `);
  }
  const threshold = digits ? THRESHOLD.exec(rest) : null;
  if (threshold) {
    const direction = /^(above|over|past)$/i.test(threshold[1]!) ? 'above' : 'below';
    slots.threshold = { direction, value: expand(threshold[2]!, threshold[3]) };
    take(threshold[0]);
  }
  const howMany = digits ? HOW_MANY.exec(rest) : null;
  if (howMany && !NOT_TOKENS.has(howMany[4]!.toLowerCase())) {
    slots.target = howMany[1]!.toLowerCase();
    slots.amount = expand(howMany[2]!, howMany[3]);
    slots.token = howMany[4]!.toLowerCase();
    take(howMany[0], ' how much ');
  }
  // "in eur" / "to link" at the end: what the answer is expressed in. Taken before the token
  // so "2 eth in usd" does not read "usd" as the token.
  const target = slots.target ? undefined : TARGET.exec(rest);
  // Only a currency or a token is a target: "in the past week" is no conversion.
  if (target && (FIAT_CODE.test(` ${target[1]}`) || tokenWords.has(target[1]!.toLowerCase()) || /\$\w/.test(target[0]))) {
    slots.target = target[1]!.toLowerCase();
    take(target[0]);
  } else if (target && FIAT_WORDS[target[1]!.toLowerCase()]) {
    // "in euros", "to dollars": the currency's code.
    slots.target = FIAT_WORDS[target[1]!.toLowerCase()]!;
    take(target[0]);
  }
  const relative = slots.amount ? undefined : RELATIVE.exec(rest);
  if (relative && (tokenWords.has(relative[4]!.toLowerCase()) || /\$\w/.test(relative[0]))) {
    const word = (relative[1] ?? relative[3])?.toLowerCase();
    slots.amount = relative[3] ? '0.5' : word === 'half' ? '50%' : word ? '100%' : `${relative[2]}%`;
    slots.token = relative[4]!.toLowerCase();
    take(relative[0]);
  }
  const fiat = slots.amount || !digits ? undefined : FIAT_AMOUNT.exec(rest);
  if (fiat) {
    slots.amount = expand(fiat[2] ?? fiat[4] ?? fiat[7]!, fiat[3] ?? fiat[5]);
    slots.amountFiat = fiat[1] ? FIAT_SIGNS[fiat[1]]! : fiat[6] ? FIAT_WORDS[fiat[6].toLowerCase()]! : FIAT_SIGNS[fiat[8]!]!;
    take(fiat[0]);
  }
  const amount = slots.amount || !digits ? undefined : AMOUNT_TOKEN.exec(rest);
  if (amount && !NOT_TOKENS.has(amount[5]!.toLowerCase())) {
    slots.amount = expand(amount[2]!, amount[3]);
    slots.token = amount[5]!.toLowerCase();
    // "test" stays: it tells the faucet from a price question.
    take(amount[0], amount[4] ? ` ${amount[4]} ` : ' ');
  }
  const tokens = slots.token ? [slots.token] : [];
  const inContext = MARKET_CONTEXT.exec(rest);
  // Politeness is no token even there ("price pls eth").
  const marketWord = [inContext?.[1], inContext?.[2]].map((w) => w?.toLowerCase()).find((w) => w !== undefined && !NOISE_WORDS.has(w));
  for (let guard = 0; guard < 10; guard++) {
    const ticker = TICKER.exec(rest);
    if (ticker) {
      tokens.push(ticker[2]!.toLowerCase());
      take(ticker[0]);
      continue;
    }
    if (tokenWords.size === 0) break;
    const known = rest.split(/[\s,/?!]+/).find((w) => w.length > 1 && tokenWords.has(w.toLowerCase()) && (!AMBIGUOUS_TOKEN_WORDS.has(w.toLowerCase()) || w === w.toUpperCase() || w.toLowerCase() === marketWord));
    if (!known) break;
    tokens.push(known.toLowerCase());
    rest = rest.replace(wordPattern(known), '$1 ');
  }
  if (tokens.length > 0) {
    slots.token = tokens[0]!;
    slots.tokens = [...new Set(tokens)];
  }
  if (!slots.target) {
    const fiat = FIAT_CODE.exec(rest);
    if (fiat) {
      slots.fiat = fiat[1]!.toLowerCase();
      take(fiat[0], ' ');
    }
  }
  const bare = slots.chain ? undefined : BARE_CHAINS.exec(text);
  if (bare) {
    const chain = chainNamed(bare[1]!);
    if (chain) slots.bareChain = chain.key;
  }
  return { ...slots, rest: rest.replace(/\s+/g, ' ').trim() };
}

/** The pattern of one token word standing alone, kept: the same few words come up again and again. */
const wordPatterns = new Map<string, RegExp>();
function wordPattern(word: string): RegExp {
  let pattern = wordPatterns.get(word);
  if (!pattern) {
    pattern = new RegExp(`(^|[\\s,/])${escapeRegExp(word)}(?=[\\s,/?!.]|$)`);
    if (wordPatterns.size >= 2000) wordPatterns.clear();
    wordPatterns.set(word, pattern);
  }
  return pattern;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
