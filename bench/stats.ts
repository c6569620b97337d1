/**
 * Summary statistics the benchmarks print: mean, sample standard deviation and Welch's t.
 */

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n - 1); 0 for fewer than two values. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/** A sample described by its size, mean and standard deviation. */
export interface SampleSummary {
  n: number;
  mean: number;
  std: number;
}

/** Welch's t of the difference a - b (unequal variances) and its Welch-Satterthwaite degrees of freedom. */
export function welch(a: SampleSummary, b: SampleSummary): { t: number; df: number } {
  const va = (a.std * a.std) / a.n;
  const vb = (b.std * b.std) / b.n;
  const se = Math.sqrt(va + vb);
  const t = se > 0 ? (a.mean - b.mean) / se : a.mean === b.mean ? 0 : Math.sign(a.mean - b.mean) * Infinity;
  const df = (va + vb) ** 2 / ((va * va) / Math.max(1, a.n - 1) + (vb * vb) / Math.max(1, b.n - 1));
  return { t, df };
}
