import { z } from 'zod';
import type { CapabilityContext } from '../core/capability.js';
import { UserError } from '../core/errors.js';
import { formatUserRef } from '../core/identity.js';
import { escapeMarkup, table, type TableBlock } from '../core/reply.js';
import type { WalletActor, WalletInfo, WalletService } from '../wallets/wallets.js';
import './services.js';

/** Which of the person's wallets: shared by every wallet capability. */
export const walletRef = z
  .string()
  .trim()
  .min(1, 'Say which wallet: its name, its number or its address.')
  .max(64, 'A wallet reference is its name, its number or its address (at most 64 characters).')
  .describe('Which of your wallets: its name ("savings"), its number in "my wallets" (1, 2 …) or its address.');

export const walletName = z
  .string()
  .trim()
  .min(1, 'A wallet name is 1 to 32 characters.')
  .max(32, 'A wallet name is 1 to 32 characters.')
  .describe('A name for the wallet, 1–32 characters ("savings", "trading").');

/** The wallet service, or a clear answer that this instance has none. */
export function walletService(ctx: CapabilityContext): WalletService {
  const wallets = ctx.services.wallets;
  if (!wallets) throw new UserError('dependency_unavailable', 'Wallets are not available here: this Möbius was started without its keystore.');
  return wallets;
}

/** The person asking, as the wallet service and its audit entries name them. */
export function walletActor(ctx: CapabilityContext): WalletActor {
  return { userId: ctx.principal.userId, actor: formatUserRef(ctx.principal.ref) };
}

/** `**Savings** (0x12ab…cdef)` */
export function walletLabel(wallet: Pick<WalletInfo, 'name' | 'address'>): string {
  return `**${escapeMarkup(wallet.name)}** (\`${wallet.address.slice(0, 6)}…${wallet.address.slice(-4)}\`)`;
}

/** One row per wallet: `1. Savings · active` → `0x… · watch-only`. */
export function walletsTable(wallets: readonly WalletInfo[], title?: string): TableBlock {
  return table(
    wallets.map((w, i) => [
      `${i + 1}. ${w.name}${w.active ? ' ★ active' : ''}`,
      `${w.address}${w.kind === 'watch' ? ' · watch-only' : ''}`,
    ]),
    title,
  );
}

