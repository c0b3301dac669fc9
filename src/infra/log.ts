import { wordlist as bip39English } from '@scure/bip39/wordlists/english';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { currentRequestContext } from './request-context.js';

export type Logger = PinoLogger;

/**
 * Secret-looking key names, compared lower-cased with `_` and `-` removed: whole names, or a few
 * suffixes. Matching "token" anywhere would also hide `tokenIn` or `fromToken`, which logs and the
 * audit of a swap need.
 */
const SECRET_KEY =
  /^(?:.*(?:privatekey|mnemonic|password|passphrase|secret|apikey|authorization|keystore|encryptionkey)|seed|seedphrase|token|.*(?:access|refresh|auth|bot|bearer|session)token|cookie)$/;

/** True for a property name that holds a secret (`privateKey`, `api_key`, `authorization` …). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.toLowerCase().replace(/[_-]/g, ''));
}

/**
 * Keys that name public 32-byte hashes (`txHash`, `blockHash`, `prev_hash`): their values look
 * exactly like private keys, so text scrubbing would blank them; under these names they are kept.
 */
export function isPublicHashKey(key: string): boolean {
  return /hash$/i.test(key);
}

/** 64 hex digits: a raw private key. */
const PRIVATE_KEY_TEXT = /\b(0x)?[0-9a-fA-F]{64}\b/g;
/** Runs of 12 or more short words, in any case, with spaces, commas or line breaks between them. */
const WORD_RUN = /\b(?:[A-Za-z]{3,8}[\s,]+){11,}[A-Za-z]{3,8}\b/g;
const BIP39_WORDS: ReadonlySet<string> = new Set(bip39English);
/**
 * A run is a recovery phrase when nearly all its words are BIP-39 words: a typo or two still hides
 * it, and a phrase inside a sentence ("import abandon … about please") is caught, while ordinary
 * prose (most of its words are not in the list) passes.
 */
function looksLikeMnemonic(run: string): boolean {
  const words = run.split(/[\s,]+/);
  const listed = words.filter((w) => BIP39_WORDS.has(w.toLowerCase())).length;
  return listed >= 12 && listed >= words.length * 0.8;
}
const BEARER_TEXT = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;

/**
 * Masks secrets that hide inside free text (an error message quoting what a person typed).
 * Key-based redaction cannot see these, so messages pass through here too.
 */
export function scrubSecrets(text: string): string {
  return text
    .replace(PRIVATE_KEY_TEXT, '[REDACTED]')
    .replace(WORD_RUN, (run) => (looksLikeMnemonic(run) ? '[REDACTED]' : run))
    .replace(BEARER_TEXT, '$1[REDACTED]');
}

export interface LoggerOptions {
  level?: string;
  /** Where lines go (tests capture them); default stdout. */
  destination?: DestinationStream;
}

const MAX_DEPTH = 8;

/**
 * A copy of a logged object with secret-named keys blanked and secret-looking strings masked.
 * Plain objects and arrays are copied; other instances (errors, dates, buffers) pass through to
 * their serializers untouched, and the caller's object is never changed.
 */
export function redactObject(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (typeof value !== 'object' || value === null) return value;
  // Deeper than this is not walked, so it is not written either: it could hold anything.
  if (depth > MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => redactObject(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (isSecretKey(key) && v !== undefined && v !== null) out[key] = '[REDACTED]';
    else if (isPublicHashKey(key) && typeof v === 'string') out[key] = v;
    else out[key] = redactObject(v, depth + 1);
  }
  return out;
}

/** pino's error serializer, with secrets masked in the message and stack (the error itself is left alone). */
function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.err(err);
  out.message = scrubSecrets(out.message);
  if (typeof out.stack === 'string') out.stack = scrubSecrets(out.stack);
  // The error's own properties (`details`, a library's `args` …) are copied as they are: redact them too.
  const props = out as unknown as Record<string, unknown>;
  for (const key of Object.keys(props)) {
    if (key === 'type' || key === 'message' || key === 'stack') continue;
    props[key] = isSecretKey(key) && props[key] !== undefined && props[key] !== null ? '[REDACTED]' : redactObject(props[key]);
  }
  return out;
}

/** JSON logs with the current request id on every line and secrets masked. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'mobius' },
      mixin() {
        const context = currentRequestContext();
        if (!context) return {};
        return context.user ? { requestId: context.requestId, user: context.user } : { requestId: context.requestId };
      },
      hooks: {
        logMethod(args, method) {
          // Scrub string arguments (the message and any format args) before pino sees them.
          const scrubbed: unknown[] = args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a));
          // `log.error(err)` and `log.error({ err })` have no message of their own, so pino copies
          // the error's raw message into `msg`; give it the scrubbed one instead.
          const first = scrubbed[0] as { err?: unknown; msg?: unknown } | null | undefined;
          const err = first instanceof Error ? first : typeof first === 'object' && first?.msg === undefined ? first?.err : undefined;
          if (scrubbed.length === 1 && err instanceof Error) scrubbed.push(scrubSecrets(err.message));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      formatters: {
        level: (label) => ({ level: label }),
        // A walk with a key test per property, instead of pino's path-based redaction: it reaches
        // any depth, and creating a child logger (one per request) stays cheap.
        log: (object) => redactObject(object) as Record<string, unknown>,
        bindings: (bindings) => redactObject(bindings) as Record<string, unknown>,
      },
      serializers: { err: serializeError, error: serializeError },
    },
    options.destination,
  );
}
