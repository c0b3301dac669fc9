import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseCases, type TestDatabase } from '../../test/helpers/databases.js';
import { ApiKeyStore, parseApiKey } from './api-keys.js';
import { openDatabase } from './db/database.js';

function tamper(key: string): string {
  const last = key.at(-1) === 'A' ? 'B' : 'A';
  return key.slice(0, -1) + last;
}

describe('parseApiKey', () => {
  it('splits a well-formed key and refuses anything else', () => {
    const secret = 'a_b-'.repeat(10) + 'xyz';
    assert.deepEqual(parseApiKey(`mbx_key_0123456789abcdef_${secret}`), { id: 'key_0123456789abcdef', secret });
    assert.deepEqual(parseApiKey(`Bearer mbx_key_0123456789abcdef_${secret}`), { id: 'key_0123456789abcdef', secret });
    for (const bad of ['', 'mbx_', 'mbx_key_0123456789abcdef_short', `mbx_key_0123456789ABCDEF_${secret}`, `xyz_key_0123456789abcdef_${secret}`, `mbx_key_0123456789abcdef_${secret}x`]) {
      assert.equal(parseApiKey(bad), null, bad);
    }
  });

  it('refuses malformed tokens without a database query', async () => {
    // A closed database throws on any query, so a null here proves none was made.
    const handle = await openDatabase({ sqlitePath: ':memory:' });
    await handle.close();
    const keys = new ApiKeyStore(handle.db);
    for (const bad of ['', 'garbage', 'Bearer ', 'mbx_key_zz_zz', `mbx_key_0123456789abcdef_${'!'.repeat(43)}`]) {
      assert.equal(await keys.verify(bad), null, bad);
    }
  });
});

for (const c of databaseCases()) {
  describe(c.name, { skip: c.skip }, () => {
    let handle: TestDatabase;
    before(async () => {
      handle = await c.open({ migrated: true });
    });
    after(() => handle?.close());

    it('creates a key that verifies until it is revoked', async () => {
      const keys = new ApiKeyStore(handle.db);
      const created = await keys.create({ tier: 'pro', label: 'grafana' });
      assert.match(created.key, /^mbx_key_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      assert.ok(created.key.startsWith(`mbx_${created.id}_`));
      const expected = { id: created.id, tier: 'pro', label: 'grafana', scopes: ['chat', 'market', 'wallet', 'trade'] };
      assert.deepEqual(await keys.verify(created.key), expected);
      assert.deepEqual(await keys.verify(`Bearer ${created.key}`), expected);
      assert.equal(await keys.revoke(created.id), true);
      // Revocation clears this process's cache at once, not after the TTL.
      assert.equal(await keys.verify(created.key), null);
      assert.equal(await new ApiKeyStore(handle.db).verify(created.key), null);
      assert.equal(await keys.revoke(created.id), false, 'already revoked');
      await keys.flush();
    });

    it('refuses a key whose secret was tampered with, cached or not', async () => {
      const keys = new ApiKeyStore(handle.db);
      const { key } = await keys.create({ tier: 'free', label: '' });
      assert.equal(await new ApiKeyStore(handle.db).verify(tamper(key)), null, 'uncached');
      assert.ok(await keys.verify(key));
      assert.equal(await keys.verify(tamper(key)), null, 'cached');
      await keys.flush();
    });

    it('never stores the plaintext and never lists hashes', async () => {
      const keys = new ApiKeyStore(handle.db);
      const created = await keys.create({ tier: 'admin', label: 'ops' });
      const secret = created.key.slice(`mbx_${created.id}_`.length);
      const row = await handle.db.selectFrom('api_keys').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
      assert.ok(!Object.values(row).some((v) => typeof v === 'string' && v.includes(secret)));
      const listed = await keys.list();
      const mine = listed.find((k) => k.id === created.id);
      assert.deepEqual(Object.keys(mine ?? {}).sort(), ['createdAt', 'id', 'label', 'lastUsedAt', 'revokedAt', 'scopes', 'tier']);
      for (const k of listed) assert.ok(!JSON.stringify(k).includes(row.hash) && !('hash' in k));
    });

    it('writes last_used_at in the background at most once a minute per key', async () => {
      let now = new Date('2025-01-01T00:00:00.000Z');
      const keys = new ApiKeyStore(handle.db, { now: () => now });
      const { id, key } = await keys.create({ tier: 'free', label: 'clock' });
      const lastUsed = async () => {
        await keys.flush();
        return (await keys.list()).find((k) => k.id === id)?.lastUsedAt;
      };
      assert.equal(await lastUsed(), null);
      await keys.verify(key);
      assert.equal(await lastUsed(), '2025-01-01T00:00:00.000Z');
      now = new Date('2025-01-01T00:00:30.000Z');
      await keys.verify(key);
      assert.equal(await lastUsed(), '2025-01-01T00:00:00.000Z', 'not again within the minute');
      now = new Date('2025-01-01T00:01:00.000Z');
      await keys.verify(key);
      assert.equal(await lastUsed(), '2025-01-01T00:01:00.000Z');
    });

    it('refuses an unknown tier and an overlong label', async () => {
      const keys = new ApiKeyStore(handle.db);
      await assert.rejects(keys.create({ tier: 'root' as 'admin', label: '' }), { code: 'bad_input' });
      await assert.rejects(keys.create({ tier: 'free', label: 'x'.repeat(101) }), { code: 'bad_input' });
    });

    it('keeps the scopes a key was made with, and shows them in the list', async () => {
      const keys = new ApiKeyStore(handle.db);
      const narrow = await keys.create({ tier: 'free', label: 'prices only', scopes: ['market', 'chat', 'market'] });
      assert.deepEqual(narrow.scopes, ['chat', 'market']);
      assert.deepEqual((await new ApiKeyStore(handle.db).verify(narrow.key))?.scopes, ['chat', 'market']);
      assert.deepEqual((await keys.list()).find((k) => k.id === narrow.id)?.scopes, ['chat', 'market']);
      const admin = await keys.create({ tier: 'admin', label: 'ops' });
      assert.deepEqual(admin.scopes, ['chat', 'market', 'wallet', 'trade', 'admin'], 'an admin-tier key defaults to the admin scope too');
      const adminNoAdmin = await keys.create({ tier: 'admin', label: 'ops reader', scopes: ['market'] });
      assert.deepEqual((await keys.verify(adminNoAdmin.key))?.scopes, ['market']);
      await keys.flush();
    });

    it('refuses unknown scopes, no scopes, and the admin scope below the admin tier', async () => {
      const keys = new ApiKeyStore(handle.db);
      await assert.rejects(keys.create({ tier: 'pro', scopes: ['root'] }), { code: 'bad_input', message: /unknown scope "root"/ });
      await assert.rejects(keys.create({ tier: 'pro', scopes: [] }), { code: 'bad_input' });
      await assert.rejects(keys.create({ tier: 'pro', scopes: ['admin'] }), { code: 'bad_input', message: /admin-tier/ });
    });

    it('never grants admin from a stored row unless the key is admin tier', async () => {
      const keys = new ApiKeyStore(handle.db);
      const created = await keys.create({ tier: 'pro', label: 'edited' });
      await handle.db.updateTable('api_keys').set({ scopes: '["market","admin","bogus"]' }).where('id', '=', created.id).execute();
      assert.deepEqual((await new ApiKeyStore(handle.db).verify(created.key))?.scopes, ['market']);
    });
  });
}
