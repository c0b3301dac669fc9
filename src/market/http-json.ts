import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { DependencyError } from '../core/errors.js';
import type { DependencyPolicy } from '../infra/resilience.js';

/**
 * An HTTP answer that is not a success. The upstream status and path are in `details` (safe to
 * show); `body` is kept off `details` so an upstream error text never reaches a person or API
 * client. (`status` stays ours: 503, what our API answers for a dependency failure.)
 */
export class HttpStatusError extends DependencyError {
  readonly upstreamStatus: number;
  /** The start of the response body, for logs and for reading an API's own error code. */
  readonly body: string;

  constructor(dependency: string, status: number, path: string, body: string) {
    super(dependency, { details: { reason: 'http_status', status, path } });
    this.upstreamStatus = status;
    this.body = body.slice(0, 2_000);
  }
}

export interface FetchJsonOptions<S extends z.ZodType> {
  /** The dependency's policy: timeout, retries and breaker. Its name names the source in errors. */
  policy: DependencyPolicy;
  /** What a valid body looks like; a body that does not match is an error, never half-used. */
  schema: S;
  signal?: AbortSignal;
  /** Request headers; API keys go here, never in the URL, so no error or log can carry them. */
  headers?: Record<string, string>;
  /** Longest server-requested wait (Retry-After) worth sleeping through; longer fails fast. Default 30 s. */
  maxRetryAfterMs?: number;
  /** Epoch ms by which the caller needs an answer; a rate-limit wait that would pass it fails fast. */
  deadline?: number;
  /** Bodies larger than this are refused (a misbehaving proxy must not fill memory). Default 8 MB. */
  maxBytes?: number;
}

const DEFAULT_MAX_RETRY_AFTER_MS = 30_000;
/** Used when a 429 carries no usable Retry-After. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;
/** A server that keeps answering 429 after we waited as told is not going to serve us this time. */
const MAX_RATE_LIMIT_WAITS = 2;
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/**
 * When each dependency asked us to come back (epoch ms), keyed by its policy: app.ts builds one
 * policy per dependency and every caller shares it, so a 429 seen by one call spares the others a
 * request that would only be refused.
 */
const rateLimitedUntil = new WeakMap<DependencyPolicy, number>();

interface RawAnswer {
  status: number;
  retryAfter: string | null;
  text: string;
}

/**
 * GETs `url` through `policy` and returns its JSON body validated by `schema`.
 *
 * - 5xx and network errors are thrown inside the policy, so they are retried and count towards
 *   the breaker; a timed-out attempt becomes DependencyError `{reason: 'timeout'}`.
 * - 429 (and Binance's 418 ban) honour Retry-After, in seconds or as an HTTP date: the call sleeps
 *   that long and tries again, unless the wait is over `maxRetryAfterMs` or past `deadline`, in which
 *   case it fails at once with DependencyError `{reason: 'rate_limited', retryAfterSeconds}`. Later
 *   calls through the same policy fail fast the same way until the time has passed.
 * - Any other 4xx is HttpStatusError, not retried (the request is wrong, retrying cannot help).
 * - Malformed JSON or a body not matching `schema` is DependencyError `{reason: 'bad_response'}`,
 *   not retried (the same server would answer the same way).
 * - The caller's abort rejects with `signal.reason`.
 *
 * @example
 * const body = await fetchJson(`${base}/simple/price?ids=bitcoin&vs_currencies=usd`, { policy, schema, signal });
 */
export async function fetchJson<S extends z.ZodType>(url: string | URL, options: FetchJsonOptions<S>): Promise<z.output<S>> {
  const { policy, signal } = options;
  const target = new URL(url);
  // Errors name the path only: a query may carry a key for APIs that take one there.
  const path = target.pathname;
  const maxWait = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  const deadline = options.deadline ?? Date.now() + maxWait;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;

  /** Sleeps until `until` when the wait fits within the cap and the deadline; otherwise fails fast. */
  const waitOrFail = async (until: number) => {
    const waitMs = Math.max(0, until - Date.now());
    if (waitMs > maxWait || Date.now() + waitMs > deadline) {
      throw new DependencyError(policy.name, { details: { reason: 'rate_limited', retryAfterSeconds: Math.ceil(waitMs / 1000), path } });
    }
    await abortableSleep(waitMs, signal);
  };

  for (let waits = 0; ; waits++) {
    const until = rateLimitedUntil.get(policy);
    if (until !== undefined && until > Date.now()) await waitOrFail(until);

    const answer = await policy.execute((attemptSignal) => attempt(target, options.headers, attemptSignal, policy.name, maxBytes), signal);

    if (answer.status === 429 || answer.status === 418) {
      const resumeAt = Date.now() + (parseRetryAfter(answer.retryAfter, Date.now()) ?? DEFAULT_RATE_LIMIT_WAIT_MS);
      rateLimitedUntil.set(policy, Math.max(resumeAt, rateLimitedUntil.get(policy) ?? 0));
      if (waits >= MAX_RATE_LIMIT_WAITS) {
        throw new DependencyError(policy.name, {
          details: { reason: 'rate_limited', retryAfterSeconds: Math.ceil((resumeAt - Date.now()) / 1000), path },
        });
      }
      await waitOrFail(resumeAt);
      continue;
    }
    if (answer.status < 200 || answer.status >= 300) throw new HttpStatusError(policy.name, answer.status, path, answer.text);
    rateLimitedUntil.delete(policy);
    return parseBody(answer.text, options.schema, policy.name, path);
  }
}

/** One HTTP exchange, run inside the policy: throws what should be retried, returns the rest. */
async function attempt(url: URL, headers: Record<string, string> | undefined, signal: AbortSignal, name: string, maxBytes: number): Promise<RawAnswer> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json', ...headers }, signal });
  } catch (err) {
    // The policy turns this into a timeout or the caller's abort when the signal fired.
    if (signal.aborted) throw err;
    throw new DependencyError(name, { cause: err, details: { reason: 'network', path: url.pathname } });
  }
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > maxBytes) {
    await response.body?.cancel();
    throw new DependencyError(name, { details: { reason: 'bad_response', problem: `body of ${length} bytes is over the limit`, path: url.pathname } });
  }
  const text = await response.text();
  if (response.status >= 500) throw new HttpStatusError(name, response.status, url.pathname, text);
  if (text.length > maxBytes) {
    throw new DependencyError(name, { details: { reason: 'bad_response', problem: 'body over the size limit', path: url.pathname } });
  }
  return { status: response.status, retryAfter: response.headers.get('retry-after'), text };
}

function parseBody<S extends z.ZodType>(text: string, schema: S, name: string, path: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DependencyError(name, { cause: err, details: { reason: 'bad_response', problem: `malformed JSON from ${name}`, path } });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problem = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new DependencyError(name, { cause: parsed.error, details: { reason: 'bad_response', problem: `unexpected answer from ${name}: ${problem}`, path } });
  }
  return parsed.data;
}

/**
 * Milliseconds to wait from a Retry-After value: delta-seconds ("120") or an HTTP date
 * (RFC 9110 §10.2.3). Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  // Only integers are valid; decimals are accepted because refusing them would gain nothing.
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

async function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    // Match the policy: the caller's abort rejects with its own reason, not Node's AbortError.
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}

/**
 * A numeric field as APIs send them: a JSON number or a decimal string ("3421.55"). Anything
 * non-finite (null, "NaN", 1e400 which JSON.parse makes Infinity) reads as undefined, so one
 * absurd value drops one entry instead of failing the whole answer's validation.
 */
export const numberish = z.unknown().transform((value): number | undefined => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
});

/** A usable price: finite and strictly positive. Every source passes its prices through this. */
export function positivePrice(value: number | undefined | null): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}
