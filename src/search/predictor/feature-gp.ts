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

/** Predictive mean and covariance (m x m, row-major) of m rows taken together, in the targets' units. */
export interface JointPrediction {
  mean: Float64Array;
  cov: Matrix;
}

/**
 * The posterior of m test rows from the training kernel's factor `L` (n x n), the weights `alpha`,
 * the cross kernel `cross(r, out)` (row r against every training row) and the test kernel
 * `self(r, s)`, all in standardised units before the signal variance `gain`: the means
 * `center + scale k'alpha`, the standard deviations, and, with `joint`, the covariance
 * scale^2 gain (k(r, s) - v_r'v_s) where v_r = L^-1 k_r.
 */
export function gpPosterior(
  m: number,
  fit: { L: Matrix; alpha: Float64Array; center: number; scale: number; gain: number },
  cross: (r: number, out: Float64Array) => void,
  self: (r: number, s: number) => number,
  joint: boolean,
): GpPrediction & { cov?: Matrix } {
  const n = fit.L.n;
  const mean = new Float64Array(m);
  const std = new Float64Array(m);
  // The solves v_r are kept for the covariance only; marginals reuse one buffer.
  const V = new Float64Array(joint ? m * n : n);
  const k = new Float64Array(n);
  for (let r = 0; r < m; r++) {
    cross(r, k);
    let mu = 0;
    for (let i = 0; i < n; i++) mu += k[i] * fit.alpha[i];
    const v = joint ? V.subarray(r * n, (r + 1) * n) : V;
    solveLower(fit.L, k, v);
    let q = 0;
    for (let i = 0; i < n; i++) q += v[i] * v[i];
    mean[r] = fit.center + fit.scale * mu;
    std[r] = fit.scale * Math.sqrt(fit.gain * Math.max(1e-12, self(r, r) - q));
  }
  if (!joint) return { mean, std };
  const cov = new Float64Array(m * m);
  const s2 = fit.scale * fit.scale * fit.gain;
  for (let r = 0; r < m; r++) {
    cov[r * m + r] = std[r] * std[r];
    for (let s = 0; s < r; s++) {
      let q = 0;
      for (let i = 0; i < n; i++) q += V[r * n + i] * V[s * n + i];
      cov[r * m + s] = cov[s * m + r] = s2 * (self(r, s) - q);
    }
  }
  return { mean, std, cov: { n: m, data: cov } };
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
    return this.posterior(rows, false);
  }

  /** Posterior mean and covariance (of the latent function) of the rows taken together. */
  predictJoint(rows: readonly SparseRow[]): JointPrediction {
    const { mean, cov } = this.posterior(rows, true);
    return { mean, cov: cov as Matrix };
  }

  private posterior(rows: readonly SparseRow[], joint: boolean): GpPrediction & { cov?: Matrix } {
    const kernel = (a: SparseRow, b: SparseRow): number => matern52(Math.sqrt(sparseDistance2(a, b)) / this.length, this.signal);
    return gpPosterior(
      rows.length,
      { L: this.L, alpha: this.alpha, center: this.center, scale: this.scale, gain: 1 },
      (r, out) => {
        for (let i = 0; i < out.length; i++) out[i] = kernel(rows[r], this.rows[i]);
      },
      (r, s) => (r === s ? this.signal : kernel(rows[r], rows[s])),
      joint,
    );
  }
}
