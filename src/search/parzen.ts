/**
 * Parzen estimators as TPE uses them (Bergstra et al. 2011), with optuna's kernels and defaults:
 * a mixture over kernels, one per observation plus a prior kernel, each kernel a product over
 * dimensions (a truncated normal for a numeric dimension, possibly discretised; a smoothed choice
 * distribution for a categorical one). With one dimension it is the univariate estimator.
 *
 * Numeric bandwidths (optuna's rule): each kernel's sigma is the larger distance to its neighbours
 * among the sorted observations with both bounds added; the two extreme kernels use their inner
 * neighbour only (consider_endpoints = false); every sigma is clipped to
 * [range / min(100, n + 2), range] ("magic clip"). The prior kernel sits at the middle of the range
 * with sigma = range; a categorical kernel puts priorWeight / (n + 1) on every choice plus 1 on its own.
 * Mixture weights: optuna's default_weights for the observations and priorWeight for the prior.
 */
import type { Rng } from '../core/rng.ts';
import { logGaussMass, logPhi, logSumExp, sampleTruncNormal } from './normal.ts';

/** A numeric dimension on [low, high] (bounds already widened by half a step for discrete ones). */
export interface NumericParzenDim {
  kind: 'numeric';
  low: number;
  high: number;
  /** Discrete dimensions: the interval of the cell holding the value at x (its probability mass). */
  cell?: (x: number) => readonly [number, number];
  /** Discrete dimensions: x moved to the nearest legal value. */
  round?: (x: number) => number;
}

/** A categorical dimension with `choices` choices (values 0..choices-1). */
export interface CategoricalParzenDim {
  kind: 'categorical';
  choices: number;
}

export type ParzenDim = NumericParzenDim | CategoricalParzenDim;

/** Options of a Parzen estimator (optuna's names and defaults). */
export interface ParzenOptions {
  /** Weight of the prior kernel relative to a recent observation. Default 1. */
  priorWeight?: number;
  /** Clip small bandwidths to range / min(100, n + 2). Default true. */
  considerMagicClip?: boolean;
  /** Let the extreme kernels' bandwidths reach the bounds. Default false. */
  considerEndpoints?: boolean;
}

/** optuna's default_weights: 1 each up to 25 observations; beyond, the oldest ramp from 1/n up to 1. */
export function defaultWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const m = n - 25;
  const ramp = Array.from({ length: m }, (_, i) => (m === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (m - 1)));
  return [...ramp, ...new Array<number>(25).fill(1)];
}

/** Bandwidths of the observation kernels of one numeric dimension (optuna's neighbour rule). */
export function bandwidths(mus: readonly number[], low: number, high: number, options: ParzenOptions = {}): number[] {
  const idx = mus.map((_, i) => i).sort((i, j) => mus[i] - mus[j] || i - j);
  const s = [low, ...idx.map((i) => mus[i]), high];
  const sorted: number[] = [];
  for (let k = 1; k < s.length - 1; k++) sorted.push(Math.max(s[k] - s[k - 1], s[k + 1] - s[k]));
  if (!(options.considerEndpoints ?? false) && s.length >= 4) {
    sorted[0] = s[2] - s[1];
    sorted[sorted.length - 1] = s[s.length - 2] - s[s.length - 3];
  }
  const range = high - low;
  const minSigma = (options.considerMagicClip ?? true) ? range / Math.min(100, 1 + mus.length + 1) : 1e-12;
  const out = new Array<number>(mus.length);
  idx.forEach((orig, rank) => (out[orig] = Math.min(range, Math.max(minSigma, sorted[rank]))));
  return out;
}

type Kernels = { kind: 'numeric'; mus: number[]; sigmas: number[]; logMass: number[] } | { kind: 'categorical'; logProbs: number[][] };

function pick(probabilities: readonly number[], rng: Rng): number {
  const u = rng.next();
  let acc = 0;
  for (let k = 0; k < probabilities.length; k++) {
    acc += probabilities[k];
    if (u < acc) return k;
  }
  return probabilities.length - 1;
}

export class ParzenEstimator {
  readonly dims: readonly ParzenDim[];
  /** Normalised mixture weights (the last one is the prior kernel's, unless there are no observations). */
  readonly weights: readonly number[];
  private readonly kernels: Kernels[];

  /**
   * Fits the estimator to `observations` (one row per observation, one column per dimension, every
   * entry finite and inside the dimension) weighted by `observationWeights`.
   */
  constructor(dims: readonly ParzenDim[], observations: readonly (readonly number[])[], observationWeights: readonly number[], options: ParzenOptions = {}) {
    this.dims = dims;
    const n = observations.length;
    const priorWeight = options.priorWeight ?? 1;
    const raw = n === 0 ? [1] : [...observationWeights.slice(0, n), priorWeight];
    const total = raw.reduce((s, v) => s + v, 0);
    this.weights = raw.map((w) => w / total);
    this.kernels = dims.map((dim, d) => {
      const column = observations.map((row) => row[d]);
      if (dim.kind === 'categorical') {
        const uniform = new Array<number>(dim.choices).fill(Math.log(1 / dim.choices));
        if (n === 0) return { kind: 'categorical', logProbs: [uniform] };
        const rows = [...column, -1].map((obs) => {
          const row = new Array<number>(dim.choices).fill(priorWeight / (n + 1));
          if (obs >= 0) row[obs] += 1;
          const sum = row.reduce((s, v) => s + v, 0);
          return row.map((v) => Math.log(v / sum));
        });
        return { kind: 'categorical', logProbs: rows };
      }
      const mus = [...column, 0.5 * (dim.low + dim.high)];
      const sigmas = [...bandwidths(column, dim.low, dim.high, options), dim.high - dim.low];
      const logMass = mus.map((mu, k) => logGaussMass((dim.low - mu) / sigmas[k], (dim.high - mu) / sigmas[k]));
      return { kind: 'numeric', mus, sigmas, logMass };
    });
  }

  /** `n` draws (rows) from the mixture; discrete dimensions are rounded to legal values. */
  sample(rng: Rng, n: number): number[][] {
    const chosen = Array.from({ length: n }, () => pick(this.weights, rng));
    return chosen.map((k) =>
      this.dims.map((dim, d) => {
        const kern = this.kernels[d];
        if (kern.kind === 'categorical') return pick(kern.logProbs[k].map(Math.exp), rng);
        const numeric = dim as NumericParzenDim;
        const x = sampleTruncNormal(rng, kern.mus[k], kern.sigmas[k], numeric.low, numeric.high);
        return numeric.round ? numeric.round(x) : x;
      }),
    );
  }

  /** log density (log probability mass along discrete dimensions) of the mixture at `x`. */
  logPdf(x: readonly number[]): number {
    const terms = this.weights.map((w) => Math.log(w));
    this.dims.forEach((dim, d) => {
      const kern = this.kernels[d];
      if (kern.kind === 'categorical') {
        for (let k = 0; k < terms.length; k++) terms[k] += kern.logProbs[k][x[d]];
        return;
      }
      const numeric = dim as NumericParzenDim;
      const cell = numeric.cell?.(x[d]);
      for (let k = 0; k < terms.length; k++) {
        const mu = kern.mus[k];
        const sigma = kern.sigmas[k];
        const own = cell
          ? logGaussMass((cell[0] - mu) / sigma, (cell[1] - mu) / sigma)
          : logPhi((x[d] - mu) / sigma) - Math.log(sigma);
        terms[k] += own - kern.logMass[k];
      }
    });
    return logSumExp(terms);
  }
}
