import { z } from 'zod';
import { defineCapability } from '../core/capability.js';
import { walletActor, walletLabel, walletRef, walletService } from './wallet-input.js';
import './services.js';

export const deleteWallet = defineCapability({
  name: 'delete_wallet',
  summary: 'Removes one of your wallets from Möbius, after you confirm. For a wallet whose key Möbius holds, the key is deleted for good: export it first if the wallet holds anything.',
  input: z.object({ wallet: walletRef }),
  examples: ['delete wallet 2', 'remove wallet savings', 'delete my trading wallet', 'stop watching 0x…', 'forget wallet 3', 'delete the wallet called savings'],
  effect: 'write',
  scope: 'wallet',
  privateOnly: true,
  async describe(ctx, input) {
    const wallet = await walletService(ctx).find(ctx.principal.userId, input.wallet);
    // Pinned by id: a name or a number may mean another wallet by the time of the yes (a rename in between).
    const pinned = { wallet: wallet.id };
    if (wallet.kind === 'watch') return { summary: `Stop watching ${walletLabel(wallet)}? It is watch-only, so no key is lost.`, input: pinned };
    return {
      summary: `Delete ${walletLabel(wallet)}${wallet.active ? ', your active wallet' : ''}? ⚠️ Its private key will be erased from Möbius for good: unless you have a backup (say "export wallet ${wallet.name}" first), anything it holds will be lost.`,
      input: pinned,
    };
  },
  async run(ctx, input) {
    const { deleted, active } = await walletService(ctx).delete(walletActor(ctx), input.wallet);
    const what = deleted.kind === 'watch' ? `Stopped watching ${walletLabel(deleted)}.` : `🗑️ Deleted ${walletLabel(deleted)} and its key.`;
    const next = deleted.active ? (active ? ` Your active wallet is now ${walletLabel(active)}.` : ' You have no wallets left.') : '';
    return {
      data: { deleted, active: active ?? null },
      reply: { blocks: [{ type: 'text', text: `${what}${next}` }], ...(active ? {} : { buttons: [[{ label: 'Create a wallet', action: 'send' as const, value: 'create a wallet' }]] }) },
    };
  },
});
