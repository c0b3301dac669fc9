import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { BaseError, http, type Transport } from 'viem';

/** What /ready, get_chain_status and the dashboard show of one RPC endpoint. */
export interface EndpointStatus {
  /** Scheme and host only: RPC URLs often carry an API key in the path or query. */
  endpoint: string;
  breaker: 'closed' | 'half_open' | 'open' | 'isolated';
  /** Smoothed latency of recent answers (ms), undefined before the first. */
  latencyMs: number | undefined;
  /** Smoothed share of recent requests that failed, 0..1. */
  failureRate: number;
  lastError: string | undefined;
}

export interface EndpointOptions {
  timeoutMs: number;
  /** Consecutive transport failures that open the breaker. */
  failuresToOpen?: number;
  /** How long an open breaker refuses before letting one request probe. */
  halfOpenAfterMs?: number;
  onBreakerState?: (state: EndpointStatus['breaker']) => void;
}

const STATES: Record<CircuitState, EndpointStatus['breaker']> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'isolated',
};

/** Error names of viem that mean "this endpoint failed", as opposed to "the request was wrong". */
const TRANSPORT_FAILURES = new Set(['HttpRequestError', 'TimeoutError', 'SocketClosedError', 'WebSocketRequestError', 'LimitExceededRpcError', 'InternalRpcError', 'ResourceUnavailableRpcError']);

/**
 * An endpoint failed (unreachable, timed out, 5xx, rate-limited) — the only errors that count
 * toward its breaker. A revert or a bad parameter is the request's fault and would fail anywhere.
 */
export function isEndpointFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  // Some nodes answer a revert as an internal error (-32603); it is still the request's fault.
  if (/revert/i.test(err.message)) return false;
  if (err instanceof BaseError) return Boolean(err.walk((e) => e instanceof Error && TRANSPORT_FAILURES.has(e.name)));
  return TRANSPORT_FAILURES.has(err.name) || err.name === 'AbortError' || err.name === 'TypeError';
}

/** Every endpoint failed or refused (an open breaker), as opposed to the request itself being wrong. */
export function isOutage(err: unknown): boolean {
  return isEndpointFailure(err) || (err instanceof Error && 'isBrokenCircuitError' in err) || (err instanceof BaseError && Boolean(err.walk((e) => e instanceof Error && 'isBrokenCircuitError' in e)));
}

/** `https://eth.llamarpc.com/v2/SECRET` → `https://eth.llamarpc.com`. */
export function describeEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'invalid-url';
  }
}

const SMOOTHING = 0.2;

/**
 * One JSON-RPC endpoint: viem's HTTP transport behind its own cockatiel breaker, with live
 * latency and failure statistics that rank it among its chain's endpoints.
 */
export class RpcEndpoint {
  readonly label: string;
  readonly breaker: CircuitBreakerPolicy;
  readonly #base: Transport;
  #latencyMs: number | undefined;
  #failureRate = 0;
  #lastError: string | undefined;

  constructor(
    readonly url: string,
    options: EndpointOptions,
    base?: Transport,
  ) {
    this.label = describeEndpoint(url);
    this.#base = base ?? http(url, { timeout: options.timeoutMs, retryCount: 0 });
    this.breaker = circuitBreaker(handleWhen(isEndpointFailure), {
      breaker: new ConsecutiveBreaker(options.failuresToOpen ?? 3),
      halfOpenAfter: options.halfOpenAfterMs ?? 15_000,
    });
    if (options.onBreakerState) {
      const report = options.onBreakerState;
      report(STATES[this.breaker.state]);
      this.breaker.onStateChange((s) => report(STATES[s]));
    }
  }

  /** A viem transport that goes through the breaker and records how the endpoint did. */
  readonly transport: Transport = (params) => {
    const inner = this.#base({ ...params, retryCount: 0 });
    return {
      ...inner,
      request: (async (args: { method: string; params?: unknown }, opts?: unknown) => {
        const started = performance.now();
        try {
          const result = await this.breaker.execute(() => (inner.request as (a: unknown, o?: unknown) => Promise<unknown>)(args, opts));
          this.#record(true, performance.now() - started);
          return result;
        } catch (err) {
          // A refusal by the open breaker says nothing new about the endpoint.
          if (!(err instanceof Error && 'isBrokenCircuitError' in err)) this.#record(!isEndpointFailure(err), performance.now() - started, err);
          throw err;
        }
      }) as typeof inner.request,
    };
  };

  /** Lower is better: open breakers last, then by failure rate, then by latency. */
  score(): number {
    const open = this.breaker.state === CircuitState.Open || this.breaker.state === CircuitState.Isolated;
    return (open ? 1_000_000 : 0) + this.#failureRate * 10_000 + (this.#latencyMs ?? 500);
  }

  status(): EndpointStatus {
    return {
      endpoint: this.label,
      breaker: STATES[this.breaker.state],
      latencyMs: this.#latencyMs === undefined ? undefined : Math.round(this.#latencyMs),
      failureRate: Math.round(this.#failureRate * 100) / 100,
      lastError: this.#lastError,
    };
  }

  #record(ok: boolean, latencyMs: number, err?: unknown): void {
    this.#failureRate = this.#failureRate * (1 - SMOOTHING) + (ok ? 0 : SMOOTHING);
    if (ok) this.#latencyMs = this.#latencyMs === undefined ? latencyMs : this.#latencyMs * (1 - SMOOTHING) + latencyMs * SMOOTHING;
    // shortMessage, not message: viem's full message names the URL, which may hold an API key.
    else this.#lastError = err instanceof BaseError ? err.shortMessage : err instanceof Error ? err.name : 'failed';
  }
}
