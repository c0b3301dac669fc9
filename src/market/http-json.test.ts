import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import { startReplayServer, malformedJson, rateLimited, serverError, type ReplayServer } from '../../test/helpers/api-replay.js';
import { DependencyError } from '../core/errors.js';
import { createMetrics } from '../infra/metrics.js';
import { createDependencyPolicy, type DependencyPolicyOptions } from '../infra/resilience.js';
import { HttpStatusError, fetchJson, numberish, parseRetryAfter, positivePrice } from './http-json.js';

const Body = z.object({ ok: z.boolean(), n: z.number() });

function policy(options: Partial<DependencyPolicyOptions> = {}) {
  return createDependencyPolicy(
    { name: 'prices-api', timeoutMs: 500, retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 }, ...options },
    { metrics: createMetrics({ defaultMetrics: false }) },
  );
}

const reason = (err: unknown) => (err instanceof DependencyError ? err.details?.['reason'] : undefined);

describe('fetchJson', () => {
  let api: ReplayServer;
  before(async () => {
    api = await startReplayServer([]);
  });
  after(() => api.close());
  beforeEach(() => {
    api.requests.length = 0;
  });

  it('returns the validated body and sends the given headers', async () => {
    api.setRoutes([{ path: '/v1/thing', answer: { body: { ok: true, n: 7, extra: 'ignored' } } }]);
    const body = await fetchJson(`${api.url}/v1/thing?x=1`, { policy: policy(), schema: Body, headers: { 'x-api-key': 'k' } });
    assert.deepEqual(body, { ok: true, n: 7 });
    assert.equal(api.requests[0]!.headers['x-api-key'], 'k');
    assert.equal(api.requests[0]!.query['x'], '1');
  });

  it('waits out a 429 as long as Retry-After says, then succeeds', async () => {
    api.setRoutes([{ path: '/v1/thing', answer: [rateLimited(1), { body: { ok: true, n: 1 } }] }]);
    const started = performance.now();
    const body = await fetchJson(`${api.url}/v1/thing`, { policy: policy(), schema: Body });
    const waited = performance.now() - started;
    assert.equal(body.n, 1);
    assert.equal(api.requests.length, 2);
    assert.ok(waited >= 950, `waited ${waited} ms`);
  });

  it('fails fast when Retry-After is over the cap, and keeps failing fast until then without calling', async () => {
    api.setRoutes([{ path: '/v1/thing', answer: rateLimited(120) }]);
    const p = policy();
    const started = performance.now();
    await assert.rejects(fetchJson(`${api.url}/v1/thing`, { policy: p, schema: Body, maxRetryAfterMs: 30_000 }), (err) => {
      assert.equal(reason(err), 'rate_limited');
      assert.equal((err as DependencyError).details?.['retryAfterSeconds'], 120);
      return true;
    });
    await assert.rejects(fetchJson(`${api.url}/v1/thing`, { policy: p, schema: Body }), (err) => reason(err) === 'rate_limited');
    assert.equal(api.requests.length, 1, 'the second call never reached the server');
    assert.ok(performance.now() - started < 1_000);
    assert.equal(p.state(), 'closed', 'a rate limit is not an outage');
  });

  it('fails fast when the wait would pass the caller’s deadline', async () => {
    api.setRoutes([{ path: '/v1/thing', answer: rateLimited(2) }]);
    const started = performance.now();
    await assert.rejects(
      fetchJson(`${api.url}/v1/thing`, { policy: policy(), schema: Body, deadline: Date.now() + 500 }),
      (err) => reason(err) === 'rate_limited' && (err as DependencyError).details?.['retryAfterSeconds'] === 2,
    );
    assert.ok(performance.now() - started < 500);
  });

  it('retries 5xx and returns the later success', async () => {
    api.setRoutes([{ path: '/v1/thing', answer: [serverError(502), serverError(503), { body: { ok: true, n: 3 } }] }]);
    const body = await fetchJson(`${api.url}/v1/thing`, { policy: policy(), schema: Body });
    assert.equal(body.n, 3);
    assert.equal(api.requests.length, 3);
  });

  it('gives up on persistent 5xx with the status, and the breaker then refuses without calling', async () => {
    api.setRoutes([{ path: '/v1/thing', answer: serverError(500) }]);
    const p = policy({ breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 } });
    await assert.rejects(fetchJson(`${api.url}/v1/thing`, { policy: p, schema: Body }), (err) => err instanceof HttpStatusError && err.upstreamStatus === 500);
    assert.equal(api.requests.length, 3);
    assert.equal(p.state(), 'open');
    await assert.rejects(fetchJson(`${api.url}/v1/thing`, { policy: p, schema: Body }), (err) => reason(err) === 'circuit_open');
    assert.equal(api.requests.length, 3);
  });

  it('does not retry other 4xx and keeps the body off the public details', async () => {
    api.setRoutes([{ path: '/v1/thing', answer: { status: 404, body: { error: 'coin not found' } } }]);
    const p = policy({ breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 } });
    await assert.rejects(fetchJson(`${api.url}/v1/thing`, { policy: p, schema: Body }), (err) => {
      assert.ok(err instanceof HttpStatusError);
      assert.equal(err.upstreamStatus, 404);
      assert.match(err.body, /coin not found/);
      assert.deepEqual(err.details, { dependency: 'prices-api', reason: 'http_status', status: 404, path: '/v1/thing' });
      return true;
    });
    assert.equal(api.requests.length, 1);
    assert.equal(p.state(), 'closed');
  });

  it('turns a silent server into a timeout after the retries', async () => {
    api.setRoutes([{ path: '/v1/thing', answer: { hang: true } }]);
    const started = performance.now();
    await assert.rejects(
      fetchJson(`${api.url}/v1/thing`, { policy: policy({ timeoutMs: 80, retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 } }), schema: Body }),
      (err) => reason(err) === 'timeout',
    );
    assert.equal(api.requests.length, 2);
    assert.ok(performance.now() - started < 2_000);
  });

  it('reports malformed JSON as a bad response naming the source, without retrying', async () => {
    api.setRoutes([{ path: '/v1/thing', answer: malformedJson() }]);
    await assert.rejects(fetchJson(`${api.url}/v1/thing`, { policy: policy(), schema: Body }), (err) => {
      assert.equal(reason(err), 'bad_response');
      assert.match(String((err as DependencyError).details?.['problem']), /malformed JSON from prices-api/);
      assert.match((err as Error).message, /prices-api/);
      return true;
    });
    assert.equal(api.requests.length, 1);
  });

  it('reports a body of the wrong shape with the offending path', async () => {
    api.setRoutes([{ path: '/v1/thing', answer: { body: { ok: 'yes', n: 1 } } }]);
    await assert.rejects(fetchJson(`${api.url}/v1/thing`, { policy: policy(), schema: Body }), (err) => {
      assert.equal(reason(err), 'bad_response');
      assert.match(String((err as DependencyError).details?.['problem']), /ok:/);
      return true;
    });
  });

  it('rejects with the caller’s reason when the caller aborts, also during a rate-limit wait', async () => {
    api.setRoutes([{ path: '/v1/hang', answer: { hang: true } }, { path: '/v1/limited', answer: rateLimited(5) }]);
    const gone = new Error('caller left');
    const c1 = new AbortController();
    setTimeout(() => c1.abort(gone), 30);
    await assert.rejects(fetchJson(`${api.url}/v1/hang`, { policy: policy(), schema: Body, signal: c1.signal }), (err) => err === gone);

    const c2 = new AbortController();
    setTimeout(() => c2.abort(gone), 50);
    const started = performance.now();
    await assert.rejects(fetchJson(`${api.url}/v1/limited`, { policy: policy(), schema: Body, signal: c2.signal, maxRetryAfterMs: 10_000 }), (err) => err === gone);
    assert.ok(performance.now() - started < 1_000);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores garbage', () => {
    const now = Date.parse('2025-06-12T12:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('Thu, 12 Jun 2025 12:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Thu, 12 Jun 2025 11:00:00 GMT', now), 0, 'a date in the past means now');
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });
});

describe('numberish and positivePrice', () => {
  it('accept finite numbers and decimal strings only', () => {
    const read = (v: unknown) => numberish.parse(v);
    assert.equal(read(3421.5), 3421.5);
    assert.equal(read('0.00001182'), 0.00001182);
    assert.equal(read('1e400'), undefined);
    assert.equal(read(JSON.parse('1e400')), undefined);
    assert.equal(read('NaN'), undefined);
    assert.equal(read(null), undefined);
    assert.equal(read(''), undefined);
    assert.equal(positivePrice(0), undefined);
    assert.equal(positivePrice(-1), undefined);
    assert.equal(positivePrice(Infinity), undefined);
    assert.equal(positivePrice(2.5), 2.5);
  });
});
