import { z } from 'zod';
import { displayAmount } from '../core/amount.js';
import { defineCapability } from '../core/capability.js';
import { UserError } from '../core/errors.js';
import { escapeMarkup, table, type Block } from '../core/reply.js';
import { formatPct } from '../market/format.js';
import type { AssetLine, Portfolio, PortfolioWallet } from '../wallets/portfolio.js';
import { formatPnlE6, formatUnitPrice, formatUsdE6 } from '../wallets/usd.js';
import { chainServices, chainSlot, chainsFor } from './chain-input.js';
import { addressSlot, NO_WALLET_MESSAGE, shortHex, walletSlot, walletTarget } from './wallet-target.js';
import './services.js';

export const getPortfolio = defineCapability({
  name: 'get_portfolio',
  summary: 'Values everything your wallets hold on every chain Möbius serves: total, allocation per asset, the 24h change, and cost basis with unrealized and realized profit or loss (FIFO, from the trades Möbius recorded). One wallet or any address on request.',
  input: z.object({
    wallet: walletSlot.describe('Only this one of your wallets (name, number or address). Omitted: all of them.'),
    address: addressSlot,
    chain: chainSlot,
  }),
  examples: ['my portfolio', 'portfolio', 'how much is my portfolio worth', 'what are my holdings worth', 'portfolio value', 'show my pnl', 'net worth', 'portfolio of 0x…', 'how much have i made', 'am i up or down', 'how much am i down', 'how are my investments doing', 'portfolio performance', 'my pnl today', 'how am i doing'],
  effect: 'read',
  scope: 'wallet',
  cost: 3,
  async run(ctx, input) {
    const chain = chainServices(ctx);
    const portfolio = ctx.services.portfolio;
    if (!portfolio) throw new UserError('bad_input', 'The portfolio needs the chain and price services, and this Möbius does not run them.');
    const userId = ctx.principal.userId;
    const all = (await ctx.services.wallets?.list(userId)) ?? [];
    let wallets: PortfolioWallet[];
    let own = true;
    if (input.wallet || input.address) {
      const target = await walletTarget(ctx, input);
      wallets = [{ name: target.wallet?.name ?? shortHex(target.address), address: target.address }];
      own = target.wallet !== undefined;
    } else {
      if (all.length === 0) throw new UserError('bad_input', NO_WALLET_MESSAGE);
      wallets = all.map((w) => ({ name: w.name, address: w.address }));
    }
    const chains = chainsFor(chain, input.chain);
    ctx.progress({ text: `Reading ${wallets.length} wallet${wallets.length === 1 ? '' : 's'} on ${chains.length} chain${chains.length === 1 ? '' : 's'}…` });
    const result = await portfolio.value(userId, wallets, { chainIds: chains.map((c) => c.id), costBasis: own, ownAddresses: all.map((w) => w.address) });
    return { data: toData(result), reply: { blocks: render(result, chains.some((c) => c.devnet)) } };
  },
});

function toData(p: Portfolio) {
  const usd = (v: bigint | undefined) => (v === undefined ? null : v.toString());
  return {
    totalUsdE6: p.totalUsdE6.toString(),
    total: formatUsdE6(p.totalUsdE6),
    change24h: p.change24h ? { usdE6: p.change24h.usdE6.toString(), pct: p.change24h.pct, coveredPct: p.change24h.coveredPct } : null,
    costBasisUsdE6: usd(p.costBasisUsdE6),
    unrealizedPnlUsdE6: usd(p.unrealizedPnlUsdE6),
    realizedPnlUsdE6: usd(p.realizedPnlUsdE6),
    partial: p.partial,
    wallets: p.wallets.map((w) => ({ name: w.name, address: w.address, valueUsdE6: w.valueUsdE6.toString() })),
    chains: p.chains,
    assets: p.assets.map((a) => ({
      symbol: a.symbol,
      priced: a.valueUsdE6 !== undefined,
      valueUsdE6: usd(a.valueUsdE6),
      allocationPct: a.allocationPct ?? null,
      price: a.price ?? null,
      change24hPct: a.change24hPct ?? null,
      costBasisUsdE6: usd(a.costBasisUsdE6),
      unrealizedPnlUsdE6: usd(a.unrealizedPnlUsdE6),
      realizedPnlUsdE6: a.realizedPnlUsdE6.toString(),
      untracked: a.untracked,
      unpriced: a.unpriced.map((u) => ({ token: u.token, reason: u.reason })),
      holdings: a.holdings.map((h) => ({ chainId: h.chainId, wallet: h.wallet, address: h.address, token: h.token, amount: h.amount.toString(), formatted: displayAmount({ base: h.amount, decimals: h.token.decimals }), valueUsdE6: usd(h.valueUsdE6) })),
    })),
  };
}

function render(p: Portfolio, devnet: boolean): Block[] {
  const blocks: Block[] = [];
  const change = p.change24h ? ` · 24h ${formatPct(p.change24h.pct)} (${formatPnlE6(p.change24h.usdE6)})${p.change24h.coveredPct < 99.5 ? `, over ${p.change24h.coveredPct.toFixed(0)}% of the value` : ''}` : '';
  const walletWord = `${p.wallets.length} wallet${p.wallets.length === 1 ? '' : 's'}`;
  blocks.push({ type: 'text', text: `💼 **Portfolio: ${formatUsdE6(p.totalUsdE6)}**${change} · ${walletWord}${p.partial ? ' (partial, see below)' : ''}` });
  const priced = p.assets.filter((a) => a.valueUsdE6 !== undefined);
  if (p.assets.length === 0) {
    blocks.push({ type: 'text', text: `Nothing held yet${devnet ? ' — try "give me 10 eth" for devnet funds' : ''}.` });
  }
  if (priced.length > 0) blocks.push(table(priced.map(assetRow), 'Assets'));
  for (const a of p.assets) {
    for (const u of a.unpriced) {
      const amount = a.holdings.filter((h) => h.token === u.token).reduce((s, h) => s + h.amount, 0n);
      blocks.push({ type: 'text', text: `❔ ${escapeMarkup(u.token.symbol)}: ${displayAmount({ base: amount, decimals: u.token.decimals })} held, not valued (${escapeMarkup(u.reason)}).` });
    }
  }
  if (p.wallets.length > 1) blocks.push(table(p.wallets.map((w) => [`${w.name} (${shortHex(w.address)})`, formatUsdE6(w.valueUsdE6)]), 'Wallets'));
  if (p.costBasisUsdE6 !== undefined) {
    const untracked = p.assets.some((a) => a.untracked) ? ' Holdings that arrived outside Möbius have no recorded cost and are left out of it.' : '';
    blocks.push({
      type: 'text',
      text: `Cost basis ${formatUsdE6(p.costBasisUsdE6)} · unrealized ${formatPnlE6(p.unrealizedPnlUsdE6 ?? 0n)} · realized ${formatPnlE6(p.realizedPnlUsdE6 ?? 0n)} _(FIFO over the trades Möbius recorded; faucet payouts count at zero cost)_.${untracked}`,
    });
  }
  for (const c of p.chains) {
    if (!c.ok) blocks.push({ type: 'text', text: `⚠️ ${c.name} did not answer (${escapeMarkup(c.reason ?? 'no answer')}): its holdings are missing from the total.` });
    else if (c.failedTokens) blocks.push({ type: 'text', text: `⚠️ ${c.name}: could not read ${c.failedTokens.map(escapeMarkup).join(', ')}.` });
  }
  if (devnet) blocks.push({ type: 'text', text: '_Devnet holdings are test funds valued at devnet prices: no real value._' });
  return blocks;
}

function assetRow(a: AssetLine): [string, string] {
  const parts = [formatUsdE6(a.valueUsdE6!), `${(a.allocationPct ?? 0).toFixed(1)}%`];
  if (a.price !== undefined) parts.push(`@ ${formatUnitPrice(a.price)}`);
  if (a.change24hPct !== undefined) parts.push(`24h ${formatPct(a.change24hPct)}`);
  if (a.unrealizedPnlUsdE6 !== undefined) parts.push(`PnL ${formatPnlE6(a.unrealizedPnlUsdE6)}`);
  return [escapeMarkup(a.symbol), parts.join(' · ')];
}
