import { z } from 'zod';
import { defineCapability, type CapabilityResult } from '../core/capability.js';
import { UserError } from '../core/errors.js';
import './services.js';

/** A new code, or the account this identity was linked to. */
export type LinkAccountData = { code: string; expiresAt: string } | { linked: true; linkedTo: string };

/**
 * Links a person's identities on two platforms. Without a code it issues one; with a code (typed on
 * the other platform) it links. The code itself is the proof and the confirmation — typed by the
 * person on a second platform, single use — so there is no separate yes/no step. Private chats
 * only: a code shown in a group could be used by anyone there.
 */
export const linkAccount = defineCapability({
  name: 'link_account',
  summary:
    'Links your accounts on two platforms (e.g. Telegram and Discord) so both use the same wallets: say "link account" on one to get a one-time code, then "link <code>" on the other.',
  input: z.object({
    code: z.string().trim().min(1).max(32).optional().describe('The one-time code from the other platform, e.g. ABCD-2345; omit to get a new code'),
  }),
  examples: ['link account', 'link my accounts', 'connect my other account', 'link code ABCD-2345', 'link ABCD-2345', 'get a link code', 'use the same wallets on telegram'],
  effect: 'read',
  scope: 'wallet',
  privateOnly: true,
  async run(ctx, input): Promise<CapabilityResult<LinkAccountData>> {
    const links = ctx.services.accountLinks;
    if (!links) throw new UserError('dependency_unavailable', 'Account linking is not available on this instance.');
    if (input.code === undefined) {
      const { code, expiresAt } = await links.issue(ctx.principal);
      const minutes = Math.round((expiresAt.getTime() - Date.now()) / 60_000);
      return {
        data: { code, expiresAt: expiresAt.toISOString() },
        reply: {
          blocks: [
            { type: 'text', text: `Your link code: **${code}** (valid ${minutes} minutes, once).` },
            { type: 'text', text: `On your other platform, say "link ${code}" to me. That account will then use this account's wallets.` },
            { type: 'text', text: '⚠️ Never share this code: whoever enters it gets access to your wallets.' },
          ],
        },
      };
    }
    const linked = await links.redeem(ctx.principal, input.code);
    return {
      data: { linked: true, linkedTo: linked.linkedTo },
      reply: {
        blocks: [
          { type: 'text', text: `✅ Linked: this ${ctx.principal.ref.platform} account now shares its wallets and settings with your ${linked.linkedTo.split(':')[0]} account.` },
        ],
      },
    };
  },
});
