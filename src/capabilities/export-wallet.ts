import { z } from 'zod';
import { defineCapability, type CapabilityContext } from '../core/capability.js';
import { UserError } from '../core/errors.js';
import type { WalletInfo } from '../wallets/wallets.js';
import { walletActor, walletLabel, walletRef, walletService } from './wallet-input.js';
import './services.js';

async function target(ctx: CapabilityContext, ref: string | undefined): Promise<WalletInfo> {
  const wallets = walletService(ctx);
  const wallet = ref ? await wallets.find(ctx.principal.userId, ref) : await wallets.active(ctx.principal.userId);
  if (!wallet) throw new UserError('not_found', 'You have no wallets yet, so there is no key to export.');
  if (wallet.kind !== 'local') throw new UserError('bad_input', `${walletLabel(wallet)} is watch-only: Möbius holds no key for it.`);
  return wallet;
}

export const exportWallet = defineCapability({
  name: 'export_wallet',
  summary: "Shows the private key of one of your wallets (the active one if none is named) so you can back it up or move it to another wallet app. Private chat only, after you confirm.",
  input: z.object({ wallet: walletRef.optional() }),
  examples: ['export wallet savings', 'export my private key', 'show private key of wallet 2', 'back up my wallet', 'reveal key', 'i need my private key', 'export the key of wallet 2'],
  effect: 'write',
  scope: 'wallet',
  privateOnly: true,
  async describe(ctx, input) {
    const wallet = await target(ctx, input.wallet);
    // Pinned by id: "my key" (the active wallet) or a name may mean another wallet by the time of the yes.
    return { summary: `Show the private key of ${walletLabel(wallet)} here? Anyone who sees it controls everything in that wallet.`, input: { wallet: wallet.id } };
  },
  async run(ctx, input) {
    const wallet = await target(ctx, input.wallet);
    const { privateKey } = await walletService(ctx).exportKey(walletActor(ctx), wallet.id);
    return {
      data: { wallet, privateKey },
      reply: {
        privateOnly: true,
        blocks: [
          { type: 'text', text: `🔐 Private key of ${walletLabel(wallet)}:` },
          { type: 'text', text: `\`${privateKey}\`` },
          {
            type: 'text',
            text: '⚠️ **Keep it safe.** Anyone with this key controls the wallet and everything in it. Store it offline (a password manager or paper), never share it or paste it into a website, and delete this message once you have saved it. Möbius staff will never ask for it.',
          },
        ],
      },
    };
  },
});
