import type { AnyCapability } from '../core/capability.js';
import type { CapabilityRegistry } from '../core/registry.js';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { redactObject } from '../infra/log.js';
import { findSecrets } from '../wallets/secret-text.js';
import { secretIntent } from './secret-intent.js';
import { extractSlots, type Slots } from './slots.js';
import { contentWords, normalize, similarity, wordsMatch } from './text-similarity.js';

/** What the parser made of a message, without running anything. */
export interface ParsedIntent {
  /** A capability name, or 'none' when nothing fits well enough. */
  name: string;
  input: unknown;
  /** 0..1 */
  confidence: number;
  source: 'builtin' | 'none';
  /**
   * The message carried key material (a private key, a recovery phrase, a keystore file): `input`
   * then holds it, for the import only — report it with `redactIntent`, never cache or log it.
   */
  containsSecret?: boolean;
}

interface Example {
  capability: AnyCapability;
  phrase: string;
  words: string[];
}

/** An exact phrasing (normalised) that maps straight to a capability with empty input. */
interface ExactPhrase {
  capability: AnyCapability;
}

const GREETING = /^(hi+|hello+|hey+|hiya|yo|gm|good (morning|afternoon|evening)|howdy|sup|hola|start|\/start)\b[\s!.]*$/;
const MIN_CONFIDENCE = 0.6;

/**
 * The first built-in parser: greetings, "help [capability]", and any capability whose input can be
 * empty, matched against the registry's example phrasings with typo tolerance. Capabilities that
 * need slots (tokens, amounts) get their own grammar in the conversation engine.
 */
export class IntentParser {
  readonly #examples: Example[];
  readonly #exact = new Map<string, ExactPhrase>();
  readonly #registry: CapabilityRegistry;
  readonly #tokenWords: ReadonlySet<string>;
  readonly #recent = new LRUCache<string, ParsedIntent>({ max: 2000 });

  /** `tokenWords`: lower-case token symbols a message may name on their own ("what is pepe"). */
  constructor(registry: CapabilityRegistry, options: { tokenWords?: Iterable<string> } = {}) {
    this.#registry = registry;
    this.#tokenWords = new Set([...(options.tokenWords ?? [])].map((w) => w.toLowerCase()));
    // Examples are matched with their slot values taken out, as messages are: "give me 10 eth"
    // and "give me 2 usdc" are the same request.
    this.#examples = registry.list().flatMap((capability) =>
      capability.examples.map((phrase) => ({ capability, phrase, words: contentWords(extractSlots(phrase, this.#tokenWords).rest) })),
    );
    for (const e of this.#examples) {
      const key = normalize(e.phrase);
      if (!this.#exact.has(key) && takesEmptyInput(e.capability)) this.#exact.set(key, { capability: e.capability });
    }
  }

  /**
   * Parsing is a pure function of the text (the registry and lexicon never change after start),
   * and people ask the same things in the same words ("price of eth"): recent answers are kept.
   * They are frozen, so no caller can change what the next one gets.
   */
  parse(text: string): ParsedIntent {
    const known = this.#recent.get(text);
    if (known) return known;
    // A message carrying a key is never kept: the cache would hold the key for as long as it lives.
    const secrets = findSecrets(text);
    if (secrets) return deepFreeze(secretIntent(secrets, { canImport: this.#registry.has('import_wallet'), tokenWords: this.#tokenWords }));
    const parsed = deepFreeze(this.#parse(text));
    this.#recent.set(text, parsed);
    return parsed;
  }

  #parse(text: string): ParsedIntent {
    const normalized = normalize(text.replace(/^\//, ''));
    if (GREETING.test(normalized)) {
      if (this.#registry.has('help')) return { name: 'help', input: {}, confidence: 1, source: 'builtin' };
    }
    const helpFor = this.#helpFor(normalized);
    if (helpFor) return helpFor;

    const slots = extractSlots(text.replace(/^\//, ''), this.#tokenWords);
    const hasSlots = Object.keys(slots).length > 1;
    const exact = hasSlots ? undefined : this.#exact.get(normalized);
    if (exact) return { name: exact.capability.name, input: {}, confidence: 1, source: 'builtin' };

    const message = contentWords(slots.rest);
    // Nothing but values ("2 eth in usd", "$pepe"): the capability whose inputs they fill best.
    if (message.length === 0 && Object.keys(slots).length > 1) {
      const bySlots = this.#bySlots(slots);
      if (bySlots) return bySlots;
    }
    let best: { example: Example; score: number } | undefined;
    for (const example of this.#examples) {
      const score = similarity(message, example.words);
      if (!best || score > best.score) best = { example, score };
    }
    if (best && best.score >= MIN_CONFIDENCE) {
      const capability = best.example.capability;
      const input = inputFromSlots(capability, slots);
      // A capability that needs slots the message lacks is still the intent (its validation then
      // says what is missing), with a little less confidence.
      const complete = capability.input.safeParse(input).success;
      return { name: capability.name, input, confidence: round(complete ? best.score : best.score * 0.9), source: 'builtin' };
    }
    return { name: 'none', input: {}, confidence: round(1 - (best?.score ?? 0)), source: 'none' };
  }

  /**
   * Example phrasings closest to a message, for "I didn't get that — try …": the best example of
   * each capability, so the suggestions show different things Möbius can do.
   */
  closestExamples(text: string, count = 3): string[] {
    const message = contentWords(text);
    const best = new Map<string, { phrase: string; score: number; order: number }>();
    this.#examples.forEach((e, order) => {
      const score = similarity(message, e.words);
      const current = best.get(e.capability.name);
      if (!current || score > current.score) best.set(e.capability.name, { phrase: e.phrase, score, order });
    });
    return [...best.values()]
      .sort((a, b) => b.score - a.score || a.order - b.order)
      .slice(0, count)
      .map((b) => b.phrase);
  }

  #bySlots(slots: Slots): ParsedIntent | undefined {
    let best: { capability: AnyCapability; input: Record<string, unknown>; filled: number } | undefined;
    for (const capability of this.#registry.list()) {
      const input = inputFromSlots(capability, slots);
      const filled = Object.keys(input).length;
      if (filled === 0 || !capability.input.safeParse(input).success) continue;
      if (!best || filled > best.filled) best = { capability, input, filled };
    }
    return best ? { name: best.capability.name, input: best.input, confidence: 0.8, source: 'builtin' } : undefined;
  }

  // "help get_status", "help status", "how do I use status": help about one capability.
  // ("what is status" is a question for get_status itself, not for help.)
  #helpFor(normalized: string): ParsedIntent | undefined {
    const match = /^(?:help|explain|how do i use)\s+(?:with\s+|on\s+|about\s+)?([a-z_ ]{2,40})$/.exec(normalized);
    if (!match || !this.#registry.has('help')) return undefined;
    const asked = match[1]!.trim().replace(/\s+/g, '_');
    const named = this.#registry.list().find((c) => c.name === asked || c.name.replace(/^get_/, '') === asked);
    const fuzzy = named ?? this.#registry.list().find((c) => wordsMatch(c.name.replace(/^get_/, ''), asked));
    if (!fuzzy) return undefined;
    return { name: 'help', input: { capability: fuzzy.name }, confidence: named ? 0.95 : 0.8, source: 'builtin' };
  }
}

/** Fills the capability's own input fields from the slots found, and nothing else. */
function inputFromSlots(capability: AnyCapability, slots: Slots): Record<string, unknown> {
  if (!(capability.input instanceof z.ZodObject)) return {};
  const shape = capability.input.shape as Record<string, unknown>;
  const input: Record<string, unknown> = {};
  if (slots.address && 'address' in shape) input.address = slots.address;
  else if (slots.address && 'token' in shape && !slots.token) input.token = slots.address;
  if (slots.chain && 'chain' in shape) input.chain = slots.chain;
  // A wallet named, or an address where a capability takes only a wallet ("stop watching 0x…").
  if (slots.wallet && 'wallet' in shape && !(slots.wallet === slots.address && 'address' in shape)) input.wallet = slots.wallet;
  else if (slots.address && 'wallet' in shape && !('address' in shape)) input.wallet = slots.address;
  if (slots.name && 'name' in shape) input.name = slots.name;
  if (slots.amount && 'amount' in shape) input.amount = slots.amount;
  if (slots.token && 'token' in shape) input.token = slots.token;
  if (slots.token && 'tokens' in shape) input.tokens = [slots.token];
  if (slots.token && 'from' in shape) input.from = slots.token;
  if (slots.window && 'window' in shape) input.window = slots.window;
  if (slots.indicators && 'indicators' in shape) input.indicators = slots.indicators;
  if (slots.linkCode && 'code' in shape) input.code = slots.linkCode;
  if (slots.target && 'to' in shape) input.to = slots.target;
  else if (slots.target && 'fiat' in shape && /^[a-z]{3}$/.test(slots.target)) input.fiat = slots.target;
  return input;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function takesEmptyInput(capability: AnyCapability): boolean {
  return capability.input.safeParse({}).success;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/**
 * An intent fit to show or return (`POST /v1/parse`, ChatResult): key material in its input
 * replaced by "[REDACTED]".
 */
export function redactIntent<T extends { input: unknown; containsSecret?: boolean }>(intent: T): T {
  if (!intent.containsSecret) return intent;
  return { ...intent, input: redactObject(intent.input) };
}
