import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { request, startTestServer, type TestServer } from '../helpers/app.js';
import { FakeLlmServer } from '../helpers/llm-servers.js';

const UNREAD = 'zorblax quux frobnicate the thingamajig';

describe('LLM A/B experiments over HTTP', () => {
  let fake: FakeLlmServer;
  let server: TestServer;

  before(async () => {
    fake = await FakeLlmServer.start();
    server = await startTestServer('sqlite', {
      CHAINS: 'none',
      LLM_PROVIDERS: `openai-compatible:${fake.url}/pa/v1:model-a`,
      LLM_EXPERIMENT_PROVIDERS: `openai-compatible:${fake.url}/pb/v1:model-b`,
      LLM_EXPERIMENT_PROMPT: 'Answer like a pirate.',
      LLM_EXPERIMENT_SHARE: '50',
      LLM_EXPERIMENT_NAME: 'pirate-test',
    });
  });
  after(async () => {
    await server.dispose();
    await fake.close();
  });

  /** API users (`user` in POST /v1/chat) and the variant each is in. */
  async function usersByVariant(): Promise<{ a: string; b: string }> {
    const found: Partial<Record<'a' | 'b', string>> = {};
    for (let i = 0; !(found.a && found.b); i++) {
      const name = `ab-user-${i}`;
      const principal = await server.app.identities.resolve({ platform: 'api', id: `local:${name}` });
      found[server.app.experiments!.variantOf(principal.userId)] ??= name;
    }
    return found as { a: string; b: string };
  }

  it('gives each user one variant, stable across messages, and reports the outcomes per variant', async () => {
    const users = await usersByVariant();
    fake.script('/pa', { text: 'A one.' }, { text: 'A two.' });
    fake.script('/pb', { toolCalls: [{ name: 'get_status', input: {} }] }, { text: 'Arr, all up.' }, { text: 'Arr again.' });
    const chat = (user: string) => request(server.url, 'POST', '/v1/chat', { json: { user, text: UNREAD } });
    for (const user of [users.a, users.b, users.a, users.b]) {
      const res = await chat(user);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.intent.source, 'llm');
    }
    assert.equal(fake.remaining('/pa') + fake.remaining('/pb'), 0, 'A always went to model-a, B always to model-b');
    assert.ok(fake.requestsTo('/pb').every((r) => r.body.model === 'model-b' && /Answer like a pirate\./.test(r.body.messages[0].content)));
    assert.ok(fake.requestsTo('/pa').every((r) => !/pirate/.test(r.body.messages[0].content)));

    const res = await request(server.url, 'GET', '/v1/experiments');
    assert.equal(res.status, 200, res.text);
    const [experiment] = res.body.experiments;
    assert.equal(experiment.name, 'pirate-test');
    assert.equal(experiment.sharePercent, 50);
    const byName = Object.fromEntries(experiment.variants.map((v: any) => [v.name, v]));
    assert.deepEqual(byName.a.models, ['model-a']);
    assert.equal(byName.a.prompt, 'built-in');
    assert.deepEqual(byName.b.models, ['model-b']);
    assert.equal(byName.b.prompt, 'custom');
    assert.deepEqual(byName.a.outcomes, { answered: 2, tool_error: 0, provider_failure: 0, confirmed: 0 });
    assert.deepEqual(byName.b.outcomes, { answered: 2, tool_error: 0, provider_failure: 0, confirmed: 0 });
    assert.equal(byName.b.turns, 2);

    const metrics = await request(server.url, 'GET', '/metrics');
    assert.match(metrics.text, /mobius_llm_experiment_outcomes_total\{experiment="pirate-test",variant="b",outcome="answered"\} 2/);
  });

  it('is for administrators only', async () => {
    const key = await server.app.apiKeys.create({ tier: 'pro' });
    const res = await request(server.url, 'GET', '/v1/experiments', { headers: { authorization: `Bearer ${key.key}` } });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'forbidden');
  });

  it('is listed in a valid OpenAPI document', async () => {
    const res = await request(server.url, 'GET', '/openapi.json');
    assert.ok(res.body.paths['/v1/experiments']?.get);
    const result = await new Validator().validate(res.body);
    assert.equal(result.valid, true, JSON.stringify(result.errors));
  });
});
