import { createHash, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import { UserError } from '../core/errors.js';
import { formatUserRef, parseUserRef, type Principal } from '../core/identity.js';
import type { Database } from '../infra/db/schema.js';
import { userSubject } from '../infra/ratelimit.js';
import type { IdentityStore } from './identities.js';

/**
 * No 0/O, 1/I: 32 symbols that survive being read off one screen and typed on another. 32 divides
 * 2^n, so `randomInt` draws each symbol without bias; 8 of them are 40 bits.
 */
export const LINK_CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const CODE_LENGTH = 8;
const CODE_TTL_MS = 10 * 60_000;

export interface AccountLinksDeps {
  db: Kysely<Database>;
  identities: Pick<IdentityStore, 'relink'>;
  audit: { append(entry: { actor: string; action: string; subject?: string | null; data?: Record<string, unknown> }): Promise<unknown> };
  /** Wrong codes count toward the person's rate-limit escalation (guessing gets them restricted). */
  violations: { recordViolation(subject: string, reason: string): Promise<void> };
  now?: () => Date;
}

export interface IssuedLinkCode {
  /** `ABCD-2345`: shown once, only its sha256 is stored. */
  code: string;
  expiresAt: Date;
}

export interface LinkedAccount {
  /** The user the identity now belongs to. */
  userId: string;
  /** The identity that issued the code (`telegram:42`). */
  linkedTo: string;
  /** Whether the identity's previous user was left with nothing and removed. */
  removedOldUser: boolean;
}

/**
 * Account linking across platforms. On platform A, `issue` gives a one-time code (10 minutes, one
 * live code per user, single use). Entered on platform B, `redeem` re-points B's identity at A's
 * user, so both reach the same wallets; until then the two are different people.
 *
 * What happens to B's own data: if B's current user owns wallets, linking is refused and the
 * person is told to export or delete them first (or to link the other way round). Moving them is
 * not an option: each wallet's sealed key is bound by its associated data to its user, so a moved
 * row would no longer decrypt, and the two accounts together could exceed the 5-wallet cap. With no
 * wallets, what B's old user still owns (preferences, conversation history, a pending action) goes
 * with it when no other identity uses it any more.
 *
 * Guessing: 40 bits per code, valid 10 minutes, every wrong code a violation toward escalation, and
 * the per-identity and per-IP limits in front: far beyond reach.
 */
export class AccountLinks {
  readonly #deps: AccountLinksDeps;
  readonly #now: () => Date;

  constructor(deps: AccountLinksDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  /**
   * A fresh code for `principal`'s user; an older live code of theirs stops working.
   *
   * @example const { code } = await links.issue(me); // 'K7QM-3XPA'
   */
  async issue(principal: Principal): Promise<IssuedLinkCode> {
    const code = newCode();
    const now = this.#now();
    const expiresAt = new Date(now.getTime() + CODE_TTL_MS);
    await this.#deps.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('link_codes').where('user_id', '=', principal.userId).execute();
      await trx
        .insertInto('link_codes')
        .values({
          code_hash: hashCode(code),
          user_id: principal.userId,
          actor: formatUserRef(principal.ref),
          created_at: now.toISOString(),
          expires_at: expiresAt.toISOString(),
        })
        .execute();
    });
    return { code: `${code.slice(0, 4)}-${code.slice(4)}`, expiresAt };
  }

  /**
   * Links `principal`'s identity to the user that issued `code`. Throws a UserError saying why not:
   * a wrong or expired code (counted toward escalation), a code from the same platform, or wallets
   * on this side.
   */
  async redeem(principal: Principal, typed: string): Promise<LinkedAccount> {
    const code = normalizeCode(typed);
    const nowIso = this.#now().toISOString();
    const row = code
      ? await this.#deps.db.selectFrom('link_codes').selectAll().where('code_hash', '=', hashCode(code)).where('expires_at', '>', nowIso).executeTakeFirst()
      : undefined;
    if (!row) {
      await this.#deps.violations.recordViolation(userSubject(principal.userId), 'link_code');
      throw wrongCode();
    }
    const actor = formatUserRef(principal.ref);
    if (row.user_id === principal.userId) {
      throw new UserError('conflict', 'This account is already linked to that one: they share the same wallets.');
    }
    const issuer = parseUserRef(row.actor);
    if (issuer.platform === principal.ref.platform) {
      // The code stays valid for its rightful use on another platform.
      throw new UserError('bad_input', `That code was made on ${issuer.platform}; enter it on a different platform to link the two. Two ${issuer.platform} accounts cannot be linked.`);
    }
    const from = principal.userId;
    const { linked, removedUser } = await this.#deps.identities.relink(principal.ref, row.user_id, {
      from,
      check: async (trx) => {
        const wallets = await trx.selectFrom('wallets').select((eb) => eb.fn.countAll<number | string>().as('n')).where('user_id', '=', from).executeTakeFirstOrThrow();
        const count = Number(wallets.n);
        if (count > 0) {
          throw new UserError(
            'conflict',
            `This ${principal.ref.platform} account has ${count} wallet${count === 1 ? '' : 's'} of its own. Export or delete ${count === 1 ? 'it' : 'them'} first, or link the other way round: say "link account" here and enter the code on ${issuer.platform}.`,
            { details: { wallets: count } },
          );
        }
        // Single use: the delete is the claim, so two redemptions at once cannot both succeed.
        const claimed = await trx.deleteFrom('link_codes').where('code_hash', '=', row.code_hash).where('expires_at', '>', nowIso).executeTakeFirst();
        if (claimed.numDeletedRows === 0n) throw wrongCode();
      },
    });
    if (!linked) throw new UserError('conflict', 'This account changed while linking; please try again.');
    await this.#deps.audit.append({
      actor,
      action: 'account.linked',
      subject: row.user_id,
      data: { platform: principal.ref.platform, linkedTo: row.actor, previousUser: from, previousUserRemoved: removedUser },
    });
    return { userId: row.user_id, linkedTo: row.actor, removedOldUser: removedUser };
  }
}

function wrongCode(): UserError {
  return new UserError('bad_input', 'That link code is wrong or has expired. Say "link account" on your other platform for a new one.');
}

function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += LINK_CODE_ALPHABET[randomInt(LINK_CODE_ALPHABET.length)];
  return code;
}

/** `abcd-2345`, `ABCD 2345` → `ABCD2345`; undefined when it cannot be one of our codes. */
export function normalizeCode(typed: string): string | undefined {
  const code = typed.toUpperCase().replace(/[\s-]/g, '');
  return code.length === CODE_LENGTH && [...code].every((c) => LINK_CODE_ALPHABET.includes(c)) ? code : undefined;
}

function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}
