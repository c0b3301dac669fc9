/**
 * Small, deterministic text measures for the first parser: normalisation, typo-tolerant word
 * matching and a similarity score. No network, no model — a message is scored in microseconds.
 */

import { editDistance } from '../core/edit-distance.js';

export { editDistance };

/** Lower-case, accents and emoji removed, punctuation to spaces, single spaces. */
export function normalize(text: string): string {
  // Most messages are already plain: skip the Unicode work for them (this runs on every message).
  if (/^[a-z0-9 ]*$/.test(text) && !text.includes('  ') && text.trim() === text) return text;
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[’']/g, '')
    .replace(/[^a-z0-9_$.\s]/g, ' ')
    .replace(/(^|\s)\.+|\.+(\s|$)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function words(text: string): string[] {
  const n = normalize(text);
  return n ? n.split(' ') : [];
}

/** Words match when equal, or (for words of 4+ letters) one typo apart. */
export function wordsMatch(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length < 4 || b.length < 4) return false;
  return editDistance(a, b, 1) <= 1;
}

const FILLER = new Set(['a', 'an', 'the', 'please', 'pls', 'plz', 'me', 'can', 'could', 'you', 'u', 'i', 'is', 'are', 'do', 'does', 'to', 'of', 'my', 'your', 'what', 'whats', 'show', 'tell', 'give', 'hey', 'ok', 'so']);

/** Content words only: what carries the meaning of a short request. */
export function contentWords(text: string): string[] {
  const all = words(text);
  const content = all.filter((w) => !FILLER.has(w));
  return content.length > 0 ? content : all;
}

/**
 * How well a message matches an example phrasing, 0..1: the share of the example's content words
 * found in the message (typo-tolerant), tempered by the share of the message they cover, so
 * "status" matches "status" better than "status of my eth swap on base".
 */
export function similarity(message: readonly string[], example: readonly string[]): number {
  if (message.length === 0 || example.length === 0) return 0;
  let found = 0;
  for (const w of example) if (message.some((m) => wordsMatch(m, w))) found++;
  if (found === 0) return 0;
  const recall = found / example.length;
  const precision = found / message.length;
  return (2 * recall * precision) / (recall + precision);
}
