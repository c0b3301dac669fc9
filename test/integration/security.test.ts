import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { replyToPlainText, type Reply } from '../../src/core/reply.js';
import { request, startTestServer, type TestServer } from '../helpers/app.js';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const text = (replies: Reply[]) => replies.map(replyToPlainText).join('\n');

describe('API key scopes over HTTP', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { CHAINS: 'none' });
  });
  after(async () => {
    await server?.dispose();
  });

  it('lets a key do only what its scopes allow', async () => {
    const market = await server.app.apiKeys.create({ tier: 'pro', label: 'market only', scopes: ['market'] });
    const chat = await request(server.url, 'POST', '/v1/chat', { json: { text: 'status' }, headers: bearer(market.key) });
    assert.equal(chat.status, 403);
    assert.match(chat.body.error.message, /"chat" scope/);
    const status = await request(server.url, 'POST', '/v1/capabilities/get_status', { json: { input: {} }, headers: bearer(market.key) });
    assert.equal(status.status, 200);
    const link = await request(server.url, 'POST', '/v1/capabilities/link_account', { json: { input: {} }, headers: bearer(market.key) });
    assert.equal(link.status, 403);
    assert.match(link.body.error.message, /"wallet" scope/);
  });

  it('carries the scopes through chat: a capability outside them is refused in the reply', async () => {
    const key = await server.app.apiKeys.create({ tier: 'free', label: 'chatty', scopes: ['chat', 'market'] });
    const res = await request(server.url, 'POST', '/v1/chat', { json: { user: 'ann', text: 'link account' }, headers: bearer(key.key) });
    assert.equal(res.status, 200);
    assert.equal(res.body.intent.name, 'link_account');
    assert.match(text(res.body.replies), /needs the "wallet" scope/);
    assert.equal((await server.app.database.db.selectFrom('link_codes').selectAll().execute()).length, 0);
    const full = await server.app.apiKeys.create({ tier: 'free', label: 'default scopes' });
    const ok = await request(server.url, 'POST', '/v1/chat', { json: { user: 'ann', text: 'link account' }, headers: bearer(full.key) });
    assert.match(text(ok.body.replies), /Your link code: [2-9A-Z]{4}-[2-9A-Z]{4} \(valid 10 minutes, once\)/);
  });

  it('opens admin endpoints only to an admin-tier key with the admin scope', async () => {
    const admin = await server.app.apiKeys.create({ tier: 'admin', label: 'ops' });
    assert.equal((await request(server.url, 'GET', '/metrics', { headers: bearer(admin.key) })).status, 200);
    const narrow = await server.app.apiKeys.create({ tier: 'admin', label: 'ops, no admin', scopes: ['market'] });
    const refused = await request(server.url, 'GET', '/metrics', { headers: bearer(narrow.key) });
    assert.equal(refused.status, 403);
    assert.match(refused.body.error.message, /admin scope/);
    // The person at this machine, without a key, stays the owner.
    assert.equal((await request(server.url, 'GET', '/metrics')).status, 200);
  });
});

describe('escalation at the HTTP door', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { CHAINS: 'none', MOBIUS_RESTRICT_AFTER: '3', MOBIUS_RESTRICT_MINUTES: '15' });
  });
  after(async () => {
    await server?.dispose();
  });

  it('restricts an address that keeps presenting invalid keys, saying until when, and logs and audits it', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await request(server.url, 'GET', '/v1/capabilities', { headers: bearer(`mbx_key_${'0'.repeat(16)}_${'A'.repeat(43)}`) });
      assert.equal(res.status, 401);
    }
    const good = await server.app.apiKeys.create({ tier: 'admin', label: 'even admins wait' });
    for (const headers of [bearer(good.key), {}]) {
      const res = await request(server.url, 'POST', '/v1/chat', { json: { text: 'help' }, headers });
      assert.equal(res.status, 429);
      assert.equal(res.body.error.code, 'rate_limited');
      assert.match(res.body.error.message, /restricted until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
      const retryAfter = Number(res.headers.get('retry-after'));
      assert.ok(retryAfter > 14 * 60 && retryAfter <= 15 * 60, `Retry-After ${retryAfter}`);
    }
    // Health stays open (it is not the API).
    assert.equal((await request(server.url, 'GET', '/health')).status, 200);
    const audited = await server.app.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'ratelimit.restricted').execute();
    assert.equal(audited.length, 1);
    assert.equal(audited[0]!.subject, 'ip:127.0.0.1');
    assert.equal(JSON.parse(audited[0]!.data).reason, 'api_key');
    const warned = server.logs.records().filter((r) => r.msg === 'restricted after repeated violations');
    assert.equal(warned.length, 1);
    assert.equal(warned[0]!.level, 'warn');
    assert.deepEqual((await server.app.audit.verify()).ok, true);
  });
});

describe('account linking through the assistant', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { CHAINS: 'none' });
  });
  after(async () => {
    await server?.dispose();
  });

  const say = (platform: 'telegram' | 'discord', id: string, words: string, kind: 'private' | 'group' = 'private') =>
    server.app.assistant.handle({ user: { platform, id }, text: words, chat: { kind, id: `${platform}-${id}-${kind}` } });

  it('links Discord to Telegram with a one-time code said on each side', async () => {
    const tg = await server.app.identities.resolve({ platform: 'telegram', id: '42' });
    const before = await server.app.identities.resolve({ platform: 'discord', id: '77' });
    assert.notEqual(before.userId, tg.userId);

    const issued = await say('telegram', '42', 'link account');
    const code = /Your link code: ([2-9A-Z]{4}-[2-9A-Z]{4})/.exec(text(issued.replies))?.[1];
    assert.ok(code, text(issued.replies));
    const linked = await say('discord', '77', `link ${code}`);
    assert.equal(linked.intent.name, 'link_account');
    assert.match(text(linked.replies), /Linked: this discord account now shares its wallets/);
    assert.equal((await server.app.identities.resolve({ platform: 'discord', id: '77' })).userId, tg.userId);
    const again = await say('discord', '78', `link ${code}`);
    assert.match(text(again.replies), /wrong or has expired/);
  });

  it('never shows a link code in a group chat', async () => {
    const res = await say('telegram', '43', 'link account', 'group');
    assert.match(text(res.replies), /private chat/);
    assert.doesNotMatch(text(res.replies), /[2-9A-Z]{4}-[2-9A-Z]{4}/);
  });
});
