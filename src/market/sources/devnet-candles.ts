import { parseAbiItem, type PublicClient } from 'viem';
import type { DeployedPair, Deployment } from '../../chain/devnet/deployment.js';
import { weightedMedian } from '../stats.js';
import { INTERVAL_MS, type Candle, type CandleSource, type Interval, type PriceRequest } from '../types.js';

const SYNC = parseAbiItem('event Sync(uint112 reserve0, uint112 reserve1)');
const SWAP = parseAbiItem('event Swap(address indexed sender, uint256 amount0In, uint256 amount1In, uint256 amount0Out, uint256 amount1Out, address indexed to)');
const GET_RESERVES = parseAbiItem('function getReserves() view returns (uint112, uint112, uint32)');
const STABLES = ['USDC', 'USDT', 'DAI'];

interface PoolState {
  pair: DeployedPair;
  r0: bigint;
  r1: bigint;
}

/**
 * Candles on the devnet, rebuilt from the pools' own events: every `Sync` after a swap gives the
 * reserves, hence the price, at that block; `Swap` amounts give the volume. The token's USD price
 * at each event is the depth-weighted median over its pools against stablecoins and against WETH
 * (itself priced by its stablecoin pools), as the pool price source does for the live price.
 */
export class DevnetCandleSource implements CandleSource {
  readonly name = 'devnet pools';
  readonly servesDevnet = true;
  readonly #client: PublicClient;
  readonly #deployment: Deployment;
  readonly #timestamps = new Map<bigint, number>();
  readonly #decimals = new Map<string, number>();
  readonly #stables: Set<string>;
  readonly #weth: string;

  constructor(client: PublicClient, deployment: Deployment) {
    this.#client = client;
    this.#deployment = deployment;
    for (const t of deployment.tokens) this.#decimals.set(t.address.toLowerCase(), t.decimals);
    this.#stables = new Set(deployment.tokens.filter((t) => STABLES.includes(t.symbol)).map((t) => t.address.toLowerCase()));
    this.#weth = deployment.weth.toLowerCase();
  }

  eligible(request: PriceRequest): boolean {
    return request.fiat === 'usd' && request.token.chainId === this.#deployment.chainId && this.#target(request) !== undefined;
  }

  async candles(request: PriceRequest, interval: Interval, limit: number): Promise<Candle[]> {
    const target = this.#target(request)!;
    const pools = this.#deployment.dexes.flatMap((d) => d.pairs).filter((p) => this.#relevant(p, target));
    const step = INTERVAL_MS[interval];
    const latest = await this.#client.getBlock({ blockTag: 'latest' });
    const end = Number(latest.timestamp) * 1000;
    const start = Math.floor(end / step) * step - (limit - 1) * step;
    const fromBlock = await this.#firstBlockAtOrAfter(start / 1000, latest.number);

    // State just before the window, then every change inside it, in chain order.
    const states = await Promise.all(
      pools.map(async (pair): Promise<PoolState> => {
        const at = fromBlock > 0n ? fromBlock - 1n : 0n;
        // A window reaching back before the pool existed starts it empty; its first Sync fills it.
        const reserves = await this.#client.readContract({ address: pair.address, abi: [GET_RESERVES], functionName: 'getReserves', blockNumber: at }).catch(() => [0n, 0n, 0] as const);
        return { pair, r0: reserves[0], r1: reserves[1] };
      }),
    );
    const addresses = pools.map((p) => p.address);
    const [syncs, swaps] = await Promise.all([
      this.#client.getLogs({ address: addresses, event: SYNC, fromBlock, toBlock: latest.number }),
      this.#client.getLogs({ address: addresses, event: SWAP, fromBlock, toBlock: latest.number }),
    ]);
    const events = [...syncs.map((l) => ({ kind: 'sync' as const, log: l })), ...swaps.map((l) => ({ kind: 'swap' as const, log: l }))].sort(
      (a, b) => Number(a.log.blockNumber! - b.log.blockNumber!) || a.log.logIndex! - b.log.logIndex!,
    );
    await this.#learnTimestamps([...new Set(events.map((e) => e.log.blockNumber!))]);

    const byAddress = new Map(states.map((s) => [s.pair.address.toLowerCase(), s]));
    const points: Array<{ t: number; price: number; volume: number }> = [];
    let price = this.#priceOf(target, states);
    const opening = price;
    for (const event of events) {
      const state = byAddress.get(event.log.address.toLowerCase())!;
      const t = this.#timestamps.get(event.log.blockNumber!)! * 1000;
      if (event.kind === 'sync') {
        state.r0 = event.log.args.reserve0!;
        state.r1 = event.log.args.reserve1!;
        price = this.#priceOf(target, states) ?? price;
        if (price !== undefined) points.push({ t, price, volume: 0 });
      } else if (price !== undefined) {
        const pair = state.pair;
        const isToken0 = pair.token0.toLowerCase() === target;
        if (!isToken0 && pair.token1.toLowerCase() !== target) continue;
        const a = event.log.args;
        const moved = isToken0 ? a.amount0In! + a.amount0Out! : a.amount1In! + a.amount1Out!;
        points.push({ t, price, volume: (Number(moved) / 10 ** this.#decimals.get(target)!) * price });
      }
    }
    return bucket(points, opening, start, step, limit);
  }

  #target(request: PriceRequest): string | undefined {
    const address = request.token.address === 'native' ? this.#weth : request.token.address.toLowerCase();
    return this.#decimals.has(address) ? address : undefined;
  }

  #relevant(pair: DeployedPair, target: string): boolean {
    const [a, b] = [pair.token0.toLowerCase(), pair.token1.toLowerCase()];
    const quote = (x: string) => this.#stables.has(x) || x === this.#weth;
    return (a === target && quote(b)) || (b === target && quote(a)) || ((a === this.#weth && this.#stables.has(b)) || (b === this.#weth && this.#stables.has(a)));
  }

  /** USD per target from the current reserves: stablecoins count as $1, WETH by its stable pools. */
  #priceOf(target: string, states: readonly PoolState[]): number | undefined {
    const priceIn = (base: string, quoteIsOk: (q: string) => boolean, usdOfQuote: (q: string) => number) => {
      const values: number[] = [];
      const weights: number[] = [];
      for (const s of states) {
        const t0 = s.pair.token0.toLowerCase();
        const t1 = s.pair.token1.toLowerCase();
        if ((t0 !== base && t1 !== base) || s.r0 === 0n || s.r1 === 0n) continue;
        const quote = t0 === base ? t1 : t0;
        if (!quoteIsOk(quote)) continue;
        const x0 = Number(s.r0) / 10 ** this.#decimals.get(t0)!;
        const x1 = Number(s.r1) / 10 ** this.#decimals.get(t1)!;
        const [baseAmount, quoteAmount] = t0 === base ? [x0, x1] : [x1, x0];
        values.push((quoteAmount / baseAmount) * usdOfQuote(quote));
        weights.push(quoteAmount * usdOfQuote(quote));
      }
      return values.length > 0 ? weightedMedian(values, weights) : undefined;
    };
    const wethUsd = priceIn(this.#weth, (q) => this.#stables.has(q), () => 1);
    if (target === this.#weth) return wethUsd;
    return priceIn(target, (q) => this.#stables.has(q) || (q === this.#weth && wethUsd !== undefined), (q) => (q === this.#weth ? wethUsd! : 1));
  }

  /** Binary search for the first block at or after `seconds`: blocks' times only grow. */
  async #firstBlockAtOrAfter(seconds: number, latest: bigint): Promise<bigint> {
    let lo = 0n;
    let hi = latest;
    while (lo < hi) {
      const mid = (lo + hi) / 2n;
      await this.#learnTimestamps([mid]);
      if (this.#timestamps.get(mid)! < seconds) lo = mid + 1n;
      else hi = mid;
    }
    return lo;
  }

  async #learnTimestamps(blocks: readonly bigint[]): Promise<void> {
    const missing = blocks.filter((b) => !this.#timestamps.has(b));
    // Block times never change; the map is bounded by trimming its oldest entries.
    for (let i = 0; i < missing.length; i += 50) {
      const chunk = missing.slice(i, i + 50);
      const found = await Promise.all(chunk.map((n) => this.#client.getBlock({ blockNumber: n })));
      found.forEach((b) => this.#timestamps.set(b.number, Number(b.timestamp)));
    }
    if (this.#timestamps.size > 200_000) {
      const keys = [...this.#timestamps.keys()].slice(0, 100_000);
      for (const k of keys) this.#timestamps.delete(k);
    }
  }
}

/**
 * Buckets price points into at most `limit` candles from `start`. A bucket without trades repeats
 * the last close (flat, zero volume) so the series has no holes; the first opens at the price
 * before the window, or the window starts at the first event when there was none.
 */
export function bucket(points: ReadonlyArray<{ t: number; price: number; volume: number }>, opening: number | undefined, start: number, step: number, limit: number): Candle[] {
  const candles: Candle[] = [];
  let last = opening ?? points[0]?.price;
  if (last === undefined) return [];
  // With no price before the window, history begins at the first event: nothing is invented before it.
  const firstBucket = opening === undefined ? Math.max(0, Math.floor((points[0]!.t - start) / step)) : 0;
  let i = 0;
  for (let k = firstBucket; k < limit; k++) {
    const openTime = start + k * step;
    const candle: Candle = { openTime, open: last, high: last, low: last, close: last, volume: 0 };
    while (i < points.length && points[i]!.t < openTime + step) {
      const p = points[i]!;
      if (p.t >= openTime) {
        candle.high = Math.max(candle.high, p.price);
        candle.low = Math.min(candle.low, p.price);
        candle.close = p.price;
        candle.volume += p.volume;
      }
      i++;
    }
    last = candle.close;
    candles.push(candle);
  }
  return candles;
}
