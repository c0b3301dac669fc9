import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseCases, type TestDatabase } from '../../test/helpers/databases.js';
import { IdentityStore } from './identities.js';
import { PreferenceStore } from './preferences.js';

for (const c of databaseCases()) {
  describe(c.name, { skip: c.skip }, () => {
    let handle: TestDatabase;
    let userId: string;
    let prefs: PreferenceStore;
    before(async () => {
      handle = await c.open({ migrated: true });
      userId = (await new IdentityStore(handle.db).resolve({ platform: 'cli', id: 'prefs' })).userId;
      prefs = new PreferenceStore(handle.db);
    });
    after(() => handle?.close());

    it('returns undefined for an unset key', async () => {
      assert.equal(await prefs.get(userId, 'currency'), undefined);
    });

    it('upserts: the second set replaces the first', async () => {
      await prefs.set(userId, 'currency', 'usd');
      await prefs.set(userId, 'currency', 'eur');
      assert.equal(await prefs.get<string>(userId, 'currency'), 'eur');
      const rows = await handle.db.selectFrom('preferences').selectAll().where('key', '=', 'currency').execute();
      assert.equal(rows.length, 1);
    });

    it('round-trips JSON values and lists them all, bigints as strings', async () => {
      await prefs.set(userId, 'slippage', { bps: 50, chains: ['base'] });
      await prefs.set(userId, 'cap', 10n ** 24n);
      assert.deepEqual(await prefs.get(userId, 'slippage'), { bps: 50, chains: ['base'] });
      assert.deepEqual(await prefs.all(userId), {
        cap: (10n ** 24n).toString(),
        currency: 'eur',
        slippage: { bps: 50, chains: ['base'] },
      });
    });

    it('keeps users apart', async () => {
      const other = (await new IdentityStore(handle.db).resolve({ platform: 'cli', id: 'other' })).userId;
      assert.deepEqual(await prefs.all(other), {});
    });

    it('refuses a value JSON cannot hold and an empty key', async () => {
      await assert.rejects(prefs.set(userId, 'nothing', undefined), { code: 'bad_input' });
      await assert.rejects(prefs.set(userId, '', 1), { code: 'bad_input' });
    });
  });
}
