import { z } from 'zod';
import { parseAddress } from '../chain/address.js';
import { defineCapability, type CapabilityContext } from '../core/capability.js';
import { displayAmount, parseAmount } from '../core/amount.js';
import { UserError } from '../core/errors.js';
import type { Address } from '../core/token.js';
import type { FaucetPayout } from '../chain/devnet/faucet.js';
import type { Deployment } from '../chain/devnet/deployment.js';
import type { RecordTransaction, TokenId } from '../wallets/transactions.js';
import { NO_WALLET_MESSAGE } from './wallet-target.js';
import './services.js';

/** What "give me some usdc" means: about $30k worth at the devnet's seed prices. */
const DEFAULT_AMOUNTS: Record<string, string> = {
  ETH: '10',
  WETH: '10',
  USDC: '10000',
  USDT: '10000',
  DAI: '10000',
  WBTC: '0.1',
  LINK: '500',
  UNI: '1000',
  PEPE: '500000000',
};

export const devnetFaucet = defineCapability({
  name: 'devnet_faucet',
  summary: 'Sends free devnet ETH or devnet tokens (USDC, USDT, DAI, WBTC, LINK, UNI, PEPE, WETH) to an address so you can try swaps and transfers. Devnet only: these funds have no value.',
  input: z.object({
    address: z.string().trim().min(1).max(100).optional().describe('The 0x address to fund. Omitted: your active wallet.'),
    token: z.string().trim().min(1).max(20).optional().describe('ETH (default) or a devnet token symbol.'),
    amount: z.string().trim().min(1).max(40).optional().describe('How much, in whole units ("10", "0.5"). Omitted: a useful default.'),
  }),
  examples: ['give me 10 eth', 'faucet', 'send me test eth', 'fund 0x… with 1000 usdc', 'i need devnet funds', 'airdrop me some eth', 'get devnet eth', 'give me some test eth', 'i need test money', 'devnet faucet', 'test funds', 'faucet me 5 eth', 'fund my wallet', 'send test tokens', 'drip me some usdc', 'request test eth', 'free eth'],
  // Moves only worthless devnet funds from the faucet, never anyone's own: nothing to confirm.
  effect: 'read',
  // It records the payout in the person's transaction history, and funds their active wallet.
  scope: 'wallet',
  cost: 5,
  async run(ctx, input) {
    const devnet = ctx.services.chain?.devnet;
    if (!devnet) throw new UserError('bad_input', 'The faucet only exists on the devnet, and this Möbius is not serving one.');
    const userId = ctx.principal.userId;
    const wallets = ctx.services.wallets;
    let to: Address;
    let walletId: string | null;
    if (input.address) {
      to = parseAddress(input.address);
      walletId = (await wallets?.list(userId))?.find((w) => w.address === to)?.id ?? null;
    } else {
      const active = await wallets?.active(userId);
      if (!active) throw new UserError('bad_input', NO_WALLET_MESSAGE);
      to = active.address;
      walletId = active.id;
    }
    const symbol = (input.token ?? 'ETH').replace(/^\$/, '').toUpperCase();
    const decimals = symbol === 'ETH' || symbol === 'WETH' ? 18 : devnet.deployment.tokens.find((t) => t.symbol === symbol)?.decimals;
    if (decimals === undefined) {
      throw new UserError('unknown_token', `The devnet faucet has no ${symbol}; it gives ${Object.keys(DEFAULT_AMOUNTS).join(', ')}.`);
    }
    const amount = parseAmount(input.amount ?? DEFAULT_AMOUNTS[symbol]!, decimals);
    ctx.progress({ text: `Sending ${displayAmount(amount)} ${symbol}…` });
    const base = { userId, walletId, chainId: devnet.deployment.chainId, from: devnet.deployment.accounts.faucet, to, tokenOut: faucetToken(devnet.deployment, symbol), amountOut: amount.base };
    let payout: FaucetPayout;
    try {
      payout = await devnet.faucet.drip(to, symbol, amount.base);
    } catch (err) {
      // Refusals (over the cap, zero) sent nothing; anything else was an attempt that failed.
      if (!(err instanceof UserError)) await record(ctx, { ...base, status: 'failed', data: { symbol, error: (err as Error).message.split('\n')[0]!.slice(0, 300) } });
      throw err;
    }
    ctx.log.info({ to, symbol, amount: amount.base.toString(), hash: payout.hash }, 'devnet faucet payout');
    await record(ctx, { ...base, status: 'confirmed', hash: payout.hash, data: { symbol, decimals } });
    return {
      data: { to, token: symbol, amount: amount.base.toString(), decimals, hash: payout.hash, chainId: devnet.deployment.chainId },
      reply: {
        blocks: [{ type: 'text', text: `💧 Sent **${displayAmount(amount)} ${symbol}** (devnet, no real value) to \`${to}\`.\nTransaction: \`${payout.hash}\`` }],
        buttons: [[{ label: 'Check balance', action: 'send', value: `balance of ${to} on devnet` }]],
      },
    };
  },
});

/** What a payout of `symbol` hands out, as a transaction row names tokens. */
function faucetToken(deployment: Deployment, symbol: string): TokenId {
  if (symbol === 'ETH') return 'native';
  if (symbol === 'WETH') return deployment.weth;
  return deployment.tokens.find((t) => t.symbol === symbol)!.address;
}

/**
 * Records a payout in the asker's history. The payout itself already happened (or failed) on
 * chain: a database hiccup here is logged, not turned into a failed faucet answer.
 */
async function record(ctx: CapabilityContext, row: Omit<RecordTransaction, 'kind'>): Promise<void> {
  const store = ctx.services.transactions;
  if (!store) return;
  try {
    await store.record({ ...row, kind: 'faucet' });
  } catch (err) {
    ctx.log.warn({ err, hash: row.hash }, 'could not record a devnet faucet payout');
  }
}
