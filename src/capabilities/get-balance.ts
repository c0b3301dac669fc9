import { z } from 'zod';
import { parseAddress } from '../chain/address.js';
import type { BalanceRow } from '../chain/balances.js';
import { defineCapability } from '../core/capability.js';
import { displayAmount } from '../core/amount.js';
import { UserError } from '../core/errors.js';
import { escapeMarkup, table, type Block } from '../core/reply.js';
import type { TokenRef } from '../core/token.js';
import { chainSlot, chainsFor, chainServices } from './chain-input.js';
import './services.js';

export const getBalance = defineCapability({
  name: 'get_balance',
  summary: 'Shows the native coin and token balances of an address on one chain or on every chain Möbius serves, read live from the chain.',
  input: z.object({
    address: z.string().trim().min(1).max(100).optional().describe('The 0x address to look at.'),
    chain: chainSlot,
    tokens: z.array(z.string().trim().min(1).max(100)).max(50).optional().describe('Only these tokens (symbols or addresses). Omitted: the native coin and the known tokens.'),
  }),
  examples: ['balance of 0x…', 'what does 0x… hold', 'check balance 0x… on base', 'my balance', 'how much eth does 0x… have'],
  effect: 'read',
  cost: 2,
  async run(ctx, input) {
    const chain = chainServices(ctx);
    if (!input.address) {
      throw new UserError('bad_input', 'Which address? Send me one (0x…) and I will read its balances. Wallets of your own come with the wallet features.');
    }
    const address = parseAddress(input.address);
    const chains = chainsFor(chain, input.chain);
    const tokens = new Map<number, TokenRef[]>();
    for (const info of chains) {
      if (!input.tokens) {
        tokens.set(info.id, chain.tokens.list(info.id));
        continue;
      }
      const picked: TokenRef[] = [];
      for (const words of input.tokens) {
        const found = await chain.tokens.resolve(words, { chainId: info.id });
        if (found.kind === 'token') picked.push(found.token);
      }
      if (picked.length > 0) tokens.set(info.id, picked);
    }
    if (tokens.size === 0) throw new UserError('unknown_token', `None of ${input.tokens?.join(', ')} is a token I know on ${chains.map((c) => c.name).join(', ')}.`);
    const result = await chain.balances.read({ addresses: [address], tokens });
    const held = result.balances.filter((b) => b.amount > 0n || b.token.address === 'native');
    const blocks: Block[] = [];
    for (const info of chains) {
      const rows = held.filter((b) => b.chainId === info.id);
      const failed = result.failures.find((f) => f.chainId === info.id && !f.token);
      if (failed) {
        blocks.push({ type: 'text', text: `⚠️ ${info.name}: could not read balances (${escapeMarkup(failed.reason)}).` });
      } else if (tokens.has(info.id)) {
        blocks.push(table(rows.map(row), `${info.name}${info.devnet ? ' (devnet: test funds, no real value)' : ''}`));
      }
    }
    const partial = result.failures.some((f) => !f.token);
    return {
      data: {
        address,
        balances: held.map((b) => ({ chainId: b.chainId, token: b.token, amount: b.amount.toString(), formatted: displayAmount({ base: b.amount, decimals: b.token.decimals }) })),
        failures: result.failures.map((f) => ({ chainId: f.chainId, ...(f.token ? { token: f.token.symbol } : {}), reason: f.reason })),
        partial,
      },
      reply: { blocks: [{ type: 'text', text: `Balances of \`${address}\`${partial ? ' (partial: some chains did not answer)' : ''}:` }, ...blocks] },
    };
  },
});

function row(b: BalanceRow): [string, string] {
  return [b.token.symbol, displayAmount({ base: b.amount, decimals: b.token.decimals })];
}
