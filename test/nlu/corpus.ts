import { isDeepStrictEqual } from 'node:util';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { capabilities } from '../../src/capabilities/index.js';
import { CapabilityRegistry } from '../../src/core/registry.js';
import { IntentParser } from '../../src/conversation/parser.js';
import { knownTokenWords } from '../../src/conversation/token-words.js';

/** One labeled utterance: what a person typed, the capability meant (or "none"), its expected input. */
export interface LabeledUtterance {
  text: string;
  intent: string;
  slots: Record<string, unknown>;
}

export const SPLITS = ['train', 'dev', 'test'] as const;
/**
 * Extra labeled lines written apart from the three splits, to check that tuning on train and dev
 * generalises before the test split is measured. Not part of the corpus size or "all".
 */
export const EXTRA_SPLITS = ['extra'] as const;
export type Split = (typeof SPLITS)[number] | (typeof EXTRA_SPLITS)[number];

const dir = path.dirname(fileURLToPath(import.meta.url));

export function loadSplit(split: Split): LabeledUtterance[] {
  return readFileSync(path.join(dir, `${split}.jsonl`), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LabeledUtterance);
}

/** The parser as the app builds it: the real registry and the same token words. */
export function appParser(options: { memo?: boolean } = {}): IntentParser {
  return new IntentParser(new CapabilityRegistry(capabilities), { tokenWords: knownTokenWords(), ...options });
}

export interface Miss {
  text: string;
  expected: { intent: string; slots: Record<string, unknown> };
  got: { intent: string; input: unknown; confidence: number };
}

export interface Evaluation {
  total: number;
  /** Share of lines whose intent is right. */
  intentAccuracy: number;
  /** Share of lines naming a capability whose intent and whole input are both exactly right. */
  slotExactMatch: number;
  /** The same, among those lines whose intent is right. */
  slotExactMatchGivenIntent: number;
  /** Share of off-topic lines ("none") left as none rather than forced onto a capability. */
  offTopicKept: number;
  /** Share of capability answers (not none) on which the capability is right. */
  capabilityPrecision: number;
  perIntent: Array<{ intent: string; support: number; precision: number; recall: number; f1: number }>;
  /** expected → got, most frequent first. */
  confusions: Array<{ expected: string; got: string; count: number }>;
  misses: Miss[];
}

/** Parses every line and scores intents and slots. */
export function evaluate(parser: IntentParser, lines: readonly LabeledUtterance[]): Evaluation {
  let intentRight = 0;
  let slotLines = 0;
  let slotRight = 0;
  let slotLinesWithIntent = 0;
  let offTopic = 0;
  let offTopicKept = 0;
  let answered = 0;
  let answeredRight = 0;
  const tp = new Map<string, number>();
  const predicted = new Map<string, number>();
  const support = new Map<string, number>();
  const confusions = new Map<string, number>();
  const misses: Miss[] = [];
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const line of lines) {
    const parsed = parser.parse(line.text);
    const okIntent = parsed.name === line.intent;
    const okSlots = okIntent && isDeepStrictEqual(plain(parsed.input), line.slots);
    bump(support, line.intent);
    bump(predicted, parsed.name);
    if (okIntent) {
      intentRight++;
      bump(tp, line.intent);
    } else bump(confusions, `${line.intent} → ${parsed.name}`);
    if (line.intent === 'none') {
      offTopic++;
      if (okIntent) offTopicKept++;
    } else {
      slotLines++;
      if (okSlots) slotRight++;
      if (okIntent) slotLinesWithIntent++;
    }
    if (parsed.name !== 'none') {
      answered++;
      if (okIntent) answeredRight++;
    }
    if (!okIntent || (line.intent !== 'none' && !okSlots)) {
      misses.push({ text: line.text, expected: { intent: line.intent, slots: line.slots }, got: { intent: parsed.name, input: parsed.input, confidence: parsed.confidence } });
    }
  }
  const intents = [...new Set([...support.keys(), ...predicted.keys()])].sort();
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
  return {
    total: lines.length,
    intentAccuracy: ratio(intentRight, lines.length),
    slotExactMatch: ratio(slotRight, slotLines),
    slotExactMatchGivenIntent: ratio(slotRight, slotLinesWithIntent),
    offTopicKept: ratio(offTopicKept, offTopic),
    capabilityPrecision: ratio(answeredRight, answered),
    perIntent: intents.map((intent) => {
      const precision = ratio(tp.get(intent) ?? 0, predicted.get(intent) ?? 0);
      const recall = ratio(tp.get(intent) ?? 0, support.get(intent) ?? 0);
      return { intent, support: support.get(intent) ?? 0, precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
    }),
    confusions: [...confusions]
      .map(([pair, count]) => {
        const [expected = '', got = ''] = pair.split(' → ');
        return { expected, got, count };
      })
      .sort((a, b) => b.count - a.count || a.expected.localeCompare(b.expected)),
    misses,
  };
}

/** A parsed input as plain JSON (the parser freezes what it returns). */
function plain(input: unknown): unknown {
  return JSON.parse(JSON.stringify(input ?? {})) as unknown;
}
