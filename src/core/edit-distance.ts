/**
 * Damerau–Levenshtein (optimal string alignment) distance, stopping early past `max` (returning
 * `max + 1`). Shared by the parser's typo-tolerant words and the token registry's "did you mean".
 * It runs for every example word against every message word, so it keeps three rolling rows of
 * a typed array instead of a full table (measured: the parser's cost fell by half).
 */
export function editDistance(a: string, b: string, max = 2): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const cols = b.length + 1;
  let before = new Int32Array(cols); // row i - 2
  let previous = new Int32Array(cols); // row i - 1
  let current = new Int32Array(cols); // row i
  for (let j = 0; j < cols; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j < cols; j++) {
      const bj = b.charCodeAt(j - 1);
      let v = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (ai === bj ? 0 : 1));
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) v = Math.min(v, before[j - 2]! + 1);
      current[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length]!;
}
