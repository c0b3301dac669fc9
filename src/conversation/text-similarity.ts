/**
 * Small, deterministic text measures for the first parser: normalisation, typo-tolerant word
 * matching and a similarity score. No network, no model — a message is scored in microseconds.
 */

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

/** Damerau–Levenshtein (optimal string alignment) distance, stopping early past `max`. */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => {
    const row = new Array<number>(cols).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j < cols; j++) d[0]![j] = j;
  for (let i = 1; i < rows; i++) {
    let rowMin = Infinity;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
  }
  return d[a.length]![b.length]!;
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
