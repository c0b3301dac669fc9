import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import { createTestApp, dialects, invokerWith, type TestApp } from '../../test/helpers/app.js';
import { defineCapability } from '../core/capability.js';
import { UserError } from '../core/errors.js';
import type { UserRef } from '../core/identity.js';
import { replyToPlainText } from '../core/reply.js';
import { Assistant } from '../conversation/assistant.js';
import { answerPendingAction } from '../conversation/confirmation-answers.js';
import { IntentParser } from '../conversation/parser.js';
import type { PendingData } from './confirmation.js';
import type { CapabilityInvoker } from './invoke.js';
import type { PendingActionStore } from './pending-actions.js';

/**
 * A write capability written for these tests: it "burns" the note about a chain, and records each run so a
 * test can see whether (and how often) the write really happened.
 */
function burnNote(runs: string[]) {
  return defineCapability({
    name: 'burn_note',
    summary: 'Burns your note about a chain for good (test capability).',
    // `chain` because the parser fills it from "on base": the test speaks to it in plain words.
    input: z.object({ chain: z.string().min(1) }),
    examples: ['burn note', 'burn the note'],
    effect: 'write',
    async describe(_ctx, input) {
      if (input.chain === 'polygon') throw new UserError('not_found', 'You have no note about polygon.');
      return `Burn the note about **${input.chain}**? It cannot be restored.`;
    },
    async run(_ctx, input) {
      runs.push(input.chain);
      return { data: { burned: input.chain }, reply: { blocks: [{ type: 'text', text: `Burned ${input.chain}.` }] } };
    },
  });
}

const showNote = defineCapability({
  name: 'show_secret_note',
  summary: 'Shows a private note, only in a private chat (test capability).',
  input: z.object({}),
  examples: ['show my secret note'],
  effect: 'write',
  privateOnly: true,
  async describe() {
    return 'Show your secret note?';
  },
  async run() {
    return { data: {}, reply: { blocks: [{ type: 'text', text: 'the note' }], privateOnly: true } };
  },
});

interface Harness {
  assistant: Assistant;
  invoker: CapabilityInvoker;
  store: PendingActionStore;
  clock: { now: Date };
  runs: string[];
}

/** The app's real stores, limiter and audit log behind an assistant that also knows the test writes. */
function harness(app: TestApp['app']): Harness {
  const runs: string[] = [];
  const clock = { now: new Date() };
  const { registry, invoker, store } = invokerWith(app, [burnNote(runs), showNote], { now: () => clock.now });
  const assistant = new Assistant(
    {
      parser: new IntentParser(registry),
      invoker,
      identities: app.identities,
      rateLimiter: app.rateLimiter,
      metrics: app.metrics,
      log: app.log,
      maxMessageChars: app.config.MOBIUS_MAX_MESSAGE_CHARS,
    },
    [answerPendingAction],
  );
  return { assistant, invoker, store, clock, runs };
}

const alice: UserRef = { platform: 'telegram', id: 'alice' };
const bob: UserRef = { platform: 'telegram', id: 'bob' };
const privateChat = { kind: 'private' as const, id: 'dm-alice' };

async function say(h: Harness, text: string, who: UserRef = alice, chat: { kind: 'private' | 'group'; id: string } = privateChat) {
  const result = await h.assistant.handle({ user: who, text, chat });
  return { ...result, text: result.replies.map(replyToPlainText).join('\n') };
}

for (const dialect of dialects) {
  describe(`confirmation flow on ${dialect.name}`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let h: Harness;
    before(async () => {
      t = await createTestApp(dialect.name, { CHAINS: 'none' });
    });
    after(async () => {
      await t?.dispose();
    });
    beforeEach(() => {
      h = harness(t.app);
    });

    it('asks before a write, keeps asking across an unrelated question, and runs once on "yep"', async () => {
      const asked = await say(h, 'burn note on base');
      assert.equal(asked.intent.name, 'burn_note');
      assert.deepEqual(h.runs, [], 'nothing happens before the yes');
      assert.match(asked.text, /Please confirm: Burn the note about base\?/);
      assert.match(asked.text, /Say yes to go ahead or no to cancel\. This expires in 5 min\./);
      const buttons = asked.replies[0]!.buttons![0]!;
      assert.deepEqual(buttons.map((b) => b.action), ['confirm', 'cancel']);
      assert.match(buttons[0]!.value, /^pa_[0-9a-f]{32}$/);

      const between = await say(h, 'help');
      assert.equal(between.intent.name, 'help');
      assert.deepEqual(h.runs, []);

      const done = await say(h, 'yep');
      assert.equal(done.intent.name, 'confirm');
      assert.equal(done.text, 'Burned base.');
      assert.deepEqual(h.runs, ['base']);

      const again = await say(h, 'yes');
      assert.match(again.text, /Nothing is waiting for your confirmation/);
      assert.deepEqual(h.runs, ['base'], 'a second yes runs nothing');
    });

    it('confirms from the button text, and refuses a stale button', async () => {
      const first = await say(h, 'burn note on arbitrum');
      const firstId = first.replies[0]!.buttons![0]![0]!.value;
      const second = await say(h, 'burn note on optimism');
      assert.match(second.text, /replaces your earlier request, which will not happen: Burn the note about arbitrum\?/);
      const secondId = second.replies[0]!.buttons![0]![0]!.value;

      const stale = await say(h, `confirm ${firstId}`);
      assert.match(stale.text, /no longer waiting/);
      assert.deepEqual(h.runs, []);

      await say(h, `confirm ${secondId}`);
      assert.deepEqual(h.runs, ['optimism']);
    });

    it('cancels on a fuzzy no and nothing happens', async () => {
      await say(h, 'burn note on bsc');
      const cancelled = await say(h, 'cancle');
      assert.equal(cancelled.intent.name, 'cancel');
      assert.match(cancelled.text, /Cancelled — nothing was done/);
      await say(h, 'go ahead');
      assert.deepEqual(h.runs, []);
    });

    it("never runs one person's action on another's yes", async () => {
      await say(h, 'burn note on avalanche', alice);
      const bobSays = await say(h, 'yes', bob, { kind: 'private', id: 'dm-bob' });
      assert.match(bobSays.text, /Nothing is waiting/);
      assert.deepEqual(h.runs, []);
      await say(h, 'yes', alice);
      assert.deepEqual(h.runs, ['avalanche']);
    });

    it('lets a request expire after five minutes, and says so', async () => {
      await say(h, 'burn note on ethereum');
      h.clock.now = new Date(h.clock.now.getTime() + 5 * 60_000 + 1);
      const late = await say(h, 'yes');
      assert.match(late.text, /That request expired after 5 min, so nothing was done: Burn the note about ethereum\?/);
      assert.deepEqual(h.runs, []);
      assert.match((await say(h, 'yes')).text, /Nothing is waiting/);
    });

    it('says why a write cannot happen instead of asking', async () => {
      const refused = await say(h, 'burn note on polygon');
      assert.match(refused.text, /You have no note about polygon/);
      assert.equal(await h.store.peek((await t.app.identities.resolve(alice)).userId), undefined, 'nothing is left pending');
    });

    it('runs a double confirmation once', async () => {
      await say(h, 'burn note on pulsechain');
      const answers = await Promise.all([say(h, 'yes'), say(h, 'confirm')]);
      assert.deepEqual(h.runs, ['pulsechain']);
      assert.equal(answers.filter((a) => /Nothing is waiting/.test(a.text)).length, 1);
    });

    it('refuses a private-only write in a group, before anything is pending', async () => {
      const group = { kind: 'group' as const, id: 'g1' };
      const refused = await say(h, 'show my secret note', alice, group);
      assert.match(refused.text, /private chat/);
      assert.match((await say(h, 'yes', alice, group)).text, /Nothing is waiting/);
    });

    it('takes an answer only in the chat where the question was asked', async () => {
      await say(h, 'show my secret note');
      const inGroup = await say(h, 'ok', alice, { kind: 'group', id: 'g2' });
      assert.match(inGroup.text, /Nothing is waiting for your confirmation in this chat/);
      assert.doesNotMatch(inGroup.text, /the note/);
      const elsewhere = await say(h, 'no', alice, { kind: 'private', id: 'dm-alice-on-another-platform' });
      assert.match(elsewhere.text, /Nothing is waiting/);
      const here = await say(h, 'yes');
      assert.match(here.text, /the note/, 'the stray answers neither ran nor used up the action');
    });

    it('lets an API caller confirm by id only, and never the LLM', async () => {
      const principal = await t.app.identities.resolve({ platform: 'api', id: 'local:carol' });
      const request = { principal, requestId: 'r1' } as const;
      const asked = await h.invoker.invoke({ ...request, name: 'burn_note', input: { chain: 'base' }, source: 'api' });
      const { pending } = asked.data as PendingData;
      await assert.rejects(h.invoker.invoke({ ...request, name: 'confirm', input: {}, source: 'api' }), /Name the pending action/);
      await assert.rejects(h.invoker.invoke({ ...request, name: 'confirm', input: { id: pending.id }, source: 'llm' }), /Only you can confirm/);
      assert.deepEqual(h.runs, []);
      const done = await h.invoker.invoke({ ...request, name: 'confirm', input: { id: pending.id }, source: 'api' });
      assert.deepEqual(done.data, { confirmed: { id: pending.id, capability: 'burn_note' }, result: { burned: 'base' } });
      assert.deepEqual(h.runs, ['base']);
    });

    it('puts the request, the confirmation and the write on the audit record', async () => {
      await say(h, 'burn note on arbitrum');
      await say(h, 'yes');
      const rows = await t.app.database.db.selectFrom('audit_log').select(['action', 'data']).orderBy('seq', 'desc').limit(2).execute();
      const [write, created] = rows;
      assert.equal(created!.action, 'pending.created');
      assert.equal(JSON.parse(created!.data).capability, 'burn_note');
      assert.equal(write!.action, 'capability.burn_note');
      assert.deepEqual(JSON.parse(write!.data).input, { chain: 'arbitrum' });
      assert.equal(JSON.parse(write!.data).outcome, 'ok');
    });
  });
}
