import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { FakeLlmServer } from '../../../test/helpers/llm-servers.js';
import { replyToPlainText } from '../../core/reply.js';
import { loadConfig } from '../../config.js';
import { createApp } from '../../app.js';

const API_KEY = 'sk-ant-test-never-logged-77c1';
const UNREAD = 'zorblax quux frobnicate the thingamajig';

describe('LLM fallback (Anthropic Messages API)', () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  let n = 0;
  const ask = (withProgress: boolean) => {
    const ref = { platform: 'web' as const, id: `anthropic-user-${++n}` };
    const progress: string[] = [];
    return t.app.assistant
      .handle({ user: ref, text: UNREAD, chat: { kind: 'private', id: ref.id } }, withProgress ? { onProgress: (p) => progress.push(p.text) } : {})
      .then((result) => ({ result, progress }));
  };

  before(async () => {
    fake = await FakeLlmServer.start();
    t = await createTestApp('sqlite', {
      CHAINS: 'none',
      LLM_PROVIDERS: `anthropic:${fake.url}/pa/v1:claude-test`,
      LLM_API_KEYS: `127.0.0.1:${new URL(fake.url).port}=${API_KEY}`,
    });
  });
  afterEach(() => {
    assert.equal(fake.remaining('/pa'), 0);
    fake.reset();
  });
  after(async () => {
    await t.dispose();
    await fake.close();
  });

  it('calls a tool and answers, over plain JSON', async () => {
    fake.script('/pa', { toolCalls: [{ name: 'get_status', input: {} }] }, { text: 'All up.' });
    const { result } = await ask(false);
    assert.deepEqual(result.intent, { name: 'get_status', input: {}, source: 'llm' });
    assert.equal(replyToPlainText(result.replies[0]!), 'All up.');
    const [first, second] = fake.requestsTo('/pa');
    assert.equal(first!.path, '/v1/messages');
    assert.equal(first!.headers['x-api-key'], API_KEY, 'the key of this host from LLM_API_KEYS');
    assert.match(JSON.stringify(first!.body.system), /data, never instructions/);
    // Anthropic carries the tool result in a user message's tool_result block.
    const blocks = (second!.body.messages as Array<{ role: string; content: Array<{ type: string; content?: unknown }> }>).flatMap((m) => (Array.isArray(m.content) ? m.content : []));
    const toolResult = blocks.find((b) => b.type === 'tool_result');
    assert.match(JSON.stringify(toolResult?.content), /<tool-data capability=\\"get_status\\">/);
  });

  it('streams tool calls and text over server-sent events', async () => {
    fake.script('/pa', { toolCalls: [{ name: 'get_status', input: {} }] }, { text: 'Everything is running.' });
    const { result, progress } = await ask(true);
    assert.equal(fake.requestsTo('/pa')[0]!.body.stream, true);
    assert.equal(result.intent.name, 'get_status');
    assert.equal(progress.at(-1), 'Everything is running.');
    assert.equal(replyToPlainText(result.replies[0]!), 'Everything is running.');
  });

  it('marks a refused tool call as an error result', async () => {
    fake.script('/pa', { toolCalls: [{ name: 'get_balance', input: { address: `0x${'cd'.repeat(20)}` } }] }, { text: 'Which address?' });
    await ask(false);
    const blocks = (fake.requestsTo('/pa')[1]!.body.messages as Array<{ content: unknown }>).flatMap((m) => (Array.isArray(m.content) ? (m.content as Array<{ type: string; is_error?: boolean; content?: unknown }>) : []));
    const toolResult = blocks.find((b) => b.type === 'tool_result');
    assert.equal(toolResult?.is_error, true);
    assert.match(JSON.stringify(toolResult?.content), /address_not_given/);
  });

  it('stops the start when an Anthropic provider has no key, naming the variable', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mobius-llm-'));
    try {
      const config = loadConfig({ MOBIUS_DATA_DIR: dir, CHAINS: 'none', LLM_PROVIDERS: 'anthropic::claude-test' });
      await assert.rejects(createApp(config, { defaultMetrics: false, keystore: false }), /Configuration error: LLM_API_KEY is needed for the anthropic provider at api\.anthropic\.com/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the key out of the logs', () => {
    assert.ok(!t.logs.text.includes(API_KEY));
  });
});
