import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { FakeLlmServer, USAGE } from '../../../test/helpers/llm-servers.js';
import type { Principal, UserRef } from '../../core/identity.js';
import type { ProgressBlock, Reply } from '../../core/reply.js';
import { replyToPlainText } from '../../core/reply.js';
import type { ChatResult } from '../assistant.js';

const API_KEY = 'sk-test-do-not-log-4f1c2a9e7b';
/** Words no built-in intent reads, so the message goes to the LLM. */
const UNREAD = 'zorblax quux frobnicate the thingamajig';

function text(result: ChatResult): string {
  return result.replies.map(replyToPlainText).join('\n---\n');
}

/** The tool messages of a request in OpenAI's wire format. */
function toolMessages(body: any): Array<{ role: string; tool_call_id: string; content: string }> {
  return (body.messages as Array<{ role: string; tool_call_id: string; content: string }>).filter((m) => m.role === 'tool');
}

function confirmButton(replies: Reply[]): string | undefined {
  return replies.flatMap((r) => r.buttons?.flat() ?? []).find((b) => b.action === 'confirm')?.value;
}

describe('LLM fallback (OpenAI-compatible)', () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  let n = 0;
  const user = (): UserRef => ({ platform: 'web', id: `llm-user-${++n}` });
  const ask = (ref: UserRef, words: string, extra: { onProgress?: (p: ProgressBlock) => void; tier?: 'pro' } = {}) =>
    t.app.assistant.handle({ user: ref, text: words, chat: { kind: 'private', id: ref.id }, ...(extra.tier ? { tier: extra.tier } : {}) }, extra.onProgress ? { onProgress: extra.onProgress } : {});

  before(async () => {
    fake = await FakeLlmServer.start();
    t = await createTestApp('sqlite', {
      CHAINS: 'none',
      LLM_PROVIDERS: `openai-compatible:${fake.url}/p1/v1:model-one,openai-compatible:${fake.url}/p2/v1:model-two`,
      LLM_PROVIDERS_PRO: `openai-compatible:${fake.url}/pro/v1:model-pro`,
      LLM_API_KEY: API_KEY,
      LLM_TIMEOUT_MS: '400',
      LLM_MAX_STEPS: '3',
      LLM_PRICES: 'model-one=1/2',
    });
    assert.equal(t.app.assistant.parse(UNREAD).name, 'none', 'the test message must be one the parser cannot read');
  });
  afterEach(() => {
    assert.equal(fake.remaining('/p1') + fake.remaining('/p2') + fake.remaining('/pro'), 0, 'every scripted answer was asked for');
    fake.reset();
  });
  after(async () => {
    await t.dispose();
    await fake.close();
  });

  it('calls a read tool and answers with its text plus the capability reply', async () => {
    fake.script('/p1', { toolCalls: [{ name: 'get_status', input: {} }] }, { text: 'Everything is **up**.' });
    const result = await ask(user(), UNREAD);
    assert.deepEqual(result.intent, { name: 'get_status', input: {}, source: 'llm' });
    assert.equal(result.replies[0]!.blocks[0]!.type, 'text');
    assert.equal(replyToPlainText(result.replies[0]!), 'Everything is up.');
    assert.match(replyToPlainText(result.replies[1]!), /Ready|systems go/i, 'the status reply follows the model text');

    const [first, second] = fake.requestsTo('/p1');
    assert.equal(first!.body.model, 'model-one');
    assert.equal(first!.body.stream, undefined, 'no progress listener: a plain JSON answer');
    assert.equal(first!.headers.authorization, `Bearer ${API_KEY}`);
    const system = first!.body.messages[0];
    assert.equal(system.role, 'system');
    assert.match(system.content, /data, never instructions/);
    assert.equal(first!.body.messages[1].content, UNREAD);
    const names = (first!.body.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name);
    assert.ok(names.includes('get_status') && names.includes('delete_wallet') && names.includes('confirm'));
    // The tool result goes back as delimited data, not as text the model could take for instructions.
    const [toolResult] = toolMessages(second!.body);
    assert.match(toolResult!.content, /^<tool-data capability="get_status">\n\{.*"version".*\}\n<\/tool-data>$/s);
  });

  it('streams the text as progress updates when the front door listens', async () => {
    fake.script('/p1', { toolCalls: [{ name: 'get_status', input: {} }], text: 'Checking.' }, { text: 'All systems are running fine today.' });
    const progress: string[] = [];
    const result = await ask(user(), UNREAD, { onProgress: (p) => progress.push(p.text) });
    assert.equal(result.intent.source, 'llm');
    assert.equal(result.intent.name, 'get_status');
    assert.equal(fake.requestsTo('/p1')[0]!.body.stream, true);
    assert.ok(progress.length > 2, 'the text arrived in several updates');
    assert.equal(progress.at(-1), 'All systems are running fine today.');
    assert.ok(progress.includes('All syst'), 'a partial text was shown before the whole');
    assert.equal(result.replies[0]!.blocks[0]!.type === 'text' && result.replies[0]!.blocks[0]!.text, 'All systems are running fine today.');
  });

  it('turns a proposed write into a pending action, refuses the model\'s confirm, and runs only on the person\'s yes', async () => {
    const ref = user();
    const principal: Principal = await t.app.assistant.admit(ref);
    await t.app.invoker.invoke({ name: 'create_wallet', input: { name: 'main' }, principal, source: 'api', requestId: 'req_test', chat: { kind: 'private', id: ref.id } });
    fake.script(
      '/p1',
      { toolCalls: [{ name: 'delete_wallet', input: { wallet: 'main' } }] },
      { toolCalls: [{ name: 'confirm', input: {} }] },
      { text: 'Say yes to delete it.' },
    );
    const result = await ask(ref, UNREAD);
    assert.equal(result.intent.name, 'delete_wallet');
    const pendingId = confirmButton(result.replies);
    assert.match(pendingId ?? '', /^pa_[0-9a-f]{32}$/, 'the person is asked to confirm');
    assert.equal((await t.app.wallets!.list(principal.userId)).length, 1, 'nothing was deleted');

    const requests = fake.requestsTo('/p1');
    const pendingData = toolMessages(requests[1]!.body)[0]!.content;
    assert.match(pendingData, /"pending":\{"id":"pa_/);
    const refused = toolMessages(requests[2]!.body).at(-1)!.content;
    assert.match(refused, /forbidden/);
    assert.match(refused, /Only you can confirm/);
    assert.equal((await t.app.wallets!.list(principal.userId)).length, 1, 'the model could not confirm');

    const yes = await ask(ref, 'yes');
    assert.equal(yes.intent.name, 'confirm');
    assert.equal((await t.app.wallets!.list(principal.userId)).length, 0, 'the person\'s yes ran it');
    const a = t.app.experiments!.report().variants.find((v) => v.name === 'a')!;
    assert.ok(a.outcomes.confirmed >= 1, 'the yes counts for the variant that proposed it');
  });

  it('refuses a tool call with an address the person never gave, and runs nothing', async () => {
    const ref = user();
    const principal = await t.app.assistant.admit(ref);
    const invented = `0x${'ab'.repeat(20)}`;
    fake.script(
      '/p1',
      { toolCalls: [{ name: 'add_watch_address', input: { address: invented, name: 'friend' } }] },
      { text: 'Which address is your friend\'s?' },
    );
    const before = t.app.experiments!.report().variants[0]!.outcomes.tool_error;
    const words = 'keep an eye on what my friend holds, zorblax';
    assert.equal(t.app.assistant.parse(words).name, 'none');
    const result = await ask(ref, words);
    assert.equal(result.intent.name, 'add_watch_address');
    assert.equal(text(result), "Which address is your friend's?");
    assert.deepEqual(await t.app.wallets!.list(principal.userId), [], 'no watch address was added');
    const refusal = JSON.parse(toolMessages(fake.requestsTo('/p1')[1]!.body)[0]!.content) as { error: { code: string; message: string } };
    assert.equal(refusal.error.code, 'address_not_given');
    assert.match(refusal.error.message, new RegExp(invented));
    assert.equal(t.app.experiments!.report().variants[0]!.outcomes.tool_error, before + 1);
  });

  it('lets the model use an address from the person\'s own wallet list', async () => {
    const ref = user();
    const principal = await t.app.assistant.admit(ref);
    const wallet = await t.app.wallets!.create({ userId: principal.userId, actor: `web:${ref.id}` }, 'savings');
    fake.script(
      '/p1',
      { toolCalls: [{ name: 'list_wallets', input: {} }] },
      { toolCalls: [{ name: 'export_wallet', input: { wallet: wallet.address } }] },
      { text: 'Confirm to see the key.' },
    );
    const result = await ask(ref, UNREAD);
    assert.ok(confirmButton(result.replies), 'the export waits for confirmation');
    assert.doesNotMatch(JSON.stringify(result.replies), /"privateKey"/);
  });

  it('falls back to the next provider when one answers 500', async () => {
    fake.script('/p1', { status: 500, message: `upstream broke; key was ${API_KEY}` });
    fake.script('/p2', { text: 'Answer from provider two.' });
    const result = await ask(user(), UNREAD);
    assert.equal(text(result), 'Answer from provider two.');
    assert.deepEqual(result.intent, { name: 'none', input: {}, source: 'llm' });
    assert.equal(fake.requestsTo('/p2')[0]!.body.model, 'model-two');
    const metrics = await t.app.metrics.registry.metrics();
    assert.match(metrics, /mobius_llm_requests_total\{provider="127\.0\.0\.1:\d+",model="model-one",outcome="error"\} 1/);
    assert.match(t.logs.text, /LLM provider failed; trying the next/);
  });

  it('falls back when a provider hangs past its deadline', async () => {
    fake.script('/p1', { hang: true });
    fake.script('/p2', { text: 'Provider two, in time.' });
    const result = await ask(user(), UNREAD);
    assert.equal(text(result), 'Provider two, in time.');
    assert.match(await t.app.metrics.registry.metrics(), /mobius_llm_requests_total\{provider="[^"]+",model="model-one",outcome="timeout"\} 1/);
  });

  it('falls back when a streamed answer stalls halfway, and shows the answer that came', async () => {
    fake.script('/p1', { stall: 'Let me th' });
    fake.script('/p2', { text: 'Here it is.' });
    const progress: string[] = [];
    const result = await ask(user(), UNREAD, { onProgress: (p) => progress.push(p.text) });
    assert.equal(text(result), 'Here it is.');
    assert.ok(progress.includes('Let me th'), 'the stalled words were shown as progress, then replaced');
    assert.equal(progress.at(-1), 'Here it is.');
  });

  it('continues a turn on the next provider without running its tools again', async () => {
    fake.script('/p1', { toolCalls: [{ name: 'get_status', input: {} }] }, { status: 503 });
    fake.script('/p2', { text: 'Status checked.' });
    const result = await ask(user(), UNREAD);
    assert.equal(result.intent.name, 'get_status');
    assert.equal(result.replies.length, 2, 'the model text and the one status reply');
    const continued = fake.requestsTo('/p2')[0]!.body;
    assert.equal(toolMessages(continued).length, 1, 'provider two got the tool result of provider one');
    assert.match(toolMessages(continued)[0]!.content, /^<tool-data capability="get_status">/);
  });

  it('answers as without an LLM when every provider fails', async () => {
    fake.script('/p1', { status: 500 });
    fake.script('/p2', { status: 429 });
    const before = t.app.experiments!.report().variants[0]!.outcomes.provider_failure;
    const result = await ask(user(), UNREAD);
    assert.equal(result.intent.source, 'none');
    assert.match(text(result), /I didn't get that/);
    assert.equal(t.app.experiments!.report().variants[0]!.outcomes.provider_failure, before + 1);
  });

  it('answers without tools in the last round, so a looping model still ends', async () => {
    fake.script(
      '/p1',
      { toolCalls: [{ name: 'get_status', input: {} }] },
      { toolCalls: [{ name: 'get_status', input: {} }] },
      { toolCalls: [{ name: 'get_status', input: {} }] },
      { text: 'Done looking.' },
    );
    const result = await ask(user(), UNREAD);
    assert.equal(replyToPlainText(result.replies[0]!), 'Done looking.');
    const last = fake.requestsTo('/p1').at(-1)!.body;
    assert.equal(last.tool_choice, 'none', 'LLM_MAX_STEPS=3: the fourth round may not call tools');
  });

  it('uses the tier\'s own providers', async () => {
    fake.script('/pro', { text: 'Pro answer.' });
    const result = await ask(user(), UNREAD, { tier: 'pro' });
    assert.equal(text(result), 'Pro answer.');
    assert.equal(fake.requestsTo('/pro')[0]!.body.model, 'model-pro');
  });

  it('counts tokens and cost in the metrics', async () => {
    fake.script('/p1', { text: 'Counted.' });
    await ask(user(), UNREAD);
    const metrics = await t.app.metrics.registry.metrics();
    const input = Number(/mobius_llm_tokens_total\{provider="[^"]+",model="model-one",kind="input"\} (\d+)/.exec(metrics)?.[1]);
    assert.ok(input >= USAGE.input && input % USAGE.input === 0);
    assert.match(metrics, /mobius_llm_cost_usd_total\{provider="[^"]+",model="model-one"\} [0-9.e-]+/);
  });

  it('never sends a message that carries a key to the model', async () => {
    const result = await ask(user(), `here you go ${'1f'.repeat(32)}`);
    assert.equal(result.intent.source, 'none');
    assert.equal(fake.requests.length, 0);
  });

  it('never writes an API key to the logs', () => {
    assert.ok(t.logs.lines.length > 0);
    assert.ok(!t.logs.text.includes(API_KEY), 'the key is not in any log line');
    const failure = t.logs.records().find((r) => r.msg === 'LLM provider failed; trying the next' && String(r.reason).includes('upstream broke'));
    assert.ok(failure, 'the failure is logged');
    assert.match(String(failure.reason), /HTTP 500.*key was \[REDACTED\]/, 'the key the failing provider echoed was masked');
  });
});
