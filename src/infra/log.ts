import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { currentRequestContext } from './request-context.js';

export type Logger = PinoLogger;

/**
 * Paths pino blanks before a line is written. Keys are matched at the top level and one or two
 * levels down, which is where our objects carry them (`{ input: { privateKey } }`,
 * `{ req: { headers: { authorization } } }`).
 */
const SECRET_KEYS = [
  'privateKey',
  'private_key',
  'mnemonic',
  'seed',
  'seedPhrase',
  'password',
  'passphrase',
  'secret',
  'token',
  'apiKey',
  'api_key',
  'authorization',
  'cookie',
  'keystore',
  'encryptionKey',
  'ENCRYPTION_KEY',
  'TELEGRAM_BOT_TOKEN',
  'DISCORD_TOKEN',
];
export const redactPaths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

/** 64 hex digits (a raw private key) or a 12–24 word phrase of lowercase words (a mnemonic). */
const PRIVATE_KEY_TEXT = /\b(0x)?[0-9a-fA-F]{64}\b/g;
const MNEMONIC_TEXT = /\b(?:[a-z]{3,8}\s+){11,23}[a-z]{3,8}\b/g;
const BEARER_TEXT = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;

/**
 * Masks secrets that hide inside free text (an error message quoting what a person typed).
 * Key-based redaction cannot see these, so messages pass through here too.
 */
export function scrubSecrets(text: string): string {
  return text
    .replace(PRIVATE_KEY_TEXT, '[REDACTED]')
    .replace(MNEMONIC_TEXT, '[REDACTED]')
    .replace(BEARER_TEXT, '$1[REDACTED]');
}

export interface LoggerOptions {
  level?: string;
  /** Where lines go (tests capture them); default stdout. */
  destination?: DestinationStream;
}

/** pino's error serializer, with secrets masked in the message and stack (the error itself is left alone). */
function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.err(err);
  out.message = scrubSecrets(out.message);
  if (typeof out.stack === 'string') out.stack = scrubSecrets(out.stack);
  return out;
}

/** JSON logs with the current request id on every line and secrets masked. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'mobius' },
      redact: { paths: redactPaths, censor: '[REDACTED]' },
      mixin() {
        const context = currentRequestContext();
        if (!context) return {};
        return context.user ? { requestId: context.requestId, user: context.user } : { requestId: context.requestId };
      },
      hooks: {
        logMethod(args, method) {
          // Scrub string arguments (the message and any format args) before pino sees them.
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      formatters: {
        level: (label) => ({ level: label }),
      },
      serializers: { err: serializeError, error: serializeError },
    },
    options.destination,
  );
}
