import { z } from 'zod';
import { defineCapability } from '../core/capability.js';
import { walletService, walletsTable } from './wallet-input.js';
import './services.js';

export const listWallets = defineCapability({
  name: 'list_wallets',
  summary: 'Lists your wallets with their names, addresses, which one is active and which are watch-only.',
  input: z.object({}),
  examples: ['my wallets', 'list wallets', 'show my wallets', 'which wallets do i have', 'wallets', 'which wallet is active', 'what is my active wallet', 'how many wallets do i have', 'display my wallets', 'show all my wallets', 'list my accounts'],
  effect: 'read',
  scope: 'wallet',
  async run(ctx) {
    const wallets = walletService(ctx);
    const list = await wallets.list(ctx.principal.userId);
    if (list.length === 0) {
      return {
        data: { wallets: [], limit: wallets.maxPerUser },
        reply: {
          blocks: [{ type: 'text', text: 'You have no wallets yet. Create one, import one you have, or watch an address.' }],
          buttons: [[{ label: 'Create a wallet', action: 'send', value: 'create a wallet' }]],
        },
      };
    }
    return {
      data: { wallets: list, limit: wallets.maxPerUser },
      reply: {
        blocks: [
          walletsTable(list, `Your wallets (${list.length} of ${wallets.maxPerUser})`),
          { type: 'text', text: '_Refer to one by name or number: "use wallet 2", "rename wallet 1 to savings", "balance of savings"._' },
        ],
        buttons: [[{ label: 'Balances', action: 'send', value: 'my balance' }]],
      },
    };
  },
});
