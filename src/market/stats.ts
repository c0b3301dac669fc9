/** Small robust statistics for the oracle and the signals: medians resist one bad source. */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The value at which half the total weight lies on either side (the lower one on a tie), so a
 * deep pool outvotes a shallow one without a shallow outlier moving the answer at all.
 */
export function weightedMedian(values: readonly number[], weights: readonly number[]): number {
  if (values.length === 0) throw new RangeError('weighted median of nothing');
  const pairs = values.map((v, i) => [v, Math.max(0, weights[i] ?? 0)] as const).sort((a, b) => a[0] - b[0]);
  const total = pairs.reduce((sum, [, w]) => sum + w, 0);
  if (total === 0) return median(values);
  let acc = 0;
  for (const [value, weight] of pairs) {
    acc += weight;
    if (acc >= total / 2) return value;
  }
  return pairs.at(-1)![0];
}

/** Median absolute deviation: the robust spread the outlier test is measured in. */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

/**
 * Robust z-scores: distance from the median in units of 1.4826 × MAD (which equals the standard
 * deviation for normal data). A zero MAD (most values equal) yields 0 for those equal to the
 * median and Infinity for the rest.
 */
export function robustZ(values: readonly number[]): number[] {
  const m = median(values);
  const scale = 1.4826 * mad(values);
  return values.map((v) => (scale === 0 ? (v === m ? 0 : Infinity) : (v - m) / scale));
}
