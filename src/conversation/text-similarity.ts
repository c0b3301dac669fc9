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
  return withinOneEdit(a, b);
}

/**
 * Whether two different words are one edit apart (a substitution, an insertion or deletion, or
 * two neighbours swapped) — the same answer as `editDistance(a, b, 1) <= 1`, without its table:
 * the parser asks this for every example word of every message.
 */
export function withinOneEdit(a: string, b: string): boolean {
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (la === lb) {
    if (i === la) return true;
    // substitution at i, or a swap of i and i + 1
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return i + 1 < la && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  // one insertion/deletion at i
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
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
