/**
 * Gaussian-process regression with the Matern 5/2 ARD kernel: the negative log marginal likelihood and
 * its analytic gradient in the log parameters, hyperparameter fitting by box-constrained L-BFGS from
 * several seeded starts, and the posterior mean and variance (with their input gradients) at a point.
 * Targets are centred on their median and scaled to unit variance; predictions are in normalised units.
 * The median, not the mean, is the prior mean far from the data: a few very good observations then do not
 * make unexplored corners of the box look better than the typical value found there.
 */
import type { Rng } from '../../core/rng.ts';
import { cholInverse, cholesky, cholLogDet, cholSolve, choleskyJitter, solveLower, solveUpperT } from '../linalg.ts';
import type { Matrix } from '../linalg.ts';
import { matern52, matern52Slope, scaledDistance, trainingCovariance, unpackTheta } from './kernel.ts';
import { minimizeBox } from './lbfgs.ts';

const LOG_2PI = Math.log(2 * Math.PI);

/** Bounds of the log parameters, and how the fit is run. */
export interface GpFitOptions {
  /** Length-scale bounds (inputs live in about [0, 1]). Default [0.01, 20]. */
  lengthBounds?: [number, number];
  /** Signal-variance bounds (targets are normalised). Default [0.01, 20]. */
  signalBounds?: [number, number];
  /** Noise-variance bounds; the lower bound is the jitter of a noise-free objective. Default [1e-6, 0.1]. */
  noiseBounds?: [number, number];
  /** Random restarts besides the default start and the warm start. Default 3. */
  restarts?: number;
  /** L-BFGS iterations per start. Default 60. */
  maxIter?: number;
  /**
   * Largest number of observations the fit uses: beyond it, the best half by target and an evenly
   * spaced half of the rest (the GP is then conditioned on all of them). Default 120.
   */
  subset?: number;
  /**
   * Gamma(shape, rate) prior on each length scale, making the fit a MAP estimate that keeps length
   * scales moderate while data are few; null for plain maximum likelihood. Default { shape: 3, rate: 6 }.
   */
  lengthPrior?: { shape: number; rate: number } | null;
}

/** Adds the negative log Gamma prior of the length scales (in theta = log l) and its gradient. */
function addLengthPrior(theta: ArrayLike<number>, d: number, prior: { shape: number; rate: number }, grad?: Float64Array): number {
  let v = 0;
  for (let j = 0; j < d; j++) {
    const l = Math.exp(theta[j]);
    v -= prior.shape * theta[j] - prior.rate * l;
    if (grad) grad[j] -= prior.shape - prior.rate * l;
  }
  return v;
}

/**
 * Negative log marginal likelihood of normalised targets `y` at log parameters `theta`, writing its
 * gradient into `grad` when given. Returns Infinity when the covariance cannot be factorised.
 */
export function negLogMarginalLikelihood(
  X: Float64Array,
  y: Float64Array,
  theta: ArrayLike<number>,
  grad?: Float64Array,
): number {
  const n = y.length;
  const d = theta.length - 2;
  const p = unpackTheta(theta, d);
  const K = trainingCovariance(X, n, p);
  const L = cholesky({ n, data: K });
  if (!L) {
    if (grad) grad.fill(0);
    return Infinity;
  }
  const alpha = cholSolve(L, y);
  let fit = 0;
  for (let i = 0; i < n; i++) fit += y[i] * alpha[i];
  const nll = 0.5 * fit + 0.5 * cholLogDet(L) + 0.5 * n * LOG_2PI;
  if (grad) lmlGradient(X, p, L, alpha, grad);
  return nll;
}

/** grad_j = -1/2 tr((alpha alpha^T - K^{-1}) dK/dtheta_j). */
function lmlGradient(X: Float64Array, p: ReturnType<typeof unpackTheta>, L: Matrix, alpha: Float64Array, grad: Float64Array): void {
  const n = L.n;
  const d = p.invLen2.length;
  const Kinv = cholInverse(L).data;
  grad.fill(0);
  let gSignal = 0;
  let gNoise = 0;
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = X[i * d + j];
    const wii = alpha[i] * alpha[i] - Kinv[i * n + i];
    gSignal += wii * p.signal;
    gNoise += wii * p.noise;
    for (let k = 0; k < i; k++) {
      // Off-diagonal pairs count twice (W and dK are symmetric).
      const w = 2 * (alpha[i] * alpha[k] - Kinv[i * n + k]);
      const r = scaledDistance(X, k, row, p.invLen2);
      gSignal += w * matern52(r, p.signal);
      const slope = w * matern52Slope(r, p.signal);
      const off = k * d;
      for (let j = 0; j < d; j++) {
        const diff = row[j] - X[off + j];
        grad[j] += slope * diff * diff * p.invLen2[j];
      }
    }
  }
  for (let j = 0; j < d; j++) grad[j] *= -0.5;
  grad[d] = -0.5 * gSignal;
  grad[d + 1] = -0.5 * gNoise;
}

/** Box bounds of theta for d inputs. */
export function thetaBounds(d: number, o: GpFitOptions = {}): { lo: Float64Array; hi: Float64Array } {
  const [l0, l1] = o.lengthBounds ?? [0.01, 20];
  const [s0, s1] = o.signalBounds ?? [0.01, 100];
  const [n0, n1] = o.noiseBounds ?? [1e-6, 0.1];
  const lo = new Float64Array(d + 2);
  const hi = new Float64Array(d + 2);
  for (let j = 0; j < d; j++) {
    lo[j] = Math.log(l0);
    hi[j] = Math.log(l1);
  }
  lo[d] = Math.log(s0);
  hi[d] = Math.log(s1);
  lo[d + 1] = Math.log(n0);
  hi[d + 1] = Math.log(n1);
  return { lo, hi };
}

/**
 * Fits theta by minimising the negative log marginal likelihood from a default start (length 0.5,
 * signal 1, noise 1e-4), the `warm` start when given, and `restarts` random starts drawn from `rng`.
 */
export function fitHyperparameters(
  X: Float64Array,
  y: Float64Array,
  d: number,
  rng: Rng,
  warm: ArrayLike<number> | undefined,
  o: GpFitOptions = {},
): Float64Array {
  ({ X, y } = fitSubset(X, y, d, o.subset ?? 120));
  const { lo, hi } = thetaBounds(d, o);
  const starts: Float64Array[] = [];
  const def = new Float64Array(d + 2);
  def.fill(Math.log(0.5), 0, d);
  def[d] = 0;
  def[d + 1] = Math.log(1e-4);
  starts.push(def);
  if (warm && warm.length === d + 2) starts.push(Float64Array.from(warm));
  const restarts = o.restarts ?? 3;
  for (let r = 0; r < restarts; r++) {
    const t = new Float64Array(d + 2);
    for (let j = 0; j < d + 2; j++) t[j] = rng.uniform(lo[j], hi[j]);
    // Random noise starts stay small: large noise is a poor local optimum for noise-free objectives.
    t[d + 1] = rng.uniform(lo[d + 1], Math.min(hi[d + 1], Math.log(1e-3)));
    starts.push(t);
  }
  const prior = o.lengthPrior === undefined ? { shape: 3, rate: 6 } : o.lengthPrior;
  const f = (t: Float64Array, g: Float64Array): number => {
    const v = negLogMarginalLikelihood(X, y, t, g);
    return prior && Number.isFinite(v) ? v + addLengthPrior(t, d, prior, g) : v;
  };
  let best: Float64Array = def;
  let bestF = Infinity;
  for (const s of starts) {
    const res = minimizeBox(f, s, lo, hi, { maxIter: o.maxIter ?? 60, relTol: 1e-8, gradTol: 1e-5 });
    if (res.f < bestF) {
      bestF = res.f;
      best = res.x;
    }
  }
  return best;
}

/** At most m rows: the best m/2 by target and evenly spaced ones among the rest (deterministic). */
export function fitSubset(X: Float64Array, y: Float64Array, d: number, m: number): { X: Float64Array; y: Float64Array } {
  const n = y.length;
  if (n <= m) return { X, y };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => y[b] - y[a] || a - b);
  const top = Math.ceil(m / 2);
  const rest = order.slice(top);
  const chosen = order.slice(0, top);
  const k = m - top;
  for (let j = 0; j < k; j++) chosen.push(rest[Math.floor((j * rest.length) / k)]);
  const Xs = new Float64Array(m * d);
  chosen.forEach((i, r) => Xs.set(X.subarray(i * d, (i + 1) * d), r * d));
  return { X: Xs, y: Float64Array.from(chosen, (i) => y[i]) };
}

/** Posterior mean and standard deviation at a point, optionally with their input gradients. */
export interface Prediction {
  mean: number;
  sd: number;
  dMean?: Float64Array;
  dSd?: Float64Array;
}

/** Centre and scale of the targets: normalised target = (raw - mean) / std. */
export interface TargetScaling {
  mean: number;
  std: number;
}

/** How a GP is conditioned. */
export interface ConditionOptions {
  /** The target normalisation to use. Default: the median and standard deviation of the targets given. */
  scaling?: TargetScaling;
}

/** A GP conditioned on data: normalised targets, the Cholesky factor and alpha = K^{-1} y. */
export class GaussianProcess {
  readonly d: number;
  readonly n: number;
  readonly theta: Float64Array;
  /** Centre (the median) and standard deviation used to normalise the targets. */
  readonly yMean: number;
  readonly yStd: number;
  /** Normalised targets. */
  readonly y: Float64Array;
  private readonly X: Float64Array;
  /** Raw targets, as given. */
  private readonly targets: Float64Array;
  private readonly L: Matrix;
  private readonly alpha: Float64Array;
  private readonly p: ReturnType<typeof unpackTheta>;

  /** Conditions on rows of X (n-by-d, row-major) and raw targets; theta in log space. */
  constructor(X: Float64Array, targets: ArrayLike<number>, theta: ArrayLike<number>, o: ConditionOptions = {}) {
    this.n = targets.length;
    this.d = theta.length - 2;
    this.X = X;
    this.targets = Float64Array.from(targets);
    this.theta = Float64Array.from(theta);
    const { mean, std } = o.scaling ?? normaliser(targets);
    this.yMean = mean;
    this.yStd = std;
    this.y = Float64Array.from(targets, (v) => (v - mean) / std);
    this.p = unpackTheta(theta, this.d);
    const fac = choleskyJitter({ n: this.n, data: trainingCovariance(X, this.n, this.p) });
    if (!fac) throw new Error('GP covariance is not positive definite even with jitter');
    this.L = fac.L;
    this.alpha = cholSolve(this.L, this.y);
  }

  /** Fits theta to the data (see fitHyperparameters) and conditions on it. */
  static fit(X: Float64Array, targets: ArrayLike<number>, d: number, rng: Rng, warm?: ArrayLike<number>, o?: GpFitOptions): GaussianProcess {
    const { mean, std } = normaliser(targets);
    const y = Float64Array.from(targets, (v) => (v - mean) / std);
    return new GaussianProcess(X, targets, fitHyperparameters(X, y, d, rng, warm, o));
  }

  /**
   * The same model (theta and target normalisation unchanged, nothing refitted) conditioned on its data
   * plus the rows of `X` (m-by-d, row-major) with raw `targets`: how fantasy observations of pending
   * points enter. Throws like the constructor when the covariance cannot be factorised.
   */
  withObservations(X: ArrayLike<number>, targets: ArrayLike<number>): GaussianProcess {
    const Xall = new Float64Array((this.n + targets.length) * this.d);
    Xall.set(this.X.subarray(0, this.n * this.d));
    Xall.set(X, this.n * this.d);
    const all = new Float64Array(this.n + targets.length);
    all.set(this.targets);
    all.set(targets, this.n);
    return new GaussianProcess(Xall, all, this.theta, { scaling: { mean: this.yMean, std: this.yStd } });
  }

  /** Length scales (for inspection). */
  lengthScales(): number[] {
    return Array.from(this.theta.subarray(0, this.d), Math.exp);
  }

  /**
   * The posterior mean at x and an upper bound on the posterior sd (conditioning on the single most
   * correlated observation), in O(n d); `finish` then gives the exact sd in O(n^2). Lets EI screening
   * skip the O(n^2) part for candidates whose EI cannot reach a threshold.
   */
  screen(x: ArrayLike<number>): { mean: number; sdBound: number; finish: () => number } {
    const { n, X, p } = this;
    const kstar = new Float64Array(n);
    let mean = 0;
    let kmax = 0;
    for (let i = 0; i < n; i++) {
      const k = matern52(scaledDistance(X, i, x, p.invLen2), p.signal);
      kstar[i] = k;
      mean += k * this.alpha[i];
      if (k > kmax) kmax = k;
    }
    const sdBound = Math.sqrt(Math.max(p.signal - (kmax * kmax) / (p.signal + p.noise), 1e-300));
    const finish = (): number => {
      const v = solveLower(this.L, kstar);
      let vv = 0;
      for (let i = 0; i < n; i++) vv += v[i] * v[i];
      return Math.sqrt(Math.max(p.signal - vv, 1e-300));
    };
    return { mean, sdBound, finish };
  }

  /** Posterior of the latent function at x (normalised units). */
  predict(x: ArrayLike<number>, withGradient = false): Prediction {
    const { n, d, X, p } = this;
    const kstar = new Float64Array(n);
    const slope = withGradient ? new Float64Array(n) : undefined;
    let mean = 0;
    for (let i = 0; i < n; i++) {
      const r = scaledDistance(X, i, x, p.invLen2);
      kstar[i] = matern52(r, p.signal);
      if (slope) slope[i] = matern52Slope(r, p.signal);
      mean += kstar[i] * this.alpha[i];
    }
    const v = solveLower(this.L, kstar);
    let vv = 0;
    for (let i = 0; i < n; i++) vv += v[i] * v[i];
    const variance = Math.max(p.signal - vv, 1e-300);
    const sd = Math.sqrt(variance);
    if (!slope) return { mean, sd };
    const w = solveUpperT(this.L, v); // K^{-1} k*
    const dMean = new Float64Array(d);
    const dVar = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const off = i * d;
      const a = slope[i] * this.alpha[i];
      const b = slope[i] * w[i];
      for (let j = 0; j < d; j++) {
        const dk = -(x[j] - X[off + j]) * p.invLen2[j]; // dk_i/dx_j divided by slope_i
        dMean[j] += a * dk;
        dVar[j] += -2 * b * dk;
      }
    }
    const dSd = dVar.map((g) => g / (2 * sd));
    return { mean, sd, dMean, dSd };
  }
}

function normaliser(targets: ArrayLike<number>): { mean: number; std: number } {
  const n = targets.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += targets[i];
  mean /= Math.max(n, 1);
  let v = 0;
  for (let i = 0; i < n; i++) v += (targets[i] - mean) ** 2;
  const std = Math.sqrt(v / Math.max(n, 1));
  const sorted = Array.from(targets).sort((a, b) => a - b);
  const median = n === 0 ? 0 : n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { mean: median, std: std > 1e-12 ? std : 1 };
}
