import { z } from 'zod';
import { defineCapability } from '../core/capability.js';
import type { ImportMethod, WalletInfo } from '../wallets/wallets.js';
import { walletActor, walletLabel, walletName, walletService } from './wallet-input.js';
import './services.js';

// Field names matter: `privateKey`, `mnemonic`, `keystore` and `password` are the names the log and
// audit redaction blanks, and the chat intent reports as "[REDACTED]". Every message below is our
// own: none repeats what was sent (zod's defaults are replaced where they could).
const input = z
  .object({
    privateKey: z.string({ error: 'privateKey must be text: 64 hex digits.' }).max(200, 'privateKey is too long: a private key is 64 hex digits.').optional().describe('A raw private key: 64 hex digits, 0x optional.'),
    mnemonic: z.string({ error: 'mnemonic must be text: the words of the phrase.' }).max(1000, 'mnemonic is too long: a phrase has at most 24 words.').optional().describe('A BIP-39 English recovery phrase of 12, 15, 18, 21 or 24 words.'),
    derivationPath: z.string({ error: 'derivationPath must be text.' }).max(100, 'derivationPath is too long.').optional().describe("With mnemonic: the account's derivation path (default m/44'/60'/0'/0/0)."),
    keystore: z
      .union([z.string(), z.record(z.string(), z.unknown())], { error: 'keystore must be the keystore v3 JSON file, as text or as an object.' })
      .transform((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
      .optional()
      .describe('A keystore v3 JSON file (geth, MetaMask, MyEtherWallet), as text or as a JSON object; needs password.'),
    password: z.string({ error: 'password must be text.' }).max(1000, 'password is too long.').optional().describe("The keystore file's password."),
    name: walletName.optional(),
  })
  .superRefine((v, ctx) => {
    const given = [v.privateKey, v.mnemonic, v.keystore].filter((x) => x !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({ code: 'custom', path: [], message: given === 0 ? 'Send the key to import: a private key (64 hex digits), a recovery phrase (12–24 words), or a keystore file with its password.' : 'Send one key at a time: a private key, a recovery phrase, or a keystore file.' });
    }
    if (v.keystore !== undefined && v.password === undefined) ctx.addIssue({ code: 'custom', path: ['password'], message: 'A keystore file needs its password.' });
    if (v.derivationPath !== undefined && v.mnemonic === undefined) ctx.addIssue({ code: 'custom', path: ['derivationPath'], message: 'A derivation path goes with a recovery phrase.' });
  });

const FROM: Record<ImportMethod, string> = { private_key: 'a private key', mnemonic: 'a recovery phrase', keystore_v3: 'a keystore file' };

export const importWallet = defineCapability({
  name: 'import_wallet',
  summary: 'Imports an existing EVM wallet from a private key, a BIP-39 recovery phrase (with an optional derivation path) or a keystore v3 file with its password. The key is encrypted at once and never shown in logs.',
  input,
  examples: ['import wallet 0x…', 'import my private key', 'import seed phrase', 'restore wallet from recovery phrase', 'import keystore file', 'add an existing wallet', 'bring in my wallet', 'add a wallet with my private key'],
  // Adds to the person's own list; nothing is lost, so nothing to confirm. And a pending action
  // would have to store the key until the yes: it must go straight into the keystore instead.
  effect: 'read',
  scope: 'wallet',
  privateOnly: true,
  async run(ctx, input) {
    const wallets = walletService(ctx);
    const by = walletActor(ctx);
    let wallet: WalletInfo;
    let method: ImportMethod;
    if (input.privateKey !== undefined) {
      method = 'private_key';
      wallet = await wallets.importPrivateKey(by, input.privateKey, input.name);
    } else if (input.mnemonic !== undefined) {
      method = 'mnemonic';
      wallet = await wallets.importMnemonic(by, input.mnemonic, { ...(input.derivationPath ? { path: input.derivationPath } : {}), ...(input.name ? { name: input.name } : {}) });
    } else {
      method = 'keystore_v3';
      wallet = await wallets.importKeystore(by, input.keystore!, input.password!, input.name);
    }
    return {
      data: { wallet, method },
      reply: {
        blocks: [
          { type: 'text', text: `🔑 Imported ${walletLabel(wallet)} from ${FROM[method]}${wallet.derivationPath ? ` (path ${wallet.derivationPath})` : ''}${wallet.active ? ' — your active wallet' : ''}.\nAddress: \`${wallet.address}\`` },
          { type: 'text', text: '_The key is now stored encrypted. If the message you sent it in is still visible, delete it._' },
        ],
        buttons: [
          [
            { label: 'My wallets', action: 'send', value: 'my wallets' },
            { label: 'Balance', action: 'send', value: `balance of ${wallet.address}` },
          ],
        ],
      },
    };
  },
});
