import { z } from 'zod';
import { parseAddress } from '../chain/address.js';
import type { BalanceRow } from '../chain/balances.js';
import { defineCapability, type CapabilityContext } from '../core/capability.js';
import { displayAmount } from '../core/amount.js';
import { UserError } from '../core/errors.js';
import { escapeMarkup, table, type Block } from '../core/reply.js';
import type { Address, TokenRef } from '../core/token.js';
import type { WalletInfo } from '../wallets/wallets.js';
import { chainSlot, chainsFor, chainServices } from './chain-input.js';
import { chainWordsFor } from './user-defaults.js';
import './services.js';

/** What a balance question is about: an address, and the person's wallet behind it when it is one. */
interface Target {
  address: Address;
  wallet: WalletInfo | undefined;
}

const ALL = /^(?:all|every|everything|all (?:my )?wallets|my wallets)$/i;
const ACTIVE = /^(?:active|current|active wallet|current wallet)$/i;

export const getBalance = defineCapability({
  name: 'get_balance',
  summary:
    'Shows the native coin and token balances of an address, or of your own wallets (all of them, or one by name or number), on one chain or on every chain Möbius serves, read live from the chain.',
  input: z.object({
    address: z.string().trim().min(1).max(100).optional().describe('The 0x address to look at.'),
    wallet: z.string().trim().min(1).max(64).optional().describe('One of your wallets: its name, its number, "active", or "all". Omitted with no address: all your wallets.'),
    chain: chainSlot,
    tokens: z.array(z.string().trim().min(1).max(100)).max(50).optional().describe('Only these tokens (symbols or addresses). Omitted: the native coin and the known tokens.'),
  }),
  examples: ['balance of 0x…', 'what does 0x… hold', 'check balance 0x… on base', 'my balance', 'how much eth does 0x… have', 'balance of savings', 'balance of wallet 2', 'what do i have', 'how much usdc do i have', 'do i have any eth', 'what tokens do i have', 'my funds', 'how much do i have', 'eth balance', 'show balances'],
  effect: 'read',
  cost: 2,
  async run(ctx, input) {
    const chain = chainServices(ctx);
    const targets = await targetsOf(ctx, input.address, input.wallet);
    const chains = chainsFor(chain, await chainWordsFor(ctx, input.chain));
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
    ctx.progress({ text: `Checking ${chains.length} chain${chains.length === 1 ? '' : 's'} for ${targets.length} address${targets.length === 1 ? '' : 'es'}…` });
    const result = await chain.balances.read({ addresses: targets.map((t) => t.address), tokens });
    const held = result.balances.filter((b) => b.amount > 0n || b.token.address === 'native');
    const partial = result.failures.some((f) => !f.token);
    const blocks: Block[] = [];
    const single = targets.length === 1 ? targets[0]! : undefined;
    if (single) {
      const who = single.wallet ? `**${escapeMarkup(single.wallet.name)}** \`${single.address}\`` : `\`${single.address}\``;
      blocks.push({ type: 'text', text: `Balances of ${who}${partial ? ' (partial: some chains did not answer)' : ''}:` });
    } else {
      blocks.push({ type: 'text', text: `Balances of your ${targets.length} wallets${partial ? ' (partial: some chains did not answer)' : ''}:` });
    }
    for (const target of targets) {
      if (!single) blocks.push({ type: 'text', text: `**${escapeMarkup(target.wallet?.name ?? target.address)}** \`${target.address}\`${target.wallet?.kind === 'watch' ? ' _(watch-only)_' : ''}` });
      for (const info of chains) {
        const rows = held.filter((b) => b.chainId === info.id && b.address === target.address);
        const failed = result.failures.find((f) => f.chainId === info.id && !f.token);
        if (failed) {
          // One line per chain is enough: the same failure holds for every wallet.
          if (target === targets[0]) blocks.push({ type: 'text', text: `⚠️ ${info.name}: could not read balances (${escapeMarkup(failed.reason)}).` });
        } else if (tokens.has(info.id)) {
          blocks.push(table(rows.map(row), `${info.name}${info.devnet ? ' (devnet: test funds, no real value)' : ''}`));
        }
      }
    }
    return {
      data: {
        ...(single ? { address: single.address } : {}),
        ...(targets.some((t) => t.wallet) ? { wallets: targets.map((t) => ({ id: t.wallet?.id ?? null, name: t.wallet?.name ?? null, address: t.address })) } : {}),
        balances: held.map((b) => ({ address: b.address, chainId: b.chainId, token: b.token, amount: b.amount.toString(), formatted: displayAmount({ base: b.amount, decimals: b.token.decimals }) })),
        failures: result.failures.map((f) => ({ chainId: f.chainId, ...(f.token ? { token: f.token.symbol } : {}), reason: f.reason })),
        partial,
      },
      reply: { blocks },
    };
  },
});

/**
 * The addresses asked about: the one given (named after the person's wallet when it is one), the
 * wallet named, or every wallet of theirs.
 */
async function targetsOf(ctx: CapabilityContext, address: string | undefined, ref: string | undefined): Promise<Target[]> {
  const wallets = ctx.services.wallets;
  const userId = ctx.principal.userId;
  if (address) {
    const checked = parseAddress(address);
    const mine = wallets ? (await wallets.list(userId)).find((w) => w.address === checked) : undefined;
    return [{ address: checked, wallet: mine }];
  }
  if (!wallets) throw new UserError('bad_input', 'Which address? Send me one (0x…) and I will read its balances.');
  if (ref && !ALL.test(ref)) {
    const wallet = ACTIVE.test(ref) ? await wallets.active(userId) : await wallets.find(userId, ref);
    if (wallet) return [{ address: wallet.address, wallet }];
  }
  const list = await wallets.list(userId);
  if (list.length === 0) {
    throw new UserError('bad_input', 'Which address? You have no wallets yet: send me an address (0x…), or say "create a wallet".', {
      details: { buttons: [{ label: 'Create a wallet', action: 'send', value: 'create a wallet' }] },
    });
  }
  return list.map((w) => ({ address: w.address, wallet: w }));
}

function row(b: BalanceRow): [string, string] {
  return [b.token.symbol, displayAmount({ base: b.amount, decimals: b.token.decimals })];
}
