import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseCases, type TestDatabase } from '../../test/helpers/databases.js';
import { IdentityStore } from './identities.js';

for (const c of databaseCases()) {
  describe(c.name, { skip: c.skip }, () => {
    let handle: TestDatabase;
    before(async () => {
      handle = await c.open({ migrated: true });
    });
    after(() => handle?.close());

    const usersFor = (platform: string, id: string) =>
      handle.db
        .selectFrom('identities')
        .select('user_id')
        .where('platform', '=', platform as 'cli')
        .where('platform_user_id', '=', id)
        .execute();

    it('creates a free user on first sight and resolves the same user afterwards', async () => {
      const store = new IdentityStore(handle.db);
      const first = await store.resolve({ platform: 'telegram', id: '1' });
      assert.equal(first.tier, 'free');
      assert.deepEqual(first.ref, { platform: 'telegram', id: '1' });
      assert.equal((await store.resolve({ platform: 'telegram', id: '1' })).userId, first.userId, 'cached');
      assert.equal((await new IdentityStore(handle.db).resolve({ platform: 'telegram', id: '1' })).userId, first.userId, 'from the database');
    });

    it('keeps platforms apart: telegram:1 and discord:1 are different users', async () => {
      const store = new IdentityStore(handle.db);
      const telegram = await store.resolve({ platform: 'telegram', id: '1' });
      const discord = await store.resolve({ platform: 'discord', id: '1' });
      assert.notEqual(telegram.userId, discord.userId);
    });

    it('creates exactly one user for 20 concurrent first messages', async () => {
      const ref = { platform: 'web', id: 'burst' } as const;
      const before = await handle.db.selectFrom('users').select('id').execute();
      // Separate stores share no cache or in-flight lookup, so the database alone must settle the race.
      const results = await Promise.all(Array.from({ length: 20 }, () => new IdentityStore(handle.db).resolve(ref)));
      assert.equal(new Set(results.map((p) => p.userId)).size, 1);
      const after = await handle.db.selectFrom('users').select('id').execute();
      assert.equal(after.length, before.length + 1, 'the losers rolled their speculative users back');
      assert.equal((await usersFor('web', 'burst')).length, 1);
    });

    it('coalesces concurrent resolves within one store', async () => {
      const store = new IdentityStore(handle.db);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.resolve({ platform: 'cli', id: 'same' })));
      assert.equal(new Set(results.map((p) => p.userId)).size, 1);
    });

    it('changes a tier in the database and in the cache', async () => {
      const store = new IdentityStore(handle.db);
      const ref = { platform: 'api', id: 'key_1:alice' } as const;
      const { userId } = await store.resolve(ref);
      await store.setTier(userId, 'pro');
      assert.equal((await store.resolve(ref)).tier, 'pro');
      assert.equal((await new IdentityStore(handle.db).resolve(ref)).tier, 'pro');
      await assert.rejects(store.setTier('usr_missing', 'pro'), { code: 'not_found' });
    });

    it('forgets a deleted identity: the next message starts a new user', async () => {
      const store = new IdentityStore(handle.db);
      const ref = { platform: 'mcp', id: 'gone' } as const;
      const before = await store.resolve(ref);
      assert.equal(await store.delete(ref), true);
      assert.equal(await store.delete(ref), false);
      const afterwards = await store.resolve(ref);
      assert.notEqual(afterwards.userId, before.userId);
    });

    it('hands out copies, so a caller editing its answer cannot change the next one', async () => {
      const store = new IdentityStore(handle.db);
      const a = await store.resolve({ platform: 'cli', id: 'copy' });
      a.tier = 'admin';
      assert.equal((await store.resolve({ platform: 'cli', id: 'copy' })).tier, 'free');
    });
  });
}
