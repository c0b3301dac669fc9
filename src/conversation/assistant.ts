import type { Counter } from 'prom-client';
import type { Logger } from '../core/capability.js';
import { UserError } from '../core/errors.js';
import { newRequestId } from '../core/ids.js';
import { formatUserRef, type IncomingMessage, type Principal, type UserRef } from '../core/identity.js';
import { compose, type Middleware } from '../core/middleware.js';
import type { Button, ProgressBlock, Reply } from '../core/reply.js';
import { currentRequestContext, runWithRequestContext } from '../infra/request-context.js';
import type { CapabilityInvoker } from '../capabilities/invoke.js';
import { redactIntent, type IntentParser, type ParsedIntent } from './parser.js';

export type IntentSource = 'builtin' | 'llm' | 'mcp' | 'none';

/** What every front door gets back for one message. */
export interface ChatResult {
  replies: Reply[];
  intent: { name: string; input: unknown; source: IntentSource; confidence?: number };
  /**
   * True when the incoming text carried key material (a private key, a recovery phrase, a keystore
   * file). A platform adapter that can should then delete that chat message; `intent.input` already
   * shows the secret as "[REDACTED]".
   */
  containsSecret?: boolean;
}

export interface HandleOptions {
  requestId?: string;
  signal?: AbortSignal;
  onProgress?: (update: ProgressBlock) => void;
}

/** One message on its way through the pipeline. */
export interface MessageContext {
  message: IncomingMessage;
  requestId: string;
  signal: AbortSignal | undefined;
  onProgress: ((update: ProgressBlock) => void) | undefined;
  principal?: Principal;
  /** Set by a step that already knows what the message asks (a "yes" to a pending action); skips the parser. */
  intent?: ParsedIntent;
  result?: ChatResult;
}

export type MessageMiddleware = Middleware<MessageContext>;

export interface AssistantDeps {
  parser: IntentParser;
  invoker: CapabilityInvoker;
  identities: { resolve(ref: UserRef): Promise<Principal> };
  rateLimiter: { consumeUser(userKey: string, tier: Principal['tier']): Promise<void> };
  metrics: { messagesTotal: Counter<'platform' | 'source'> };
  log: Logger;
  maxMessageChars: number;
  /** Answers what the parser could not read (the LLM fallback); unset: "I didn't get that". */
  fallback?: ConversationFallback;
}

/** A message the parser could not read, handed to the fallback with who asked and where. */
export interface FallbackRequest {
  text: string;
  principal: Principal;
  requestId: string;
  chat?: { kind: 'private' | 'group'; id: string };
  signal?: AbortSignal;
  onProgress?: (update: ProgressBlock) => void;
}

/** What answers a message the parser could not read; undefined when it has no answer either. */
export interface ConversationFallback {
  answer(request: FallbackRequest): Promise<ChatResult | undefined>;
}

/**
 * The assistant: `handle(message) → replies`, the same for every platform.
 * Pipeline: request context → metrics → input checks → admission (identity, rate limit) → [extra steps,
 * e.g. pending confirmations] → parse and run.
 *
 * Errors of the message itself (bad input, rate limit) are thrown for the front door to render
 * (HTTP 4xx, or "slow down" in chat); a capability's UserError becomes a reply, since the
 * conversation itself went fine.
 */
export class Assistant {
  readonly #deps: AssistantDeps;
  readonly #pipeline: (ctx: MessageContext, last: () => Promise<void>) => Promise<void>;

  constructor(deps: AssistantDeps, extra: readonly MessageMiddleware[] = []) {
    this.#deps = deps;
    this.#pipeline = compose<MessageContext>([this.#measure, this.#checkInput, this.#admit, ...extra]);
  }

  async handle(message: IncomingMessage, options: HandleOptions = {}): Promise<ChatResult> {
    const ctx: MessageContext = {
      message,
      requestId: options.requestId ?? newRequestId(),
      signal: options.signal,
      onProgress: options.onProgress,
    };
    const user = formatUserRef(message.user);
    const run = async () => {
      await this.#pipeline(ctx, () => this.#route(ctx));
      if (!ctx.result) throw new Error('the message pipeline produced no result');
      return ctx.result;
    };
    // A front door that already opened a context for this request (HTTP does) gets the user added
    // to it; otherwise (CLI, tests, bots) the assistant opens one.
    const current = currentRequestContext();
    if (current?.requestId === ctx.requestId) {
      current.user = user;
      return run();
    }
    return runWithRequestContext({ requestId: ctx.requestId, user }, run);
  }

  /** Parses without running anything (`POST /v1/parse`, `mobius parse`). */
  parse(text: string): ParsedIntent {
    return redactIntent(this.#deps.parser.parse(text));
  }

  readonly #measure: MessageMiddleware = async (ctx, next) => {
    try {
      await next();
    } finally {
      this.#deps.metrics.messagesTotal.labels(ctx.message.user.platform, ctx.result?.intent.source ?? 'none').inc();
    }
  };

  readonly #checkInput: MessageMiddleware = (ctx, next) => {
    const { text } = ctx.message;
    if (typeof text !== 'string' || text.trim() === '') {
      throw new UserError('bad_input', 'Say something — the message is empty.');
    }
    if (text.length > this.#deps.maxMessageChars) {
      throw new UserError('bad_input', `That message is too long (${text.length} characters; the limit is ${this.#deps.maxMessageChars}).`);
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text)) {
      throw new UserError('bad_input', 'That message contains control characters I cannot read.');
    }
    return next();
  };

  /**
   * Who is asking, and may they ask now: resolves the identity (a front door may grant a tier, such
   * as an API key's tier and scopes; chat users keep their stored tier) and takes one point from their rate limit.
   * Direct capability calls (`POST /v1/capabilities/:name`) use it too, so both doors admit alike.
   */
  async admit(ref: UserRef, tier?: Principal['tier'], scopes?: readonly string[]): Promise<Principal> {
    const resolved = await this.#deps.identities.resolve(ref);
    const principal: Principal = { ...resolved, ...(tier ? { tier } : {}), ...(scopes ? { scopes } : {}) };
    await this.#deps.rateLimiter.consumeUser(principal.userId, principal.tier);
    return principal;
  }

  readonly #admit: MessageMiddleware = (ctx, next) =>
    this.admit(ctx.message.user, ctx.message.tier, ctx.message.scopes).then((principal) => {
      ctx.principal = principal;
      return next();
    });

  async #route(ctx: MessageContext): Promise<void> {
    const text = ctx.message.text.trim();
    const intent = ctx.intent ?? this.#deps.parser.parse(text);
    const secret = intent.containsSecret === true ? { containsSecret: true } : {};
    if (intent.name === 'none') {
      // Never a message that carried a key: the model is a third party.
      if (this.#deps.fallback && !intent.containsSecret) {
        const answered = await this.#deps.fallback.answer({
          text,
          principal: ctx.principal!,
          requestId: ctx.requestId,
          ...(ctx.message.chat ? { chat: ctx.message.chat } : {}),
          ...(ctx.signal ? { signal: ctx.signal } : {}),
          ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
        });
        if (answered) {
          ctx.result = answered;
          return;
        }
      }
      const reply = intent.containsSecret ? SECRET_NOT_IMPORTED : this.#notUnderstood(text);
      ctx.result = { replies: [reply], intent: { name: 'none', input: {}, source: 'none', confidence: intent.confidence }, ...secret };
      return;
    }
    // The key goes to the capability; what is reported (HTTP, logs of results) shows "[REDACTED]".
    const reported = { name: intent.name, input: redactIntent(intent).input, source: intent.source, confidence: intent.confidence };
    try {
      const result = await this.#deps.invoker.invoke({
        name: intent.name,
        input: intent.input,
        principal: ctx.principal!,
        source: 'builtin',
        requestId: ctx.requestId,
        ...(ctx.message.chat ? { chat: ctx.message.chat } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
      });
      ctx.result = { replies: [result.reply], intent: reported, ...secret };
    } catch (err) {
      // The message was fine; what it asked for was not possible. Say so in the conversation —
      // except for rate limits, which the front door turns into 429 / "slow down".
      if (err instanceof UserError && err.code !== 'rate_limited') {
        ctx.result = { replies: [errorReply(err)], intent: reported, ...secret };
        return;
      }
      throw err;
    }
  }

  #notUnderstood(text: string): Reply {
    const suggestions = this.#deps.parser.closestExamples(text, 3);
    return {
      blocks: [
        { type: 'text', text: "I didn't get that. Closest things I can do:" },
        ...suggestions.map((s) => ({ type: 'text' as const, text: `• "${s}"` })),
      ],
      buttons: [suggestions.map((s) => ({ label: s, action: 'send' as const, value: s }))],
    };
  }
}

/** A key-like value (64 hex digits) sent without asking for an import: it may be a transaction hash. */
const SECRET_NOT_IMPORTED: Reply = {
  blocks: [
    {
      type: 'text',
      text: 'That looks like a private key (or a transaction hash). I did not keep it. To import a wallet from a private key, send "import wallet" followed by the key, in a private chat with me — and never share a key anywhere else.',
    },
  ],
};

/**
 * A UserError as a chat reply. An error that asks the person to choose ("USDC on which chain?")
 * carries its choices as buttons in `details.buttons`, and reads as a question, not a warning.
 */
export function errorReply(err: UserError): Reply {
  const buttons = err.details?.buttons;
  if (Array.isArray(buttons) && buttons.length > 0) {
    return { blocks: [{ type: 'text', text: err.message }], buttons: [buttons as Button[]] };
  }
  return { blocks: [{ type: 'text', text: `⚠️ ${err.message}` }] };
}
