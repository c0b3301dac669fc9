import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { databaseCases, type TestDatabase } from '../../test/helpers/databases.js';
import type { Principal } from '../core/identity.js';
import { AuditLog } from '../infra/audit.js';
import { createMetrics } from '../infra/metrics.js';
import { createRateLimiter, RestrictedError, type Restriction } from '../infra/ratelimit.js';
import { AccountLinks, LINK_CODE_ALPHABET, normalizeCode } from './account-links.js';
import { IdentityStore } from './identities.js';

describe('link codes', () => {
  it('read the way people type them and refuse anything that cannot be one', () => {
    assert.equal(normalizeCode('abcd-2345'), 'ABCD2345');
    assert.equal(normalizeCode(' ABCD 2345 '), 'ABCD2345');
    for (const bad of ['ABCD-234', 'ABCD-23456', 'ABCD-0345', 'IBCD-2345', '']) assert.equal(normalizeCode(bad), undefined, bad);
    assert.equal(LINK_CODE_ALPHABET.length, 32);
    assert.equal(new Set(LINK_CODE_ALPHABET).size, 32);
  });
});

for (const c of databaseCases()) {
  describe(`account linking on ${c.name}`, { skip: c.skip }, () => {
    let handle: TestDatabase;
    let identities: IdentityStore;
    let audit: AuditLog;
    let links: AccountLinks;
    let restrictions: Restriction[];
    let limiter: ReturnType<typeof createRateLimiter>;
    let now: Date;

    before(async () => {
      handle = await c.open({ migrated: true });
      identities = new IdentityStore(handle.db);
      audit = new AuditLog(handle.db, handle.dialect);
      restrictions = [];
      limiter = createRateLimiter({
        tiers: { free: 100, pro: 100, admin: 100 },
        metrics: createMetrics({ defaultMetrics: false }),
        escalation: { threshold: 3, windowSeconds: 600, restrictSeconds: 900, maxRestrictSeconds: 3600 },
        onRestricted: (r) => restrictions.push(r),
      });
      now = new Date();
      links = new AccountLinks({ db: handle.db, identities, audit, violations: limiter, now: () => now });
    });
    after(() => handle?.close());

    const who = (platform: Principal['ref']['platform'], id: string) => identities.resolve({ platform, id });

    it('links a Discord identity to the Telegram user that issued the code, once', async () => {
      const tg = await who('telegram', '100');
      const dc = await who('discord', '200');
      await handle.db.insertInto('preferences').values({ user_id: dc.userId, key: 'fiat', value: '"eur"', updated_at: now.toISOString() }).execute();
      assert.notEqual(tg.userId, dc.userId, 'isolated until linked');
      const { code, expiresAt } = await links.issue(tg);
      assert.match(code, /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
      assert.equal(expiresAt.getTime() - now.getTime(), 10 * 60_000);
      // Only the hash is stored.
      const stored = await handle.db.selectFrom('link_codes').selectAll().where('user_id', '=', tg.userId).execute();
      assert.equal(stored.length, 1);
      assert.equal(stored[0]!.code_hash, createHash('sha256').update(code.replace('-', '')).digest('hex'));
      assert.ok(!JSON.stringify(stored).includes(code.replace('-', '')));

      const linked = await links.redeem(dc, code.toLowerCase());
      assert.deepEqual(linked, { userId: tg.userId, linkedTo: 'telegram:100', removedOldUser: true });
      assert.equal((await who('discord', '200')).userId, tg.userId, 'the cache was updated');
      assert.equal((await new IdentityStore(handle.db).resolve({ platform: 'discord', id: '200' })).userId, tg.userId);
      // The old user and what it held are gone.
      assert.equal(await handle.db.selectFrom('users').select('id').where('id', '=', dc.userId).executeTakeFirst(), undefined);
      assert.equal((await handle.db.selectFrom('preferences').select('key').where('user_id', '=', dc.userId).execute()).length, 0);
      // Single use.
      const slack = await who('web', 'session-1');
      await assert.rejects(links.redeem(slack, code), { code: 'bad_input', message: /wrong or has expired/ });
      const [entry] = await handle.db.selectFrom('audit_log').selectAll().where('action', '=', 'account.linked').execute();
      assert.equal(entry!.actor, 'discord:200');
      assert.equal(entry!.subject, tg.userId);
      assert.ok(!entry!.data.includes(code.replace('-', '')) && !entry!.data.includes(code), 'the code reached the audit log');
    });

    it('keeps one live code per user: a new one replaces the old', async () => {
      const tg = await who('telegram', '101');
      const first = await links.issue(tg);
      const second = await links.issue(tg);
      assert.equal((await handle.db.selectFrom('link_codes').select('code_hash').where('user_id', '=', tg.userId).execute()).length, 1);
      await assert.rejects(links.redeem(await who('discord', '201'), first.code), { code: 'bad_input' });
      await links.redeem(await who('discord', '202'), second.code);
    });

    it('refuses an expired code', async () => {
      const tg = await who('telegram', '102');
      const { code } = await links.issue(tg);
      const issuedAt = now;
      now = new Date(issuedAt.getTime() + 10 * 60_000 + 1);
      try {
        await assert.rejects(links.redeem(await who('discord', '203'), code), { code: 'bad_input', message: /expired/ });
      } finally {
        now = issuedAt;
      }
    });

    it('refuses linking on the same platform and keeps the code for the right one', async () => {
      const tg = await who('telegram', '103');
      const { code } = await links.issue(tg);
      await assert.rejects(links.redeem(await who('telegram', '104'), code), { code: 'bad_input', message: /different platform/ });
      await assert.rejects(links.redeem(tg, code), { code: 'conflict', message: /already linked/ });
      await links.redeem(await who('discord', '204'), code);
    });

    it('refuses when the identity entering the code owns wallets, and keeps them', async () => {
      const tg = await who('telegram', '105');
      const dc = await who('discord', '205');
      await handle.db.insertInto('wallets').values({
        id: 'wal_dc', user_id: dc.userId, name: 'Mine', address: '0x00000000000000000000000000000000000000d1', kind: 'watch', derivation_path: null,
        active: 1, key_id: null, key_version: null, wrapped_dek: null, dek_nonce: null, ciphertext: null, nonce: null, created_at: now.toISOString(),
      }).execute();
      const { code } = await links.issue(tg);
      await assert.rejects(links.redeem(dc, code), { code: 'conflict', message: /1 wallet of its own\. Export or delete it first/ });
      assert.equal((await who('discord', '205')).userId, dc.userId);
      assert.equal((await handle.db.selectFrom('wallets').select('user_id').where('id', '=', 'wal_dc').executeTakeFirstOrThrow()).user_id, dc.userId);
      // The refusal rolled back: the code still works once the wallet is gone.
      await handle.db.deleteFrom('wallets').where('id', '=', 'wal_dc').execute();
      await links.redeem(dc, code);
    });

    it('never loses a wallet added while the code is entered: the wallet is kept and linking refused', async () => {
      const tg = await who('telegram', '106');
      const dc = await who('discord', '206');
      const { code } = await links.issue(tg);
      // A wallet being added at the same moment (another device): written under the user's lock, as
      // WalletService does, and not yet committed when the code arrives.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let written!: () => void;
      const isWritten = new Promise<void>((resolve) => (written = resolve));
      const adding = handle.db.transaction().execute(async (trx) => {
        if (handle.dialect === 'postgres') await sql`select id from users where id = ${dc.userId} for update`.execute(trx);
        await trx.insertInto('wallets').values({
          id: 'wal_race', user_id: dc.userId, name: 'New', address: '0x00000000000000000000000000000000000000d2', kind: 'watch', derivation_path: null,
          active: 1, key_id: null, key_version: null, wrapped_dek: null, dek_nonce: null, ciphertext: null, nonce: null, created_at: now.toISOString(),
        }).execute();
        written();
        await gate;
      });
      await isWritten;
      const redeeming = links.redeem(dc, code).then(() => 'linked', (err: unknown) => err);
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      await adding;
      const outcome = await redeeming;
      assert.equal((await handle.db.selectFrom('wallets').select('user_id').where('id', '=', 'wal_race').executeTakeFirst())?.user_id, dc.userId, 'the new wallet is still there');
      assert.ok(outcome instanceof Error && /wallet of its own/.test(outcome.message), `linking refused, got ${String(outcome)}`);
      assert.equal((await identities.find({ platform: 'discord', id: '206' }))?.userId, dc.userId);
    });

    it('counts wrong codes toward escalation: guessing gets the person restricted', async () => {
      const guesser = await who('discord', '206');
      for (const guess of ['AAAA-AAAA', 'not a code', 'BBBB-BBBB']) {
        await assert.rejects(links.redeem(guesser, guess), { code: 'bad_input' });
      }
      assert.deepEqual(restrictions.map((r) => [r.subject, r.reason]), [[`user:${guesser.userId}`, 'link_code']]);
      await assert.rejects(limiter.consumeUser(guesser.userId, 'free'), RestrictedError);
    });
  });
}
