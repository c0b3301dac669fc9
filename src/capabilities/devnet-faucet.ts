import { z } from 'zod';
import { parseAddress } from '../chain/address.js';
import { defineCapability } from '../core/capability.js';
import { displayAmount, parseAmount } from '../core/amount.js';
import { UserError } from '../core/errors.js';
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
    address: z.string().trim().min(1).max(100).describe('The 0x address to fund.'),
    token: z.string().trim().min(1).max(20).optional().describe('ETH (default) or a devnet token symbol.'),
    amount: z.string().trim().min(1).max(40).optional().describe('How much, in whole units ("10", "0.5"). Omitted: a useful default.'),
  }),
  examples: ['give me 10 eth', 'faucet', 'send me test eth', 'fund 0x… with 1000 usdc', 'i need devnet funds', 'airdrop me some eth'],
  // Moves only worthless devnet funds from the faucet, never anyone's own: nothing to confirm.
  effect: 'read',
  cost: 5,
  async run(ctx, input) {
    const devnet = ctx.services.chain?.devnet;
    if (!devnet) throw new UserError('bad_input', 'The faucet only exists on the devnet, and this Möbius is not serving one.');
    const to = parseAddress(input.address);
    const symbol = (input.token ?? 'ETH').replace(/^\$/, '').toUpperCase();
    const decimals = symbol === 'ETH' || symbol === 'WETH' ? 18 : devnet.deployment.tokens.find((t) => t.symbol === symbol)?.decimals;
    if (decimals === undefined) {
      throw new UserError('unknown_token', `The devnet faucet has no ${symbol}; it gives ${Object.keys(DEFAULT_AMOUNTS).join(', ')}.`);
    }
    const amount = parseAmount(input.amount ?? DEFAULT_AMOUNTS[symbol]!, decimals);
    ctx.progress({ text: `Sending ${displayAmount(amount)} ${symbol}…` });
    const payout = await devnet.faucet.drip(to, symbol, amount.base);
    ctx.log.info({ to, symbol, amount: amount.base.toString(), hash: payout.hash }, 'devnet faucet payout');
    return {
      data: { to, token: symbol, amount: amount.base.toString(), decimals, hash: payout.hash, chainId: devnet.deployment.chainId },
      reply: {
        blocks: [{ type: 'text', text: `💧 Sent **${displayAmount(amount)} ${symbol}** (devnet, no real value) to \`${to}\`.\nTransaction: \`${payout.hash}\`` }],
        buttons: [[{ label: 'Check balance', action: 'send', value: `balance of ${to} on devnet` }]],
      },
    };
  },
});
