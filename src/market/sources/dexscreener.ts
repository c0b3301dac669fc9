import { z } from 'zod';
import { chainById } from '../../chain/chains.js';
import type { DependencyPolicy } from '../../infra/resilience.js';
import { fetchJson, numberish, positivePrice } from '../http-json.js';
import { weightedMedian } from '../stats.js';
import { requestKey, type PriceQuote, type PriceRequest, type PriceSource, type RequestKey } from '../types.js';

export interface DexScreenerSourceOptions {
  /** The `dexscreener` dependency policy, shared by every caller (built once in app.ts). */
  policy: DependencyPolicy;
  /** Default https://api.dexscreener.com. */
  baseUrl?: string;
  /** Pairs shallower than this (USD) are ignored: thin pools are easy to push around. Default $10k. */
  minLiquidityUsd?: number;
  /** Longest Retry-After worth waiting for inside one call; longer fails fast. Default 5 s. */
  maxRateLimitWaitMs?: number;
  now?: () => number;
}

/** DexScreener's chainId strings for our chains (chain ids as in src/chain/chains.ts). */
export const DEXSCREENER_CHAINS: Readonly<Record<number, string>> = {
  1: 'ethereum',
  56: 'bsc',
  8453: 'base',
  42161: 'arbitrum',
  137: 'polygon',
  43114: 'avalanche',
  10: 'optimism',
  369: 'pulsechain',
};

/** `/latest/dex/tokens/{addresses}` takes at most 30 comma-separated addresses (DexScreener API reference). */
export const MAX_ADDRESSES_PER_CALL = 30;

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

const Pair = z.object({
  chainId: z.string(),
  dexId: z.string().nullish(),
  pairAddress: z.string().nullish(),
  baseToken: z.object({ address: z.string(), symbol: z.string().nullish() }),
  quoteToken: z.object({ address: z.string(), symbol: z.string().nullish() }).nullish(),
  priceUsd: numberish,
  liquidity: z.object({ usd: numberish }).nullish(),
  priceChange: z.object({ h24: numberish }).nullish(),
});
/** `pairs` is null when none of the addresses trades anywhere. */
const TokensAnswer = z.object({ pairs: z.array(Pair).nullable() });
type DexPair = z.output<typeof Pair>;

/**
 * DexScreener: USD prices of tokens from the DEX pairs they trade in. For each token it takes the
 * pairs on the token's own chain where the token is the base (DexScreener's `priceUsd` prices the
 * base token), skips pairs shallower than `minLiquidityUsd`, and reports the liquidity-weighted
 * median price with the summed liquidity. The chain's own coin is priced through its wrapped token
 * (ETH as WETH). DexScreener gives no per-pair timestamp: quotes are stamped with the fetch time.
 */
export class DexScreenerSource implements PriceSource {
  readonly name = 'dexscreener';
  readonly maxAgeMs = 2 * 60_000;
  readonly #options: DexScreenerSourceOptions;
  readonly #baseUrl: string;
  readonly #minLiquidityUsd: number;
  readonly #now: () => number;

  constructor(options: DexScreenerSourceOptions) {
    this.#options = options;
    this.#baseUrl = (options.baseUrl ?? 'https://api.dexscreener.com').replace(/\/+$/, '');
    this.#minLiquidityUsd = options.minLiquidityUsd ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  eligible(request: PriceRequest): boolean {
    if (request.fiat !== 'usd' || request.token.devnet) return false;
    return DEXSCREENER_CHAINS[request.token.chainId] !== undefined && lookupAddress(request) !== undefined;
  }

  async fetch(requests: readonly PriceRequest[], signal: AbortSignal): Promise<Map<RequestKey, PriceQuote>> {
    const wanted = requests.filter((r) => this.eligible(r));
    const out = new Map<RequestKey, PriceQuote>();
    if (wanted.length === 0) return out;
    // The endpoint is chain-agnostic (WETH on Base and Optimism share an address): one lookup per
    // address, and each request then keeps the pairs on its own chain.
    const addresses = [...new Set(wanted.map((r) => lookupAddress(r)!))];
    const batches: string[][] = [];
    for (let i = 0; i < addresses.length; i += MAX_ADDRESSES_PER_CALL) batches.push(addresses.slice(i, i + MAX_ADDRESSES_PER_CALL));
    const answers = await Promise.all(
      batches.map((batch) =>
        fetchJson(`${this.#baseUrl}/latest/dex/tokens/${batch.join(',')}`, {
          policy: this.#options.policy,
          schema: TokensAnswer,
          signal,
          maxRetryAfterMs: this.#options.maxRateLimitWaitMs ?? 5_000,
        }),
      ),
    );
    const pairs = answers.flatMap((a) => a.pairs ?? []);
    const at = this.#now();
    for (const request of wanted) {
      const quote = this.#quote(request, pairs, at);
      if (quote) out.set(requestKey(request), quote);
    }
    return out;
  }

  #quote(request: PriceRequest, pairs: readonly DexPair[], at: number): PriceQuote | undefined {
    const chain = DEXSCREENER_CHAINS[request.token.chainId];
    const address = lookupAddress(request);
    const usable = pairs.flatMap((pair) => {
      if (pair.chainId !== chain || pair.baseToken.address.toLowerCase() !== address) return [];
      const price = positivePrice(pair.priceUsd);
      const liquidity = pair.liquidity?.usd;
      if (price === undefined || liquidity === undefined || !(liquidity >= this.#minLiquidityUsd)) return [];
      return [{ price, liquidity, change: pair.priceChange?.h24 }];
    });
    if (usable.length === 0) return undefined;
    const price = weightedMedian(
      usable.map((p) => p.price),
      usable.map((p) => p.liquidity),
    );
    const quote: PriceQuote = { source: this.name, price, at, liquidityUsd: usable.reduce((sum, p) => sum + p.liquidity, 0) };
    // The 24 h change of the deepest pair: a median of changes from different pools means little.
    const deepest = usable.reduce((a, b) => (b.liquidity > a.liquidity ? b : a));
    if (deepest.change !== undefined) quote.change24hPct = deepest.change;
    return quote;
  }
}

/** The lower-case address DexScreener knows the token by: the wrapped token for a native coin. */
function lookupAddress(request: PriceRequest): string | undefined {
  const { address, chainId } = request.token;
  if (address !== 'native') return ADDRESS.test(address) ? address.toLowerCase() : undefined;
  return chainById(chainId)?.wrappedNative.address?.toLowerCase() ?? undefined;
}
