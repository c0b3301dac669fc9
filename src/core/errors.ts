import { randomBytes } from 'node:crypto';

/**
 * The error catalogue: every stable code a person or API client can see, and its HTTP status.
 * Later issues add codes here so the mapping stays in one table.
 */
export const errorStatus = {
  bad_input: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unknown_capability: 404,
  unknown_token: 404,
  conflict: 409,
  pending_expired: 409,
  insufficient_balance: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  dependency_unavailable: 503,
  shutting_down: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface MobiusErrorOptions {
  cause?: unknown;
  /** Machine-readable extra facts (field paths, candidates …), safe to show the caller. */
  details?: Record<string, unknown>;
}

/** Base of every error Möbius throws on purpose. `message` is short and written for a person. */
export class MobiusError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: MobiusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

/** The caller's mistake or a state they can change: shown to them as is. */
export class UserError extends MobiusError {}

export class RateLimitedError extends UserError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, options: MobiusErrorOptions = {}) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super('rate_limited', `Slow down — try again in ${seconds}s.`, options);
    this.retryAfterSeconds = seconds;
  }
}

/** A dependency (database, price API, RPC) is down or its breaker is open. */
export class DependencyError extends MobiusError {
  constructor(dependency: string, options: MobiusErrorOptions = {}) {
    super('dependency_unavailable', `${dependency} is unavailable right now; try again shortly.`, {
      ...options,
      details: { dependency, ...options.details },
    });
  }
}

/** A reference id short enough to read out loud, long enough to find one log line. */
export function newErrorRef(): string {
  return randomBytes(5).toString('hex');
}

export interface PublicError {
  status: number;
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  ref?: string;
  retryAfterSeconds?: number;
}

/**
 * What the caller may see of any thrown value. Our own errors pass through with their code;
 * anything else becomes "something went wrong (ref …)" — the ref is what the operator greps the logs for.
 */
export function toPublicError(err: unknown, ref: string = newErrorRef()): PublicError {
  if (err instanceof MobiusError && !(err.code === 'internal')) {
    const out: PublicError = { status: err.status, code: err.code, message: err.message };
    if (err.details !== undefined) out.details = err.details;
    if (err instanceof RateLimitedError) out.retryAfterSeconds = err.retryAfterSeconds;
    return out;
  }
  return { status: 500, code: 'internal', message: `Something went wrong (ref ${ref}).`, ref };
}

/** True for errors that are the caller's, so they are logged at info rather than error. */
export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
