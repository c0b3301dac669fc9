import { z } from 'zod';
import { defineCapability } from '../core/capability.js';
import { walletActor, walletLabel, walletName, walletService } from './wallet-input.js';
import './services.js';

export const addWatchAddress = defineCapability({
  name: 'add_watch_address',
  summary: 'Follows an address without its key (watch-only): its balances show in your wallets and portfolio, but Möbius cannot sign for it. Counts toward your 5 wallets.',
  input: z.object({
    address: z.string().trim().min(1).max(100, 'An address is 0x and 40 hex digits.').describe('The 0x address to follow.'),
    name: walletName.optional(),
  }),
  examples: ['watch 0x…', 'track address 0x…', 'add watch address 0x… as cold', 'follow 0x…', 'watch only wallet 0x…'],
  effect: 'read',
  scope: 'wallet',
  async run(ctx, input) {
    const wallet = await walletService(ctx).addWatch(walletActor(ctx), input.address, input.name);
    return {
      data: { wallet },
      reply: {
        blocks: [{ type: 'text', text: `👀 Watching ${walletLabel(wallet)}${wallet.active ? ' — your active wallet' : ''}. Möbius holds no key for it: balances only.` }],
        buttons: [[{ label: 'Balance', action: 'send', value: `balance of ${wallet.address}` }]],
      },
    };
  },
});
