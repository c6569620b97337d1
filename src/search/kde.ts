/**
 * A multivariate product kernel density estimate in the style of statsmodels' KDEMultivariate, as BOHB
 * uses it: Gaussian kernels for continuous columns (values in [0, 1]), Aitchison-Aitken kernels for
 * unordered categorical columns (values are choice indices), and normal-reference ("rule of thumb")
 * bandwidths 1.06 sd n^(-1/(4+d)) clipped below at a minimum bandwidth.
 */
import type { Rng } from '../core/rng.ts';

/** Column type: continuous, or categorical with `k` choices. */
export type KdeColumn = { kind: 'continuous' } | { kind: 'categorical'; k: number };

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Normal-reference bandwidths 1.06 sd n^(-1/(4+d)) per column (sd with ddof 0), at least `minBandwidth`. */
export function normalReferenceBandwidths(rows: readonly Float64Array[], minBandwidth: number): Float64Array {
  const n = rows.length;
  const d = rows[0]?.length ?? 0;
  const bw = new Float64Array(d);
  const factor = 1.06 * n ** (-1 / (4 + d));
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (const r of rows) mean += r[j];
    mean /= n;
    let v = 0;
    for (const r of rows) v += (r[j] - mean) ** 2;
    bw[j] = Math.max(minBandwidth, factor * Math.sqrt(v / n));
  }
  return bw;
}

export class ProductKde {
  readonly rows: readonly Float64Array[];
  readonly columns: readonly KdeColumn[];
  readonly bandwidths: Float64Array;

  /** A KDE over `rows` (no NaN: impute inactive values first) with normal-reference bandwidths. */
  constructor(rows: readonly Float64Array[], columns: readonly KdeColumn[], minBandwidth: number) {
    this.rows = rows;
    this.columns = columns;
    this.bandwidths = normalReferenceBandwidths(rows, minBandwidth);
  }

  /** The density at x: the mean over rows of the product of per-column kernels. */
  pdf(x: ArrayLike<number>): number {
    let total = 0;
    for (const r of this.rows) {
      let p = 1;
      for (let j = 0; j < this.columns.length; j++) {
        const c = this.columns[j];
        const h = this.bandwidths[j];
        if (c.kind === 'continuous') {
          const z = (x[j] - r[j]) / h;
          p *= (INV_SQRT_2PI * Math.exp(-0.5 * z * z)) / h;
        } else {
          const lambda = Math.min(h, (c.k - 1) / c.k);
          p *= Math.round(x[j]) === Math.round(r[j]) ? 1 - lambda : lambda / Math.max(c.k - 1, 1);
        }
      }
      total += p;
    }
    return total / Math.max(this.rows.length, 1);
  }

  /**
   * A draw near a random row: continuous columns from a normal truncated to [0, 1] with the bandwidth
   * times `bandwidthFactor`; a categorical keeps the row's choice with probability 1 - bandwidth and is
   * uniformly random otherwise (HpBandSter's BOHB sampler).
   */
  sampleNear(rng: Rng, bandwidthFactor: number): number[] {
    const r = this.rows[rng.int(this.rows.length)];
    return this.columns.map((c, j) => {
      const h = this.bandwidths[j];
      if (c.kind === 'categorical') return rng.next() < 1 - h ? Math.round(r[j]) : rng.int(c.k);
      return truncatedNormal(rng, r[j], h * bandwidthFactor, 0, 1);
    });
  }
}

/** A normal(mean, sd) draw truncated to [low, high] (rejection; clamped after 1000 misses). */
export function truncatedNormal(rng: Rng, mean: number, sd: number, low: number, high: number): number {
  for (let t = 0; t < 1000; t++) {
    const v = rng.normal(mean, sd);
    if (v >= low && v <= high) return v;
  }
  return Math.min(high, Math.max(low, mean));
}
