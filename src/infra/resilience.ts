import {
  BulkheadPolicy,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  type CircuitBreakerPolicy,
  type RetryPolicy,
} from 'cockatiel';
import { DependencyError, UserError } from '../core/errors.js';
import type { HealthCheck } from './health.js';
import type { Metrics } from './metrics.js';

export interface DependencyPolicyOptions {
  /** Names the dependency in metrics labels, health checks and error messages (`coingecko`, `rpc:base`). */
  name: string;
  /** Deadline of one attempt; each retry gets a fresh one. */
  timeoutMs: number;
  /** Without it a failure is final. `maxAttempts` counts the first call: 3 means up to 2 retries. */
  retry?: { maxAttempts: number; initialDelayMs: number; maxDelayMs: number };
  /** Without it the breaker never opens on its own (it can still be isolated by hand). */
  breaker?: { consecutiveFailures: number; halfOpenAfterMs: number };
  /** At most `limit` calls in flight and `queue` waiting; beyond that calls are refused at once. */
  bulkhead?: { limit: number; queue: number };
  /** Whether this dependency being down makes the instance not ready (`/ready` answers 503). */
  required?: boolean;
}

export type BreakerState = 'closed' | 'half_open' | 'open' | 'isolated';

export interface DependencyPolicy {
  readonly name: string;
  /**
   * Runs `fn` under the policy. `fn` gets a signal that aborts when its attempt times out, when
   * the caller's `signal` aborts, and once `fn` settles — so read response bodies inside `fn`.
   * Refusals (timeout, open breaker, full bulkhead) throw `DependencyError`; the caller's abort
   * throws `signal.reason`; anything else `fn` threw propagates unchanged once retries are spent.
   */
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  state(): BreakerState;
  /** Holds the breaker open by hand (an operator's kill switch) until the handle is disposed. */
  isolate(): { dispose(): void };
  /** `dependency:<name>`: down while the breaker is open or isolated. */
  readonly healthCheck: HealthCheck;
}

type Outcome = 'success' | 'failure' | 'rejected' | 'timeout' | 'circuit_open';

/** The gauge values are documented on `mobius_circuit_breaker_state`; cockatiel's enum numbers differ. */
const STATE: Record<CircuitState, { name: BreakerState; gauge: number }> = {
  [CircuitState.Closed]: { name: 'closed', gauge: 0 },
  [CircuitState.HalfOpen]: { name: 'half_open', gauge: 1 },
  [CircuitState.Open]: { name: 'open', gauge: 2 },
  [CircuitState.Isolated]: { name: 'isolated', gauge: 3 },
};

/**
 * Thrown inside the pipeline when the caller aborted, so that neither the retry nor the breaker
 * mistakes the caller walking away for the dependency failing. Never leaves this module. (cockatiel
 * treats an unhandled error from a half-open probe as success, so an aborted probe closes the
 * breaker; the next `consecutiveFailures` failures open it again.)
 */
class CallerAborted extends Error {}

/**
 * Recognises cockatiel's errors by the brand flag each sets on itself. Not instanceof, because
 * cockatiel ships CJS and ESM builds; and not its own `is…Error` helpers, because in 3.2.1
 * `isTaskCancelledError` and `isIsolatedCircuitError` test the bulkhead's flag by mistake.
 */
function hasBrand(err: unknown, flag: 'isBrokenCircuitError' | 'isBulkheadRejectedError' | 'isTaskCancelledError'): boolean {
  return err instanceof Error && flag in err;
}

/** A failure of the dependency itself, as opposed to the caller's mistake or the caller leaving. */
function isTransient(err: unknown): boolean {
  return !(err instanceof UserError) && !(err instanceof CallerAborted);
}

/**
 * Builds the timeout, retry, circuit breaker and bulkhead for one external dependency. Build one
 * per dependency in `app.ts` and share it: the breaker and bulkhead only work if every call to that
 * dependency goes through the same instance.
 *
 * @example
 * const coingecko = createDependencyPolicy(
 *   { name: 'coingecko', timeoutMs: 3000, retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 2000 },
 *     breaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 }, bulkhead: { limit: 10, queue: 50 } },
 *   { metrics },
 * );
 * const prices = await coingecko.execute((signal) => fetchJson(url, { signal }), ctx.signal);
 */
export function createDependencyPolicy(options: DependencyPolicyOptions, deps: { metrics: Metrics }): DependencyPolicy {
  validate(options);
  const { name, timeoutMs } = options;
  const labels = { dependency: name };

  // Aggressive: a dependency that ignores its signal must not hold the caller past the deadline.
  const perAttempt = timeout(timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: true });

  // Always present, even without breaker options, so that state(), isolate() and the gauge work the
  // same for every dependency; an infinite threshold simply never trips.
  const breaker: CircuitBreakerPolicy = circuitBreaker(handleWhen(isTransient), {
    breaker: new ConsecutiveBreaker(options.breaker?.consecutiveFailures ?? Infinity),
    halfOpenAfter: options.breaker?.halfOpenAfterMs ?? 0,
  });

  // Retrying into an open breaker only burns the backoff: the breaker will not half-open within it.
  // cockatiel's backoff sleep ignores the signal: an aborted caller is released at once (see
  // untilAborted), but the sleep runs out — holding its bulkhead slot for at most maxDelayMs — and
  // only then stops, before the next attempt. Not unref'd: a CLI run whose only pending work is a
  // backoff would otherwise exit mid-request.
  const retrier: RetryPolicy | undefined = options.retry
    ? retry(
        handleWhen((err) => isTransient(err) && !hasBrand(err, 'isBrokenCircuitError')),
        {
          maxAttempts: options.retry.maxAttempts - 1, // cockatiel counts retries, we count attempts
          // Default generator is decorrelated jitter: exponential growth without synchronised retry waves.
          backoff: new ExponentialBackoff({
            initialDelay: options.retry.initialDelayMs,
            maxDelay: options.retry.maxDelayMs,
          }),
        },
      )
    : undefined;

  const bulkhead = options.bulkhead ? new BulkheadPolicy(options.bulkhead.limit, options.bulkhead.queue) : undefined;

  const state = (): BreakerState => STATE[breaker.state].name;
  deps.metrics.breakerState.set(labels, STATE[breaker.state].gauge);
  breaker.onStateChange((s) => deps.metrics.breakerState.set(labels, STATE[s].gauge));

  const count = (outcome: Outcome) => deps.metrics.dependencyCalls.inc({ ...labels, outcome });

  /*
   * Wrapping order, outermost first: bulkhead → retry → breaker → timeout.
   * - Bulkhead outside retry: a slot is held for the whole call, backoff waits included, so a retry
   *   storm can never put more than `limit` calls on the dependency; and a full bulkhead refuses at
   *   once instead of being retried.
   * - Retry outside breaker: every attempt asks the breaker, so once it opens the remaining retries
   *   stop instead of hammering a dependency we already know is down.
   * - Breaker outside timeout: a timed-out attempt counts as a failure towards opening the breaker.
   * - Timeout innermost: the deadline is per attempt, so one slow attempt cannot eat the retries.
   */
  async function run<T>(fn: (signal: AbortSignal) => Promise<T>, outer: AbortSignal | undefined): Promise<T> {
    const attempt = async (): Promise<T> => {
      // A retry backoff or bulkhead queue can outlast the caller; do not call the dependency for nobody.
      if (outer?.aborted) throw new CallerAborted();
      try {
        // `outer` is passed explicitly rather than read from cockatiel's context: a call that waited
        // on a half-open probe is re-run by the breaker without its signal.
        return await perAttempt.execute(async ({ signal }) => {
          try {
            return await fn(signal);
          } catch (err) {
            // `fn` may reject with its own AbortError a tick before the timeout's race settles;
            // either way the deadline passed, and it must count as a timeout, not a plain failure.
            if (signal.aborted && !outer?.aborted) throw new TaskCancelledError(`${name}: no answer within ${timeoutMs} ms`);
            throw err;
          }
        }, outer);
      } catch (err) {
        if (outer?.aborted) throw new CallerAborted();
        throw err;
      }
    };
    const guarded = () => breaker.execute(attempt, outer);
    const retried = retrier ? () => retrier.execute(guarded, outer) : guarded;
    return bulkhead ? bulkhead.execute(retried, outer) : retried();
  }

  async function execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    try {
      const value = await untilAborted(run(fn, signal), signal);
      count('success');
      return value;
    } catch (err) {
      // The caller left: not the dependency's outcome, so not counted either way.
      if (signal?.aborted) throw signal.reason;
      throw translate(err);
    }
  }

  function translate(err: unknown): unknown {
    if (hasBrand(err, 'isBulkheadRejectedError')) {
      count('rejected');
      return new DependencyError(name, { cause: err, details: { reason: 'rejected' } });
    }
    if (hasBrand(err, 'isBrokenCircuitError')) {
      count('circuit_open');
      return new DependencyError(name, { cause: err, details: { reason: 'circuit_open' } });
    }
    if (hasBrand(err, 'isTaskCancelledError')) {
      count('timeout');
      return new DependencyError(name, { cause: err, details: { reason: 'timeout' } });
    }
    // The dependency answered and the caller got it wrong (a translated 4xx): healthy, as the breaker sees it.
    count(err instanceof UserError ? 'success' : 'failure');
    return err;
  }

  return {
    name,
    execute,
    state,
    isolate: () => breaker.isolate(),
    healthCheck: {
      name: `dependency:${name}`,
      required: options.required ?? false,
      async check() {
        const current = state();
        if (current === 'open' || current === 'isolated') throw new Error(`circuit breaker is ${current}`);
        return { state: current };
      },
    },
  };
}

/** Settles with `work`, or rejects with the abort reason as soon as `signal` aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    // Also handles a late rejection of abandoned work, so it never surfaces as unhandled.
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function validate(o: DependencyPolicyOptions): void {
  const bad = (field: string, value: unknown, rule: string) => {
    throw new TypeError(`dependency policy "${o.name}": ${field} must be ${rule} (got ${String(value)})`);
  };
  const positive = (field: string, value: number) => {
    if (!(Number.isFinite(value) && value > 0)) bad(field, value, 'a positive number');
  };
  const count = (field: string, value: number, min: number) => {
    if (!(Number.isInteger(value) && value >= min)) bad(field, value, `an integer ≥ ${min}`);
  };
  if (!o.name) bad('name', o.name, 'a non-empty string');
  positive('timeoutMs', o.timeoutMs);
  if (o.retry) {
    count('retry.maxAttempts', o.retry.maxAttempts, 1);
    positive('retry.initialDelayMs', o.retry.initialDelayMs);
    positive('retry.maxDelayMs', o.retry.maxDelayMs);
  }
  if (o.breaker) {
    count('breaker.consecutiveFailures', o.breaker.consecutiveFailures, 1);
    positive('breaker.halfOpenAfterMs', o.breaker.halfOpenAfterMs);
  }
  if (o.bulkhead) {
    count('bulkhead.limit', o.bulkhead.limit, 1);
    count('bulkhead.queue', o.bulkhead.queue, 0);
  }
}
