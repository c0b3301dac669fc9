import { z } from 'zod';
import { explorerAddressUrl } from '../chain/chains.js';
import { defineCapability, type CapabilityResult } from '../core/capability.js';
import { displayAmount } from '../core/amount.js';
import { UserError } from '../core/errors.js';
import { escapeMarkup, table, type Button } from '../core/reply.js';
import { chainSlot, chainServices } from './chain-input.js';
import './services.js';

export const getTokenInfo = defineCapability({
  name: 'get_token_info',
  summary: 'Tells what a token is on chain: its contract address, decimals, name and total supply, read live from the contract.',
  input: z.object({
    token: z.string().trim().min(1).max(100).describe('A symbol ("usdc", "$pepe"), a name ("chainlink") or a contract address.'),
    chain: chainSlot,
  }),
  examples: ['token info usdc', 'what is pepe', 'contract address of link', 'info on 0x…', 'usdc on base contract', 'decimals of wbtc', 'total supply of uni'],
  effect: 'read',
  async run(ctx, input): Promise<CapabilityResult<Record<string, unknown>>> {
    const chain = chainServices(ctx);
    const chainId = input.chain ? chain.access.chain(input.chain).id : undefined;
    const found = await chain.tokens.resolve(input.token, chainId === undefined ? {} : { chainId });
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
    if (token.address === 'native') {
      return {
        data: { token, native: true },
        reply: { blocks: [{ type: 'text', text: `**${token.symbol}** is ${info.name}'s own coin (${token.decimals} decimals): it has no token contract.` }] },
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
      data: { token: { ...token, name, symbol, decimals }, totalSupply: totalSupply.toString(), explorer },
      reply: { blocks: [{ type: 'text', text: `**${escapeMarkup(symbol)}** on ${info.name}, read from its contract just now:${note}` }, table(rows)] },
    };
  },
});
