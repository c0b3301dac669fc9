import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DependencyError, UserError } from '../core/errors.js';
import { HealthRegistry } from './health.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createDependencyPolicy, type DependencyPolicyOptions } from './resilience.js';

const fastRetry = { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 };

function setup(options: Partial<DependencyPolicyOptions> = {}) {
  const metrics = createMetrics({ defaultMetrics: false });
  const policy = createDependencyPolicy({ name: 'prices', timeoutMs: 50, ...options }, { metrics });
  return { metrics, policy };
}

async function breakerGauge(metrics: Metrics, dependency = 'prices'): Promise<number | undefined> {
  const { values } = await metrics.breakerState.get();
  return values.find((v) => v.labels.dependency === dependency)?.value;
}

async function calls(metrics: Metrics, outcome: string): Promise<number> {
  const { values } = await metrics.dependencyCalls.get();
  return values.find((v) => v.labels.dependency === 'prices' && v.labels.outcome === outcome)?.value ?? 0;
}

/** A call that stays in flight until released, to fill a bulkhead deterministically. */
function gate() {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  return { opened, release };
}

const isUnavailable = (err: unknown) => err instanceof DependencyError && err.code === 'dependency_unavailable';

describe('dependency policy', () => {
  it('retries transient failures, then returns the success', async () => {
    const { policy, metrics } = setup({ retry: fastRetry });
    let n = 0;
    const value = await policy.execute(async () => {
      if (++n < 3) throw new Error('ECONNRESET');
      return 'ok';
    });
    assert.equal(value, 'ok');
    assert.equal(n, 3);
    assert.equal(await calls(metrics, 'success'), 1);
  });

  it('gives up after maxAttempts and rethrows the original error unchanged', async () => {
    const { policy, metrics } = setup({ retry: fastRetry });
    const boom = new Error('502 from upstream');
    let n = 0;
    await assert.rejects(
      policy.execute(async () => {
        n++;
        throw boom;
      }),
      (err) => err === boom,
    );
    assert.equal(n, 3, 'maxAttempts counts the first call');
    assert.equal(await calls(metrics, 'failure'), 1);
  });

  it("does not retry the caller's mistake, nor count it against the breaker", async () => {
    const { policy } = setup({ retry: fastRetry, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 1000 } });
    const mistake = new UserError('unknown_token', 'no such token');
    let n = 0;
    await assert.rejects(
      policy.execute(async () => {
        n++;
        throw mistake;
      }),
      (err) => err === mistake,
    );
    assert.equal(n, 1);
    assert.equal(policy.state(), 'closed');
  });

  it('turns a timed-out attempt into a DependencyError and aborts its signal', async () => {
    const { policy, metrics } = setup({ timeoutMs: 20 });
    let seen: AbortSignal | undefined;
    const started = performance.now();
    await assert.rejects(
      policy.execute((signal) => {
        seen = signal;
        return new Promise<never>(() => {}); // ignores its signal: the deadline must still hold
      }),
      (err) => isUnavailable(err) && /prices/.test((err as Error).message) && (err as Error).cause !== undefined,
    );
    assert.ok(performance.now() - started < 1000);
    assert.equal(seen?.aborted, true);
    assert.equal(await calls(metrics, 'timeout'), 1);
  });

  it('reports a timeout even when the call rejects with its own AbortError first', async () => {
    const { policy, metrics } = setup({ timeoutMs: 20 });
    await assert.rejects(
      // The shape of fetch(): it rejects with the signal's reason as soon as it aborts.
      policy.execute((signal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))),
      isUnavailable,
    );
    assert.equal(await calls(metrics, 'timeout'), 1);
  });

  it('opens after N consecutive failures, refuses without calling, half-opens and closes on success', async () => {
    const { policy, metrics } = setup({ breaker: { consecutiveFailures: 3, halfOpenAfterMs: 30 } });
    assert.equal(await breakerGauge(metrics), 0, 'the gauge exists from creation');
    let n = 0;
    const failing = async () => {
      n++;
      throw new Error('503');
    };
    for (let i = 0; i < 3; i++) await assert.rejects(policy.execute(failing), /503/);
    assert.equal(policy.state(), 'open');
    assert.equal(await breakerGauge(metrics), 2);

    await assert.rejects(policy.execute(failing), isUnavailable);
    assert.equal(n, 3, 'the function is not called while the breaker is open');
    assert.equal(await calls(metrics, 'circuit_open'), 1);

    await sleep(40);
    let stateDuringProbe: string | undefined;
    let gaugeDuringProbe: number | undefined;
    const value = await policy.execute(async () => {
      await sleep(1); // cockatiel marks the breaker half-open just after it starts the probe
      stateDuringProbe = policy.state();
      gaugeDuringProbe = await breakerGauge(metrics);
      return 42;
    });
    assert.equal(value, 42);
    assert.equal(stateDuringProbe, 'half_open');
    assert.equal(gaugeDuringProbe, 1);
    assert.equal(policy.state(), 'closed');
    assert.equal(await breakerGauge(metrics), 0);
  });

  it('reopens when the half-open probe fails', async () => {
    const { policy, metrics } = setup({ breaker: { consecutiveFailures: 1, halfOpenAfterMs: 20 } });
    await assert.rejects(policy.execute(() => Promise.reject(new Error('down'))), /down/);
    await sleep(30);
    await assert.rejects(policy.execute(() => Promise.reject(new Error('still down'))), /still down/);
    assert.equal(policy.state(), 'open');
    assert.equal(await breakerGauge(metrics), 2);
  });

  it('stops retrying once the breaker opens', async () => {
    const { policy } = setup({
      retry: { maxAttempts: 5, initialDelayMs: 1, maxDelayMs: 5 },
      breaker: { consecutiveFailures: 2, halfOpenAfterMs: 1000 },
    });
    let n = 0;
    await assert.rejects(
      policy.execute(async () => {
        n++;
        throw new Error('503');
      }),
      isUnavailable,
    );
    assert.equal(n, 2);
  });

  it('counts timeouts towards opening the breaker', async () => {
    const { policy } = setup({ timeoutMs: 20, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 1000 } });
    const hang = () => new Promise<never>(() => {});
    await assert.rejects(policy.execute(hang), isUnavailable);
    await assert.rejects(policy.execute(hang), isUnavailable);
    assert.equal(policy.state(), 'open');
  });

  it('refuses calls beyond limit + queue at once, then runs the queued one', async () => {
    const { policy, metrics } = setup({ timeoutMs: 1000, bulkhead: { limit: 1, queue: 1 } });
    const { opened, release } = gate();
    let ran = 0;
    const held = policy.execute(async () => {
      ran++;
      await opened;
      return 'first';
    });
    const queued = policy.execute(async () => {
      ran++;
      return 'second';
    });
    await assert.rejects(
      policy.execute(async () => 'third'),
      (err) => isUnavailable(err) && (err as DependencyError).details?.reason === 'rejected',
    );
    assert.equal(ran, 1, 'the queued call waits for the slot');
    release();
    assert.deepEqual(await Promise.all([held, queued]), ['first', 'second']);
    assert.equal(await calls(metrics, 'rejected'), 1);
  });

  it("honours the caller's abort while waiting in the queue and during an attempt", async () => {
    const { policy, metrics } = setup({
      timeoutMs: 1000,
      bulkhead: { limit: 1, queue: 1 },
      breaker: { consecutiveFailures: 1, halfOpenAfterMs: 1000 },
    });
    const inFlight = new AbortController();
    let attemptSignal: AbortSignal | undefined;
    const held = policy.execute((signal) => {
      attemptSignal = signal;
      return new Promise<never>(() => {});
    }, inFlight.signal);

    const waiting = new AbortController();
    let queuedRan = false;
    const queued = policy.execute(async () => {
      queuedRan = true;
    }, waiting.signal);

    waiting.abort();
    await assert.rejects(queued, { name: 'AbortError' });
    inFlight.abort();
    await assert.rejects(held, { name: 'AbortError' });
    assert.equal(attemptSignal?.aborted, true);

    await sleep(5); // let the abandoned queue entry drain
    assert.equal(queuedRan, false, 'an aborted call never reaches the dependency');
    assert.equal(policy.state(), 'closed', 'the caller leaving is not a dependency failure');
    assert.equal(await calls(metrics, 'failure'), 0);
    await assert.rejects(policy.execute(async () => 1, AbortSignal.abort()), { name: 'AbortError' });
  });

  it('stops the retry backoff when the caller aborts', async () => {
    // The backoff is far longer than the test waits, yet short: cockatiel's sleep itself runs out.
    const { policy } = setup({ retry: { maxAttempts: 5, initialDelayMs: 300, maxDelayMs: 300 } });
    const controller = new AbortController();
    let n = 0;
    const started = performance.now();
    const call = policy.execute(async () => {
      n++;
      throw new Error('flaky');
    }, controller.signal);
    await sleep(10);
    controller.abort();
    const attemptsWhenAborted = n;
    await assert.rejects(call, { name: 'AbortError' });
    assert.ok(performance.now() - started < 200, 'released before the backoff ends');
    await sleep(350);
    assert.equal(n, attemptsWhenAborted, 'no attempt after the backoff, since nobody is waiting for it');
  });

  it('reports the breaker state to readiness and fails while open or isolated', async () => {
    const { policy } = setup({ required: true, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 1000 } });
    const health = new HealthRegistry();
    health.register(policy.healthCheck);
    assert.equal(policy.healthCheck.name, 'dependency:prices');

    let report = await health.run();
    assert.equal(report.status, 'ready');
    assert.deepEqual(report.checks['dependency:prices']?.details, { state: 'closed' });

    await assert.rejects(policy.execute(() => Promise.reject(new Error('down'))));
    report = await health.run();
    assert.equal(report.status, 'not_ready');
    assert.equal(report.checks['dependency:prices']?.status, 'down');
    assert.match(report.checks['dependency:prices']?.error ?? '', /open/);
  });

  it('can be isolated by hand, which shows in state, gauge and health', async () => {
    const { policy, metrics } = setup();
    assert.equal(policy.healthCheck.required, false);
    const handle = policy.isolate();
    assert.equal(policy.state(), 'isolated');
    assert.equal(await breakerGauge(metrics), 3);
    await assert.rejects(policy.healthCheck.check(AbortSignal.timeout(1000)), /isolated/);
    let called = false;
    await assert.rejects(
      policy.execute(async () => {
        called = true;
      }),
      isUnavailable,
    );
    assert.equal(called, false);
    handle.dispose();
    assert.equal(policy.state(), 'closed');
    assert.equal(await breakerGauge(metrics), 0);
  });

  it('refuses nonsensical options at creation', () => {
    const metrics = createMetrics({ defaultMetrics: false });
    assert.throws(() => createDependencyPolicy({ name: 'x', timeoutMs: 0 }, { metrics }), /timeoutMs/);
    assert.throws(
      () => createDependencyPolicy({ name: 'x', timeoutMs: 10, retry: { maxAttempts: 0, initialDelayMs: 1, maxDelayMs: 1 } }, { metrics }),
      /maxAttempts/,
    );
    assert.throws(() => createDependencyPolicy({ name: 'x', timeoutMs: 10, bulkhead: { limit: 0, queue: 0 } }, { metrics }), /limit/);
  });
});
