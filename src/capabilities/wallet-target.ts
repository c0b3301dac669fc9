import { z } from 'zod';
import { parseAddress } from '../chain/address.js';
import type { CapabilityContext } from '../core/capability.js';
import { UserError } from '../core/errors.js';
import type { Address } from '../core/token.js';
import type { WalletInfo } from '../wallets/wallets.js';
import './services.js';

/** What to say when a person asks about "my" wallet and has none. */
export const NO_WALLET_MESSAGE = 'You have no wallet yet — create a wallet first: say "create a wallet" (or give me an address).';

export const walletSlot = z.string().trim().min(1).max(64).optional().describe('One of your wallets: its name, number or address. Omitted: your active wallet.');
export const addressSlot = z.string().trim().min(1).max(100).optional().describe('Any 0x address, yours or not.');

export interface WalletTarget {
  address: Address;
  /** The person's own wallet at that address, if it is one. */
  wallet: WalletInfo | undefined;
}

/**
 * The address a wallet question is about: the named wallet of the person's own, else the given
 * address (marked as theirs when it is one of their wallets), else their active wallet; a clear
 * error when they have none.
 */
export async function walletTarget(ctx: CapabilityContext, input: { address?: string | undefined; wallet?: string | undefined }): Promise<WalletTarget> {
  const wallets = ctx.services.wallets;
  const userId = ctx.principal.userId;
  if (input.wallet) {
    if (!wallets) throw new UserError('bad_input', 'Wallets are not available on this Möbius.');
    const wallet = await wallets.find(userId, input.wallet);
    return { address: wallet.address, wallet };
  }
  if (input.address) {
    const address = parseAddress(input.address);
    const wallet = (await wallets?.list(userId))?.find((w) => w.address.toLowerCase() === address.toLowerCase());
    return { address, wallet };
  }
  const active = await wallets?.active(userId);
  if (!active) throw new UserError('bad_input', NO_WALLET_MESSAGE);
  return { address: active.address, wallet: active };
}

/** "0xAbCd…1234": enough to recognise an address in a sentence. */
export function shortHex(hex: string): string {
  return hex.length > 14 ? `${hex.slice(0, 6)}…${hex.slice(-4)}` : hex;
}
