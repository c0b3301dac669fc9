import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { MobiusError, newErrorRef, toPublicError, type ErrorCode } from '../../core/errors.js';

/** Fastify's own error codes that are the caller's mistake, mapped into our catalogue. */
const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', message: 'The request body is too large.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', message: 'Send JSON (Content-Type: application/json).' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid_json', message: 'The body is empty; send a JSON object.' },
  // Also what Fastify answers for JSON with __proto__ or constructor keys (prototype poisoning).
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid_json', message: 'The body is not valid JSON (or holds a forbidden __proto__/constructor key).' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'bad_input', message: 'Content-Length does not match the body.' },
  FST_ERR_BAD_URL: { code: 'bad_input', message: 'The URL is malformed.' },
};

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown>; ref?: string };
}

/**
 * The one place an HTTP error becomes a response: `{error: {code, message}}`, 4xx for the caller's
 * mistakes, 5xx (with a ref to find the log line) only for ours.
 */
export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply, onInternal: () => void): FastifyReply {
  const fastifyError = err as Partial<FastifyError> & { code?: string };
  let status: number;
  let body: ErrorBody;
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (!(err instanceof MobiusError) && (mapped || (err instanceof SyntaxError && fastifyError.statusCode === 400))) {
    const m = mapped ?? FASTIFY_CODES.FST_ERR_CTP_INVALID_JSON_BODY!;
    status = fastifyError.statusCode ?? 400;
    body = { error: { code: m.code, message: m.message } };
    request.log.info({ code: m.code }, 'rejected request');
  } else if (!(err instanceof MobiusError) && typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
    // Other framework-level client errors (e.g. prototype poisoning): keep their status, our shape.
    status = fastifyError.statusCode;
    body = { error: { code: 'bad_input', message: fastifyError.message ?? 'Bad request.' } };
    request.log.info({ code: fastifyError.code }, 'rejected request');
  } else {
    const ref = newErrorRef();
    const pub = toPublicError(err, ref);
    status = pub.status;
    body = { error: { code: pub.code, message: pub.message } };
    if (pub.details) body.error.details = pub.details;
    if (pub.ref) body.error.ref = pub.ref;
    if (pub.retryAfterSeconds !== undefined) void reply.header('Retry-After', String(pub.retryAfterSeconds));
    if (status >= 500) {
      onInternal();
      request.log.error({ err, ref }, 'request failed');
    } else {
      request.log.info({ code: pub.code }, 'request refused');
    }
  }
  return reply.code(status).type('application/json').send(body);
}
