import { erc20Abi, zeroAddress, type Abi } from 'viem';
import { uniswapV2FactoryAbi, uniswapV2PairAbi, uniswapV3FactoryAbi, uniswapV3PoolAbi } from '../../chain/abi.js';
import type { ChainAccess } from '../../chain/chain-access.js';
import type { Address } from '../../core/token.js';
import { weightedMedian } from '../stats.js';
import { requestKey, type PriceQuote, type PriceRequest, type PriceSource, type RequestKey } from '../types.js';

/** A DEX deployment whose pools price tokens: Uniswap V2 forks by `getPair`, V3 by `getPool`. */
export type PoolVenue =
  | { chainId: number; name: string; kind: 'v2'; factory: Address }
  | { chainId: number; name: string; kind: 'v3'; factory: Address; fees: readonly number[] };

/** What a chain's prices are anchored to: stablecoins taken as $1, and the wrapped native coin. */
export interface PoolAnchors {
  stables: readonly { address: Address; decimals: number }[];
  wrapped: { address: Address; decimals: number };
}

/** Mainnet venues (factory addresses from the DEXes' own documentation, as used in public code). */
export const MAINNET_POOL_VENUES: readonly PoolVenue[] = [
  { chainId: 1, name: 'Uniswap V2', kind: 'v2', factory: '0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f' },
  ...[1, 10, 137, 42161].map((chainId): PoolVenue => ({ chainId, name: 'Uniswap V3', kind: 'v3', factory: '0x1F98431c8aD98523631AE4a59f267346ea31F984', fees: [500, 3000, 10000] })),
  { chainId: 8453, name: 'Uniswap V3', kind: 'v3', factory: '0x33128a8fC17869897dcE68Ed026d694621f6FDfD', fees: [500, 3000, 10000] },
  { chainId: 56, name: 'PancakeSwap V2', kind: 'v2', factory: '0xcA143Ce32Fe78f1f7019d7d551a6402fC5350c73' },
];

export interface DexPoolSourceOptions {
  access: ChainAccess;
  venues: readonly PoolVenue[];
  anchors: ReadonlyMap<number, PoolAnchors>;
  /** Pools shallower than this (USD per side × 2) are ignored: thin pools are easy to push around. */
  minLiquidityUsd?: number;
  now?: () => number;
}

interface PoolRef {
  venue: PoolVenue;
  address: Address;
  a: Address;
  b: Address;
}

interface PoolPrice {
  /** Price of `base` in units of `quote`, both whole tokens. */
  price: number;
  /** Depth of the quote side, in quote units (×2 for the pool's total). */
  quoteDepth: number;
}

const NEGATIVE_TTL_MS = 10 * 60_000;

/**
 * Prices tokens from on-chain pool state: each token against the chain's stablecoins directly,
 * and against the wrapped native coin whose own price comes from its stablecoin pools. The answer
 * is the liquidity-weighted median of every pool deep enough to trust, read in two multicalls
 * (pool discovery is cached). On the devnet it is the only source with a view of the market.
 */
export class DexPoolSource implements PriceSource {
  readonly name = 'dex-pools';
  readonly servesDevnet = true;
  /** State read just now: fresh by construction. */
  readonly maxAgeMs = 60_000;
  readonly #options: DexPoolSourceOptions;
  readonly #pools = new Map<string, { address: Address | null; expires: number }>();
  readonly #now: () => number;

  constructor(options: DexPoolSourceOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  eligible(request: PriceRequest): boolean {
    const chainId = request.token.chainId;
    return request.fiat === 'usd' && this.#options.anchors.has(chainId) && this.#options.venues.some((v) => v.chainId === chainId) && this.#options.access.has(chainId);
  }

  async fetch(requests: readonly PriceRequest[]): Promise<Map<RequestKey, PriceQuote>> {
    const byChain = new Map<number, PriceRequest[]>();
    for (const r of requests) byChain.set(r.token.chainId, [...(byChain.get(r.token.chainId) ?? []), r]);
    const out = new Map<RequestKey, PriceQuote>();
    await Promise.all([...byChain].map(([chainId, list]) => this.#priceChain(chainId, list, out)));
    return out;
  }

  async #priceChain(chainId: number, requests: readonly PriceRequest[], out: Map<RequestKey, PriceQuote>): Promise<void> {
    const anchors = this.#options.anchors.get(chainId)!;
    const venues = this.#options.venues.filter((v) => v.chainId === chainId);
    const wrapped = anchors.wrapped.address;
    const decimals = new Map<string, number>([[lower(wrapped), anchors.wrapped.decimals], ...anchors.stables.map((s) => [lower(s.address), s.decimals] as const)]);
    const targets = new Map<string, Address>();
    for (const r of requests) {
      const address = r.token.address === 'native' ? wrapped : r.token.address;
      targets.set(lower(address), address);
      decimals.set(lower(address), r.token.decimals);
    }
    const wanted: Array<[Address, Address]> = anchors.stables.map((s) => [wrapped, s.address]);
    for (const target of targets.values()) {
      for (const s of anchors.stables) if (lower(s.address) !== lower(target)) wanted.push([target, s.address]);
      if (lower(target) !== lower(wrapped)) wanted.push([target, wrapped]);
    }
    const pools = await this.#discover(chainId, venues, wanted);
    const prices = await this.#readPools(chainId, pools, decimals);

    const stableSet = new Set(anchors.stables.map((s) => lower(s.address)));
    const usdOf = (base: Address, quote: Address, usdPerQuote: number) =>
      pools.flatMap((pool) => {
        const p = prices.get(pool.address);
        if (!p || !sameSet([pool.a, pool.b], [base, quote])) return [];
        const priceOfBase = lower(pool.a) === lower(base) ? p.forward : p.backward;
        return [{ usd: priceOfBase.price * usdPerQuote, depthUsd: 2 * priceOfBase.quoteDepth * usdPerQuote }];
      });
    const min = this.#options.minLiquidityUsd ?? 10_000;
    const wrappedQuotes = anchors.stables.flatMap((s) => usdOf(wrapped, s.address, 1)).filter((q) => q.depthUsd >= min);
    const wrappedUsd = wrappedQuotes.length > 0 ? weightedMedian(wrappedQuotes.map((q) => q.usd), wrappedQuotes.map((q) => q.depthUsd)) : undefined;
    const at = this.#now();
    for (const r of requests) {
      const target = r.token.address === 'native' ? wrapped : r.token.address;
      const quotes = [
        ...anchors.stables.filter((s) => lower(s.address) !== lower(target)).flatMap((s) => usdOf(target, s.address, 1)),
        ...(wrappedUsd !== undefined && lower(target) !== lower(wrapped) ? usdOf(target, wrapped, wrappedUsd) : []),
      ].filter((q) => q.depthUsd >= min && Number.isFinite(q.usd) && q.usd > 0);
      if (lower(target) === lower(wrapped) && wrappedUsd !== undefined) {
        out.set(requestKey(r), { source: this.name, price: wrappedUsd, at, liquidityUsd: sum(wrappedQuotes.map((q) => q.depthUsd)) });
      } else if (quotes.length > 0) {
        out.set(requestKey(r), { source: this.name, price: weightedMedian(quotes.map((q) => q.usd), quotes.map((q) => q.depthUsd)), at, liquidityUsd: sum(quotes.map((q) => q.depthUsd)) });
      } else if (stableSet.has(lower(target))) {
        // A stablecoin with no pool deep enough against the others: no view, rather than "$1".
        continue;
      }
    }
  }

  /** Pool addresses for each pair on each venue, from the cache or one multicall of factory lookups. */
  async #discover(chainId: number, venues: readonly PoolVenue[], pairs: ReadonlyArray<[Address, Address]>): Promise<PoolRef[]> {
    const now = this.#now();
    const lookups: Array<{ key: string; venue: PoolVenue; a: Address; b: Address; fee?: number }> = [];
    for (const venue of venues) {
      for (const [a, b] of pairs) {
        for (const fee of venue.kind === 'v3' ? venue.fees : [undefined]) {
          const key = `${chainId}:${lower(venue.factory)}:${[lower(a), lower(b)].sort().join(':')}:${fee ?? ''}`;
          const cached = this.#pools.get(key);
          if (!cached || cached.expires <= now) lookups.push({ key, venue, a, b, ...(fee === undefined ? {} : { fee }) });
        }
      }
    }
    if (lookups.length > 0) {
      const answers = await this.#options.access.read(chainId, (client) =>
        client.multicall({
          allowFailure: true,
            contracts: lookups.map((l) =>
            l.venue.kind === 'v2'
              ? ({ address: l.venue.factory, abi: uniswapV2FactoryAbi, functionName: 'getPair', args: [l.a, l.b] } as const)
              : ({ address: l.venue.factory, abi: uniswapV3FactoryAbi, functionName: 'getPool', args: [l.a, l.b, l.fee!] } as const),
          ),
        }),
      );
      answers.forEach((answer, i) => {
        const address = answer.status === 'success' && answer.result !== zeroAddress ? (answer.result as Address) : null;
        this.#pools.set(lookups[i]!.key, { address, expires: address ? Infinity : now + NEGATIVE_TTL_MS });
      });
    }
    const found: PoolRef[] = [];
    for (const venue of venues) {
      for (const [a, b] of pairs) {
        for (const fee of venue.kind === 'v3' ? venue.fees : [undefined]) {
          const address = this.#pools.get(`${chainId}:${lower(venue.factory)}:${[lower(a), lower(b)].sort().join(':')}:${fee ?? ''}`)?.address;
          if (address && !found.some((p) => p.address === address)) found.push({ venue, address, a, b });
        }
      }
    }
    return found;
  }

  /** Each pool's price both ways, from V2 reserves or V3 slot0 (depth from the pool's balances). */
  async #readPools(chainId: number, pools: readonly PoolRef[], decimals: ReadonlyMap<string, number>): Promise<Map<Address, { forward: PoolPrice; backward: PoolPrice }>> {
    const out = new Map<Address, { forward: PoolPrice; backward: PoolPrice }>();
    if (pools.length === 0) return out;
    // Mixed ABIs in one multicall: typed loosely here, each result is narrowed where it is read.
    type Call = { address: Address; abi: Abi; functionName: string; args?: readonly unknown[] };
    const calls = pools.flatMap((pool): Call[] =>
      pool.venue.kind === 'v2'
        ? [
            { address: pool.address, abi: uniswapV2PairAbi, functionName: 'token0' } as const,
            { address: pool.address, abi: uniswapV2PairAbi, functionName: 'getReserves' } as const,
          ]
        : [
            { address: pool.address, abi: uniswapV3PoolAbi, functionName: 'token0' } as const,
            { address: pool.address, abi: uniswapV3PoolAbi, functionName: 'slot0' } as const,
            { address: pool.a, abi: erc20Abi, functionName: 'balanceOf', args: [pool.address] } as const,
            { address: pool.b, abi: erc20Abi, functionName: 'balanceOf', args: [pool.address] } as const,
          ],
    );
    const answers = await this.#options.access.read(chainId, (client) =>
      client.multicall({ allowFailure: true, contracts: calls }),
    );
    let i = 0;
    for (const pool of pools) {
      const take = pool.venue.kind === 'v2' ? 2 : 4;
      const slice = answers.slice(i, i + take);
      i += take;
      if (slice.some((s) => s.status !== 'success')) continue;
      const token0 = slice[0]!.result as Address;
      const [t0, t1] = lower(token0) === lower(pool.a) ? [pool.a, pool.b] : [pool.b, pool.a];
      const d0 = decimals.get(lower(t0));
      const d1 = decimals.get(lower(t1));
      if (d0 === undefined || d1 === undefined) continue;
      let price01: number; // token1 per token0
      let bal0: number;
      let bal1: number;
      if (pool.venue.kind === 'v2') {
        const [r0, r1] = slice[1]!.result as readonly [bigint, bigint, number];
        if (r0 === 0n || r1 === 0n) continue;
        bal0 = Number(r0) / 10 ** d0;
        bal1 = Number(r1) / 10 ** d1;
        price01 = bal1 / bal0;
      } else {
        const [sqrtPriceX96] = slice[1]!.result as readonly [bigint, ...unknown[]];
        const sqrt = Number(sqrtPriceX96) / 2 ** 96;
        price01 = sqrt * sqrt * 10 ** (d0 - d1);
        const balA = slice[2]!.result as bigint;
        const balB = slice[3]!.result as bigint;
        [bal0, bal1] = lower(t0) === lower(pool.a) ? [Number(balA) / 10 ** d0, Number(balB) / 10 ** d1] : [Number(balB) / 10 ** d0, Number(balA) / 10 ** d1];
      }
      if (!(Number.isFinite(price01) && price01 > 0)) continue;
      const forward0: PoolPrice = { price: price01, quoteDepth: bal1 }; // token0 priced in token1
      const forward1: PoolPrice = { price: 1 / price01, quoteDepth: bal0 }; // token1 priced in token0
      out.set(pool.address, lower(t0) === lower(pool.a) ? { forward: forward0, backward: forward1 } : { forward: forward1, backward: forward0 });
    }
    return out;
  }
}

function lower(address: string): string {
  return address.toLowerCase();
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => lower(x) === lower(y)));
}

function sum(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0);
}
