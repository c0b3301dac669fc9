import type { BalanceReader } from '../chain/balances.js';
import type { ChainAccess } from '../chain/chain-access.js';
import type { TokenRegistry } from '../chain/tokens.js';
import { tokenKey, type Address, type TokenRef } from '../core/token.js';
import type { Candle, PriceRequest } from '../market/types.js';
import type { AssetBasis, CostBasis } from './fifo.js';
import { unrealized } from './fifo.js';
import { percentOf, valueUsdE6 } from './usd.js';

/** What the portfolio needs of the market layer (the oracle, the candle history, request building). */
export interface PortfolioMarket {
  oracle: {
    canPrice(request: PriceRequest): boolean;
    price(request: PriceRequest, signal?: AbortSignal): Promise<{ price: number; change24hPct?: number }>;
  };
  history?: {
    eligible(request: PriceRequest, interval?: '15m'): boolean;
    candles(request: PriceRequest, interval: '15m', limit: number): Promise<{ candles: Candle[] }>;
  };
  request(token: TokenRef, fiat: string): PriceRequest;
}

export interface PortfolioDeps {
  access: ChainAccess;
  tokens: TokenRegistry;
  balances: BalanceReader;
  market: PortfolioMarket;
  /** The user's FIFO cost basis; absent: no PnL is shown. */
  costBasis?: (userId: string, ownAddresses: readonly Address[]) => Promise<CostBasis>;
  /** How long one chain's balances may take (ms); a slower chain is reported as not answering. */
  chainDeadlineMs?: number;
  /** How long the 24h history of an asset without a quoted 24h change may take (ms). */
  historyDeadlineMs?: number;
}

export interface PortfolioWallet {
  name: string;
  address: Address;
}

export interface Holding {
  chainId: number;
  wallet: string;
  address: Address;
  token: TokenRef;
  amount: bigint;
  /** Undefined when the token has no price. */
  valueUsdE6: bigint | undefined;
}

export interface AssetLine {
  /** The market symbol the holdings are grouped under ("ETH" for ETH and WETH on every chain). */
  symbol: string;
  holdings: Holding[];
  /** Sum over the priced holdings; undefined when none is priced. */
  valueUsdE6: bigint | undefined;
  /** Of the portfolio's priced value. */
  allocationPct: number | undefined;
  /** The price of the largest priced holding's token. */
  price: number | undefined;
  change24hPct: number | undefined;
  /** Cost of the open FIFO lots that cover what is held (priced holdings only). */
  costBasisUsdE6: bigint | undefined;
  unrealizedPnlUsdE6: bigint | undefined;
  realizedPnlUsdE6: bigint;
  /** Whether part of the holding arrived without a recorded cost (its PnL is not known). */
  untracked: boolean;
  /** Why some holdings have no price (token symbols with the reason). */
  unpriced: Array<{ token: TokenRef; reason: string }>;
}

export interface ChainStatus {
  chainId: number;
  name: string;
  ok: boolean;
  reason?: string;
  /** Tokens whose balances could not be read while the chain answered. */
  failedTokens?: string[];
}

export interface Portfolio {
  wallets: Array<PortfolioWallet & { valueUsdE6: bigint }>;
  chains: ChainStatus[];
  /** Priced assets by value (largest first), then the unpriced ones. */
  assets: AssetLine[];
  totalUsdE6: bigint;
  /** The value's move over 24 h at today's holdings; `coveredPct` says how much of the value had a 24h change. */
  change24h: { usdE6: bigint; pct: number; coveredPct: number } | undefined;
  costBasisUsdE6: bigint | undefined;
  unrealizedPnlUsdE6: bigint | undefined;
  realizedPnlUsdE6: bigint | undefined;
  /** Some chain or token did not answer, or some holding has no price: the total leaves it out. */
  partial: boolean;
}

interface Priced {
  price: number;
  change24hPct: number | undefined;
}

/**
 * Holdings of a person's wallets on every configured chain (the native coin and every token the
 * registry knows there), one multicall per chain; valued through the price oracle; grouped by
 * market symbol with allocation and 24h change; cost basis and PnL from the FIFO lots of what
 * Möbius recorded. Honest about gaps: a chain that did not answer is named, an asset without a
 * price is listed as unpriced (never valued at 0), and the total says it is partial.
 */
export class PortfolioService {
  constructor(private readonly deps: PortfolioDeps) {}

  /**
   * Values `wallets` (the person's own, or any address) on the given chains (default: all).
   * `costBasis: false` leaves PnL out: lots are the person's, an address of someone else has none.
   * `ownAddresses` (default: the wallets valued) are all of the person's addresses, so a transfer
   * between two of them moves no cost basis even when only one is valued.
   */
  async value(userId: string, wallets: readonly PortfolioWallet[], options: { chainIds?: readonly number[]; costBasis?: boolean; ownAddresses?: readonly Address[] } = {}): Promise<Portfolio> {
    const { access, tokens, balances, market } = this.deps;
    const chains = options.chainIds ? options.chainIds.map((id) => access.chain(id)) : access.chains();
    const addresses = [...new Set(wallets.map((w) => w.address))];
    const query = new Map(chains.map((c) => [c.id, tokens.list(c.id)]));
    const [read, basis] = await Promise.all([
      balances.read({ addresses, tokens: query, ...(this.deps.chainDeadlineMs ? { deadlineMs: this.deps.chainDeadlineMs } : {}) }),
      options.costBasis === false ? undefined : this.deps.costBasis?.(userId, options.ownAddresses ?? addresses),
    ]);

    const chainStatus: ChainStatus[] = chains.map((c) => {
      const down = read.failures.find((f) => f.chainId === c.id && !f.token);
      const failedTokens = read.failures.filter((f) => f.chainId === c.id && f.token).map((f) => f.token!.symbol);
      return { chainId: c.id, name: c.name, ok: !down, ...(down ? { reason: down.reason } : {}), ...(failedTokens.length > 0 ? { failedTokens } : {}) };
    });

    const nameOf = new Map(wallets.map((w) => [w.address.toLowerCase(), w.name]));
    const held = read.balances.filter((b) => b.amount > 0n);
    const distinct = new Map<string, TokenRef>();
    for (const b of held) distinct.set(tokenKey(b.token), b.token);
    const prices = new Map<string, Priced | { reason: string }>();
    await Promise.all([...distinct].map(async ([key, token]) => prices.set(key, await this.#price(token))));

    // Per token (chain copy): held amount across wallets, value, cost basis.
    const perToken = new Map<string, { token: TokenRef; amount: bigint }>();
    for (const b of held) {
      const key = tokenKey(b.token);
      const entry = perToken.get(key) ?? { token: b.token, amount: 0n };
      entry.amount += b.amount;
      perToken.set(key, entry);
    }

    const lines = new Map<string, AssetLine>();
    const lineFor = (token: TokenRef): AssetLine => {
      const symbol = market.request(token, 'usd').marketSymbol;
      let line = lines.get(symbol);
      if (!line) {
        line = { symbol, holdings: [], valueUsdE6: undefined, allocationPct: undefined, price: undefined, change24hPct: undefined, costBasisUsdE6: undefined, unrealizedPnlUsdE6: undefined, realizedPnlUsdE6: 0n, untracked: false, unpriced: [] };
        lines.set(symbol, line);
      }
      return line;
    };
    const walletValue = new Map<string, bigint>();
    for (const b of held) {
      const priced = prices.get(tokenKey(b.token))!;
      const value = 'price' in priced ? valueUsdE6(b.amount, b.token.decimals, priced.price) : undefined;
      lineFor(b.token).holdings.push({ chainId: b.chainId, wallet: nameOf.get(b.address.toLowerCase()) ?? b.address, address: b.address, token: b.token, amount: b.amount, valueUsdE6: value });
      if (value !== undefined) walletValue.set(b.address.toLowerCase(), (walletValue.get(b.address.toLowerCase()) ?? 0n) + value);
    }

    // Change over 24 h, weighted by value: Σ value − Σ value / (1 + change).
    let total = 0n;
    let then = 0n;
    let covered = 0n;
    let costTotal: bigint | undefined = basis ? 0n : undefined;
    let unrealizedTotal: bigint | undefined = basis ? 0n : undefined;
    const largest = new Map<string, bigint>();
    for (const { token, amount } of perToken.values()) {
      const line = lineFor(token);
      const priced = prices.get(tokenKey(token))!;
      const assetBasis: AssetBasis | undefined = basis?.assets.get(tokenKey(token));
      if (assetBasis) line.realizedPnlUsdE6 += assetBasis.realizedPnlUsdE6;
      if (!('price' in priced)) {
        line.unpriced.push({ token, reason: priced.reason });
        continue;
      }
      const value = valueUsdE6(amount, token.decimals, priced.price);
      line.valueUsdE6 = (line.valueUsdE6 ?? 0n) + value;
      total += value;
      if (value >= (largest.get(line.symbol) ?? -1n)) {
        largest.set(line.symbol, value);
        line.price = priced.price;
        line.change24hPct = priced.change24hPct;
      }
      if (priced.change24hPct !== undefined && priced.change24hPct > -100) {
        covered += value;
        then += valueUsdE6(amount, token.decimals, priced.price / (1 + priced.change24hPct / 100));
      }
      if (basis) {
        const u = unrealized(assetBasis ?? { amount: 0n, costUsdE6: 0n }, amount, (a) => valueUsdE6(a, token.decimals, priced.price));
        if (u.covered > 0n) {
          line.costBasisUsdE6 = (line.costBasisUsdE6 ?? 0n) + u.costUsdE6;
          line.unrealizedPnlUsdE6 = (line.unrealizedPnlUsdE6 ?? 0n) + u.pnlUsdE6;
          costTotal = costTotal! + u.costUsdE6;
          unrealizedTotal = unrealizedTotal! + u.pnlUsdE6;
        }
        if (u.untracked > 0n) line.untracked = true;
      }
    }
    for (const line of lines.values()) {
      if (line.valueUsdE6 !== undefined) line.allocationPct = percentOf(line.valueUsdE6, total);
    }

    const assets = [...lines.values()].sort((a, b) => {
      if (a.valueUsdE6 === undefined || b.valueUsdE6 === undefined) return a.valueUsdE6 === undefined ? (b.valueUsdE6 === undefined ? a.symbol.localeCompare(b.symbol) : 1) : -1;
      return a.valueUsdE6 === b.valueUsdE6 ? a.symbol.localeCompare(b.symbol) : a.valueUsdE6 > b.valueUsdE6 ? -1 : 1;
    });
    const changeUsd = covered - then;
    return {
      wallets: wallets.map((w) => ({ ...w, valueUsdE6: walletValue.get(w.address.toLowerCase()) ?? 0n })),
      chains: chainStatus,
      assets,
      totalUsdE6: total,
      change24h: covered > 0n ? { usdE6: changeUsd, pct: then > 0n ? Number((changeUsd * 1_000_000n) / then) / 10_000 : 0, coveredPct: percentOf(covered, total) } : undefined,
      costBasisUsdE6: costTotal,
      unrealizedPnlUsdE6: unrealizedTotal,
      realizedPnlUsdE6: basis?.realizedPnlUsdE6,
      partial: read.failures.length > 0 || assets.some((a) => a.unpriced.length > 0),
    };
  }

  /** A token's price and 24h change; the reason instead when it has none (never a silent 0). */
  async #price(token: TokenRef): Promise<Priced | { reason: string }> {
    const { market } = this.deps;
    const request = market.request(token, 'usd');
    if (!market.oracle.canPrice(request)) return { reason: 'no price source covers it' };
    let answer: { price: number; change24hPct?: number };
    try {
      answer = await market.oracle.price(request);
    } catch (err) {
      return { reason: err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'no price' };
    }
    const change = answer.change24hPct ?? (await this.#change24h(request, answer.price));
    return { price: answer.price, change24hPct: change };
  }

  /**
   * When the price sources quote no 24h change (the devnet's pools do not), the candle history
   * gives one: the open of the first 15-minute candle of the last 24 h against the price now.
   * Bounded by a deadline: the portfolio does not wait long for it, it says the change is missing.
   */
  async #change24h(request: PriceRequest, price: number): Promise<number | undefined> {
    const history = this.deps.market.history;
    if (!history?.eligible(request, '15m')) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.deps.historyDeadlineMs ?? 1_500);
    });
    try {
      const answer = await Promise.race([history.candles(request, '15m', 96).catch(() => undefined), deadline]);
      const open = answer?.candles[0]?.open;
      return open && open > 0 ? ((price - open) / open) * 100 : undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
