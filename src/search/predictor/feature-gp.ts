/**
 * A Gaussian process on feature vectors (path features of cells, or a hyperparameter encoding) with
 * one isotropic Matern 5/2 kernel: k(x, x') = s2 m52(|x - x'| / l). Its three hyperparameters (length
 * scale l, signal variance s2, noise variance) are chosen by the marginal likelihood over a small fixed
 * grid around the median distance between training rows, so a fit is a handful of Cholesky
 * factorisations, deterministic and free of random restarts. Targets are standardised first.
 *
 * Where BANANAS's MLP ensemble needs hundreds of gradient steps per fit, this model fits in
 * milliseconds for the few hundred observations of a search.
 */
import { cholesky, cholLogDet, cholSolve, solveLower, type Matrix } from '../linalg.ts';
import { matern52 } from '../gp/kernel.ts';
import type { SparseRow } from './mlp.ts';

/** Length scales tried, as multiples of the median distance between training rows. */
const LENGTH_FACTORS = [0.25, 0.5, 1, 2, 4];
/** Noise variances tried (targets have unit variance). */
const NOISES = [1e-4, 1e-2, 1e-1];

/** Squared Euclidean distance of two sparse rows (indices in increasing order). */
export function sparseDistance2(a: SparseRow, b: SparseRow): number {
  let i = 0;
  let j = 0;
  let s = 0;
  while (i < a.index.length || j < b.index.length) {
    const ai = i < a.index.length ? a.index[i] : Infinity;
    const bj = j < b.index.length ? b.index[j] : Infinity;
    if (ai === bj) {
      const d = a.value[i++] - b.value[j++];
      s += d * d;
    } else if (ai < bj) {
      s += a.value[i] * a.value[i];
      i++;
    } else {
      s += b.value[j] * b.value[j];
      j++;
    }
  }
  return s;
}

/**
 * Targets centred on their mean and divided by their sample standard deviation (1 where they do not
 * vary), with the centre and scale that map predictions back to the targets' units.
 */
export function standardTargets(y: readonly number[]): { center: number; scale: number; t: Float64Array } {
  const n = y.length;
  const center = y.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? y.reduce((a, b) => a + (b - center) ** 2, 0) / (n - 1) : 0;
  const scale = variance > 0 ? Math.sqrt(variance) : 1;
  return { center, scale, t: Float64Array.from(y, (v) => (v - center) / scale) };
}

/** Predictive mean and standard deviation of rows, in the targets' units. */
export interface GpPrediction {
  mean: Float64Array;
  std: Float64Array;
}

export class FeatureGp {
  private readonly rows: readonly SparseRow[];
  private readonly center: number;
  private readonly scale: number;
  /** Chosen hyperparameters. */
  readonly length: number;
  readonly signal: number;
  readonly noise: number;
  private readonly L: Matrix;
  private readonly alpha: Float64Array;

  /** Fits the process to `rows` and targets `y` (at least one row). */
  constructor(rows: readonly SparseRow[], y: readonly number[]) {
    const n = rows.length;
    if (n === 0 || y.length !== n) throw new RangeError(`FeatureGp needs matching rows and targets, got ${n} and ${y.length}`);
    this.rows = rows;
    const { center, scale, t } = standardTargets(y);
    this.center = center;
    this.scale = scale;
    const dist = new Float64Array(n * n);
    const off: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const d = Math.sqrt(sparseDistance2(rows[i], rows[j]));
        dist[i * n + j] = d;
        dist[j * n + i] = d;
        if (d > 0) off.push(d);
      }
    }
    off.sort((a, b) => a - b);
    const median = off.length > 0 ? off[Math.floor(off.length / 2)] : 1;
    let best: { nll: number; length: number; noise: number; L: Matrix; alpha: Float64Array } | undefined;
    for (const factor of LENGTH_FACTORS) {
      for (const noise of NOISES) {
        const length = factor * median;
        const K = new Float64Array(n * n);
        for (let i = 0; i < n * n; i++) K[i] = matern52(dist[i] / length, 1);
        for (let i = 0; i < n; i++) K[i * n + i] += noise;
        const L = cholesky({ n, data: K });
        if (!L) continue;
        const alpha = cholSolve(L, t);
        let fit = 0;
        for (let i = 0; i < n; i++) fit += t[i] * alpha[i];
        const nll = 0.5 * fit + 0.5 * cholLogDet(L);
        if (!best || nll < best.nll) best = { nll, length, noise, L, alpha };
      }
    }
    if (!best) throw new Error('FeatureGp: no kernel matrix could be factorised');
    this.length = best.length;
    this.signal = 1;
    this.noise = best.noise;
    this.L = best.L;
    this.alpha = best.alpha;
  }

  /** Posterior mean and standard deviation (of the latent function) at each row. */
  predict(rows: readonly SparseRow[]): GpPrediction {
    const n = this.rows.length;
    const mean = new Float64Array(rows.length);
    const std = new Float64Array(rows.length);
    const k = new Float64Array(n);
    const v = new Float64Array(n);
    rows.forEach((row, r) => {
      let m = 0;
      for (let i = 0; i < n; i++) {
        k[i] = matern52(Math.sqrt(sparseDistance2(row, this.rows[i])) / this.length, this.signal);
        m += k[i] * this.alpha[i];
      }
      solveLower(this.L, k, v);
      let q = 0;
      for (let i = 0; i < n; i++) q += v[i] * v[i];
      mean[r] = this.center + this.scale * m;
      std[r] = this.scale * Math.sqrt(Math.max(1e-12, this.signal - q));
    });
    return { mean, std };
  }
}
