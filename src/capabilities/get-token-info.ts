import { z } from 'zod';
import { explorerAddressUrl } from '../chain/chains.js';
import { defineCapability, type CapabilityContext, type CapabilityResult } from '../core/capability.js';
import { displayAmount } from '../core/amount.js';
import { UserError } from '../core/errors.js';
import { escapeMarkup, table, type Block, type Button } from '../core/reply.js';
import type { TokenRef } from '../core/token.js';
import { formatAge, formatCompact, formatPrice } from '../market/format.js';
import { chainSlot, chainServices } from './chain-input.js';
import { defaultChainFor, fiatFor } from './user-defaults.js';
import './services.js';

export const getTokenInfo = defineCapability({
  name: 'get_token_info',
  summary: 'Tells what a token is on chain: its contract address, decimals, name and total supply, read live from the contract.',
  input: z.object({
    token: z.string().trim().min(1).max(100).describe('A symbol ("usdc", "$pepe"), a name ("chainlink") or a contract address.'),
    chain: chainSlot,
  }),
  examples: ['token info usdc', 'what is pepe', 'contract address of link', 'info on 0x…', 'usdc on base contract', 'decimals of wbtc', 'total supply of uni', 'who made pepe', 'tell me about pepe', 'contract for usdc', 'token details link'],
  effect: 'read',
  async run(ctx, input): Promise<CapabilityResult<Record<string, unknown>>> {
    const chain = chainServices(ctx);
    const chainId = input.chain ? chain.access.chain(input.chain).id : undefined;
    // A default chain is a preference, not a filter: a token that is not on it is still found elsewhere.
    const preferChainId = chainId === undefined ? (await defaultChainFor(ctx))?.id : undefined;
    const found = await chain.tokens.resolve(input.token, chainId !== undefined ? { chainId } : preferChainId !== undefined ? { preferChainId } : {});
    if (found.kind === 'unknown') {
      const hint = found.suggestions.length > 0 ? ` Did you mean ${found.suggestions.join(', ')}?` : '';
      throw new UserError('unknown_token', `I don't know a token "${found.query}".${hint}`, { details: { suggestions: found.suggestions } });
    }
    if (found.kind === 'ambiguous') {
      const buttons: Button[][] = [found.candidates.slice(0, 8).map((t) => ({ label: `${t.symbol} on ${chain.access.chain(t.chainId).name}`, action: 'send', value: `token info ${t.symbol} on ${chain.access.chain(t.chainId).key}` }))];
      return {
        data: { ambiguous: true, candidates: found.candidates },
        reply: { blocks: [{ type: 'text', text: found.question }], buttons },
      };
    }
    const token = found.token;
    const info = chain.access.chain(token.chainId);
    const marketPart = await marketSection(ctx, token);
    if (token.address === 'native') {
      return {
        data: { token, native: true, market: marketPart.data },
        reply: { blocks: [{ type: 'text', text: `**${token.symbol}** is ${info.name}'s own coin (${token.decimals} decimals): it has no token contract.` }, ...marketPart.blocks] },
      };
    }
    const address = token.address;
    const { name, symbol, decimals, totalSupply } = await chain.readTokenMetadata(info.id, address);
    const explorer = explorerAddressUrl(info, address);
    const supply = displayAmount({ base: totalSupply, decimals });
    const rows: Array<[string, string]> = [
      ['name', escapeMarkup(name)],
      ['symbol', escapeMarkup(symbol)],
      ['chain', info.name],
      ['contract', `\`${address}\``],
      ['decimals', String(decimals)],
      ['total supply', `${supply} ${escapeMarkup(symbol)}`],
    ];
    if (explorer) rows.push(['explorer', `[${info.explorer?.name ?? 'explorer'}](${explorer})`]);
    const note = token.devnet ? '\n_A devnet copy of the real token: test funds with no value._' : '';
    return {
      data: { token: { ...token, name, symbol, decimals }, totalSupply: totalSupply.toString(), explorer, market: marketPart.data },
      reply: { blocks: [{ type: 'text', text: `**${escapeMarkup(symbol)}** on ${info.name}, read from its contract just now:${note}` }, table(rows), ...marketPart.blocks] },
    };
  },
});

/**
 * The market half of a token's profile: its price from the oracle and, where CoinGecko knows the
 * asset, market cap, supply, contracts on other chains and links. Each part is optional: a source
 * that fails leaves its part out and says so, the on-chain facts still answer.
 */
async function marketSection(ctx: CapabilityContext, token: TokenRef): Promise<{ data: Record<string, unknown> | undefined; blocks: Block[] }> {
  const market = ctx.services.market;
  if (!market) return { data: undefined, blocks: [] };
  const fiat = await fiatFor(ctx, market, undefined);
  const request = market.request(token, fiat);
  const rows: Array<[string, string]> = [];
  const data: Record<string, unknown> = {};
  const notes: string[] = [];
  const [price, profile] = await Promise.allSettled([
    market.oracle.canPrice(request) ? market.oracle.price(request, ctx.signal) : Promise.resolve(undefined),
    market.coingecko && request.coingeckoId ? market.coingecko.coinInfo(request.coingeckoId, fiat, ctx.signal) : Promise.resolve(undefined),
  ]);
  if (price.status === 'fulfilled' && price.value) {
    rows.push(['price', `${formatPrice(price.value.price, fiat)} (confidence ${price.value.confidence.toFixed(2)}, ${formatAge(price.value.ageMs)})`]);
    data.price = price.value.price;
    data.confidence = price.value.confidence;
  } else if (price.status === 'rejected') notes.push(`price: ${price.reason instanceof Error ? price.reason.message : 'failed'}`);
  if (profile.status === 'fulfilled' && profile.value) {
    const p = profile.value;
    if (p.marketCap) rows.push(['market cap', `${formatCompact(p.marketCap, fiat)}${p.marketCapRank ? ` (#${p.marketCapRank})` : ''}`]);
    if (p.fullyDilutedValuation) rows.push(['fully diluted', formatCompact(p.fullyDilutedValuation, fiat)]);
    if (p.volume24h) rows.push(['24h volume', formatCompact(p.volume24h, fiat)]);
    const supply = [p.supply.circulating && `circulating ${formatCompact(p.supply.circulating)}`, p.supply.max && `max ${formatCompact(p.supply.max)}`].filter(Boolean);
    if (supply.length > 0) rows.push(['supply', supply.join(', ')]);
    const elsewhere = p.contracts.filter((c) => c.chainId !== undefined && c.chainId !== token.chainId).slice(0, 6);
    if (elsewhere.length > 0) rows.push(['also on', elsewhere.map((c) => `chain ${c.chainId}: \`${c.address}\``).join(', ')]);
    const links = [p.links.homepage[0] && `[website](${p.links.homepage[0]})`, p.links.twitter && `[X](${p.links.twitter})`, p.links.github[0] && `[GitHub](${p.links.github[0]})`].filter(Boolean);
    if (links.length > 0) rows.push(['links', links.join(' · ')]);
    data.profile = p;
  } else if (profile.status === 'rejected') notes.push(`market data: ${profile.reason instanceof Error ? profile.reason.message : 'failed'}`);
  const blocks: Block[] = rows.length > 0 ? [table(rows, `Market${market.coingecko && request.coingeckoId ? ' (CoinGecko, oracle)' : ''}`)] : [];
  if (notes.length > 0) blocks.push({ type: 'text', text: `⚠️ ${notes.join('; ')}` });
  return { data, blocks };
}
