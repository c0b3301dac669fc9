import { z } from 'zod';
import { defineCapability } from '../core/capability.js';
import { escapeMarkup } from '../core/reply.js';
import { walletActor, walletLabel, walletName, walletRef, walletService } from './wallet-input.js';
import './services.js';

export const renameWallet = defineCapability({
  name: 'rename_wallet',
  summary: 'Gives one of your wallets a new name (1–32 characters, unique among your wallets). Without a wallet named, renames the active one.',
  input: z.object({ wallet: walletRef.optional(), name: walletName }),
  examples: ['rename wallet 1 to savings', 'rename savings to trading', 'call my wallet cold storage', 'rename wallet to main'],
  effect: 'read',
  scope: 'wallet',
  async run(ctx, input) {
    const wallets = walletService(ctx);
    const ref = input.wallet ?? (await wallets.active(ctx.principal.userId))?.id ?? '1';
    const { wallet, previousName } = await wallets.rename(walletActor(ctx), ref, input.name);
    return {
      data: { wallet, previousName },
      reply: { blocks: [{ type: 'text', text: `✏️ Renamed **${escapeMarkup(previousName)}** to ${walletLabel(wallet)}.` }] },
    };
  },
});
