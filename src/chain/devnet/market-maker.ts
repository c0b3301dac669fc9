import { erc20Abi } from 'viem';
import type { Logger } from '../../core/capability.js';
import type { Address } from '../../core/token.js';
import { uniswapV2PairAbi, uniswapV2RouterAbi, wethAbi } from '../abi.js';
import { devnetKeys } from './accounts.js';
import { devnetTokenAbi, priceFeedAbi } from './contracts/artifacts.js';
import type { DeployedDex, DeployedPair } from './deployment.js';
import type { DevnetNode } from './node.js';
import { SeededRandom } from './random.js';
import { NATIVE_SEED, SEED_FEEDS, SEED_TOKENS } from './seed.js';
import { DevnetSender } from './sender.js';

export interface MarketMakerOptions {
  node: DevnetNode;
  log: Logger;
  /** Time between swaps (ms); 0 leaves the market still until `step()` is called. */
  intervalMs: number;
  seed: number;
}

export interface MakerState {
  /** The "world" price of each token in USD that pools are pulled toward. */
  fair: Record<string, number>;
  rng: number;
  steps: number;
}

export interface MakerSwap {
  dex: string;
  pair: Address;
  tokenIn: Address;
  tokenOut: Address;
  amountIn: bigint;
}

/** Chainlink's own rule for its feeds: update on 0.5% deviation or after an hour. */
const FEED_DEVIATION = 0.005;
const FEED_HEARTBEAT_S = 3600;
/** No single swap moves more than this share of a pool's reserve. */
const MAX_TRADE_SHARE = 0.02;

/**
 * Moves the devnet's markets: fair prices take a seeded random walk (stablecoins revert to $1),
 * and every step one pool is traded toward its fair price with a little noise, so the two DEXes
 * drift apart and back, charts get history, and alerts have something to fire on. Price feeds
 * follow the fair prices like Chainlink's do.
 */
export class MarketMaker {
  readonly #node: DevnetNode;
  readonly #log: Logger;
  readonly #sender: DevnetSender;
  readonly #intervalMs: number;
  #rng: SeededRandom;
  #fair: Map<string, number>;
  #steps = 0;
  #timer: NodeJS.Timeout | undefined;
  #paused = false;
  #busy = false;
  #running: Promise<unknown> = Promise.resolve();
  readonly #symbols = new Map<string, string>();
  readonly #decimals = new Map<string, number>();
  readonly #feedLast = new Map<Address, { price: number; at: number }>();

  constructor(options: MarketMakerOptions) {
    this.#node = options.node;
    this.#log = options.log;
    this.#intervalMs = options.intervalMs;
    this.#sender = new DevnetSender(devnetKeys.maker.account, (args) => options.node.sendUnjournaled(args), options.node.client, options.node.chainId);
    this.#rng = new SeededRandom(options.seed);
    this.#fair = new Map([['WETH', Number(NATIVE_SEED.usdE8) / 1e8], ...SEED_TOKENS.map((t) => [t.symbol, Number(t.usdE8) / 1e8] as const)]);
    for (const token of options.node.deployment.tokens) {
      this.#symbols.set(token.address.toLowerCase(), token.symbol);
      this.#decimals.set(token.address.toLowerCase(), token.decimals);
    }
    const restored = options.node.restoredMakerState as MakerState | undefined;
    if (restored?.fair) {
      for (const [symbol, price] of Object.entries(restored.fair)) if (this.#fair.has(symbol) && price > 0) this.#fair.set(symbol, price);
      this.#rng = new SeededRandom(restored.rng);
      this.#steps = restored.steps;
    }
    options.node.setMakerStateSource(() => this.state());
  }

  /** Starts the loop (no-op when the interval is 0). */
  start(): void {
    if (this.#intervalMs <= 0 || this.#timer) return;
    this.#timer = setInterval(() => {
      // A step slower than the interval (a loaded machine) is not overlapped by the next one:
      // overlapping steps would race for the maker's balances and break the seed's price path.
      if (this.#paused || this.#busy) return;
      this.#busy = true;
      this.#running = this.step()
        .catch((err: unknown) => this.#log.warn({ err }, 'market-maker step failed'))
        .finally(() => {
          this.#busy = false;
        });
    }, this.#intervalMs);
    this.#timer.unref();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
  }

  get paused(): boolean {
    return this.#paused || this.#intervalMs <= 0;
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  state(): MakerState {
    return { fair: Object.fromEntries(this.#fair), rng: this.#rng.state, steps: this.#steps };
  }

  fairPrice(symbol: string): number | undefined {
    return this.#fair.get(symbol === 'ETH' ? 'WETH' : symbol);
  }

  /**
   * Publishes every feed at the current fair price now. A fresh devnet's feeds carry their
   * deployment time, minutes before the clock was anchored; this makes them current.
   */
  async publishFeeds(): Promise<void> {
    this.#feedLast.clear();
    const now = Number((await this.#node.client.getBlock()).timestamp);
    for (const feed of this.#node.deployment.feeds) this.#feedLast.set(feed.address, { price: 0, at: now - FEED_HEARTBEAT_S });
    await this.#updateFeeds();
  }

  /** One market move: evolve fair prices, trade one pool toward them, refresh the feeds. */
  async step(): Promise<MakerSwap> {
    this.#evolve();
    const dex = this.#rng.pick(this.#node.deployment.dexes);
    const pair = this.#rng.pick(dex.pairs);
    const swap = await this.#trade(dex, pair);
    await this.#updateFeeds();
    this.#steps += 1;
    return swap;
  }

  #evolve(): void {
    for (const token of [{ symbol: 'WETH', volatility: NATIVE_SEED.volatility }, ...SEED_TOKENS]) {
      const price = this.#fair.get(token.symbol)!;
      const shock = token.volatility * this.#rng.normal();
      // Stablecoins are pulled back to their peg; everything else walks freely.
      const next = token.volatility <= 0.0001 ? Math.exp(0.9 * Math.log(price) + shock) : price * Math.exp(shock);
      this.#fair.set(token.symbol, next);
    }
  }

  async #trade(dex: DeployedDex, pair: DeployedPair): Promise<MakerSwap> {
    const client = this.#node.client;
    const [r0, r1] = await client.readContract({ address: pair.address, abi: uniswapV2PairAbi, functionName: 'getReserves' });
    const d0 = this.#decimals.get(pair.token0.toLowerCase())!;
    const d1 = this.#decimals.get(pair.token1.toLowerCase())!;
    // Floats decide only how much the simulated trader trades; every amount sent is a bigint.
    const x = Number(r0) / 10 ** d0;
    const y = Number(r1) / 10 ** d1;
    const fair0 = this.#fair.get(this.#symbols.get(pair.token0.toLowerCase())!)!;
    const fair1 = this.#fair.get(this.#symbols.get(pair.token1.toLowerCase())!)!;
    const price = y / x;
    const pull = 0.3 + 0.7 * this.#rng.next();
    const target = price * (fair0 / fair1 / price) ** pull * Math.exp(0.002 * this.#rng.normal());
    const k = x * y;
    const x1 = Math.sqrt(k / target);
    const sellToken0 = x1 > x;
    const wanted = sellToken0 ? (x1 - x) / 0.997 : (Math.sqrt(k * target) - y) / 0.997;
    const amount = Math.min(Math.abs(wanted), (sellToken0 ? x : y) * MAX_TRADE_SHARE);
    const decimals = sellToken0 ? d0 : d1;
    const amountIn = BigInt(Math.max(1, Math.floor(amount * 10 ** decimals)));
    const tokenIn = sellToken0 ? pair.token0 : pair.token1;
    const tokenOut = sellToken0 ? pair.token1 : pair.token0;
    await this.#ensureBalance(tokenIn, amountIn);
    const block = await client.getBlock();
    await this.#sender.call(dex.router, uniswapV2RouterAbi, 'swapExactTokensForTokens', [amountIn, 0n, [tokenIn, tokenOut], this.#sender.account.address, block.timestamp + 600n], { gas: 250_000n });
    return { dex: dex.key, pair: pair.address, tokenIn, tokenOut, amountIn };
  }

  async #ensureBalance(token: Address, amount: bigint): Promise<void> {
    const me = this.#sender.account.address;
    const balance = await this.#node.client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [me] });
    if (balance >= amount) return;
    if (token === this.#node.deployment.weth) {
      await this.#sender.call(token, wethAbi, 'deposit', [], { gas: 100_000n, value: amount * 2n });
    } else {
      await this.#sender.call(token, devnetTokenAbi, 'mint', [me, amount * 2n], { gas: 100_000n });
    }
  }

  async #updateFeeds(): Promise<void> {
    const now = Number((await this.#node.client.getBlock()).timestamp);
    for (const feed of this.#node.deployment.feeds) {
      const symbol = SEED_FEEDS.find((f) => f.pair === feed.pair)!.symbol;
      const fair = this.#fair.get(symbol === 'ETH' ? 'WETH' : symbol)!;
      let last = this.#feedLast.get(feed.address);
      if (!last) {
        const [, answer, , updatedAt] = await this.#node.client.readContract({ address: feed.address, abi: priceFeedAbi, functionName: 'latestRoundData' });
        last = { price: Number(answer) / 10 ** feed.decimals, at: Number(updatedAt) };
      }
      if (Math.abs(fair / last.price - 1) >= FEED_DEVIATION || now - last.at >= FEED_HEARTBEAT_S) {
        const answer = BigInt(Math.round(fair * 10 ** feed.decimals));
        await this.#sender.call(feed.address, priceFeedAbi, 'updateAnswer', [answer], { gas: 200_000n });
        last = { price: fair, at: now };
      }
      this.#feedLast.set(feed.address, last);
    }
  }
}
