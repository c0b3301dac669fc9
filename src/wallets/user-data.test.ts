import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseCases, type TestDatabase } from '../../test/helpers/databases.js';
import { AuditLog } from '../infra/audit.js';
import { IdentityStore } from './identities.js';
import { UserDataService } from './user-data.js';

const SEALED = 'c2VhbGVkLWtleS1tYXRlcmlhbA';

for (const c of databaseCases()) {
  describe(`user data (GDPR) on ${c.name}`, { skip: c.skip }, () => {
    let handle: TestDatabase;
    let identities: IdentityStore;
    let audit: AuditLog;
    let service: UserDataService;
    let alice: string;
    let bob: string;

    before(async () => {
      handle = await c.open({ migrated: true });
      identities = new IdentityStore(handle.db);
      audit = new AuditLog(handle.db, handle.dialect);
      service = new UserDataService({ db: handle.db, dialect: handle.dialect, identities, audit, now: () => new Date('2025-07-01T00:00:00.000Z') });
      alice = (await identities.resolve({ platform: 'telegram', id: '42' })).userId;
      bob = (await identities.resolve({ platform: 'telegram', id: '43' })).userId;
      const { db } = handle;
      const at = '2025-06-01T00:00:00.000Z';
      await db.insertInto('identities').values({ platform: 'discord', platform_user_id: '777', user_id: alice, created_at: at }).execute();
      await db.insertInto('preferences').values({ user_id: alice, key: 'fiat', value: '"eur"', updated_at: at }).execute();
      for (const [id, owner, address] of [['wal_a', alice, '0x00000000000000000000000000000000000000a1'], ['wal_b', bob, '0x00000000000000000000000000000000000000b1']] as const) {
        await db.insertInto('wallets').values({
          id, user_id: owner, name: 'Main', address, kind: 'local', derivation_path: null, active: 1,
          key_id: 'mk_1', key_version: 1, wrapped_dek: SEALED, dek_nonce: SEALED, ciphertext: SEALED, nonce: SEALED, created_at: at,
        }).execute();
      }
      await db.insertInto('pending_actions').values({
        id: 'pa_1', user_id: alice, actor: 'telegram:42', capability: 'delete_wallet', input: '{"wallet":"Main","privateKey":"0xabc"}',
        summary: 'Delete wallet Main?', source: 'builtin', chat_kind: 'private', chat_id: '42', created_at: at, expires_at: at,
      }).execute();
      await db.insertInto('transactions').values({
        id: 'tx_1', user_id: alice, wallet_id: 'wal_a', kind: 'faucet', status: 'confirmed', chain_id: 31337, hash: `0x${'ab'.repeat(32)}`,
        from_address: null, to_address: '0x00000000000000000000000000000000000000a1', token_in: null, amount_in: null, token_out: 'native',
        amount_out: '1000000000000000000', value_usd_e6: null, data: '{"note":"faucet"}', created_at: at,
      }).execute();
      await db.insertInto('messages').values([
        { id: 'msg_a', user_id: alice, platform: 'telegram', role: 'user', text: 'price of eth', created_at: at },
        { id: 'msg_b', user_id: bob, platform: 'telegram', role: 'user', text: 'bob says hi', created_at: at },
      ]).execute();
      await db.insertInto('notifications').values({ id: 'ntf_a', user_id: alice, kind: 'alert', payload: '{"text":"ETH above 4000"}', status: 'sent', attempts: 1, created_at: at, sent_at: at }).execute();
      await db.insertInto('link_codes').values({ code_hash: 'h', user_id: alice, actor: 'telegram:42', created_at: at, expires_at: at }).execute();
      await audit.append({ actor: 'telegram:42', action: 'capability.create_wallet', subject: alice, data: { outcome: 'ok' } });
      await audit.append({ actor: 'telegram:43', action: 'capability.create_wallet', subject: bob, data: { outcome: 'ok' } });
    });
    after(() => handle?.close());

    it('finds a user by id or by any of their identities, never creating one', async () => {
      assert.equal(await service.resolveUser(alice), alice);
      assert.equal(await service.resolveUser('telegram:42'), alice);
      assert.equal(await service.resolveUser('discord:777'), alice);
      await assert.rejects(service.resolveUser('telegram:999'), { code: 'not_found' });
      await assert.rejects(service.resolveUser('usr_nobody'), { code: 'not_found' });
      await assert.rejects(service.resolveUser('nonsense'), { code: 'bad_input' });
      assert.equal(await identities.find({ platform: 'telegram', id: '999' }), undefined);
    });

    it('exports everything about the user and nothing of their keys or of anyone else', async () => {
      const data = await service.export(alice, 'cli:operator');
      assert.deepEqual(data.user.id, alice);
      assert.deepEqual(data.identities.map((i) => `${i.platform}:${i.id}`).sort(), ['discord:777', 'telegram:42']);
      assert.deepEqual(data.preferences, [{ key: 'fiat', value: 'eur', updatedAt: '2025-06-01T00:00:00.000Z' }]);
      assert.deepEqual(data.wallets, [
        { id: 'wal_a', name: 'Main', address: '0x00000000000000000000000000000000000000a1', kind: 'local', derivationPath: null, active: true, createdAt: '2025-06-01T00:00:00.000Z' },
      ]);
      assert.equal(data.pendingActions.length, 1);
      assert.deepEqual(data.pendingActions[0]!.input, { wallet: 'Main' }, 'a secret-looking input field is dropped');
      assert.equal(data.transactions.length, 1);
      assert.deepEqual(data.transactions[0]!.data, { note: 'faucet' });
      assert.deepEqual(data.messages.map((m) => m.text), ['price of eth']);
      assert.deepEqual(data.notifications.map((n) => n.payload), [{ text: 'ETH above 4000' }]);
      assert.deepEqual(data.audit.map((a) => a.action), ['capability.create_wallet']);
      const text = JSON.stringify(data);
      for (const secret of [SEALED, 'mk_1', '0xabc', 'bob says hi', bob]) assert.ok(!text.includes(secret), `the export holds ${secret}`);
      const [last] = await handle.db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1).execute();
      assert.equal(last!.action, 'user.exported');
      assert.equal(last!.subject, alice);
      assert.equal(last!.actor, 'cli:operator');
      assert.equal(JSON.parse(last!.data).wallets, 1);
    });

    it('erases the user and all they own, leaving a tombstone with counts only and a valid chain', async () => {
      await identities.resolve({ platform: 'telegram', id: '42' }); // cached before the delete
      const erased = await service.delete(alice, 'cli:operator');
      assert.deepEqual(erased, { transactions: 1, pendingActions: 1, linkCodes: 1, messages: 1, notifications: 1, alerts: 0, wallets: 1, preferences: 1, identities: 2 });
      const { db } = handle;
      for (const table of ['identities', 'preferences', 'wallets', 'pending_actions', 'link_codes', 'transactions', 'messages', 'notifications'] as const) {
        const rows = await db.selectFrom(table).select('user_id').where('user_id', '=', alice).execute();
        assert.equal(rows.length, 0, `${table} still holds the user`);
      }
      assert.equal(await db.selectFrom('users').select('id').where('id', '=', alice).executeTakeFirst(), undefined);
      // Bob is untouched.
      assert.equal((await db.selectFrom('wallets').select('id').where('user_id', '=', bob).execute()).length, 1);
      assert.equal((await db.selectFrom('messages').select('id').where('user_id', '=', bob).execute()).length, 1);
      const [tombstone] = await db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1).execute();
      assert.equal(tombstone!.action, 'user.deleted');
      assert.equal(tombstone!.subject, alice);
      assert.equal(tombstone!.actor, 'cli:operator');
      assert.deepEqual(Object.keys(JSON.parse(tombstone!.data)).sort(), Object.keys(erased).sort());
      assert.ok(!tombstone!.data.includes('telegram:42') && !tombstone!.data.includes('0x'), 'no personal data in the tombstone');
      assert.deepEqual(await audit.verify(), { ok: true, count: 4 });
      // The next message from the same person is a new user, not the cached deleted one.
      const again = await identities.resolve({ platform: 'telegram', id: '42' });
      assert.notEqual(again.userId, alice);
      await assert.rejects(service.delete(alice, 'cli:operator'), { code: 'not_found' });
    });
  });
}
