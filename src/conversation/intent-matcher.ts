import { editDistance } from '../core/edit-distance.js';
import { NOISE_WORDS, PHRASES, SYNONYMS, UNSUPPORTED_ACTIONS, WEAK_WORDS, WITH_TOKEN } from './lexicon.js';
import { normalize, withinOneEdit } from './text-similarity.js';

/** Words that carry no meaning for matching (articles, pronouns, politeness). */
const FILLER = new Set(['a', 'an', 'the', 'please', 'pls', 'plz', 'me', 'can', 'could', 'you', 'u', 'i', 'is', 'are', 'do', 'does', 'to', 'of', 'my', 'your', 'what', 'whats', 'show', 'tell', 'give', 'hey', 'so', 'ur', 'r', 'be', 'im', 'it', 'its', 'was', 's', 'this', 'that', 'there', 'x', ...NOISE_WORDS]);

const WEAK = 0.35;
const COST_WORDS = /\b(?:cost|costs|fees?|gas|gwei)\b/i;
/** "any buy signal on pepe": a question about indicators, not a trade. */
const SIGNAL_WORDS = /\b(?:buy|sell)\s+(?:signals?|zones?|indicators?)\b/i;
/** How many words' typo corrections are remembered. */
const WORD_CACHE_SIZE = 5000;
/** How questions are asked when nothing else is said ("what's uni", "wtf is toshi"). */
const QUESTION: ReadonlyMap<string, string> = new Map([
  ['whats', 'what'],
  ['wtf', 'what'],
  ['wat', 'what'],
  ['u', 'you'],
  ['ur', 'you'],
  ['r', 'are'],
]);

/** Contracted question words, read as the word ("how's sol doing"). */
const QUESTION_FORMS: ReadonlyMap<string, string> = new Map([['hows', 'how'], ['wheres', 'where'], ['whos', 'who']]);

/** A phrase as the matcher sees it: canonical content words and their weights. */
export interface MatchWords {
  words: string[];
  weight: number;
}

/** Every phrase of the lexicon in one pattern, for a quick no. */
const ANY_PHRASE = new RegExp(PHRASES.map(([pattern]) => `(?:${pattern.source})`).join('|'), 'i');

/** The slang phrases of the lexicon, rewritten ("ape into" → buy). */
export function rewritePhrases(text: string): string {
  // One pass tells whether any phrase is there at all; most messages have none.
  if (!ANY_PHRASE.test(text)) return text;
  let out = text;
  for (const [pattern, replacement] of PHRASES) out = out.replace(pattern, replacement);
  return out;
}

function baseWeight(word: string): number {
  return WEAK_WORDS.has(word) ? WEAK : 1;
}

/** "wallets" → "wallet", "prices" → "price"; not "status", "address", "gas". */
function singular(word: string): string {
  return word.length > 4 && word.endsWith('s') && !/(ss|us|is|ys)$/.test(word) ? word.slice(0, -1) : word;
}

/**
 * Scores messages against the registry's example phrasings. Words are canonicalised alike on both
 * sides (synonyms, then typo correction against the examples' own vocabulary), then compared as a
 * weighted Dice overlap through an inverted index: one pass over the message's words, whatever the
 * number of examples.
 */
export class IntentMatcher<T> {
  readonly #entries: Array<{ value: T; weight: number }> = [];
  readonly #index = new Map<string, Array<{ entry: number; weight: number }>>();
  readonly #vocabulary = new Set<string>();
  /** Vocabulary words by length, for typo lookup. */
  readonly #byLength = new Map<number, string[]>();
  readonly #unsupported: ReadonlySet<string>;
  /** Words as the examples spell them, before synonyms: what a typo in a message is corrected to. */
  readonly #spelling = new Set<string>();
  readonly #spellingByLength = new Map<number, string[]>();
  readonly #longSynonyms = [...SYNONYMS.keys()].filter((k) => k.length >= 5);
  /** A word's weight: weak words count less, and so do words many capabilities share ("price", "my"). */
  readonly #weights = new Map<string, number>();

  /** `group` tells which examples belong together (one capability): a word they all share weighs less. */
  constructor(examples: ReadonlyArray<{ value: T; text: string; group: string }>) {
    for (const e of examples) for (const w of normalize(e.text).split(' ')) if (w.length >= 4 && !/\d/.test(w)) this.#spelling.add(w);
    for (const k of SYNONYMS.keys()) if (k.length >= 4) this.#spelling.add(k);
    for (const w of this.#spelling) {
      const list = this.#spellingByLength.get(w.length) ?? [];
      list.push(w);
      this.#spellingByLength.set(w.length, list);
    }
    const prepared = examples.map((e) => ({ value: e.value, group: e.group, words: this.#canonical(e.text, false, false) }));
    const groups = new Map<string, Set<string>>();
    for (const p of prepared) {
      for (const w of p.words) {
        this.#vocabulary.add(w);
        const g = groups.get(w) ?? new Set<string>();
        g.add(p.group);
        groups.set(w, g);
      }
    }
    for (const [w, g] of groups) this.#weights.set(w, baseWeight(w) / (1 + Math.log(g.size)));
    const firstWords = new Set(examples.map((e) => normalize(e.text).split(' ')[0]!));
    for (const w of this.#vocabulary) {
      const list = this.#byLength.get(w.length) ?? [];
      list.push(w);
      this.#byLength.set(w.length, list);
    }
    for (const p of prepared) {
      const entry = this.#entries.length;
      const unique = [...new Set(p.words)];
      this.#entries.push({ value: p.value, weight: unique.reduce((sum, w) => sum + this.#weight(w), 0) });
      for (const w of unique) {
        const postings = this.#index.get(w) ?? [];
        postings.push({ entry, weight: this.#weight(w) });
        this.#index.set(w, postings);
      }
    }
    // An action no example starts with: a request for a capability this build does not have.
    this.#unsupported = new Set([...UNSUPPORTED_ACTIONS].filter((w) => !firstWords.has(w)));
  }

  #weight(word: string): number {
    return this.#weights.get(word) ?? baseWeight(word);
  }

  /**
   * A word of five letters or more that no example uses, one typo from one an example does
   * ("creat" → create, "renaem" → rename): put right before slots are read, so the slot grammar
   * ("rename … to …") sees it too.
   */
  spell(word: string): string | undefined {
    if (word.length < 5 || this.#spelling.has(word)) return undefined;
    const known = this.#spelled.get(word);
    if (known !== undefined) return known ?? undefined;
    const fixed = this.#findSpelling(word);
    if (this.#spelled.size >= WORD_CACHE_SIZE) this.#spelled.clear();
    this.#spelled.set(word, fixed ?? null);
    return fixed;
  }

  readonly #spelled = new Map<string, string | null>();

  #findSpelling(word: string): string | undefined {
    for (const length of [word.length, word.length - 1, word.length + 1]) {
      for (const candidate of this.#spellingByLength.get(length) ?? []) if (candidate.length >= 5 && withinOneEdit(word, candidate)) return candidate;
    }
    return undefined;
  }

  /** Whether a word (already lower-case) is one the examples use, before or after synonyms. */
  knows(word: string): boolean {
    return this.#vocabulary.has(word) || SYNONYMS.has(word) || FILLER.has(word) || WEAK_WORDS.has(word);
  }

  /** The message's canonical content words; `withToken` when it names a token ("what's 1 eth worth"). */
  words(text: string, withToken = false): MatchWords {
    const words = this.#canonical(text, true, withToken);
    return { words, weight: [...new Set(words)].reduce((sum, w) => sum + this.#weight(w), 0) };
  }

  /** Whether the message asks for something no capability does (buy, sell, alerts …). */
  unsupported(text: string): boolean {
    if (this.#unsupported.size === 0) return false;
    // "how much does a transfer cost", "fees for a swap": asking what it costs is a gas question.
    if (COST_WORDS.test(text) || SIGNAL_WORDS.test(text)) return false;
    return normalize(text)
      .split(' ')
      .some((w) => this.#unsupported.has(w) || this.#unsupported.has(SYNONYMS.get(w) ?? w));
  }

  /** Whether a word of the message means something to some example, beyond the weak ones. */
  informative(message: MatchWords): boolean {
    return message.words.some((w) => this.#vocabulary.has(w) && !WEAK_WORDS.has(w));
  }

  /** Every example with a score above 0, as `[value, score]`, unordered. */
  scores(message: MatchWords): Array<[T, number]> {
    const overlap = new Map<number, number>();
    for (const w of new Set(message.words)) {
      const postings = this.#index.get(w);
      if (!postings) continue;
      for (const p of postings) overlap.set(p.entry, (overlap.get(p.entry) ?? 0) + p.weight);
    }
    const out: Array<[T, number]> = [];
    for (const [entry, shared] of overlap) {
      const e = this.#entries[entry]!;
      out.push([e.value, (2 * shared) / (message.weight + e.weight)]);
    }
    return out;
  }

  #canonical(text: string, correct: boolean, withToken: boolean): string[] {
    const out: string[] = [];
    const all: string[] = [];
    for (const raw of normalize(text).split(' ')) {
      const word = raw.replace(/^\$+|[$.]+$/g, '');
      if (word === '' || /^\d/.test(word)) continue;
      all.push(...(word === 'whats' ? ['what', 'is'] : [QUESTION.get(word) ?? word]));
      if (FILLER.has(word)) continue;
      let w = (withToken ? WITH_TOKEN.get(word) : undefined) ?? SYNONYMS.get(word) ?? QUESTION_FORMS.get(word) ?? word;
      w = singular(w);
      if (correct && !this.#vocabulary.has(w)) {
        const fixed = this.#correct(w);
        if (fixed) w = fixed;
      }
      if (!FILLER.has(w)) out.push(w);
    }
    // Nothing but small words ("what can you do", "what's uni"): they are the phrase.
    return out.length > 0 ? out : all.filter((w) => w !== 'x' && w !== 's');
  }

  /**
   * Corrections already worked out, by word: each costs a scan of the vocabulary, and people (and
   * pasted junk) repeat their words. Bounded; cleared when full.
   */
  readonly #corrected = new Map<string, string | null>();

  /** The vocabulary word one typo away (two for long words), if exactly one kind of fix fits. */
  #correct(word: string): string | undefined {
    const known = this.#corrected.get(word);
    if (known !== undefined) return known ?? undefined;
    const fixed = this.#findCorrection(word);
    if (this.#corrected.size >= WORD_CACHE_SIZE) this.#corrected.clear();
    this.#corrected.set(word, fixed ?? null);
    return fixed;
  }

  #findCorrection(word: string): string | undefined {
    // A letter typed twice ("gass", "pricce"), however short the word it leaves.
    const single = word.replace(/(.)\1+/g, '$1');
    if (single !== word && this.#vocabulary.has(single)) return single;
    if (word.length < 4) return undefined;
    // A four-letter word is only ever short of a letter ("pric"): swapped for another four-letter
    // word it is usually a different word ("sing" is no "ping").
    for (const length of word.length === 4 ? [5] : [word.length, word.length - 1, word.length + 1]) {
      for (const candidate of this.#byLength.get(length) ?? []) {
        if (candidate.length >= 4 && withinOneEdit(word, candidate)) return candidate;
      }
    }
    const synonym = this.#longSynonyms.find((k) => withinOneEdit(word, k));
    if (synonym) return singular(SYNONYMS.get(synonym)!);
    if (word.length >= 8) {
      for (const length of [word.length - 2, word.length - 1, word.length, word.length + 1, word.length + 2]) {
        for (const candidate of this.#byLength.get(length) ?? []) {
          if (editDistance(word, candidate, 2) <= 2) return candidate;
        }
      }
    }
    return undefined;
  }
}
