import { z } from 'zod';
import { defineCapability } from '../core/capability.js';
import type { WalletInfo } from '../wallets/wallets.js';
import { walletActor, walletLabel, walletName, walletService } from './wallet-input.js';
import './services.js';

export const createWallet = defineCapability({
  name: 'create_wallet',
  summary: 'Creates a new EVM wallet for you with a fresh random key, kept encrypted by Möbius. Your first wallet becomes the active one.',
  input: z.object({ name: walletName.optional() }),
  examples: ['create a wallet', 'new wallet called savings', 'make me a wallet', 'generate a new wallet', 'create wallet named trading', 'i need a new wallet', 'create a wallet and name it trading', 'i want a new wallet'],
  // Adds to the person's own list and loses nothing, so there is nothing to confirm ('write' means
  // "ask first"). Private chats only: the reply is about their keys.
  effect: 'read',
  scope: 'wallet',
  privateOnly: true,
  async run(ctx, input) {
    const wallets = walletService(ctx);
    const wallet: WalletInfo = await wallets.create(walletActor(ctx), input.name);
    const count = (await wallets.list(ctx.principal.userId)).length;
    return {
      data: { wallet, count, limit: wallets.maxPerUser },
      reply: {
        blocks: [
          { type: 'text', text: `🆕 Created ${walletLabel(wallet)}${wallet.active ? ' — your active wallet' : ''}.\nAddress: \`${wallet.address}\`` },
          { type: 'text', text: `_Möbius keeps its key encrypted. Say "export wallet ${wallet.name}" in a private chat to back it up. (${count} of ${wallets.maxPerUser} wallets)_` },
        ],
        buttons: [
          [
            { label: 'My wallets', action: 'send', value: 'my wallets' },
            { label: 'Balance', action: 'send', value: `balance of ${wallet.address}` },
            ...(ctx.services.chain?.devnet ? [{ label: 'Get devnet ETH', action: 'send' as const, value: `fund ${wallet.address} with 10 eth` }] : []),
          ],
        ],
      },
    };
  },
});
