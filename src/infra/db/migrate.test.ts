import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely, Migration } from 'kysely';
import { databaseCases, type TestDatabase } from '../../../test/helpers/databases.js';
import { migrateToLatest, MigrationError } from './migrate.js';
import { migrations } from './migrations/index.js';
import { int8ToNumber } from './schema.js';

const at = '2025-01-01T00:00:00.000Z';

for (const c of databaseCases()) {
  describe(c.name, { skip: c.skip }, () => {
    let handle: TestDatabase;
    before(async () => {
      handle = await c.open();
    });
    after(() => handle?.close());

    it('applies every migration to an empty database, then nothing on a second run', async () => {
      assert.deepEqual(await migrateToLatest(handle.db), { applied: Object.keys(migrations) });
      assert.deepEqual(await migrateToLatest(handle.db), { applied: [] });
    });

    it('creates tables that take rows, enforce foreign keys and tiers, and number audit entries', async () => {
      const { db } = handle;
      await db.insertInto('users').values({ id: 'u1', tier: 'free', created_at: at }).execute();
      await db.insertInto('identities').values({ platform: 'cli', platform_user_id: 'me', user_id: 'u1', created_at: at }).execute();
      await assert.rejects(
        db.insertInto('identities').values({ platform: 'cli', platform_user_id: 'ghost', user_id: 'nobody', created_at: at }).execute(),
        'an identity must point at a user',
      );
      await assert.rejects(
        db.insertInto('users').values({ id: 'u2', tier: 'superuser' as 'free', created_at: at }).execute(),
        'tier is checked',
      );
      const entry = { at, actor: 'a', action: 'x', subject: null, data: '{}', hash: 'h' };
      const first = await db.insertInto('audit_log').values({ ...entry, prev_hash: 'p1' }).returning('seq').executeTakeFirstOrThrow();
      const second = await db.insertInto('audit_log').values({ ...entry, prev_hash: 'p2' }).returning('seq').executeTakeFirstOrThrow();
      assert.equal(int8ToNumber(second.seq), int8ToNumber(first.seq) + 1);
      await assert.rejects(
        db.insertInto('audit_log').values({ ...entry, prev_hash: 'p1' }).execute(),
        'two entries cannot follow the same predecessor',
      );
      // Deleting a user takes its identities along.
      await db.deleteFrom('users').where('id', '=', 'u1').execute();
      assert.equal((await db.selectFrom('identities').selectAll().execute()).length, 0);
    });

    it('throws a MigrationError naming the migration that failed', async () => {
      const broken: Record<string, Migration> = {
        ...migrations,
        '9999_broken': {
          async up(db: Kysely<unknown>) {
            await db.schema.createTable('users').addColumn('id', 'text').execute(); // already exists
          },
        },
      };
      await assert.rejects(migrateToLatest(handle.db, broken), (err: unknown) => {
        assert.ok(err instanceof MigrationError);
        assert.equal(err.migration, '9999_broken');
        assert.match(err.message, /^Database migration 9999_broken failed: /);
        return true;
      });
    });
  });
}
