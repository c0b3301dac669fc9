import { z } from 'zod';
import type { AnyCapability } from '../core/capability.js';
import { formatUserRef } from '../core/identity.js';
import type { CapabilityRegistry } from '../core/registry.js';
import { L1Cache } from '../infra/cache.js';
import type { InvocationMiddleware } from '../capabilities/invoke.js';
import type { MessageMiddleware } from './assistant.js';
import type { IntentParser, ParsedIntent } from './parser.js';

/** What one identity last ran in a conversation. */
interface LastIntent {
  name: string;
  /** The validated input — kept only for capabilities that are safe to repeat (see `followable`). */
  input?: Record<string, unknown>;
  /** A token it was about, for "chart it". */
  token?: string;
  followable: boolean;
  requestId: string;
}

export interface ConversationContextOptions {
  parser: IntentParser;
  registry: CapabilityRegistry;
  /** How long a conversation is remembered after its last intent (default 30 minutes). */
  ttlMs?: number;
  /** At most this many identities remembered; the least recently active go first (default 50,000). */
  maxIdentities?: number;
  /** A clock in milliseconds, for tests. */
  now?: () => number;
}

/** Capabilities that only answer a question beyond the `get_*` ones: repeating them changes nothing. */
const FOLLOWABLE_EXTRA = new Set(['convert', 'list_wallets']);

/** "again", "do it again", "same again", "repeat that", "one more time", "refresh". */
const AGAIN = /^(?:(?:ok(?:ay)?|pls|please|and|now)\s+)*(?:(?:do|run|try|show|ask)\s+(?:it|that|this)\s+again|(?:same\s+)?again|same(?:\s+(?:thing|again|please))?|repeat(?:\s+(?:it|that|this|the last one))?|one more time|once more|refresh|update)(?:\s+(?:please|pls))?$/;
/** The openings of a follow-up that changes one value: "and sol?", "what about on base?", "same for 2 eth", "now in eur". */
const MARKER = /^(?:(?:ok(?:ay)?|so|and|&)\s+)?(?:what about|how about|what of|same (?:thing |but |one )?(?:for|with|on|in)|same but|and now|now|and|also|then|but|instead)(?=\s|$)/;
/** A message pointing back at what was just discussed: "chart it", "info on that". */
const POINTS_BACK = /\b(?:it|that|this|its|them|the same|same one)\b/;
/** Words a follow-up may have besides its values. */
const FILLER = new Set(['and', 'what', 'about', 'how', 'same', 'for', 'with', 'but', 'now', 'also', 'then', 'the', 'a', 'an', 'on', 'in', 'please', 'pls', 'it', 'that', 'one', 'ok', 'okay', 'so', 'instead', 'too', 'as', 'well', 'of', 'thing', 'show', 'me', 'do', 'over', 'last', 'chain', 'network', 'currency']);
/** The input fields a token can fill, in the order they are tried. */
const TOKEN_FIELDS = ['token', 'tokens', 'from'] as const;

/**
 * The dialogue context: follow-ups that lean on what was just asked. Per identity, it remembers
 * the last capability a person ran in a conversation (chat or the LLM's tool calls) and its
 * validated input, and reads
 *
 * - "and sol?", "what about btc", "what about on base?", "same for 2 eth", "now in eur", "weekly?"
 *   as that intent with the new values merged in (token, chain, amount, target, window …);
 * - "chart it", "info on that", "rsi?" as a new capability about the last token;
 * - "again", "do it again" as the same intent once more.
 *
 * Only questions are carried (`get_*`, convert, list_wallets): nothing that changes something —
 * a wallet export or delete, a faucet drip, an import (whose input is a key) — is ever remembered
 * with its input, and "do it again" after one gets a clear refusal instead of a second action.
 *
 * Held in an in-process LRU with a TTL: a conversation is short and cheap to lose. When Möbius
 * runs as many instances, a person's messages can land on different ones and this moves to Redis
 * (the L2 of the tiered cache) — not needed in embedded mode.
 *
 * Two pieces, wired in app.ts: `step`, an assistant step before the parser, and `remember`, an
 * invoker step that records each successful run.
 */
export class ConversationContext {
  readonly #parser: IntentParser;
  readonly #registry: CapabilityRegistry;
  readonly #last: L1Cache<LastIntent>;

  constructor(options: ConversationContextOptions) {
    this.#parser = options.parser;
    this.#registry = options.registry;
    this.#last = new L1Cache<LastIntent>({
      name: 'conversation-context',
      max: options.maxIdentities ?? 50_000,
      defaultTtlMs: options.ttlMs ?? 30 * 60_000,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /** Reads a follow-up into the intent it means (ctx.intent), or answers a request to repeat an action. */
  readonly step: MessageMiddleware = (ctx, next) => {
    // Another step already knows what the message is (a yes/no to a pending action).
    if (ctx.intent || !ctx.principal) return next();
    const reading = this.read(formatUserRef(ctx.principal.ref), ctx.message.text);
    if (reading?.kind === 'answer') {
      ctx.result = { replies: [{ blocks: [{ type: 'text', text: reading.text }] }], intent: { name: 'none', input: {}, source: 'builtin', confidence: 1 } };
      return Promise.resolve();
    }
    if (reading) ctx.intent = reading.intent;
    return next();
  };

  /** Records a successful capability run of a conversation (chat or LLM tool call) for its identity. */
  readonly remember: InvocationMiddleware = async (inv, next) => {
    await next();
    const { source, principal, requestId } = inv.request;
    if (source !== 'builtin' && source !== 'llm') return;
    const key = formatUserRef(principal.ref);
    const followable = isFollowable(inv.capability);
    if (!followable) {
      // "yes" runs the confirmed write inside `confirm`: the write is what the person did.
      const prior = this.#last.get(key);
      if (prior && !prior.followable && prior.requestId === requestId) return;
      this.#last.set(key, { name: inv.capability.name, followable, requestId });
      return;
    }
    const input = plainInput(inv.input);
    const token = tokenOf(input) ?? this.#last.get(key)?.token;
    this.#last.set(key, { name: inv.capability.name, input, followable, requestId, ...(token ? { token } : {}) });
  };

  /**
   * What a message means given the identity's last intent: an intent to run, an answer to give
   * instead, or undefined when it is no follow-up (the parser then reads it on its own).
   */
  read(identity: string, text: string): { kind: 'intent'; intent: ParsedIntent } | { kind: 'answer'; text: string } | undefined {
    const last = this.#last.get(identity);
    const words = text.trim().toLowerCase().replace(/[\s?!.…]+$/, '').replace(/\s+/g, ' ');
    if (AGAIN.test(words)) {
      if (!last) return { kind: 'answer', text: 'There is nothing recent to repeat — ask me something first, e.g. "price of eth".' };
      if (!last.followable || !last.input) {
        return {
          kind: 'answer',
          text: `I only repeat questions (prices, charts, balances…), not actions: the last thing was ${last.name}. If you want it again, ask for it in full — anything that changes your wallets asks for your confirmation first.`,
        };
      }
      return { kind: 'intent', intent: intent(last.name, last.input) };
    }
    if (!last?.followable || !last.input) return undefined;
    // A message carrying a key is never merged into anything: "and 0x<key>" must not become a chart of it.
    const parsed = this.#parser.parse(text);
    if (parsed.containsSecret) return undefined;
    const marker = MARKER.exec(words);
    if (marker) {
      const merged = this.#merge(last, words.slice(marker[0].length));
      if (merged) return { kind: 'intent', intent: merged };
    }
    if (parsed.name === 'none') {
      // Nothing but values ("rsi?", "weekly?", "eur?"): the same question with them.
      const merged = this.#merge(last, words);
      return merged ? { kind: 'intent', intent: merged } : undefined;
    }
    const carried = this.#carryToken(parsed, last, words);
    return carried ? { kind: 'intent', intent: carried } : undefined;
  }

  /** The last intent with the values of `rest` merged in, when `rest` is values only and fills something. */
  #merge(last: LastIntent, rest: string): ParsedIntent | undefined {
    const { slots, input } = this.#parser.slotsFor(rest, last.name);
    const leftover = slots.rest.split(/[\s?!.,]+/).filter((w) => w !== '' && !FILLER.has(w));
    if (leftover.length > 0 || Object.keys(input).length === 0) return undefined;
    return intent(last.name, { ...last.input, ...input });
  }

  /**
   * "chart it" after "price of eth": the capability the parser found, about the last token, when it
   * needs a token the message lacks or the message points back at one.
   */
  #carryToken(parsed: ParsedIntent, last: LastIntent, words: string): ParsedIntent | undefined {
    if (!last.token || !this.#registry.has(parsed.name)) return undefined;
    const capability = this.#registry.get(parsed.name);
    if (!isFollowable(capability) || !(capability.input instanceof z.ZodObject)) return undefined;
    const input = { ...(parsed.input as Record<string, unknown>) };
    const shape = capability.input.shape as Record<string, unknown>;
    const field = TOKEN_FIELDS.find((f) => f in shape);
    if (!field || input[field] !== undefined) return undefined;
    if (capability.input.safeParse(input).success && !POINTS_BACK.test(words)) return undefined;
    input[field] = field === 'tokens' ? [last.token] : last.token;
    return intent(capability.name, input);
  }
}

/** Whether a capability only answers a question, so repeating it or reusing its input is harmless. */
function isFollowable(capability: AnyCapability): boolean {
  return capability.effect === 'read' && (capability.name.startsWith('get_') || FOLLOWABLE_EXTRA.has(capability.name));
}

function intent(name: string, input: Record<string, unknown>): ParsedIntent {
  return { name, input, confidence: 0.9, source: 'builtin' };
}

/** A detached JSON copy of a validated input: later changes to either side do not leak. */
function plainInput(input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null) return {};
  return JSON.parse(JSON.stringify(input, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))) as Record<string, unknown>;
}

function tokenOf(input: Record<string, unknown>): string | undefined {
  for (const field of TOKEN_FIELDS) {
    const value = input[field];
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}
