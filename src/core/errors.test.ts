import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DependencyError,
  MobiusError,
  RateLimitedError,
  UserError,
  errorStatus,
  isUserError,
  newErrorRef,
  toPublicError,
  type ErrorCode,
} from './errors.js';

describe('error catalogue', () => {
  it('maps each code to its HTTP status', () => {
    const expected: Partial<Record<ErrorCode, number>> = {
      bad_input: 400,
      invalid_json: 400,
      unauthorized: 401,
      forbidden: 403,
      not_found: 404,
      unknown_capability: 404,
      conflict: 409,
      pending_expired: 409,
      payload_too_large: 413,
      unsupported_media_type: 415,
      rate_limited: 429,
      internal: 500,
      dependency_unavailable: 503,
      shutting_down: 503,
    };
    for (const [code, status] of Object.entries(expected)) {
      assert.equal(errorStatus[code as ErrorCode], status, code);
      assert.equal(new UserError(code as ErrorCode, 'x').status, status, code);
    }
  });

  it('uses 5xx only for our own failures', () => {
    const fiveHundreds = Object.entries(errorStatus)
      .filter(([, status]) => status >= 500)
      .map(([code]) => code)
      .sort();
    assert.deepEqual(fiveHundreds, ['dependency_unavailable', 'internal', 'shutting_down']);
    for (const status of Object.values(errorStatus)) assert.ok(status >= 400 && status < 600);
  });

  it('keeps code, name, details and cause on our errors', () => {
    const cause = new Error('low level');
    const err = new UserError('unknown_token', 'No token called "moon".', { cause, details: { query: 'moon' } });
    assert.ok(err instanceof MobiusError && err instanceof Error);
    assert.equal(err.name, 'UserError');
    assert.equal(err.code, 'unknown_token');
    assert.equal(err.cause, cause);
    assert.deepEqual(err.details, { query: 'moon' });
    assert.equal(isUserError(err), true);
    assert.equal(isUserError(new DependencyError('database')), false);
    assert.equal(isUserError(new Error('x')), false);
  });
});

describe('RateLimitedError', () => {
  it('waits at least one whole second, rounding up', () => {
    assert.equal(new RateLimitedError(0).retryAfterSeconds, 1);
    assert.equal(new RateLimitedError(0.2).retryAfterSeconds, 1);
    assert.equal(new RateLimitedError(-5).retryAfterSeconds, 1);
    const err = new RateLimitedError(2.1);
    assert.equal(err.retryAfterSeconds, 3);
    assert.equal(err.code, 'rate_limited');
    assert.equal(err.status, 429);
    assert.match(err.message, /try again in 3s/);
    assert.equal(err.name, 'RateLimitedError');
    assert.ok(err instanceof UserError);
  });
});

describe('toPublicError', () => {
  it('passes a UserError through with its code, status, message and details', () => {
    const pub = toPublicError(new UserError('bad_input', 'Invalid input.tokens: too short', { details: { field: 'tokens' } }));
    assert.deepEqual(pub, { status: 400, code: 'bad_input', message: 'Invalid input.tokens: too short', details: { field: 'tokens' } });
  });

  it('adds retryAfterSeconds for a rate limit', () => {
    const pub = toPublicError(new RateLimitedError(0.4));
    assert.equal(pub.status, 429);
    assert.equal(pub.code, 'rate_limited');
    assert.ok(pub.retryAfterSeconds !== undefined && pub.retryAfterSeconds >= 1);
  });

  it('names an unavailable dependency as 503', () => {
    const pub = toPublicError(new DependencyError('database', { cause: new Error('ECONNREFUSED 10.0.0.5:5432') }));
    assert.equal(pub.status, 503);
    assert.equal(pub.code, 'dependency_unavailable');
    assert.deepEqual(pub.details, { dependency: 'database' });
    assert.doesNotMatch(JSON.stringify(pub), /ECONNREFUSED|10\.0\.0\.5/);
  });

  it('hides anything else behind "internal" with a reference, never the original message', () => {
    const secretish = new Error('connect to postgres://admin:hunter2@db failed at /srv/app/src/db.ts:42');
    const pub = toPublicError(secretish);
    assert.equal(pub.status, 500);
    assert.equal(pub.code, 'internal');
    assert.match(pub.ref ?? '', /^[0-9a-f]{10}$/);
    assert.equal(pub.message, `Something went wrong (ref ${pub.ref}).`);
    assert.equal(pub.details, undefined);
    assert.doesNotMatch(JSON.stringify(pub), /hunter2|postgres|db\.ts/);
    // A thrown non-Error and our own `internal` are hidden the same way.
    for (const thrown of ['a string', undefined, { message: 'object' }, new MobiusError('internal', 'our bug: x is null')]) {
      const other = toPublicError(thrown);
      assert.equal(other.code, 'internal');
      assert.equal(other.status, 500);
      assert.doesNotMatch(other.message, /string|object|our bug/);
    }
  });

  it('uses the ref it is given, so the log line and the answer agree', () => {
    const pub = toPublicError(new TypeError('x'), 'abcdef0123');
    assert.equal(pub.ref, 'abcdef0123');
    assert.match(pub.message, /abcdef0123/);
  });

  it('makes refs that differ', () => {
    const refs = new Set(Array.from({ length: 50 }, () => newErrorRef()));
    assert.equal(refs.size, 50);
  });
});
