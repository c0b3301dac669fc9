import { aggregatorV3Abi } from '../../chain/abi.js';
import type { ChainAccess } from '../../chain/chain-access.js';
import type { Address } from '../../core/token.js';
import { requestKey, type PriceQuote, type PriceRequest, type PriceSource, type RequestKey } from '../types.js';

/** One Chainlink-style USD feed: the asset's market symbol, the chain it lives on, its proxy. */
export interface FeedEntry {
  chainId: number;
  symbol: string;
  address: Address;
}

/**
 * USD feeds of the major assets per chain (Chainlink's proxy addresses, as published in Chainlink's
 * feed directory and used across public code). Any chain's feed prices the asset, but a devnet
 * copy is priced only by the devnet's own feeds (see `eligible`).
 */
export const MAINNET_USD_FEEDS: readonly FeedEntry[] = [
  { chainId: 1, symbol: 'ETH', address: '0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419' },
  { chainId: 1, symbol: 'BTC', address: '0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c' },
  { chainId: 1, symbol: 'LINK', address: '0x2c1d072e956AFFC0D435Cb7AC38EF18d24d9127c' },
  { chainId: 1, symbol: 'USDC', address: '0x8fFfFfd4AfB6115b954Bd326cbe7B4BA576818f6' },
  { chainId: 1, symbol: 'USDT', address: '0x3E7d1eAB13ad0104d2750B8863b489D65364e32D' },
  { chainId: 1, symbol: 'DAI', address: '0xAed0c38402a5d19df6E4c03F4E2DceD6e29c1ee9' },
  { chainId: 1, symbol: 'UNI', address: '0x553303d460EE0afB37EdFf9bE42922D8FF63220e' },
  { chainId: 8453, symbol: 'ETH', address: '0x71041dddad3595F9CEd3DcCFBe3D1F4b0a16Bb70' },
  { chainId: 8453, symbol: 'USDC', address: '0x7e860098F58bBFC8648a4311b374B1D669a2bc6B' },
  { chainId: 42161, symbol: 'ETH', address: '0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612' },
  { chainId: 42161, symbol: 'BTC', address: '0x6ce185860a4963106506C203335A2910413708e9' },
  { chainId: 10, symbol: 'ETH', address: '0x13e3Ee699D1909E989722E753853AE30b17e08c5' },
  { chainId: 137, symbol: 'ETH', address: '0xF9680D99D6C9589e2a93a78A04A279e509205945' },
  { chainId: 137, symbol: 'POL', address: '0xAB594600376Ec9fD91F8e885dADF0CE036862dE0' },
  { chainId: 56, symbol: 'BNB', address: '0x0567F2323251f0Aab15c8dFb1967E4e8A7D42aeE' },
  { chainId: 56, symbol: 'ETH', address: '0x9ef1B8c0E4F7dc8bF5719Ea496883DC6401d5b2e' },
  { chainId: 43114, symbol: 'AVAX', address: '0x0A77230d17318075983913bC2145DB16C7366156' },
  { chainId: 43114, symbol: 'ETH', address: '0x976B3D034E162d8bD72D6b9C989d545b839003b0' },
];

export interface ChainlinkSourceOptions {
  access: ChainAccess;
  /** Feeds to use; only those on enabled chains are read. */
  feeds: readonly FeedEntry[];
  /** The devnet's chain id, whose tokens only its own feeds may price. */
  devnetChainId?: number;
  /** Older than this and an answer is stale (Chainlink's slowest heartbeats are 24 h). */
  maxAgeMs?: number;
}

/**
 * Reads `latestRoundData` of Chainlink-style feeds on chain (one multicall per chain), scaled by
 * each feed's decimals, dated by its `updatedAt`. USD only.
 */
export class ChainlinkSource implements PriceSource {
  readonly name = 'chainlink';
  readonly servesDevnet = true;
  readonly maxAgeMs: number;
  readonly #access: ChainAccess;
  readonly #feeds: FeedEntry[];
  readonly #devnetChainId: number | undefined;
  readonly #decimals = new Map<string, number>();

  constructor(options: ChainlinkSourceOptions) {
    this.#access = options.access;
    this.#feeds = options.feeds.filter((f) => options.access.has(f.chainId));
    this.#devnetChainId = options.devnetChainId;
    this.maxAgeMs = options.maxAgeMs ?? 25 * 3_600_000;
  }

  eligible(request: PriceRequest): boolean {
    return request.fiat === 'usd' && this.#feedFor(request) !== undefined;
  }

  async fetch(requests: readonly PriceRequest[]): Promise<Map<RequestKey, PriceQuote>> {
    const wanted = new Map<FeedEntry, PriceRequest[]>();
    for (const request of requests) {
      const feed = this.#feedFor(request);
      if (feed) wanted.set(feed, [...(wanted.get(feed) ?? []), request]);
    }
    const byChain = new Map<number, FeedEntry[]>();
    for (const feed of wanted.keys()) byChain.set(feed.chainId, [...(byChain.get(feed.chainId) ?? []), feed]);
    const out = new Map<RequestKey, PriceQuote>();
    await Promise.all(
      [...byChain].map(async ([chainId, feeds]) => {
        await this.#learnDecimals(chainId, feeds);
        const rounds = await this.#access.read(chainId, (client) =>
          client.multicall({
            allowFailure: true,
            contracts: feeds.map((f) => ({ address: f.address, abi: aggregatorV3Abi, functionName: 'latestRoundData' }) as const),
          }),
        );
        rounds.forEach((round, i) => {
          if (round.status !== 'success') return;
          const feed = feeds[i]!;
          const [, answer, , updatedAt] = round.result;
          const price = Number(answer) / 10 ** this.#decimals.get(feed.address)!;
          if (!(Number.isFinite(price) && price > 0) || updatedAt === 0n) return;
          for (const request of wanted.get(feed)!) out.set(requestKey(request), { source: this.name, price, at: Number(updatedAt) * 1000 });
        });
      }),
    );
    return out;
  }

  #feedFor(request: PriceRequest): FeedEntry | undefined {
    const onDevnet = request.token.chainId === this.#devnetChainId;
    const candidates = this.#feeds.filter((f) => f.symbol === request.marketSymbol && (onDevnet ? f.chainId === this.#devnetChainId : f.chainId !== this.#devnetChainId));
    // The token's own chain first: its feed is what contracts there would read.
    return candidates.find((f) => f.chainId === request.token.chainId) ?? candidates[0];
  }

  async #learnDecimals(chainId: number, feeds: readonly FeedEntry[]): Promise<void> {
    const unknown = feeds.filter((f) => !this.#decimals.has(f.address));
    if (unknown.length === 0) return;
    const answers = await this.#access.read(chainId, (client) =>
      client.multicall({
        allowFailure: false,
        contracts: unknown.map((f) => ({ address: f.address, abi: aggregatorV3Abi, functionName: 'decimals' }) as const),
      }),
    );
    unknown.forEach((f, i) => this.#decimals.set(f.address, Number(answers[i])));
  }
}
