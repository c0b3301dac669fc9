import { LRUCache } from 'lru-cache';
import { editDistance } from '../core/edit-distance.js';
import { MobiusError, UserError } from '../core/errors.js';
import { TokenRefSchema, type Address, type TokenRef } from '../core/token.js';
import { looksLikeAddress, parseAddress } from './address.js';
import { findChain, type ChainInfo, type ChainKey } from './chains.js';
import arbitrumList from './token-lists/arbitrum.json' with { type: 'json' };
import avalancheList from './token-lists/avalanche.json' with { type: 'json' };
import baseList from './token-lists/base.json' with { type: 'json' };
import bscList from './token-lists/bsc.json' with { type: 'json' };
import ethereumList from './token-lists/ethereum.json' with { type: 'json' };
import optimismList from './token-lists/optimism.json' with { type: 'json' };
import polygonList from './token-lists/polygon.json' with { type: 'json' };
import pulsechainList from './token-lists/pulsechain.json' with { type: 'json' };

export interface Erc20Metadata {
  name: string;
  symbol: string;
  decimals: number;
  totalSupply: bigint;
}

/** Reads a contract's ERC-20 metadata on chain; throws when the address is not an ERC-20. */
export type MetadataReader = (chainId: number, address: Address) => Promise<Erc20Metadata>;

export type TokenResolution =
  | { kind: 'token'; token: TokenRef }
  | { kind: 'ambiguous'; candidates: TokenRef[]; question: string }
  | { kind: 'unknown'; query: string; suggestions: string[] };

export interface BundledToken {
  symbol: string;
  name: string;
  address: string;
  decimals: number;
  coingeckoId?: string;
}

export interface BundledTokenList {
  chainId: number;
  source: string;
  tokens: BundledToken[];
}

/** The bundled lists, one per mainnet; the devnet's tokens arrive through `addTokens` after deployment. */
export const BUNDLED_TOKEN_LISTS: Readonly<Partial<Record<ChainKey, BundledTokenList>>> = {
  ethereum: ethereumList,
  base: baseList,
  arbitrum: arbitrumList,
  optimism: optimismList,
  polygon: polygonList,
  bsc: bscList,
  avalanche: avalancheList,
  pulsechain: pulsechainList,
};

/**
 * Everyday words for assets whose symbol differs per chain: the first symbol present on a chain
 * answers for it ("bitcoin" is WBTC on Ethereum, BTCB on BSC, BTC.b on Avalanche, cbBTC on Base).
 */
export const ALIASES: Record<string, readonly string[]> = {
  eth: ['ETH', 'WETH', 'WETH.e'],
  ether: ['ETH', 'WETH', 'WETH.e'],
  ethereum: ['ETH', 'WETH', 'WETH.e'],
  btc: ['WBTC', 'BTCB', 'BTC.b', 'cbBTC', 'WBTC.e'],
  bitcoin: ['WBTC', 'BTCB', 'BTC.b', 'cbBTC', 'WBTC.e'],
  'wrapped bitcoin': ['WBTC', 'WBTC.e'],
  tether: ['USDT', 'USDT.e'],
  'usd coin': ['USDC', 'USDC.e', 'USDbC'],
  usdcoin: ['USDC', 'USDC.e', 'USDbC'],
  dai: ['DAI', 'DAI.e'],
  matic: ['POL', 'WPOL', 'MATIC'],
  polygon: ['POL', 'WPOL', 'MATIC'],
  bnb: ['BNB', 'WBNB'],
  binance: ['BNB', 'WBNB'],
  avax: ['AVAX', 'WAVAX'],
  avalanche: ['AVAX', 'WAVAX'],
  pulse: ['PLS', 'WPLS'],
  pulsechain: ['PLS', 'WPLS'],
  chainlink: ['LINK', 'LINK.e'],
  link: ['LINK', 'LINK.e'],
  aave: ['AAVE', 'AAVE.e'],
  uniswap: ['UNI'],
  shiba: ['SHIB'],
  'shiba inu': ['SHIB'],
  lido: ['LDO'],
  'staked ether': ['stETH'],
  arbitrum: ['ARB'],
  optimism: ['OP'],
  pancakeswap: ['CAKE'],
  pancake: ['CAKE'],
  dogecoin: ['DOGE'],
  ripple: ['XRP'],
  cardano: ['ADA'],
  polkadot: ['DOT'],
};

/** Filler words between a token and its chain: "usdc on base". */
const PREPOSITIONS = new Set(['on', 'in', 'at', 'via', 'over', 'from']);

interface ChainTokens {
  readonly chain: ChainInfo;
  readonly tokens: TokenRef[];
  readonly byAddress: Map<string, TokenRef>;
  readonly coingecko: Map<string, string>;
}

type CachedLookup = { token: TokenRef } | { error: UserError; expiresAt: number };

function normalizeName(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9. ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function sanitize(text: string, max: number): string {
  // Token metadata is attacker-controlled: no control characters, bounded length.
  const printable = [...text].filter((ch) => {
    const code = ch.codePointAt(0)!;
    return code >= 0x20 && code !== 0x7f;
  });
  return printable.join('').trim().slice(0, max);
}

/** Lexicographic comparison of equal-length score tuples. */
function compareScores(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function short(address: string): string {
  return `${address.slice(0, 8)}…${address.slice(-4)}`;
}

function listNames(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/**
 * Known tokens of the enabled chains (bundled lists, plus tokens added at runtime such as the
 * devnet's), with on-chain lookups for any other ERC-20 and resolution of a person's words.
 */
export class TokenRegistry {
  private readonly chains: readonly ChainInfo[];
  private readonly byChain = new Map<number, ChainTokens>();
  private readonly readMetadata: MetadataReader;
  private readonly cache: LRUCache<string, CachedLookup>;
  private readonly inFlight = new Map<string, Promise<TokenRef>>();
  private readonly negativeTtlMs: number;
  private readonly now: () => number;

  constructor(options: {
    chains: readonly ChainInfo[];
    readMetadata: MetadataReader;
    cacheSize?: number;
    /** How long "no ERC-20 at this address" is remembered: a contract may be deployed there later. */
    negativeTtlMs?: number;
    now?: () => number;
  }) {
    this.chains = options.chains;
    this.readMetadata = options.readMetadata;
    this.cache = new LRUCache({ max: options.cacheSize ?? 1000 });
    this.negativeTtlMs = options.negativeTtlMs ?? 60_000;
    this.now = options.now ?? Date.now;
    for (const chain of this.chains) {
      const native: TokenRef = { chainId: chain.id, address: 'native', symbol: chain.native.symbol, decimals: chain.native.decimals, name: chain.native.name, ...(chain.devnet ? { devnet: true } : {}) };
      const entry: ChainTokens = { chain, tokens: [native], byAddress: new Map(), coingecko: new Map() };
      this.byChain.set(chain.id, entry);
      const list = BUNDLED_TOKEN_LISTS[chain.key];
      if (!list) continue;
      if (list.chainId !== chain.id) throw new Error(`token list for ${chain.key} is for chain ${list.chainId}`);
      for (const t of list.tokens) {
        const token: TokenRef = { chainId: chain.id, address: t.address as Address, symbol: t.symbol, decimals: t.decimals, name: t.name };
        entry.tokens.push(token);
        entry.byAddress.set(t.address.toLowerCase(), token);
        if (t.coingeckoId) entry.coingecko.set(t.address.toLowerCase(), t.coingeckoId);
      }
    }
  }

  private entry(chainId: number): ChainTokens {
    const entry = this.byChain.get(chainId);
    if (!entry) {
      const enabled = this.chains.map((c) => c.name).join(', ') || 'none';
      throw new UserError('bad_input', `chain ${chainId} is not enabled here (enabled: ${enabled})`, { details: { chainId } });
    }
    return entry;
  }

  /** Adds tokens at runtime (the devnet deployment adds its tokens, flagged devnet: true). */
  addTokens(chainId: number, tokens: readonly TokenRef[]): void {
    const entry = this.entry(chainId);
    for (const raw of tokens) {
      const parsed = TokenRefSchema.parse(raw);
      if (parsed.chainId !== chainId) throw new Error(`token ${parsed.symbol} is for chain ${parsed.chainId}, not ${chainId}`);
      if (parsed.address === 'native') throw new Error('the native coin comes from the chain registry, not addTokens');
      const address = parseAddress(parsed.address, `${parsed.symbol} address`);
      const token: TokenRef = { ...parsed, address, ...(entry.chain.devnet ? { devnet: true } : {}) };
      const key = address.toLowerCase();
      const existing = entry.byAddress.get(key);
      if (existing) entry.tokens.splice(entry.tokens.indexOf(existing), 1, token);
      else entry.tokens.push(token);
      entry.byAddress.set(key, token);
      this.cache.delete(`${chainId}:${key}`);
    }
  }

  /** Known tokens of a chain, native coin first. */
  list(chainId: number): TokenRef[] {
    return [...this.entry(chainId).tokens];
  }

  native(chainId: number): TokenRef {
    return this.entry(chainId).tokens[0]!;
  }

  /** Tokens with this symbol (case-insensitive, "$" ignored) on one chain, or on every enabled chain in preference order. */
  bySymbol(symbol: string, chainId?: number): TokenRef[] {
    const wanted = symbol.trim().replace(/^\$/, '').toLowerCase();
    const entries = chainId === undefined ? this.chains.map((c) => this.entry(c.id)) : [this.entry(chainId)];
    return entries.flatMap((e) => e.tokens.filter((t) => t.symbol.toLowerCase() === wanted));
  }

  /** A bundled or added token; no network. */
  byAddress(chainId: number, address: Address): TokenRef | undefined {
    return this.byChain.get(chainId)?.byAddress.get(address.toLowerCase());
  }

  /** The CoinGecko asset whose price a bundled token tracks, when the list names one. */
  coingeckoId(token: Pick<TokenRef, 'chainId' | 'address'>): string | undefined {
    if (token.address === 'native') return undefined;
    return this.byChain.get(token.chainId)?.coingecko.get(token.address.toLowerCase());
  }

  /** Bundled first; otherwise reads ERC-20 metadata on chain (cached, including negative results for a short time). */
  async lookupAddress(chainId: number, address: Address): Promise<TokenRef> {
    const entry = this.entry(chainId);
    const checked = parseAddress(address);
    const known = entry.byAddress.get(checked.toLowerCase());
    if (known) return known;
    const key = `${chainId}:${checked.toLowerCase()}`;
    const cached = this.cache.get(key);
    if (cached && 'token' in cached) return cached.token;
    if (cached && cached.expiresAt > this.now()) throw cached.error;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const lookup = this.readToken(entry.chain, checked, key).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, lookup);
    return lookup;
  }

  private async readToken(chain: ChainInfo, address: Address, key: string): Promise<TokenRef> {
    let meta: Erc20Metadata;
    try {
      meta = await this.readMetadata(chain.id, address);
    } catch (err) {
      // An unreachable RPC says nothing about the address: it must not be remembered as "no token".
      if (err instanceof MobiusError && err.code === 'dependency_unavailable') throw err;
      throw this.rememberMissing(key, new UserError('unknown_token', `there is no ERC-20 token at ${short(address)} on ${chain.name}`, { cause: err, details: { chainId: chain.id, address } }));
    }
    const symbol = sanitize(String(meta.symbol ?? ''), 32);
    const name = sanitize(String(meta.name ?? ''), 100);
    if (symbol === '' || !Number.isInteger(meta.decimals) || meta.decimals < 0 || meta.decimals > 77) {
      throw this.rememberMissing(key, new UserError('unknown_token', `the contract at ${short(address)} on ${chain.name} does not behave like an ERC-20 token`, { details: { chainId: chain.id, address } }));
    }
    const token: TokenRef = { chainId: chain.id, address, symbol, decimals: meta.decimals, ...(name ? { name } : {}), ...(chain.devnet ? { devnet: true } : {}) };
    this.cache.set(key, { token });
    return token;
  }

  private rememberMissing(key: string, error: UserError): UserError {
    this.cache.set(key, { error, expiresAt: this.now() + this.negativeTtlMs });
    return error;
  }

  /**
   * A person's words → a token: "usdc", "USDC on base", "$pepe", "ether", "bitcoin", "0x…" (with
   * optional chain words), "arbitrum's usdc". Chain words in the text win over `options.chainId`.
   */
  async resolve(words: string, options: { chainId?: number; preferChainId?: number } = {}): Promise<TokenResolution> {
    const { rest, chain, address } = this.parseWords(words);
    // By key: the devnet's enabled entry may carry the id of a remote devnet rather than 31337.
    const named = chain && (this.chains.find((c) => c.key === chain.key) ?? this.entry(chain.id).chain);
    const chains = named ? [named] : options.chainId !== undefined ? [this.entry(options.chainId).chain] : this.chains;
    if (address) return this.resolveAddress(address, chains, options.preferChainId);
    const query = rest.filter((w, i) => !((i === 0 || i === rest.length - 1) && PREPOSITIONS.has(w))).join(' ');
    if (query === '') return { kind: 'unknown', query: words.trim(), suggestions: [] };
    const candidates = this.match(query, chains);
    if (candidates.length === 0) return { kind: 'unknown', query, suggestions: this.suggest(query, chains) };
    return this.decide(candidates, options.preferChainId);
  }

  private parseWords(text: string): { rest: string[]; chain?: ChainInfo; address?: Address } {
    const words = text
      .trim()
      .split(/\s+/)
      .map((w) => w.replace(/^[("'[]+|[)"',.?!:;\]]+$/g, '').replace(/[’']s$/i, ''))
      .filter((w) => w !== '');
    const addressAt = words.findIndex((w) => looksLikeAddress(w));
    const address = addressAt >= 0 ? parseAddress(words[addressAt]!) : undefined;
    if (addressAt >= 0) words.splice(addressAt, 1);
    const lower = words.map((w) => w.toLowerCase().replace(/^\$/, ''));
    let best: { at: number; len: number; chain: ChainInfo; score: number[] } | undefined;
    for (let len = Math.min(3, lower.length); len >= 1; len--) {
      for (let at = 0; at + len <= lower.length; at++) {
        const chain = findChain(lower.slice(at, at + len).join(' '));
        if (!chain) continue;
        const afterPrep = at > 0 && PREPOSITIONS.has(lower[at - 1]!);
        const left = lower.length - len - (afterPrep ? 1 : 0);
        if (left === 0 && !address) continue; // "arb" alone is the token, not the chain
        // "eth" and "op" are chains and tokens alike: when two readings compete, the word that is not a token names the chain.
        const isTokenWord = len === 1 && this.chains.some((c) => this.byChain.get(c.id)!.tokens.some((t) => t.symbol.toLowerCase() === lower[at]));
        const score = [afterPrep ? 1 : 0, isTokenWord ? 0 : 1, len, at];
        if (!best || compareScores(score, best.score) > 0) best = { at, len, chain, score };
      }
    }
    if (!best) return { rest: lower, ...(address ? { address } : {}) };
    const from = best.score[0] === 1 ? best.at - 1 : best.at;
    const rest = lower.filter((_, i) => i < from || i >= best!.at + best!.len);
    return { rest, chain: best.chain, ...(address ? { address } : {}) };
  }

  private async resolveAddress(address: Address, chains: readonly ChainInfo[], preferChainId?: number): Promise<TokenResolution> {
    const known = chains.flatMap((c) => this.byAddress(c.id, address) ?? []);
    if (known.length > 0) return this.decide(known, preferChainId);
    const results = await Promise.allSettled(chains.map((c) => this.lookupAddress(c.id, address)));
    const found = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (found.length > 0) return this.decide(found, preferChainId);
    const outage = results.find((r) => r.status === 'rejected' && r.reason instanceof MobiusError && r.reason.code === 'dependency_unavailable');
    if (outage?.status === 'rejected') throw outage.reason;
    return { kind: 'unknown', query: address, suggestions: [] };
  }

  /** Exact symbols first; failing that, token names; failing that, everyday words (ALIASES). */
  private match(query: string, chains: readonly ChainInfo[]): TokenRef[] {
    const q = query.replace(/^\$/, '').toLowerCase();
    const entries = chains.map((c) => this.byChain.get(c.id)!);
    const bySymbol = entries.flatMap((e) => e.tokens.filter((t) => t.symbol.toLowerCase() === q));
    if (bySymbol.length > 0) return bySymbol;
    const name = normalizeName(q);
    const byName = entries.flatMap((e) => e.tokens.filter((t) => t.name !== undefined && [normalizeName(t.name), normalizeName(t.name).replace(/ token$/, '')].includes(name)));
    if (byName.length > 0) return byName;
    const symbols = ALIASES[name];
    if (!symbols) return [];
    return entries.flatMap((e) => {
      for (const s of symbols) {
        const hit = e.tokens.find((t) => t.symbol === s);
        if (hit) return [hit];
      }
      return [];
    });
  }

  private decide(candidates: TokenRef[], preferChainId?: number): TokenResolution {
    if (candidates.length === 1) return { kind: 'token', token: candidates[0]! };
    const preferred = candidates.filter((t) => t.chainId === preferChainId);
    if (preferred.length === 1) return { kind: 'token', token: preferred[0]! };
    const chainName = (t: TokenRef) => this.byChain.get(t.chainId)!.chain.name;
    const symbols = new Set(candidates.map((t) => t.symbol));
    const chainIds = new Set(candidates.map((t) => t.chainId));
    const question =
      symbols.size === 1 && chainIds.size === candidates.length
        ? `${candidates[0]!.symbol} on which chain: ${listNames(candidates.map(chainName))}?`
        : `Which one: ${listNames(candidates.map((t) => `${t.symbol}${t.name ? ` (${t.name})` : ''} on ${chainName(t)}`))}?`;
    return { kind: 'ambiguous', candidates, question };
  }

  private suggest(query: string, chains: readonly ChainInfo[]): string[] {
    const q = query.replace(/^\$/, '').toLowerCase();
    const limit = q.length <= 3 ? 1 : 2;
    const scored = new Map<string, number>();
    for (const c of chains) {
      for (const t of this.byChain.get(c.id)!.tokens) {
        const d = editDistance(q, t.symbol.toLowerCase(), limit);
        if (d <= limit && d < (scored.get(t.symbol) ?? Infinity)) scored.set(t.symbol, d);
      }
    }
    return [...scored.entries()]
      .sort((a, b) => a[1] - b[1])
      .slice(0, 5)
      .map(([symbol]) => symbol);
  }
}
