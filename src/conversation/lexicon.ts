/**
 * The parser's lexicon: the words people use for the same thing ("px", "graph", "pump"), phrases
 * that name a request in other words ("ape into" = buy, "keep an eye on" = watch), words that say
 * little about the intent ("how", "now"), and requests Möbius has no capability for yet (buy, sell,
 * alerts), so they are left to the fallback instead of landing on a wrong capability.
 *
 * Everything here is general vocabulary, applied alike to the registry's examples and to messages:
 * no entry names one capability, so a new capability is matched through its own examples.
 */

/** Word → the word the examples use. Applied after typo correction, to examples and messages alike. */
export const SYNONYMS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    // price
    px: 'price', prices: 'price', pricing: 'price', cost: 'price', costs: 'price', rate: 'price', quote: 'price', trading: 'price', going: 'price', worth: 'worth', value: 'worth', valued: 'worth',
    // change over time (slang included): with a token it is that token's move, without one the market's
    pump: 'change', pumping: 'change', pumped: 'change', pumps: 'change', mooning: 'change', mooned: 'change',
    dump: 'change', dumping: 'change', dumped: 'change', crash: 'change', crashed: 'change', crashing: 'change',
    drop: 'change', dropped: 'change', dropping: 'change', fall: 'change', fell: 'change', falling: 'change',
    gain: 'change', gains: 'change', gained: 'change', gainers: 'movers', biggest: 'top', big: 'top', losers: 'movers', loser: 'movers', gainer: 'movers', mover: 'movers', moving: 'movers', hot: 'trending',
    move: 'change', moved: 'change', movement: 'change', moves: 'change', performance: 'change', perform: 'change', performed: 'change', doing: 'change', down: 'up',
    green: 'change', red: 'change', changes: 'change', changed: 'change', pct: 'change', percent: 'change',
    // charts
    graph: 'chart', plot: 'chart', candles: 'chart', candle: 'chart', candlestick: 'chart', candlesticks: 'chart', charts: 'chart', visualize: 'chart', draw: 'chart', line: 'chart',
    // indicators
    ta: 'indicators', technicals: 'indicators', technical: 'indicators', indicator: 'indicators', analysis: 'indicators', oversold: 'overbought', signals: 'indicators', signal: 'indicators', volatility: 'indicators', atr: 'indicators',
    // market
    mkt: 'market', markets: 'market', crypto: 'market', overall: 'market', summary: 'overview', sentiment: 'overview', rankings: 'top', ranking: 'top', cap: 'top',
    // wallets and holdings
    bag: 'holdings', bags: 'holdings', stack: 'holdings', holding: 'holdings', hold: 'holdings', own: 'holdings', coins: 'tokens',
    balances: 'balance', bal: 'balance', money: 'balance', fund: 'faucet', gimme: 'give',
    walets: 'wallets', wallts: 'wallets', addresses: 'wallets', accounts: 'account', telegram: 'account', discord: 'account',
    generate: 'create', make: 'create', new: 'create', another: 'create', fresh: 'create', open: 'create', spin: 'create', setup: 'create',
    remove: 'delete', erase: 'delete', trash: 'delete', destroy: 'delete', unwatch: 'delete',
    switch: 'use', select: 'use', activate: 'use', pick: 'use', active: 'use', default: 'use',
    monitor: 'watch', track: 'watch', tracking: 'watch', follow: 'watch', watching: 'watch',
    backup: 'export', reveal: 'export', keys: 'key', restore: 'import', recover: 'import', seed: 'phrase', mnemonic: 'phrase',
    pnl: 'portfolio', networth: 'portfolio', allocation: 'portfolio', basis: 'portfolio', unrealized: 'portfolio', realized: 'portfolio',
    txs: 'transactions', tx: 'transactions', recently: 'recent', transaction: 'transactions', trades: 'transactions', swaps: 'transactions', transfers: 'transactions', activity: 'transactions', log: 'history',
    // tokens
    contract: 'address', ca: 'address', decimals: 'supply', details: 'info', information: 'info', about: 'info',
    // gas and chains
    gwei: 'gas', fee: 'gas', fees: 'gas', expensive: 'gas', rpc: 'chain', rpcs: 'chain', node: 'chain', chains: 'chain', network: 'chain', networks: 'chain', endpoints: 'chain', block: 'chain', synced: 'chain',
    online: 'up', running: 'up', alive: 'up', working: 'up', healthy: 'health', healthcheck: 'health',
    // faucet
    drip: 'faucet', airdrop: 'faucet', free: 'faucet',
    // accounts
    connect: 'link', pair: 'link', sync: 'link',
    // answers
    ok: 'yes', okay: 'yes', sure: 'yes', yep: 'yes', yeah: 'yes', yup: 'yes', ya: 'yes', y: 'yes', nah: 'no', nope: 'no', n: 'no',
    // help
    enumerate: 'list', features: 'commands', command: 'commands', support: 'commands',
    // settings
    config: 'settings', configuration: 'settings', prefs: 'preferences', setting: 'settings',
  }),
);

/**
 * Phrases rewritten before anything else, on the lower-cased text: slang for a request whose word
 * is elsewhere ("ape into" → buy), and "send N X to <address>" (a transfer, not the faucet).
 */
export const PHRASES: ReadonlyArray<readonly [RegExp, string]> = [
  // "ape into pepe", "ape 1 eth into pepe": buying, whatever the amount between.
  [/\bape(?:d|ing)?\s+(?:\$?[\d.,]+[km]?\s+\$?[a-z][a-z0-9]{1,11}\s+)?(?:into|in)\b/gi, ' buy '],
  [/\bwtf\s+is\b/gi, ' what is '],
  // Charts said with an emoji.
  [/[📈📉📊]/gu, ' chart '],
  // "what am i worth", "am i up or down": the person's own holdings, not a token or the market.
  [/\b(?:what|how\s+much)\s+am\s+i\s+worth\b/gi, ' portfolio value '],
  [/\bam\s+i\s+(?:up|down|in\s+profit|in\s+the\s+red|in\s+the\s+green)\b/gi, ' portfolio change '],
  // "what did i send recently", "what have i received": the person's transactions.
  [/\bwhat\s+(?:did|have)\s+i\s+(?:send|sent|receive|received|get|got)\b/gi, ' my transactions '],
  // "i need a wallet", "i want another wallet", "a new address for me": one more wallet.
  [/\b(?:need|want|get|like|have)\s+(?:a|another|one\s+more)\s+(?:new\s+|fresh\s+)?wallet\b/gi, ' create wallet '],
  [/\b(?:create|generate|make|new|fresh|another)\s+(?:a\s+)?(?:new\s+|fresh\s+)?address\b/gi, ' create wallet '],
  // "what's my slippage set to?": asking a setting, not changing it.
  [/\b(?:what(?:'|’)?s|whats|what\s+is)\s+(my\s+[a-z ]{2,30}?)\s+set\s+to\s*\??\s*$/gi, ' show $1 settings '],
  // "change to wallet cold": switching wallets, not a price change.
  [/\bchange\s+to\s+(?=(?:my\s+|the\s+)?(?:wallet|account)\b)/gi, ' switch to '],
  [/\bdump(?:ing)?\s+(?:all\s+)?(?:of\s+)?my\s+(?:bags?|stack|\$?[a-z]{2,11}(?=\s*$))/gi, ' sell '],
  [/\bkeep\s+(?:an\s+)?eye\s+on\b/gi, ' watch '],
  [/\bget\s+rid\s+of\b/gi, ' delete '],
  [/\bnet\s+worth\b/gi, ' portfolio '],
  [/\bprofit\s+(?:and|&|n)\s+loss\b/gi, ' portfolio '],
  [/\bmarket\s+cap\b/gi, ' top '],
  [/\bset\s+up\b/gi, ' create '],
  [/\btop\s+up\b/gi, ' fund '],
  [/\bhow\s+long\s+have\s+you\s+been\s+(?:up|running|online|alive)\b/gi, ' uptime '],
  [/\bchange\s+(?:the\s+)?name\s+of\b/gi, ' rename '],
  [/\bwhat(?:'|’)?s\s+in\s+(?=(?:my\s+)?(?:wallet|bags?)\b)/gi, ' balance of '],
  // Showing a key is exporting it.
  [/\b(?:show|reveal|dump|give|display|see|get|what(?:'|’)?s|whats)(?:\s+me)?\s+(?:the\s+|my\s+)?(?=(?:private\s+)?keys?\b|(?:seed|recovery|secret)\s+(?:phrase|words)\b)/gi, ' export '],
  [/\b(?:what(?:'|’)?s|whats|what\s+is|what\s+are|who(?:'|’)?s|whos|who\s+is|who\s+are)\s+(?:hot|moving|pumping|dumping|mooning)\b/gi, ' trending '],
  [/\bwhat\s+(?:coins|tokens)\s+are\s+(?:pumping|dumping|mooning)\b/gi, ' trending '],
  // "how much is one eth", "how much for a btc": its price, not an amount of it.
  [/\bhow\s+much\s+(?:is|are|for|does)\s+(?:one|an?|1)\s+(?=\$?[a-z][a-z0-9]{1,11}(?:\s+(?:cost|go\s+for|worth))?(?:\s+(?:right\s+now|rn|now|today|atm))?\s*[?!.]*\s*$)/gi, ' price of '],
  // "drop wallet 2", "drop my savings account": removing it (a price drop has no wallet).
  [/\bdrop(?=\s+(?:my\s+|the\s+)?(?:\S+\s+)?(?:wallet|account)\b)/gi, 'delete'],
  // "give me some eth", "send me free usdc": the faucet, whatever the token.
  [/\b(?:give|send|gimme)\s+(?:me\s+)?(?:some|free|test)\b/gi, ' faucet '],
  // "is base up", "is polygon rpc down": a chain's health, not a token's price move.
  [/\bis\s+(ethereum|mainnet|base|arbitrum|optimism|polygon|bsc|avalanche|pulsechain|devnet)(?:\s+(?:rpc|chain|network|node))?\s+(?:up|down|working|ok|okay|online|alive|live|running|healthy|broken|lagging|slow)\b/gi, ' chain status on $1 '],
  // "total value of my wallets", "my total worth": the portfolio.
  [/\btotal\s+(?:value|worth)\b/gi, ' portfolio value '],
  // "a new eth wallet", "my evm wallet": the kind of wallet, not the ETH token.
  [/\b(?:eth|ethereum|evm)\s+(?=wallets?\b)/gi, ' '],
  // "link my account" is about accounts, not the LINK token (a code after it is read by the slots).
  [/\blink(?=\s+(?:my\s+|the\s+|our\s+|this\s+)?(?:accounts?|telegram|discord|other|platforms?)\b)/gi, 'connect'],
  // "send 1 eth to 0x…" / "send usdc to bob.eth": a transfer, which the faucet is not.
  [/\bsend\b(?![^]*\b(?:faucet|test|devnet)\b)(?=[^]*\bto\s+(?:0x[0-9a-f]|[a-z0-9-]+\.eth\b))/gi, ' transfer '],
];

/** Words that say little about which capability is meant: they count, but for less. */
export const WEAK_WORDS: ReadonlySet<string> = new Set(['how', 'much', 'many', 'it', 'now', 'right', 'rn', 'today', 'current', 'currently', 'any', 'some', 'all', 'check', 'get', 'see', 'view', 'list', 'want', 'need', 'like', 'this', 'that', 'there', 'here', 'on', 'in', 'for', 'with', 'at', 'and', 'or', 'from', 'about', 'be', 'was', 'am', 'we', 'will', 'would', 'should', 'lemme', 'last', 'past', 'yet', 'still', 'again', 'over', 'since', 'during']);

/** Extra filler, on top of text-similarity's: politeness and chat noise. */
export const NOISE_WORDS: ReadonlySet<string> = new Set(['pls', 'plz', 'please', 'thx', 'thanks', 'bro', 'fam', 'ser', 'yo', 'hey', 'hi', 'lol', 'lmao', 'asap', 'quick', 'quickly', 'just', 'real', 'really', 'like', 'um', 'uh', 'hmm', 'mate', 'dude', 'the', 'a', 'an', 'its', 'im', 'it', 'is', 'are', 'bot', 'mobius', 'möbius']);

/**
 * Requests Möbius has no capability for (yet): trading, transfers, alerts. A message that asks for
 * one goes to the fallback rather than to the closest read capability ("sell all my pepe" is no
 * price question). Ignored for a word some capability's examples use, so adding a capability
 * ("swap 1 eth for usdc") takes its word back.
 */
export const UNSUPPORTED_ACTIONS: ReadonlySet<string> = new Set(['buy', 'sell', 'swap', 'trade', 'bridge', 'stake', 'unstake', 'transfer', 'short', 'long', 'alert', 'alerts', 'notify', 'remind', 'reminder', 'ping me', 'lend', 'borrow', 'mint']);

/**
 * Well-known coins outside the EVM token lists: recognised as tokens in a message (the resolver
 * then says whether this instance knows them), and as typo targets ("solanna" → solana).
 */
export const WELL_KNOWN_COINS: readonly string[] = ['sol', 'solana', 'ton', 'toncoin', 'trx', 'tron', 'ltc', 'litecoin', 'bch', 'sui', 'apt', 'aptos', 'near', 'xlm', 'stellar', 'wif', 'bonk', 'floki', 'hype', 'tao', 'kaspa', 'icp', 'fil', 'filecoin', 'hbar', 'algo', 'etc', 'xmr', 'monero', 'usdcoin', 'ethereum', 'bitcoin', 'dogecoin'];

/**
 * Token symbols that are also everyday chat words ("pls", "joe"): read as tokens only when written
 * as a ticker ($PLS), in capitals (PLS) or after an amount ("10 pls").
 */
export const AMBIGUOUS_TOKEN_WORDS: ReadonlySet<string> = new Set(['pls', 'inc', 'joe', 'png', 'hex', 'magic', 'virtual', 'ens', 'qi', 'ape', 'aero', 'sand', 'mana', 'velo', 'op', 'dot', 'comp', 'bal']);

/** Words that stand for another when a token is named: "what's 1 eth worth" asks its price. */
export const WITH_TOKEN: ReadonlyMap<string, string> = new Map([
  ['worth', 'price'],
  ['at', 'price'],
]);
