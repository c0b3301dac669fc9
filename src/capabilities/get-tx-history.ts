import { z } from 'zod';
import { displayAmount } from '../core/amount.js';
import { defineCapability } from '../core/capability.js';
import { escapeMarkup, type Block } from '../core/reply.js';
import type { Address, TokenRef } from '../core/token.js';
import { DependencyError } from '../core/errors.js';
import type { ActivityItem } from '../wallets/activity.js';
import type { TransactionRecord } from '../wallets/transactions.js';
import { chainServices, chainSlot, chainsFor } from './chain-input.js';
import type { ChainServices } from './services.js';
import { addressSlot, shortHex, walletSlot, walletTarget } from './wallet-target.js';
import './services.js';

/** One amount that moved, seen from the wallet: `in` arrived, `out` left. */
interface Movement {
  direction: 'in' | 'out' | 'self';
  token: TokenRef | { chainId: number; address: string; symbol: string; decimals: undefined };
  amount: string;
  formatted: string;
}

interface HistoryEntry {
  chainId: number;
  chain: string;
  hash: string | null;
  /** ISO-8601. */
  at: string;
  /** `mobius`: sent by Möbius (with its status); `chain`: read from the chain's logs and blocks. */
  source: 'mobius' | 'chain';
  kind: 'faucet' | 'swap' | 'transfer';
  status: 'pending' | 'confirmed' | 'failed';
  movements: Movement[];
  block?: string;
}

export const getTxHistory = defineCapability({
  name: 'get_tx_history',
  summary: 'Lists recent transactions of your wallet (the active one, a named one) or of any address: what Möbius sent (faucet payouts, swaps, transfers) together with the on-chain token and ETH transfers, newest first, with transaction hashes.',
  input: z.object({
    wallet: walletSlot,
    address: addressSlot,
    chain: chainSlot,
    limit: z.number().int().min(1).max(50).optional().describe('How many transactions (default 15).'),
  }),
  examples: ['transaction history', 'my transactions', 'recent activity', 'history of 0x…', 'show my last transactions', 'what happened in my wallet', 'tx history on devnet', 'what came into my wallet', 'recent activity of wallet 2', 'last 5 transactions', 'recent transfers', 'show my tx history'],
  effect: 'read',
  scope: 'wallet',
  cost: 3,
  async run(ctx, input) {
    const chain = chainServices(ctx);
    const target = await walletTarget(ctx, input);
    const chains = chainsFor(chain, input.chain);
    const chainIds = new Set(chains.map((c) => c.id));
    const limit = input.limit ?? 15;

    const store = ctx.services.transactions;
    const recorded = store ? (await store.list(ctx.principal.userId, { address: target.address, limit: 200 })).filter((t) => chainIds.has(t.chainId)) : [];
    const failures: Array<{ chainId: number; chain: string; reason: string }> = [];
    const activity = ctx.services.activity;
    const onChain = activity
      ? (
          await Promise.all(
            chains.map(async (info) => {
              try {
                return (await activity.read(info.id, target.address, { limit: 100 })).items;
              } catch (err) {
                if (!(err instanceof DependencyError)) throw err;
                failures.push({ chainId: info.id, chain: info.name, reason: err.message });
                return [];
              }
            }),
          )
        ).flat()
      : [];

    const entries = merge(chain, recorded, onChain, target.address)
      .sort((a, b) => (a.at === b.at ? 0 : a.at > b.at ? -1 : 1))
      .slice(0, limit);
    const who = target.wallet ? `wallet **${escapeMarkup(target.wallet.name)}** (\`${target.address}\`)` : `\`${target.address}\``;
    const blocks: Block[] = [];
    if (entries.length === 0) {
      blocks.push({ type: 'text', text: `No transactions found for ${who}${failures.length === chains.length && failures.length > 0 ? '' : ' in the recent blocks'}.` });
    } else {
      blocks.push({ type: 'text', text: `Recent transactions of ${who}, newest first:\n${entries.map(line).join('\n')}` });
    }
    for (const f of failures) blocks.push({ type: 'text', text: `⚠️ ${f.chain}: could not read on-chain activity (${escapeMarkup(f.reason)}); only what Möbius sent is shown there.` });
    if (chains.some((c) => c.devnet)) blocks.push({ type: 'text', text: '_Devnet transactions: test funds, no real value._' });
    return {
      data: { address: target.address, wallet: target.wallet ? { id: target.wallet.id, name: target.wallet.name } : null, entries, failures, partial: failures.length > 0 },
      reply: { blocks },
    };
  },
});

/**
 * One entry per transaction: Möbius's own record when it has one (it knows the kind and status),
 * else the movements the chain shows for that hash, grouped.
 */
function merge(chain: ChainServices, recorded: readonly TransactionRecord[], onChain: readonly ActivityItem[], address: Address): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  const known = new Set<string>();
  for (const tx of recorded) {
    if (tx.hash) known.add(`${tx.chainId}:${tx.hash.toLowerCase()}`);
    const movements: Movement[] = [];
    const self = tx.from?.toLowerCase() === address.toLowerCase() && tx.to?.toLowerCase() === address.toLowerCase();
    if (tx.tokenIn && tx.amountIn !== null) movements.push(movement(chain, tx.chainId, tx.tokenIn, tx.amountIn, self ? 'self' : 'out'));
    if (tx.tokenOut && tx.amountOut !== null) movements.push(movement(chain, tx.chainId, tx.tokenOut, tx.amountOut, self ? 'self' : 'in'));
    entries.push({ chainId: tx.chainId, chain: chainName(chain, tx.chainId), hash: tx.hash, at: tx.createdAt, source: 'mobius', kind: tx.kind, status: tx.status, movements });
  }
  const grouped = new Map<string, HistoryEntry>();
  for (const item of onChain) {
    const key = `${item.chainId}:${item.hash.toLowerCase()}`;
    if (known.has(key)) continue;
    let entry = grouped.get(key);
    if (!entry) {
      entry = { chainId: item.chainId, chain: chainName(chain, item.chainId), hash: item.hash, at: new Date(item.at).toISOString(), source: 'chain', kind: 'transfer', status: 'confirmed', movements: [], block: item.blockNumber.toString() };
      grouped.set(key, entry);
      entries.push(entry);
    }
    entry.movements.push({ direction: item.direction, token: item.token, amount: item.amount.toString(), formatted: displayAmount({ base: item.amount, decimals: item.token.decimals }) });
  }
  // Something in and something else out in one transaction is a swap, as far as the chain shows.
  for (const entry of grouped.values()) {
    if (entry.movements.some((m) => m.direction === 'in') && entry.movements.some((m) => m.direction === 'out')) entry.kind = 'swap';
  }
  return entries;
}

function movement(chain: ChainServices, chainId: number, token: string, amount: bigint, direction: Movement['direction']): Movement {
  const ref = chain.access.has(chainId) ? (token === 'native' ? chain.tokens.native(chainId) : chain.tokens.byAddress(chainId, token as Address)) : undefined;
  if (!ref) return { direction, token: { chainId, address: token, symbol: shortHex(token), decimals: undefined }, amount: amount.toString(), formatted: `${amount.toString()} base units` };
  return { direction, token: ref, amount: amount.toString(), formatted: displayAmount({ base: amount, decimals: ref.decimals }) };
}

function chainName(chain: ChainServices, chainId: number): string {
  return chain.access.has(chainId) ? chain.access.chain(chainId).name : `chain ${chainId}`;
}

const SIGN = { in: '+', out: '−', self: '±' } as const;

function line(entry: HistoryEntry): string {
  const when = entry.at.slice(0, 16).replace('T', ' ');
  const moves = entry.movements.map((m) => `${SIGN[m.direction]}${m.formatted} ${escapeMarkup(m.token.symbol)}`).join(', ');
  const status = entry.status === 'confirmed' ? '' : ` (${entry.status})`;
  const what = entry.source === 'mobius' ? entry.kind : `${entry.kind} on chain`;
  return `• ${when} UTC · ${entry.chain} · ${what}${status} · ${moves || 'no amount'}${entry.hash ? `\n  \`${entry.hash}\`` : ''}`;
}
