import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseCases, type TestDatabase } from '../../test/helpers/databases.js';
import type { Logger } from '../core/capability.js';
import { runRetention, startRetentionJob } from './retention.js';

const NOW = new Date('2025-06-30T12:00:00.000Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();
const minutesFromNow = (n: number) => new Date(NOW.getTime() + n * 60_000).toISOString();

function silentLog(lines: Array<{ level: string; msg: string | undefined; obj: object | string }>): Logger {
  const at = (level: string) => (obj: object | string, msg?: string) => void lines.push({ level, obj, msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

for (const c of databaseCases()) {
  describe(`retention on ${c.name}`, { skip: c.skip }, () => {
    let handle: TestDatabase;
    before(async () => {
      handle = await c.open({ migrated: true });
      await handle.db.insertInto('users').values({ id: 'usr_r', tier: 'free', created_at: daysAgo(100) }).execute();
    });
    after(() => handle?.close());

    async function seed(): Promise<void> {
      const { db } = handle;
      await db.insertInto('messages').values([
        { id: 'msg_old', user_id: 'usr_r', platform: 'telegram', role: 'user', text: 'old', created_at: daysAgo(31) },
        { id: 'msg_new', user_id: 'usr_r', platform: 'telegram', role: 'user', text: 'new', created_at: daysAgo(29) },
      ]).execute();
      await db.insertInto('notifications').values([
        { id: 'ntf_old', user_id: 'usr_r', kind: 'alert', payload: '{}', status: 'sent', attempts: 1, created_at: daysAgo(45), sent_at: daysAgo(45) },
        { id: 'ntf_new', user_id: 'usr_r', kind: 'alert', payload: '{}', status: 'pending', attempts: 0, created_at: daysAgo(1), sent_at: null },
      ]).execute();
      await db.insertInto('link_codes').values([
        { code_hash: 'expired', user_id: 'usr_r', actor: 'telegram:1', created_at: minutesFromNow(-20), expires_at: minutesFromNow(-10) },
        { code_hash: 'live', user_id: 'usr_r', actor: 'telegram:1', created_at: minutesFromNow(-1), expires_at: minutesFromNow(9) },
      ]).execute();
      await db.insertInto('pending_actions').values({
        id: 'pa_old', user_id: 'usr_r', actor: 'telegram:1', capability: 'delete_wallet', input: '{}', summary: 'Delete?', source: 'builtin',
        chat_kind: 'private', chat_id: '1', created_at: minutesFromNow(-200), expires_at: minutesFromNow(-195),
      }).execute();
    }

    it('removes messages and notifications past the period and expired codes and pending actions, nothing else', async () => {
      await seed();
      const removed = await runRetention(handle.db, { retentionDays: 30, now: () => NOW });
      assert.deepEqual(removed, { messages: 1, notifications: 1, linkCodes: 1, pendingActions: 1 });
      assert.deepEqual((await handle.db.selectFrom('messages').select('id').execute()).map((r) => r.id), ['msg_new']);
      assert.deepEqual((await handle.db.selectFrom('notifications').select('id').execute()).map((r) => r.id), ['ntf_new']);
      assert.deepEqual((await handle.db.selectFrom('link_codes').select('code_hash').execute()).map((r) => r.code_hash), ['live']);
      assert.equal((await handle.db.selectFrom('pending_actions').select('id').execute()).length, 0);
      assert.deepEqual(await runRetention(handle.db, { retentionDays: 30, now: () => NOW }), { messages: 0, notifications: 0, linkCodes: 0, pendingActions: 0 });
    });

    it('keeps a pending action that only just expired, so a late "yes" still hears it expired', async () => {
      await handle.db.insertInto('pending_actions').values({
        id: 'pa_recent', user_id: 'usr_r', actor: 'telegram:1', capability: 'delete_wallet', input: '{}', summary: 'Delete?', source: 'builtin',
        chat_kind: 'private', chat_id: '1', created_at: minutesFromNow(-10), expires_at: minutesFromNow(-5),
      }).execute();
      assert.equal((await runRetention(handle.db, { retentionDays: 30, now: () => NOW })).pendingActions, 0);
      await handle.db.deleteFrom('pending_actions').execute();
    });

    it('runs at start and on its interval, logs the counts, and stops', async () => {
      await handle.db.insertInto('messages').values({ id: 'msg_ancient', user_id: 'usr_r', platform: 'cli', role: 'assistant', text: 'x', created_at: '2000-01-01T00:00:00.000Z' }).execute();
      const lines: Array<{ level: string; msg: string | undefined; obj: object | string }> = [];
      const job = startRetentionJob(handle.db, { retentionDays: 30, now: () => NOW, intervalMs: 20, log: silentLog(lines) });
      await sleep(100);
      await job.stop();
      const infos = lines.filter((l) => l.level === 'info');
      assert.equal(infos.length, 1, 'one run removed something');
      assert.deepEqual((infos[0]!.obj as { removed: unknown }).removed, { messages: 1, notifications: 0, linkCodes: 0, pendingActions: 0 });
      assert.ok(lines.filter((l) => l.level === 'debug').length >= 1, 'later runs ran too');
      const after = lines.length;
      await sleep(60);
      assert.equal(lines.length, after, 'no runs after stop');
    });
  });
}

describe('retention settings', () => {
  it('refuses a period that is not a positive number of days', async () => {
    await assert.rejects(runRetention({} as never, { retentionDays: 0 }), TypeError);
  });
});
