import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { CapabilityInvoker } from '../capabilities/invoke.js';
import { defineCapability, type AnyCapability } from '../core/capability.js';
import { RateLimitedError, UserError } from '../core/errors.js';
import type { Platform, Principal, UserRef } from '../core/identity.js';
import { textReply } from '../core/reply.js';
import { CapabilityRegistry } from '../core/registry.js';
import type { App } from '../app.js';
import { countRows, createTestApp, dialects, type TestApp } from '../../test/helpers/app.js';
import { Assistant } from './assistant.js';
import { IntentParser } from './parser.js';

async function userIdOf(app: App, ref: UserRef): Promise<string | undefined> {
  const row = await app.database.db
    .selectFrom('identities')
    .select('user_id')
    .where('platform', '=', ref.platform)
    .where('platform_user_id', '=', ref.id)
    .executeTakeFirst();
  return row?.user_id;
}

async function counterValue(
  metric: { get(): Promise<{ values: Array<{ labels: Record<string, string | number>; value: number }> }> },
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await metric.get();
  const found = values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  return found?.value ?? 0;
}

const user = (platform: Platform, id: string): UserRef => ({ platform, id });

/** Capabilities written for these tests: real definitions, run through the real pipeline. */
const checkBalance = defineCapability({
  name: 'check_balance',
  summary: 'Checks a balance and always finds it too low (test capability).',
  input: z.object({}),
  examples: ['check my balance'],
  effect: 'read',
  async run() {
    throw new UserError('insufficient_balance', 'You have 0 ETH, which is not enough.');
  },
});
const breakDown = defineCapability({
  name: 'break_down',
  summary: 'Fails the way a bug would (test capability).',
  input: z.object({}),
  examples: ['break down now'],
  effect: 'read',
  async run() {
    throw new TypeError("Cannot read properties of undefined (reading 'price')");
  },
});

function invokerOver(app: App, registry: CapabilityRegistry): CapabilityInvoker {
  return new CapabilityInvoker({
    registry,
    services: { registry, health: app.health, appInfo: app.info, chain: app.chain, market: app.market, confirmations: app.confirmations },
    log: app.log,
    rateLimiter: app.rateLimiter,
    audit: app.audit,
    metrics: app.metrics,
  });
}

/** The real Assistant class over the app's own stores, limiter and metrics, with `extra` capabilities. */
function assistantWith(app: App, extra: AnyCapability[]): Assistant {
  const registry = new CapabilityRegistry([...app.registry.list(), ...extra]);
  return new Assistant({
    parser: new IntentParser(registry),
    invoker: invokerOver(app, registry),
    identities: app.identities,
    rateLimiter: app.rateLimiter,
    metrics: app.metrics,
    log: app.log,
    maxMessageChars: app.config.MOBIUS_MAX_MESSAGE_CHARS,
  });
}

const PRIVATE_KEY = '59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';

for (const dialect of dialects) {
  describe(`Assistant on ${dialect.name}`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect.name);
    });
    after(async () => {
      await t?.dispose();
    });

    it('creates exactly one user and one identity for a first message', async () => {
      const { app } = t;
      const users = await countRows(app, 'users');
      const identities = await countRows(app, 'identities');
      const result = await app.assistant.handle({ user: user('telegram', 'first-1'), text: 'help' });
      assert.equal(result.intent.name, 'help');
      assert.equal(result.intent.source, 'builtin');
      assert.equal(result.replies.length, 1);
      assert.equal(await countRows(app, 'users'), users + 1);
      assert.equal(await countRows(app, 'identities'), identities + 1);
      assert.ok(await userIdOf(app, user('telegram', 'first-1')));
    });

    it('knows the same person on their next message', async () => {
      const { app } = t;
      const alice = user('telegram', 'alice-42');
      await app.assistant.handle({ user: alice, text: 'hi' });
      const first = await userIdOf(app, alice);
      const users = await countRows(app, 'users');
      await app.assistant.handle({ user: alice, text: 'status' });
      assert.equal(await userIdOf(app, alice), first);
      assert.equal(await countRows(app, 'users'), users);
    });

    it('keeps the same id on two platforms as two people', async () => {
      const { app } = t;
      await app.assistant.handle({ user: user('telegram', '1'), text: 'help' });
      await app.assistant.handle({ user: user('discord', '1'), text: 'help' });
      const onTelegram = await userIdOf(app, user('telegram', '1'));
      const onDiscord = await userIdOf(app, user('discord', '1'));
      assert.ok(onTelegram && onDiscord);
      assert.notEqual(onTelegram, onDiscord);
    });

    it('refuses an over-long, empty or control-character message with bad_input and creates nobody', async () => {
      const { app } = t;
      const users = await countRows(app, 'users');
      const limit = app.config.MOBIUS_MAX_MESSAGE_CHARS;
      for (const text of ['x'.repeat(limit + 1), '   ', 'help\u0007']) {
        await assert.rejects(
          app.assistant.handle({ user: user('telegram', 'too-long-1'), text }),
          (err: unknown) => err instanceof UserError && err.code === 'bad_input',
        );
      }
      assert.equal(await countRows(app, 'users'), users);
      assert.equal(await userIdOf(app, user('telegram', 'too-long-1')), undefined);
      // Exactly at the limit is fine.
      const ok = await app.assistant.handle({ user: user('telegram', 'too-long-1'), text: `help${' '.repeat(limit - 4)}` });
      assert.equal(ok.intent.name, 'help');
    });

    it('answers off-topic text with suggestions instead of running anything', async () => {
      const result = await t.app.assistant.handle({ user: user('web', 'w1'), text: 'buy me a pizza' });
      assert.equal(result.intent.name, 'none');
      assert.equal(result.intent.source, 'none');
      assert.match(JSON.stringify(result.replies), /didn't get that/);
    });

    it('counts messages in mobius_messages_total by platform', async () => {
      const { app } = t;
      const telegram = { platform: 'telegram', source: 'builtin' };
      const discord = { platform: 'discord', source: 'builtin' };
      const before = await counterValue(app.metrics.messagesTotal, telegram);
      const discordBefore = await counterValue(app.metrics.messagesTotal, discord);
      await app.assistant.handle({ user: user('telegram', 'm1'), text: 'help' });
      await app.assistant.handle({ user: user('telegram', 'm1'), text: 'status' });
      assert.equal(await counterValue(app.metrics.messagesTotal, telegram), before + 2);
      assert.equal(await counterValue(app.metrics.messagesTotal, discord), discordBefore);
      const none = await counterValue(app.metrics.messagesTotal, { platform: 'telegram', source: 'none' });
      await app.assistant.handle({ user: user('telegram', 'm1'), text: 'asdf qwerty' });
      assert.equal(await counterValue(app.metrics.messagesTotal, { platform: 'telegram', source: 'none' }), none + 1);
    });

    it('throws a capability UserError at a direct caller of the invoker', async () => {
      const { app } = t;
      const principal = await app.identities.resolve(user('api', 'direct'));
      await assert.rejects(
        app.invoker.invoke({ name: 'help', input: { capability: 'nope' }, principal, source: 'api', requestId: 'req-1' }),
        (err: unknown) => err instanceof UserError && err.code === 'unknown_capability',
      );
      await assert.rejects(
        app.invoker.invoke({ name: 'no_such_thing', input: {}, principal, source: 'api', requestId: 'req-2' }),
        (err: unknown) => err instanceof UserError && err.code === 'unknown_capability',
      );
      await assert.rejects(
        app.invoker.invoke({ name: 'help', input: { capability: 7 }, principal, source: 'api', requestId: 'req-3' }),
        (err: unknown) => err instanceof UserError && err.code === 'bad_input' && /input\.capability/.test(err.message),
      );
    });

    it('turns a capability UserError into a reply in the conversation, but lets a bug through', async () => {
      const { app } = t;
      const assistant = assistantWith(app, [checkBalance, breakDown]);
      const errorsBefore = await counterValue(app.metrics.capabilityErrors, { capability: 'check_balance', code: 'insufficient_balance' });
      const result = await assistant.handle({ user: user('telegram', 'poor'), text: 'check my balance' });
      assert.deepEqual(result.intent, { name: 'check_balance', input: {}, source: 'builtin', confidence: 1 });
      assert.deepEqual(result.replies, [textReply('⚠️ You have 0 ETH, which is not enough.')]);
      assert.equal(
        await counterValue(app.metrics.capabilityErrors, { capability: 'check_balance', code: 'insufficient_balance' }),
        errorsBefore + 1,
      );
      await assert.rejects(assistant.handle({ user: user('telegram', 'poor'), text: 'break down now' }), TypeError);
    });
  });

  describe(`Assistant rate limit on ${dialect.name}`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect.name, { MOBIUS_RATE_LIMIT_FREE: '2' });
    });
    after(async () => {
      await t?.dispose();
    });

    it('refuses the third message a minute from a free user, and only from that user', async () => {
      const { app } = t;
      const flood = user('telegram', 'flood');
      const limitedBefore = await counterValue(app.metrics.rateLimited, { scope: 'user' });
      await app.assistant.handle({ user: flood, text: 'help' });
      await app.assistant.handle({ user: flood, text: 'status' });
      await assert.rejects(app.assistant.handle({ user: flood, text: 'help' }), (err: unknown) => {
        assert.ok(err instanceof RateLimitedError);
        assert.equal(err.code, 'rate_limited');
        assert.ok(err.retryAfterSeconds >= 1 && err.retryAfterSeconds <= 60, String(err.retryAfterSeconds));
        return true;
      });
      assert.equal(await counterValue(app.metrics.rateLimited, { scope: 'user' }), limitedBefore + 1);
      const calm = await app.assistant.handle({ user: user('telegram', 'calm'), text: 'help' });
      assert.equal(calm.intent.name, 'help');
    });
  });

  describe(`CapabilityInvoker with a write capability on ${dialect.name}`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let invoker: CapabilityInvoker;
    let principal: Principal;
    const runs: string[] = [];
    const sendToken = defineCapability({
      name: 'send_token',
      summary: 'Sends tokens to an address once the person confirms (test capability).',
      input: z.object({ to: z.string(), amount: z.string(), privateKey: z.string().optional(), note: z.string().optional() }),
      examples: ['send 1 eth to bob'],
      effect: 'write',
      async describe(_ctx, input) {
        return `Send ${input.amount} to ${input.to}?`;
      },
      async run(_ctx, input) {
        runs.push(input.to);
        if (input.to === 'nobody') throw new UserError('insufficient_balance', 'Not enough to send.');
        return { data: { sent: input.amount }, reply: textReply(`Sent ${input.amount} to ${input.to}.`) };
      },
    });
    const auditRows = () =>
      t.app.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'capability.send_token').orderBy('seq').execute();

    before(async () => {
      t = await createTestApp(dialect.name);
      invoker = invokerOver(t.app, new CapabilityRegistry([sendToken]));
      principal = await t.app.identities.resolve(user('cli', 'tester'));
    });
    after(async () => {
      await t?.dispose();
    });

    const request = (input: Record<string, unknown>, confirmed?: boolean) => ({
      name: 'send_token',
      input,
      principal,
      source: 'llm' as const,
      requestId: 'req-write',
      ...(confirmed === undefined ? {} : { confirmed }),
    });

    it('refuses to run a write without confirmation, and puts the refusal on the record', async () => {
      const audited = await countRows(t.app, 'audit_log');
      for (const confirmed of [undefined, false]) {
        await assert.rejects(invoker.invoke(request({ to: 'bob', amount: '1' }, confirmed)), (err: unknown) => {
          assert.ok(err instanceof UserError);
          assert.equal(err.code, 'forbidden');
          assert.match(err.message, /confirm/);
          return true;
        });
      }
      assert.deepEqual(runs, []);
      assert.equal(await countRows(t.app, 'audit_log'), audited + 2);
      const refused = (await auditRows()).slice(-2).map((r) => (JSON.parse(r.data) as { outcome: string }).outcome);
      assert.deepEqual(refused, ['refused', 'refused']);
    });

    it('runs a confirmed write and audits it without the secrets in its input', async () => {
      const result = await invoker.invoke(
        request({ to: 'bob', amount: '1.5', privateKey: PRIVATE_KEY, note: `from key 0x${PRIVATE_KEY}` }, true),
      );
      assert.deepEqual(result.data, { sent: '1.5' });
      assert.deepEqual(runs, ['bob']);
      const rows = await auditRows();
      const row = rows.at(-1);
      assert.equal(row!.actor, 'cli:tester');
      assert.equal(row!.subject, principal.userId);
      assert.ok(!row!.data.includes(PRIVATE_KEY), `the private key reached the audit log: ${row!.data}`);
      const data = JSON.parse(row!.data) as { source: string; requestId: string; outcome: string; input: Record<string, unknown> };
      assert.equal(data.outcome, 'ok');
      assert.equal(data.source, 'llm');
      assert.equal(data.requestId, 'req-write');
      assert.equal(data.input.to, 'bob');
      assert.equal(data.input.amount, '1.5');
      assert.equal('privateKey' in data.input, false);
      assert.deepEqual(await t.app.audit.verify(), { ok: true, count: await countRows(t.app, 'audit_log') });
    });

    it('audits a confirmed write that fails as failed, and rethrows', async () => {
      await assert.rejects(
        invoker.invoke(request({ to: 'nobody', amount: '9' }, true)),
        (err: unknown) => err instanceof UserError && err.code === 'insufficient_balance',
      );
      const last = (await auditRows()).at(-1);
      assert.equal((JSON.parse(last!.data) as { outcome: string }).outcome, 'failed');
      assert.equal((await t.app.audit.verify()).ok, true);
    });

    it('does not audit a read', async () => {
      const audited = await countRows(t.app, 'audit_log');
      await t.app.invoker.invoke({ name: 'get_status', input: {}, principal, source: 'cli', requestId: 'req-read' });
      assert.equal(await countRows(t.app, 'audit_log'), audited);
    });
  });
}
