import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { countRows as rowsIn, dialects, request, startTestServer, type TestServer } from '../helpers/app.js';

const countRows = (server: TestServer, table: Parameters<typeof rowsIn>[1]) => rowsIn(server.app, table);


for (const dialect of dialects) {
  describe(`HTTP API on ${dialect.name}`, { skip: dialect.skip }, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(dialect.name);
    });
    after(async () => {
      await server?.dispose();
    });

    it('answers liveness and per-dependency readiness', async () => {
      const health = await request(server.url, 'GET', '/health');
      assert.equal(health.status, 200);
      assert.equal(health.body.status, 'ok');
      assert.equal(health.body.version, server.app.info.version);
      const ready = await request(server.url, 'GET', '/ready');
      assert.equal(ready.status, 200);
      assert.equal(ready.body.status, 'ready');
      assert.equal(ready.body.checks.database.status, 'up');
      assert.equal(ready.body.checks.database.required, true);
    });

    it('chats: "help" lists the capabilities from the registry', async () => {
      const res = await request(server.url, 'POST', '/v1/chat', { json: { user: 'alice', text: 'help' } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.intent, { name: 'help', input: {}, source: 'builtin', confidence: 1 });
      const text = JSON.stringify(res.body.replies);
      for (const c of server.app.registry.list()) assert.match(text, new RegExp(c.summary.slice(0, 20)));
      assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f]{10}-[0-9a-z]+$/);
    });

    it('chats: a greeting gets the help menu and a typo still finds status', async () => {
      const hi = await request(server.url, 'POST', '/v1/chat', { json: { text: 'hello!' } });
      assert.equal(hi.body.intent.name, 'help');
      const status = await request(server.url, 'POST', '/v1/chat', { json: { text: 'whats your stauts?' } });
      assert.equal(status.body.intent.name, 'get_status');
      assert.match(JSON.stringify(status.body.replies), /version/);
    });

    it('chats: off-topic text is not forced onto a capability and gets three suggestions', async () => {
      const res = await request(server.url, 'POST', '/v1/chat', { json: { text: 'tell me a joke about penguins' } });
      assert.equal(res.status, 200);
      assert.equal(res.body.intent.name, 'none');
      assert.equal(res.body.intent.source, 'none');
      const reply = res.body.replies[0];
      assert.match(reply.blocks[0].text, /didn't get that/);
      assert.equal(reply.buttons[0].length, 3); // the three closest capabilities, one suggestion each
      assert.equal(new Set(reply.buttons[0].map((b: { value: string }) => b.value)).size, 3);
    });

    it('parses without running anything or creating anyone', async () => {
      const users = await countRows(server, 'users');
      const res = await request(server.url, 'POST', '/v1/parse', { json: { text: 'system status', user: 'parser-only' } });
      assert.equal(res.status, 200);
      assert.equal(res.body.intent.name, 'get_status');
      assert.equal(res.body.intent.source, 'builtin');
      assert.ok(res.body.intent.confidence > 0.6);
      assert.equal(await countRows(server, 'users'), users);
    });

    it('lists capabilities with JSON Schemas and runs one directly', async () => {
      const list = await request(server.url, 'GET', '/v1/capabilities');
      assert.equal(list.status, 200);
      const names = list.body.capabilities.map((c: { name: string }) => c.name);
      assert.deepEqual(names.slice(0, 2), ['help', 'get_status']);
      for (const name of ['get_balance', 'get_gas', 'get_token_info', 'devnet_faucet', 'get_chain_status']) assert.ok(names.includes(name), name);
      const help = list.body.capabilities[0];
      assert.equal(help.effect, 'read');
      assert.equal(help.inputSchema.type, 'object');
      assert.ok(help.inputSchema.properties.capability);

      const run = await request(server.url, 'POST', '/v1/capabilities/get_status', { json: { user: 'bob', input: {} } });
      assert.equal(run.status, 200);
      assert.equal(run.body.data.version, server.app.info.version);
      assert.equal(run.body.data.checks.database.status, 'up');
      assert.ok(Array.isArray(run.body.reply.blocks));

      const one = await request(server.url, 'POST', '/v1/capabilities/help', { json: { input: { capability: 'get_status' } } });
      assert.equal(one.body.data.capability, 'get_status');
    });

    it('refuses bad input at the door with the right 4xx and writes nothing', async () => {
      const users = await countRows(server, 'users');
      const identities = await countRows(server, 'identities');
      const cases: Array<{ path: string; init: Parameters<typeof request>[3]; status: number; code: string }> = [
        { path: '/v1/chat', init: { body: '{"text": "help"', headers: { 'content-type': 'application/json' } }, status: 400, code: 'invalid_json' },
        { path: '/v1/chat', init: { json: { text: 42 } }, status: 400, code: 'bad_input' },
        { path: '/v1/chat', init: { json: { text: 'help', user: 'has spaces and ☃' } }, status: 400, code: 'bad_input' },
        { path: '/v1/chat', init: { json: { text: '   ' } }, status: 400, code: 'bad_input' },
        { path: '/v1/chat', init: { json: { text: 'x'.repeat(5000) } }, status: 400, code: 'bad_input' },
        { path: '/v1/chat', init: { json: { text: 'help\u0000' } }, status: 400, code: 'bad_input' },
        { path: '/v1/chat', init: { json: { text: 'y'.repeat(300 * 1024) } }, status: 413, code: 'payload_too_large' },
        { path: '/v1/chat', init: { body: 'help', headers: { 'content-type': 'text/plain' } }, status: 415, code: 'unsupported_media_type' },
        { path: '/v1/chat', init: { body: '{"__proto__": {"x": 1}, "text": "help"}', headers: { 'content-type': 'application/json' } }, status: 400, code: 'invalid_json' },
        { path: '/v1/parse', init: { json: {} }, status: 400, code: 'bad_input' },
        { path: '/v1/capabilities/get_price_of_moon', init: { json: { input: {} } }, status: 404, code: 'unknown_capability' },
        { path: '/v1/capabilities/Bad-Name', init: { json: { input: {} } }, status: 400, code: 'bad_input' },
        { path: '/v1/capabilities/help', init: { json: { input: { capability: 7 } } }, status: 400, code: 'bad_input' },
        { path: '/v1/capabilities/help', init: { json: { input: 'help' } }, status: 400, code: 'bad_input' },
      ];
      for (const c of cases) {
        const res = await request(server.url, 'POST', c.path, c.init);
        assert.equal(res.status, c.status, `${c.path} ${JSON.stringify(c.init).slice(0, 80)} → ${res.text.slice(0, 200)}`);
        assert.equal(res.body.error.code, c.code, res.text.slice(0, 200));
        assert.equal(typeof res.body.error.message, 'string');
      }
      const unknownRoute = await request(server.url, 'GET', '/v1/nothing-here');
      assert.equal(unknownRoute.status, 404);
      assert.equal(unknownRoute.body.error.code, 'not_found');
      // A validation message names the field so a person can fix it.
      const typed = await request(server.url, 'POST', '/v1/capabilities/help', { json: { input: { capability: 7 } } });
      assert.match(typed.body.error.message, /input\.capability/);
      assert.equal(await countRows(server, 'users'), users);
      assert.equal(await countRows(server, 'identities'), identities);
    });

    it('scopes API users to the key: the same name under two keys is two people', async () => {
      const a = await server.app.apiKeys.create({ tier: 'free', label: 'a' });
      const b = await server.app.apiKeys.create({ tier: 'free', label: 'b' });
      for (const key of [a.key, b.key]) {
        const res = await request(server.url, 'POST', '/v1/chat', { json: { user: 'carol', text: 'status' }, headers: { authorization: `Bearer ${key}` } });
        assert.equal(res.status, 200);
      }
      const rows = await server.app.database.db.selectFrom('identities').select(['platform_user_id', 'user_id']).where('platform', '=', 'api').execute();
      const carol = rows.filter((r) => r.platform_user_id.endsWith(':carol'));
      assert.deepEqual(carol.map((r) => r.platform_user_id).sort(), [`${a.id}:carol`, `${b.id}:carol`].sort());
      assert.notEqual(carol[0]!.user_id, carol[1]!.user_id);
    });

    it('rejects an invalid or revoked key even on loopback', async () => {
      const bad = await request(server.url, 'GET', '/v1/capabilities', { headers: { authorization: 'Bearer mbx_nope_nope' } });
      assert.equal(bad.status, 401);
      assert.equal(bad.body.error.code, 'unauthorized');
      const key = await server.app.apiKeys.create({ tier: 'pro', label: 'to revoke' });
      const ok = await request(server.url, 'GET', '/v1/capabilities', { headers: { authorization: `Bearer ${key.key}` } });
      assert.equal(ok.status, 200);
      assert.equal(await server.app.apiKeys.revoke(key.id), true);
      const revoked = await request(server.url, 'GET', '/v1/capabilities', { headers: { authorization: `Bearer ${key.key}` } });
      assert.equal(revoked.status, 401);
    });

    it('serves Prometheus metrics that promtool accepts, without user labels', async (t) => {
      await request(server.url, 'POST', '/v1/chat', { json: { user: 'metrics-user-123', text: 'help' } });
      const res = await request(server.url, 'GET', '/metrics');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
      assert.match(res.text, /mobius_http_request_duration_seconds_bucket\{.*route="\/v1\/chat".*\}/);
      assert.match(res.text, /mobius_capability_duration_seconds_count\{capability="help",outcome="ok"\} \d+/);
      assert.match(res.text, /mobius_messages_total\{platform="api",source="builtin"\} \d+/);
      assert.doesNotMatch(res.text, /metrics-user-123/);
      const promtool = spawnSync('promtool', ['check', 'metrics'], { input: res.text, encoding: 'utf8' });
      if (promtool.error) {
        t.skip('promtool not installed (Debian package prometheus); .ci/run installs it');
        return;
      }
      assert.equal(promtool.status, 0, promtool.stdout + promtool.stderr);
    });

    it('publishes a valid OpenAPI 3.1 document covering every route, and a docs page', async () => {
      const res = await request(server.url, 'GET', '/openapi.json');
      assert.equal(res.status, 200);
      const validator = new Validator();
      const result = await validator.validate(res.body);
      assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2)?.slice(0, 2000));
      assert.equal(res.body.openapi, '3.1.0');
      const paths = Object.keys(res.body.paths).sort();
      for (const p of ['/health', '/ready', '/metrics', '/v1/chat', '/v1/parse', '/v1/capabilities', '/v1/capabilities/{name}']) {
        assert.ok(paths.includes(p), `${p} missing from ${paths.join(', ')}`);
      }
      const docs = await fetch(`${server.url}/docs`, { redirect: 'follow' });
      assert.equal(docs.status, 200);
      assert.match(await docs.text(), /swagger-ui/i);
    });

    it('logs each request with its id and never an Authorization header or key', async () => {
      const key = await server.app.apiKeys.create({ tier: 'free', label: 'log test' });
      const res = await request(server.url, 'POST', '/v1/capabilities/get_status', {
        json: { input: {} },
        headers: { authorization: `Bearer ${key.key}`, 'x-request-id': 'trace-me-42' },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-request-id'), 'trace-me-42');
      const secret = key.key.split('_').at(-1)!;
      assert.ok(!server.logs.text.includes(secret), 'the API key reached the logs');
    });
  });
}

describe('HTTP API off loopback', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { MOBIUS_HOST: '0.0.0.0' });
  });
  after(async () => {
    await server?.dispose();
  });

  it('requires an API key for the API and metrics, but not for health', async () => {
    const chat = await request(server.url, 'POST', '/v1/chat', { json: { text: 'help' } });
    assert.equal(chat.status, 401);
    assert.equal(chat.body.error.code, 'unauthorized');
    assert.match(chat.body.error.message, /API key is required/);
    assert.equal((await request(server.url, 'GET', '/v1/capabilities')).status, 401);
    assert.equal((await request(server.url, 'GET', '/metrics')).status, 401);
    assert.equal((await request(server.url, 'GET', '/health')).status, 200);
    assert.equal(await countRows(server, 'users'), 0);

    const free = await server.app.apiKeys.create({ tier: 'free', label: 'user' });
    const ok = await request(server.url, 'POST', '/v1/chat', { json: { text: 'help' }, headers: { authorization: `Bearer ${free.key}` } });
    assert.equal(ok.status, 200);
    const metricsForbidden = await request(server.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${free.key}` } });
    assert.equal(metricsForbidden.status, 403);
    const admin = await server.app.apiKeys.create({ tier: 'admin', label: 'ops' });
    const metrics = await request(server.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${admin.key}` } });
    assert.equal(metrics.status, 200);
  });
});

describe('HTTP rate limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { MOBIUS_RATE_LIMIT_PRO: '3' });
  });
  after(async () => {
    await server?.dispose();
  });

  it('answers 429 with Retry-After past the tier limit, for that user only', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof request>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await request(server.url, 'POST', '/v1/chat', { json: { user: 'flood', text: 'help' } });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal(last!.body.error.code, 'rate_limited');
    const retryAfter = Number(last!.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.match(last!.body.error.message, /try again in \d+s/);
    const other = await request(server.url, 'POST', '/v1/chat', { json: { user: 'calm', text: 'help' } });
    assert.equal(other.status, 200);
  });
});

describe('HTTP when the database is gone', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite');
  });
  after(async () => {
    await server?.dispose();
  });

  it('reports not ready (503) and answers 500 with a reference id, not a stack', async () => {
    await server.app.database.close();
    const ready = await request(server.url, 'GET', '/ready');
    assert.equal(ready.status, 503);
    assert.equal(ready.body.checks.database.status, 'down');
    const chat = await request(server.url, 'POST', '/v1/chat', { json: { user: 'new-person', text: 'help' } });
    assert.equal(chat.status, 500);
    assert.equal(chat.body.error.code, 'internal');
    assert.match(chat.body.error.message, /Something went wrong \(ref [0-9a-f]{10}\)/);
    assert.doesNotMatch(chat.text, /at .*\.ts:\d+/);
    const logged = server.logs.records().find((r) => r.ref === chat.body.error.ref);
    assert.ok(logged, 'the internal error is logged with its ref');
    assert.equal(logged.level, 'error');
  });
});
