import { z } from 'zod';
import { defineCapability } from '../core/capability.js';
import { displayAmount, formatAmount } from '../core/amount.js';
import { escapeMarkup, table, type Block } from '../core/reply.js';
import type { GasQuote } from '../chain/gas.js';
import { chainSlot, chainsFor, chainServices } from './chain-input.js';
import { chainWordsFor } from './user-defaults.js';
import './services.js';

const formatGwei = (wei: bigint) => formatAmount({ base: wei, decimals: 9 }, { maxFractionDigits: 9 });

function usd(value: number | undefined): string {
  if (value === undefined) return '';
  return value < 0.01 ? ' (< $0.01)' : ` ($${value.toFixed(2)})`;
}

export const getGas = defineCapability({
  name: 'get_gas',
  summary: 'Shows current gas prices (base fee and tip, or the legacy gas price) and what a transfer, a token transfer and a swap cost, in the native coin and in USD.',
  input: z.object({ chain: chainSlot }),
  examples: ['gas', 'gas price', 'how much is gas', 'gas on base', 'what does a swap cost in gas', 'gwei', 'fees right now', 'how much does a transfer cost', 'transaction cost on base', 'cost of a transaction', 'gas fees', 'network fees', 'how expensive is gas', 'gas cost on arbitrum', 'current gwei', 'is gas high', 'tx fees on base', 'fee to send eth', 'base fee'],
  effect: 'read',
  async run(ctx, input) {
    const chain = chainServices(ctx);
    const chains = chainsFor(chain, await chainWordsFor(ctx, input.chain));
    if (chains.length > 1) ctx.progress({ text: `Checking gas on ${chains.length} chains…` });
    const settled = await Promise.allSettled(chains.map((info) => chain.gas.quote(info.id)));
    const blocks: Block[] = [];
    const quotes: Array<GasQuote & { chain: string }> = [];
    const failures: Array<{ chain: string; reason: string }> = [];
    settled.forEach((outcome, i) => {
      const info = chains[i]!;
      if (outcome.status === 'rejected') {
        const reason = outcome.reason instanceof Error ? outcome.reason.message : 'failed';
        failures.push({ chain: info.key, reason });
        blocks.push({ type: 'text', text: `⚠️ ${info.name}: ${escapeMarkup(reason)}` });
        return;
      }
      const q = outcome.value;
      quotes.push({ ...q, chain: info.key });
      const native = (wei: bigint) => `${displayAmount({ base: wei, decimals: info.native.decimals })} ${info.native.symbol}`;
      const rows: Array<[string, string]> =
        q.pricing === 'eip1559'
          ? [
              ['base fee', `${formatGwei(q.baseFeePerGas!)} gwei`],
              ['tip', `${formatGwei(q.maxPriorityFeePerGas!)} gwei`],
            ]
          : [['gas price', `${formatGwei(q.gasPrice)} gwei`]];
      rows.push(
        ['transfer', native(q.costs.transfer.native) + usd(q.costs.transfer.usd)],
        ['token transfer', native(q.costs.tokenTransfer.native) + usd(q.costs.tokenTransfer.usd)],
        ['swap', native(q.costs.swap.native) + usd(q.costs.swap.usd)],
      );
      const source = q.nativeUsd ? `USD at $${q.nativeUsd.price.toFixed(2)}/${info.native.symbol} from ${q.nativeUsd.source}` : 'no USD price source for this chain yet';
      blocks.push(table(rows, `⛽ ${info.name} — block ${q.blockNumber} (${source})`));
    });
    return { data: { quotes, failures }, reply: { blocks } };
  },
});
