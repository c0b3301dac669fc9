import { z } from 'zod';
import { defineCapability } from '../core/capability.js';
import { walletActor, walletLabel, walletRef, walletService } from './wallet-input.js';
import './services.js';

export const setActiveWallet = defineCapability({
  name: 'set_active_wallet',
  summary: 'Makes one of your wallets the active one: the wallet swaps, transfers and balance questions use when you do not name another.',
  input: z.object({ wallet: walletRef }),
  examples: ['use wallet savings', 'switch to wallet 2', 'set active wallet trading', 'activate wallet 1', 'make savings my main wallet', 'change active wallet to savings', 'switch wallet to 2', 'make wallet 2 the active one', 'set my default wallet to savings'],
  effect: 'read',
  scope: 'wallet',
  async run(ctx, input) {
    const wallet = await walletService(ctx).setActive(walletActor(ctx), input.wallet);
    return {
      data: { wallet },
      reply: { blocks: [{ type: 'text', text: `✅ ${walletLabel(wallet)} is now your active wallet${wallet.kind === 'watch' ? ' (watch-only: it can show balances but not sign)' : ''}.` }] },
    };
  },
});
