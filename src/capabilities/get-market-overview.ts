import { z } from 'zod';
import { defineCapability, type CapabilityContext } from '../core/capability.js';
import { escapeMarkup, table, type Block } from '../core/reply.js';
import type { TokenRef } from '../core/token.js';
import { formatCompact, formatPct, formatPrice } from '../market/format.js';
import { describeSignal, detectDivergence, detectSpike } from '../market/signals.js';
import type { MarketRow } from '../market/types.js';
import { fiatSlot, marketServices } from './market-input.js';
import type { MarketServices } from './services.js';
import { fiatFor } from './user-defaults.js';

interface Row {
  symbol: string;
  name: string;
  price: number;
  change24hPct: number | undefined;
  marketCap: number | undefined;
}

/** How many assets get the (costlier) signal checks: their candles and every source's quote. */
const SIGNAL_ASSETS = 5;

export const getMarketOverview = defineCapability({
  name: 'get_market_overview',
  summary: 'Gives a picture of the market: the top coins by market cap, the biggest movers of the day, what is trending, and notable signals (price spikes, sources disagreeing enough to arbitrage).',
  input: z.object({ fiat: fiatSlot, limit: z.number().int().min(3).max(25).optional().describe('How many top coins to list (default 10).') }),
  examples: ['market overview', 'how is the market', 'top coins', 'what is trending', 'biggest movers today', 'market update', 'whats pumping', 'how is the market doing', 'market today', 'market movers', 'top gainers', 'top losers today', 'crypto market today', 'how are markets', 'fear and greed index'],
  effect: 'read',
  cost: 3,
  async run(ctx, input) {
    const market = marketServices(ctx);
    const fiat = await fiatFor(ctx, market, input.fiat);
    const limit = input.limit ?? 10;
    const blocks: Block[] = [];
    const problems: string[] = [];
    let rows: Row[] = [];
    let trending: string[] = [];
    let source: string;
    let signalAssets: TokenRef[];
    ctx.progress({ text: `Reading the market from ${market.coingecko ? 'CoinGecko' : 'the devnet pools'}…` });
    if (market.coingecko) {
      source = 'CoinGecko';
      const [markets, trend] = await Promise.allSettled([market.coingecko.markets(fiat, 100, ctx.signal), market.coingecko.trending(ctx.signal)]);
      if (markets.status === 'fulfilled') rows = markets.value.map(fromMarket);
      else problems.push(`top coins: ${reason(markets.reason)}`);
      if (trend.status === 'fulfilled') trending = trend.value.slice(0, 7).map((t) => `${t.symbol.toUpperCase()} (${t.name})`);
      else problems.push(`trending: ${reason(trend.reason)}`);
      signalAssets = await assetsFor(market, rows.slice(0, SIGNAL_ASSETS).map((r) => r.symbol));
    } else {
      source = 'the devnet pools';
      signalAssets = await devnetAssets(ctx, market);
      rows = await devnetRows(ctx, market, signalAssets, fiat, problems);
    }
    const top = rows.slice(0, limit);
    if (top.length > 0) {
      blocks.push(table(top.map((r, i) => [`${i + 1}. ${escapeMarkup(r.symbol)}`, `${formatPrice(r.price, fiat)}${r.change24hPct === undefined ? '' : ` (${formatPct(r.change24hPct)})`}${r.marketCap ? ` · cap ${formatCompact(r.marketCap, fiat)}` : ''}`]), `Top ${top.length} by ${market.coingecko ? 'market cap' : 'devnet pool depth'} — from ${source}`));
    }
    const moving = rows.filter((r) => r.change24hPct !== undefined && Math.abs(r.change24hPct) >= 0.005).sort((a, b) => b.change24hPct! - a.change24hPct!);
    const gainers = moving.filter((r) => r.change24hPct! > 0).slice(0, 3);
    const losers = moving.filter((r) => r.change24hPct! < 0).slice(-3).reverse();
    const mover = (r: Row) => `${escapeMarkup(r.symbol)} ${formatPct(r.change24hPct!)}`;
    if (gainers.length + losers.length > 0) {
      blocks.push(table([['📈 up', gainers.map(mover).join(', ') || '—'], ['📉 down', losers.map(mover).join(', ') || '—']], 'Biggest movers (24h)'));
    }
    if (trending.length > 0) blocks.push({ type: 'text', text: `🔥 Trending on CoinGecko: ${trending.map(escapeMarkup).join(', ')}` });
    ctx.progress({ text: `Checking ${signalAssets.length} assets for spikes and source disagreements…` });
    const signals = await signalsFor(ctx, market, signalAssets, fiat);
    blocks.push({ type: 'text', text: signals.length > 0 ? `🔔 Signals:\n${signals.map((s) => `• ${s}`).join('\n')}` : '🔔 No unusual moves or source disagreements right now.' });
    if (problems.length > 0) blocks.push({ type: 'text', text: `⚠️ Partial: ${problems.join('; ')}` });
    return { data: { fiat, source, top, movers: { up: gainers, down: losers }, trending, signals, problems }, reply: { blocks } };
  },
});

function fromMarket(row: MarketRow): Row {
  return { symbol: row.symbol.toUpperCase(), name: row.name, price: row.price, change24hPct: row.change24hPct, marketCap: row.marketCap };
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0]! : 'failed';
}

async function assetsFor(market: MarketServices, symbols: readonly string[]): Promise<TokenRef[]> {
  const out: TokenRef[] = [];
  for (const symbol of symbols) {
    const found = await market.resolveAsset(symbol).catch(() => undefined);
    if (found?.kind === 'token') out.push(found.token);
  }
  return out;
}

/** The devnet's tradable assets: ETH and every devnet token but the stablecoins. */
async function devnetAssets(ctx: CapabilityContext, market: MarketServices): Promise<TokenRef[]> {
  const deployment = ctx.services.chain?.devnet?.deployment;
  if (!deployment) return [];
  return assetsFor(market, deployment.tokens.map((t) => t.symbol).filter((s) => !['USDC', 'USDT', 'DAI'].includes(s)));
}

async function devnetRows(ctx: CapabilityContext, market: MarketServices, assets: readonly TokenRef[], fiat: string, problems: string[]): Promise<Row[]> {
  const rows = await Promise.all(
    assets.map(async (token): Promise<Row | undefined> => {
      try {
        const price = await market.oracle.price(market.request(token, fiat), ctx.signal);
        const day = await market.history.candles(market.request(token, fiat), '15m', 96).catch(() => undefined);
        const first = day?.candles[0];
        return { symbol: token.symbol, name: token.name ?? token.symbol, price: price.price, change24hPct: first ? ((price.price - first.open) / first.open) * 100 : undefined, marketCap: undefined };
      } catch (err) {
        problems.push(`${token.symbol}: ${reason(err)}`);
        return undefined;
      }
    }),
  );
  return rows.filter((r): r is Row => r !== undefined);
}

async function signalsFor(ctx: CapabilityContext, market: MarketServices, assets: readonly TokenRef[], fiat: string): Promise<string[]> {
  const found = await Promise.all(
    assets.slice(0, SIGNAL_ASSETS).map(async (token) => {
      const out: string[] = [];
      const request = market.request(token, fiat);
      const [price, recent] = await Promise.allSettled([market.oracle.price(request, ctx.signal), market.history.candles(request, '5m', 48)]);
      if (recent.status === 'fulfilled') {
        const spike = detectSpike(recent.value.candles);
        if (spike) out.push(describeSignal(token.symbol, spike));
      }
      if (price.status === 'fulfilled') {
        const divergence = detectDivergence(price.value.sources.filter((s) => !s.dropped).map((s) => ({ name: s.name, price: s.price })));
        if (divergence) out.push(describeSignal(token.symbol, divergence));
      }
      return out;
    }),
  );
  return found.flat();
}
