/**
 * The wallet phrases of a message: which of the person's wallets it is about ("wallet 2",
 * "wallet savings", "my trading wallet", "use savings", "balance of savings") and a name it gives
 * one ("called savings", "rename wallet 1 to savings", "watch 0x… as cold"). Part of the slot
 * grammar (see slots.ts); kept apart because wallets have a small grammar of their own.
 */
export interface WalletPhrases {
  /** A wallet reference as typed: a name, a number, or "0x…" (resolved later, among the person's own wallets only). */
  wallet?: string;
  /** A name for a wallet. */
  name?: string;
  rest: string;
}

// Up to 64 characters: a reference may be a wallet id (wal_ and 32 hex digits), not only a name.
const QUOTED = String.raw`"([^"]{1,64})"|'([^']{1,64})'|“([^”]{1,64})”`;
const WORD = String.raw`[\p{L}\p{N}][\p{L}\p{N}_.-]{0,63}`;

const RENAME = /^\s*rename\s+(?:my\s+|the\s+)?(.+?)\s+(?:to|as|into)\s+(.+?)\s*$/i;
const CALL_IT = /^\s*(?:call|name)\s+(?:my\s+|the\s+)?(?:wallet|account)(?:\s+#?(\d{1,2}))?\s+(.+?)\s*$/i;
const CALLED = new RegExp(String.raw`\s(?:called|named|labell?ed|as|(?:and\s+)?(?:call|name)\s+it)\s+(?:${QUOTED}|(\S.{0,31}?))\s*$`, 'iu');
const WALLET_NUMBER = /\b(?:wallet|account)\s*(?:#|no\.?\s*|number\s+)?(\d{1,2})\b/i;
const WALLET_NAMED = new RegExp(String.raw`\b(?:wallet|account)\s+(?:${QUOTED}|(${WORD}))`, 'iu');
// "a whale wallet", "another fresh wallet": a kind of wallet, not one of the person's by name.
const NAMED_WALLET = new RegExp(String.raw`(?<!(?:^|\s)(?:a|an|another|any|some))(?:^|\s)(${WORD})\s+(?:wallet|account)\b`, 'iu');
const USE = new RegExp(String.raw`^\s*(?:use|switch\s+to|select|activate|pick)\s+(?:${QUOTED}|(${WORD}))\s*$`, 'iu');
/** "switch wallet to 2", "change active wallet to degen", "set my default wallet to trading". */
const SWITCH_TO = new RegExp(String.raw`^\s*(?:switch|change|set|move)\s+(?:my\s+|the\s+)?(?:active\s+|default\s+|current\s+|main\s+)?(?:wallet|account)\s+(?:to|as)\s+(?:wallet\s+|account\s+)?(?:#?(\d{1,2})|${QUOTED}|(${WORD}))\s*$`, 'iu');
/** "make savings the active wallet", "make wallet 2 my default". */
const MAKE_ACTIVE = new RegExp(String.raw`^\s*(?:make|set)\s+(?:${QUOTED}|(${WORD}))\s+(?:the|my)\s+(?:active|default|current|main)(?:\s+(?:wallet|account|one))?\s*$`, 'iu');
const BALANCE_OF = new RegExp(String.raw`\b(balances?|holdings?|funds|keys?|activity|history|transactions)\s+(?:of|in|for)\s+(?:my\s+)?(?:${QUOTED}|(\p{L}[\p{L}\p{N}_.-]{0,31}))\s*$`, 'iu');
const NAME_BALANCE = new RegExp(String.raw`^\s*(\p{L}[\p{L}\p{N}_.-]{0,31})\s+(balances?|holdings?)\s*$`, 'iu');
/** Only messages about wallets give names: "the coin called pepe" keeps its token. */
const WALLET_CONTEXT = /\b(?:wallets?|accounts?|import|restore|recover|watch|track|follow|create|new|make|generate)\b/i;

/** Words that follow "wallet" without being its name. */
const NOT_NAMES_AFTER = new Set(
  'called named labeled labelled to as with and or on in for of from at by balance balances address addresses key keys private secret please pls now is list info details file phrase seed only that this it its here there activity history portfolio value worth rn today right atm plz'.split(' '),
);
/** Words that come before "wallet" without being its name. */
const NOT_NAMES_BEFORE = new Set(
  'my a an the new this that active current watch watched default your our which what each every all one another create make generate import export delete remove forget use rename list show set switch to activate select pick restore recover add backup back up of in for from only reveal get see view check balance whats is and or open second first any some evm ethereum crypto hot fund connect link pair sync unlink other telegram discord platform watch-only read-only'.split(' '),
);
/** Words "use …" and "balance of …" take that are not wallet names. */
const NOT_WALLET_REFS = new Set(['my', 'all', 'everything', 'it', 'this', 'that', 'them', 'wallet', 'wallets', 'account', 'accounts', 'me', 'mine', 'active', 'current', 'selected']);

function quotedOr(m: RegExpExecArray, from: number): string | undefined {
  return m[from] ?? m[from + 1] ?? m[from + 2] ?? m[from + 3];
}

/** A reference typed after "rename": "wallet 1" → "1", "wallet" / "my wallet" → undefined (the active one). */
function cleanRef(text: string): string | undefined {
  const ref = text
    .trim()
    .replace(/^(?:my|the)\s+/i, '')
    .replace(/^(?:wallet|account)\b\s*(?:#|no\.?\s*|number\s+)?/i, '')
    .replace(/\s+(?:wallet|account)$/i, '')
    .replace(/^["'“]|["'”]$/g, '')
    .trim();
  return ref === '' || NOT_WALLET_REFS.has(ref.toLowerCase()) ? undefined : ref;
}

function cleanName(text: string): string {
  return text.trim().replace(/^["'“]|["'”]$/g, '').trim();
}

/**
 * Finds the wallet phrases in `rest` (what slot extraction left of the message) and cuts their
 * values out, keeping the keyword ("use wallet savings" → rest "use wallet"), so the intent still
 * matches its examples. `tokenWords` keeps "balance of eth" a token question.
 */
export function extractWalletPhrases(text: string, tokenWords: ReadonlySet<string>, address?: string): WalletPhrases {
  const result = extract(text, tokenWords);
  // The address was taken out before ("0x" stands in its place): "rename wallet 0xAb… to cold".
  if (result.wallet !== undefined && /^0x$/i.test(result.wallet)) {
    if (address) result.wallet = address;
    else delete result.wallet;
  }
  return result;
}

/** A word every wallet phrase below has: a message without one has no wallet phrase. */
const ANY_WALLET_WORD = /wallet|account|rename|use|switch|select|activate|pick|balance|holding|funds|key|activity|history|transactions|make|set/i;

function extract(text: string, tokenWords: ReadonlySet<string>): WalletPhrases {
  if (!ANY_WALLET_WORD.test(text) && !WALLET_CONTEXT.test(text)) return { rest: text };
  let rest = text;
  const found: Omit<WalletPhrases, 'rest'> = {};

  const rename = RENAME.exec(rest);
  if (rename) {
    const ref = cleanRef(rename[1]!);
    if (ref) found.wallet = ref;
    found.name = cleanName(rename[2]!);
    return { ...found, rest: ' rename wallet ' };
  }
  const callIt = CALL_IT.exec(rest);
  if (callIt) {
    if (callIt[1]) found.wallet = callIt[1];
    found.name = cleanName(callIt[2]!);
    return { ...found, rest: ' rename wallet ' };
  }

  if (WALLET_CONTEXT.test(rest)) {
    const called = CALLED.exec(rest);
    // "add 0x… as a watch-only wallet" says what it is, not what it is called.
    if (called && !/^(?:an?|the|my)\s/i.test(quotedOr(called, 1)!)) {
      found.name = cleanName(quotedOr(called, 1)!);
      rest = rest.replace(called[0], ' ');
    }
  }

  const switchTo = SWITCH_TO.exec(rest);
  const makeActive = switchTo ? undefined : MAKE_ACTIVE.exec(rest);
  if (switchTo || makeActive) {
    const ref = switchTo ? (switchTo[1] ?? quotedOr(switchTo, 2)) : quotedOr(makeActive!, 1);
    const refWord = ref?.toLowerCase() ?? '';
    // After "wallet to" a token's name is a wallet's all the same ("switch wallet to degen").
    if (ref && !NOT_WALLET_REFS.has(refWord) && (switchTo !== null || !tokenWords.has(refWord)) && !/^0x/i.test(ref)) {
      found.wallet = ref;
      return { ...found, rest: ' use wallet ' };
    }
  }

  const number = WALLET_NUMBER.exec(rest);
  const named = number ? undefined : WALLET_NAMED.exec(rest);
  const namedWord = named ? quotedOr(named, 1) : undefined;
  if (number) {
    found.wallet = number[1]!;
    rest = rest.replace(number[0], ' wallet ');
  } else if (named && namedWord && (named[4] === undefined || !NOT_NAMES_AFTER.has(namedWord.toLowerCase())) && (!/^0x/i.test(namedWord) || /^0x$/i.test(namedWord))) {
    found.wallet = namedWord;
    rest = rest.replace(named[0], ' wallet ');
  } else {
    const before = NAMED_WALLET.exec(rest);
    if (before && !NOT_NAMES_BEFORE.has(before[1]!.toLowerCase()) && !tokenWords.has(before[1]!.toLowerCase()) && !/^0x/i.test(before[1]!)) {
      found.wallet = before[1]!;
      rest = rest.replace(before[0], ' wallet ');
    }
  }

  if (!found.wallet) {
    const use = USE.exec(rest);
    const ref = use ? quotedOr(use, 1) : undefined;
    if (use && ref && !NOT_WALLET_REFS.has(ref.toLowerCase()) && !tokenWords.has(ref.toLowerCase()) && !/^0x/i.test(ref)) {
      found.wallet = ref;
      rest = rest.replace(ref, ' wallet ');
    }
  }
  if (!found.wallet) {
    const balance = BALANCE_OF.exec(rest);
    const ref = balance ? quotedOr(balance, 2) : undefined;
    if (balance && ref && !NOT_WALLET_REFS.has(ref.toLowerCase()) && !tokenWords.has(ref.toLowerCase())) {
      found.wallet = ref;
      rest = rest.replace(balance[0], ` ${balance[1]} `);
    }
  }
  if (!found.wallet) {
    // "savings balance" (but "eth balance" and "my balance" are not about a wallet's name)
    const balance = NAME_BALANCE.exec(rest);
    const ref = balance?.[1]?.toLowerCase();
    if (balance && ref && !NOT_WALLET_REFS.has(ref) && !NOT_NAMES_BEFORE.has(ref) && !tokenWords.has(ref) && !['total', 'token', 'coin', 'native', 'gas'].includes(ref)) {
      found.wallet = balance[1]!;
      rest = ` ${balance[2]} `;
    }
  }
  return { ...found, rest };
}
