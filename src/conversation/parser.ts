import type { AnyCapability } from '../core/capability.js';
import type { CapabilityRegistry } from '../core/registry.js';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { redactObject } from '../infra/log.js';
import { findSecrets } from '../wallets/secret-text.js';
import { readPreferencePhrase } from './preference-phrases.js';
import { secretIntent } from './secret-intent.js';
import { IntentMatcher, rewritePhrases } from './intent-matcher.js';
import { WELL_KNOWN_COINS } from './lexicon.js';
import { extractSlots, type Slots } from './slots.js';
import { contentWords, editDistance, normalize, similarity, withinOneEdit, wordsMatch } from './text-similarity.js';
import { readConfirmation } from './yes-no.js';

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

const GREETING = /^(?:(?:hi+|hello+|hey+|hiya|yo|gm|good (?:morning|afternoon|evening)|howdy|sup|hola|start|\/start)(?: there| all| everyone| mobius| bot| ser| sers| frens?| fam| guys| anon| team| folks| yall| y all)?\s*)+[\s!.]*$/;
const ABOUT_YOU = /^(?:who|where)\b.*\b(?:you|u|your|ur)\b/;
const MIN_CONFIDENCE = 0.5;
/**
 * Built-in requests are short; a longer text (a pasted article, a log) is left to the fallback
 * without grammar work. Key material is still looked for in the whole text first.
 */
const MAX_PARSED_CHARS = 256;
/** How much a capability loses when the message names a token and its examples never do, or the reverse. */
const TOKEN_MISMATCH = 0.75;
/** How much less sure the parser is when it corrected a token's spelling ("etherum"). */
const TYPO_CONFIDENCE = 0.9;

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
  /** Token words long enough to be told apart from a typo of another word ("etherum" → ethereum). */
  readonly #typoTargets: readonly string[];
  readonly #matcher: IntentMatcher<{ capability: AnyCapability; values: ValueKinds }>;
  readonly #recent: LRUCache<string, ParsedIntent> | undefined;
  /** Capabilities with two or more required fields: a message's values alone may make their request. */
  readonly #frames: readonly AnyCapability[];

  /**
   * `tokenWords`: lower-case token symbols a message may name on their own ("what is pepe"); a few
   * well-known coin names are added. `memo: false` turns off the cache of recent answers (benchmarks).
   */
  constructor(registry: CapabilityRegistry, options: { tokenWords?: Iterable<string>; memo?: boolean } = {}) {
    this.#registry = registry;
    this.#recent = options.memo === false ? undefined : new LRUCache<string, ParsedIntent>({ max: 2000 });
    const given = [...(options.tokenWords ?? [])].map((w) => w.toLowerCase());
    // Without token words (tests of the bare registry) none are invented.
    this.#tokenWords = new Set(given.length > 0 ? [...given, ...WELL_KNOWN_COINS] : []);
    this.#typoTargets = [...this.#tokenWords].filter((w) => w.length >= 5 && /^[a-z]+$/.test(w));
    // Examples are matched with their slot values taken out, as messages are: "give me 10 eth"
    // and "give me 2 usdc" are the same request.
    this.#examples = registry.list().flatMap((capability) =>
      capability.examples.map((phrase) => ({ capability, phrase, words: contentWords(extractSlots(phrase, this.#tokenWords).rest) })),
    );
    for (const e of this.#examples) {
      const key = normalize(e.phrase);
      if (!this.#exact.has(key) && takesEmptyInput(e.capability)) this.#exact.set(key, { capability: e.capability });
    }
    this.#frames = registry.list().filter((c) => requiredFields(c).length >= 2);
    this.#matcher = new IntentMatcher(
      registry.list().flatMap((capability) =>
        capability.examples.map((phrase) => {
          const slots = extractSlots(rewritePhrases(phrase), this.#tokenWords);
          return { value: { capability, values: valueKinds(slots) }, text: slots.rest, group: capability.name };
        }),
      ),
    );
  }

  /**
   * Parsing is a pure function of the text (the registry and lexicon never change after start),
   * and people ask the same things in the same words ("price of eth"): recent answers are kept.
   * They are frozen, so no caller can change what the next one gets.
   */
  parse(text: string): ParsedIntent {
    const known = this.#recent?.get(text);
    if (known) return known;
    // A message carrying a key is never kept: the cache would hold the key for as long as it lives.
    const secrets = findSecrets(text);
    if (secrets) return deepFreeze(secretIntent(secrets, { canImport: this.#registry.has('import_wallet'), tokenWords: this.#tokenWords }));
    const parsed = deepFreeze(this.#parse(text));
    this.#recent?.set(text, parsed);
    return parsed;
  }

  #parse(text: string): ParsedIntent {
    if (text.length > MAX_PARSED_CHARS) return { name: 'none', input: {}, confidence: 1, source: 'none' };
    const normalized = normalize(text.replace(/^\//, ''));
    if (GREETING.test(normalized) || /^\s*\?+\s*$/.test(text)) {
      if (this.#registry.has('help')) return { name: 'help', input: {}, confidence: 1, source: 'builtin' };
    }
    const helpFor = this.#helpFor(normalized);
    if (helpFor) return helpFor;
    // Settings sentences ("set slippage to 0.5%", "use base by default") have a grammar of their own.
    const setting = this.#registry.has('set_preference') ? readPreferencePhrase(text) : undefined;
    if (setting) return { ...setting, confidence: 1, source: 'builtin' };

    const answer = readConfirmation(text);
    if (answer) {
      const name = answer.answer === 'yes' ? 'confirm' : 'cancel';
      if (this.#registry.has(name)) return { name, input: answer.id ? { id: answer.id } : {}, confidence: 1, source: 'builtin' };
    }

    const rewritten = rewritePhrases(text.replace(/^\//, ''));
    if (this.#matcher.unsupported(rewritten)) return { name: 'none', input: {}, confidence: 0.9, source: 'none' };
    const { text: spelled, corrected } = this.#fixSpelling(rewritten);
    const slots = extractSlots(spelled, this.#tokenWords);
    const hasSlots = Object.keys(slots).length > 1;
    // "who made you", "where do you live": questions about the bot as a person are small talk.
    if (!hasSlots && ABOUT_YOU.test(normalized)) return { name: 'none', input: {}, confidence: 0.9, source: 'none' };
    const exact = hasSlots || corrected ? undefined : this.#exact.get(normalized);
    if (exact) return { name: exact.capability.name, input: {}, confidence: 1, source: 'builtin' };

    const values = valueKinds(slots);
    const message = this.#matcher.words(slots.rest, values.token);
    const typo = corrected ? TYPO_CONFIDENCE : 1;
    // Nothing but values and small words ("2 eth in usd", "$pepe", "where is btc at"): the
    // capability whose inputs they fill best.
    if (!this.#matcher.informative(message)) {
      const bySlots = hasSlots && !isSmallTalk(message.words) ? this.#bySlots(slots) : undefined;
      if (bySlots) return { ...bySlots, confidence: round(bySlots.confidence * typo) };
      return { name: 'none', input: {}, confidence: 1, source: 'none' };
    }
    // Only question words ("what's 2+2", "what is it"): no request without a value to ask about.
    if (message.words.length > 0 && message.words.every((w) => QUESTION_WORDS.has(w)) && !values.token && !values.address) return { name: 'none', input: {}, confidence: 1, source: 'none' };
    const best = new Map<AnyCapability, number>();
    for (const [example, raw] of this.#matcher.scores(message)) {
      const score = raw * valueFit(values, example.values);
      if (score > (best.get(example.capability) ?? 0)) best.set(example.capability, score);
    }
    let top: { capability: AnyCapability; score: number; input: Record<string, unknown> } | undefined;
    for (const capability of new Set([...best.keys(), ...this.#frames])) {
      const input = inputFromSlots(capability, slots);
      let score = (best.get(capability) ?? 0) * coverage(values, input, slots);
      // The message's values make a whole request of several parts ("what is 3 eth worth in eur"):
      // that capability, unless the words clearly ask for another.
      if (this.#frames.includes(capability) && isFrame(capability, input, values, slots)) score = Math.max(score, FRAME_SCORE);
      if (score > 0 && (!top || score > top.score)) top = { capability, score, input };
    }
    if (top && top.score >= MIN_CONFIDENCE) {
      const { capability, input } = top;
      // A capability that needs slots the message lacks is still the intent (its validation then
      // says what is missing), with a little less confidence.
      const complete = capability.input.safeParse(input).success;
      return { name: capability.name, input, confidence: round(Math.min(1, top.score) * (complete ? 1 : 0.9) * typo), source: 'builtin' };
    }
    return { name: 'none', input: {}, confidence: round(1 - (top?.score ?? 0)), source: 'none' };
  }

  /**
   * Token names typed with one slip ("etherum", "bitcon", "chainlnk") put right before the slots
   * are read: only words of five letters or more that are no word the examples use, one edit from a
   * token name (two for names of eight letters or more).
   */
  #fixSpelling(text: string): { text: string; corrected: boolean } {
    let corrected = false;
    const fixed = text.replace(/(?<![\p{L}\p{N}$.'’])[a-zA-Z]{5,}(?![\p{L}\p{N}.'’])/gu, (word) => {
      const w = word.toLowerCase();
      if (this.#tokenWords.has(w) || this.#matcher.knows(w)) return word;
      const token = this.#typoTarget(w);
      if (token) {
        corrected = true;
        return token;
      }
      return this.#matcher.spell(w) ?? word;
    });
    return { text: fixed, corrected };
  }

  /** Typo fixes already worked out, by word (each is a scan of every token name); bounded. */
  readonly #typoFixes = new Map<string, string | null>();

  /** The token name one slip from a word ("etherum" → ethereum), two for names of eight letters or more. */
  #typoTarget(word: string): string | undefined {
    const known = this.#typoFixes.get(word);
    if (known !== undefined) return known ?? undefined;
    const token = this.#typoTargets.find((t) => withinOneEdit(word, t)) ?? (word.length >= 8 ? this.#typoTargets.find((t) => t.length >= 8 && editDistance(word, t, 2) <= 2) : undefined);
    if (this.#typoFixes.size >= 5000) this.#typoFixes.clear();
    this.#typoFixes.set(word, token ?? null);
    return token;
  }

  /**
   * The values a message carries and what they fill of one capability's input, without matching an
   * intent: the dialogue context (context.ts) merges follow-ups such as "and sol?" with it.
   */
  slotsFor(text: string, capability: string): { slots: Slots; input: Record<string, unknown> } {
    const slots = extractSlots(text, this.#tokenWords);
    return { slots, input: this.#registry.has(capability) ? inputFromSlots(this.#registry.get(capability), slots) : {} };
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
      // Validation last: only a capability that would win is checked.
      if (filled === 0 || (best && filled <= best.filled) || !capability.input.safeParse(input).success) continue;
      if (!best || filled > best.filled) best = { capability, input, filled };
    }
    return best ? { name: best.capability.name, input: best.input, confidence: 0.8, source: 'builtin' } : undefined;
  }

  // "help get_status", "help status", "how do I use status": help about one capability.
  // ("what is status" is a question for get_status itself, not for help.)
  #helpFor(normalized: string): ParsedIntent | undefined {
    // "explain the balance command": the word "command" names no capability.
    const match = /^(?:help|explain|how do i use)\s+(?:with\s+|on\s+|about\s+)?(?:the\s+|this\s+|a\s+)?([a-z_ ]{2,40}?)(?:\s+(?:command|feature|function|tool|option))?$/.exec(normalized);
    if (!match || !this.#registry.has('help')) return undefined;
    const asked = match[1]!.trim().replace(/\s+/g, '_');
    // "how do i use this thing": help in general.
    if (/^(?:how_do_i_use|explain)/.test(normalized.replace(/\s+/g, '_')) && /^(thing|bot|app|it|this|you|mobius)$/.test(asked)) return { name: 'help', input: {}, confidence: 0.9, source: 'builtin' };
    const named = this.#registry.list().find((c) => c.name === asked || c.name.replace(/^get_/, '') === asked || c.name.split('_').slice(1).join('_') === asked || c.name.split('_').includes(asked));
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
  const takesToken = 'token' in shape || 'tokens' in shape || 'from' in shape;
  if (slots.address && 'address' in shape) input.address = slots.address;
  else if (slots.address && 'token' in shape && !slots.token) input.token = slots.address;
  if (slots.chain && 'chain' in shape) input.chain = slots.chain;
  // "is base up", "gas polygon": a chain named alone, where no token is meant.
  else if (slots.bareChain && 'chain' in shape && !takesToken) input.chain = slots.bareChain;
  // A wallet named, or an address where a capability takes only a wallet ("stop watching 0x…").
  if (slots.wallet && 'wallet' in shape && !(slots.wallet === slots.address && 'address' in shape)) input.wallet = slots.wallet;
  else if (slots.address && 'wallet' in shape && !('address' in shape)) input.wallet = slots.address;
  if (slots.name && 'name' in shape) input.name = slots.name;
  // "delete the wallet called hot": where nothing is named, a wallet called so is the one meant.
  else if (slots.name && !input.wallet && 'wallet' in shape) input.wallet = slots.name;
  if (slots.amount && 'amount' in shape && !slots.amountFiat) input.amount = slots.amount;
  if (slots.token && 'token' in shape) input.token = slots.token;
  // "change on arb": a token where the capability takes no chain.
  else if (!slots.token && slots.chainToken && 'token' in shape && !('chain' in shape)) input.token = slots.chainToken;
  if (slots.token && 'tokens' in shape) input.tokens = slots.tokens ?? [slots.token];
  if (slots.token && 'from' in shape) input.from = slots.token;
  if (slots.window && 'window' in shape) input.window = slots.window;
  if (slots.interval && 'interval' in shape) input.interval = slots.interval;
  if (slots.chartKind && 'kind' in shape) input.kind = slots.chartKind;
  if (slots.indicators && 'indicators' in shape) input.indicators = slots.indicators;
  if (slots.count !== undefined && 'limit' in shape) input.limit = slots.count;
  if (slots.linkCode && 'code' in shape) input.code = slots.linkCode;
  if (slots.target && 'to' in shape) input.to = slots.target;
  else if (slots.target && 'fiat' in shape && /^[a-z]{3}$/.test(slots.target)) input.fiat = slots.target;
  else if (slots.fiat && 'fiat' in shape) input.fiat = slots.fiat;
  if (slots.threshold && 'threshold' in shape) input.threshold = slots.threshold.value;
  if (slots.threshold && 'direction' in shape) input.direction = slots.threshold.direction;
  return input;
}

/** Which kinds of value a message (or an example) carries: "price of eth" a token, "gas price" none. */
interface ValueKinds {
  token: boolean;
  address: boolean;
}

function valueKinds(slots: Slots): ValueKinds {
  return { token: slots.token !== undefined, address: slots.address !== undefined };
}

/**
 * How well the values of a message fit an example's: a token where the example has none weighs
 * more against it ("eth gas price" is still gas, but "is eth pumping" is no market overview) than
 * a token missing where the example has one (then the capability asks for it).
 */
function valueFit(message: ValueKinds, example: ValueKinds): number {
  let fit = 1;
  if (message.token !== example.token) fit *= message.token ? TOKEN_MISMATCH : 0.9;
  if (message.address !== example.address) fit *= message.address ? TOKEN_MISMATCH : 0.9;
  return fit;
}

/** The share of the message's values a capability takes, as a factor: values left over count against it. */
function coverage(values: ValueKinds, input: Record<string, unknown>, slots: Slots): number {
  let present = 0;
  let used = 0;
  const count = (isPresent: boolean, isUsed: boolean) => {
    if (!isPresent) return;
    present++;
    if (isUsed) used++;
  };
  count(values.token, 'token' in input || 'tokens' in input || 'from' in input || 'address' in input);
  count(values.address, 'address' in input || 'wallet' in input || 'token' in input);
  count(slots.amount !== undefined, 'amount' in input);
  count(slots.target !== undefined, 'to' in input || 'fiat' in input);
  count(slots.window !== undefined, 'window' in input || 'interval' in input);
  count(slots.indicators !== undefined, 'indicators' in input || input.token !== undefined);
  count(slots.wallet !== undefined, 'wallet' in input);
  count(slots.name !== undefined, 'name' in input);
  count(slots.linkCode !== undefined, 'code' in input);
  // A chain named alone counts unless it is the token itself ("polygon price").
  count(slots.chain !== undefined || (slots.bareChain !== undefined && !values.token), 'chain' in input);
  return present === 0 ? 1 : 0.6 + (0.4 * used) / present;
}

const FRAME_SCORE = 0.95;

/** Whether the values alone make a complete request of two or more required parts for this capability. */
function isFrame(capability: AnyCapability, input: Record<string, unknown>, values: ValueKinds, slots: Slots): boolean {
  const required = requiredFields(capability);
  if (required.length < 2 || !required.every((k) => k in input)) return false;
  return coverage(values, input, slots) === 1 && capability.input.safeParse(input).success;
}

const requiredCache = new WeakMap<AnyCapability, readonly string[]>();

/** The input fields a capability cannot do without. */
function requiredFields(capability: AnyCapability): readonly string[] {
  let required = requiredCache.get(capability);
  if (!required) {
    const shape = capability.input instanceof z.ZodObject ? (capability.input.shape as Record<string, z.ZodType>) : {};
    required = Object.keys(shape).filter((k) => !shape[k]!.safeParse(undefined).success);
    requiredCache.set(capability, required);
  }
  return required;
}

const QUESTION_WORDS: ReadonlySet<string> = new Set(['what', 'is', 'who', 'where', 'when', 'why', 'how']);

/** Words of chat with no request in them ("how are you"): never matched by weak words alone. */
function isSmallTalk(words: readonly string[]): boolean {
  return words.length > 0 && words.every((w) => ['how', 'are', 'you', 'what', 'is', 'doing', 'up', 'going', 'who', 'where', 'when', 'why'].includes(w));
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
