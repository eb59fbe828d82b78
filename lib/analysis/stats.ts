/** Small order statistics over numbers; inputs are never mutated. */

export interface Summary {
  count: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  p90: number;
  /** Standard deviation (population). */
  stdev: number;
  /** Mean absolute difference between consecutive samples, in input order (RFC 3550 style jitter without smoothing). */
  jitter: number;
}

/** Linear-interpolated quantile of sorted values, q in [0, 1]. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(values: readonly number[]): Summary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  let jitterSum = 0;
  for (let i = 1; i < n; i++) jitterSum += Math.abs(values[i] - values[i - 1]);
  return {
    count: n,
    min: sorted[0],
    max: sorted[n - 1],
    mean,
    median: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    stdev: Math.sqrt(variance),
    jitter: n > 1 ? jitterSum / (n - 1) : 0,
  };
}
