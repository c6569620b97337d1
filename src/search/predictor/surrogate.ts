/**
 * The predictor the predictor-guided strategies share: features of the space's values
 * (./features.ts) and one of three models fitted on them, a Gaussian process with an isotropic Matern
 * kernel on path features (./feature-gp.ts; milliseconds), NASBOWL's Gaussian process with a
 * Weisfeiler-Lehman graph kernel (./wl-gp.ts; spaces without graphs use the path GP's encoding
 * features instead) or BANANAS's ensemble of MLPs (./ensemble.ts; a few hundred milliseconds), or the
 * two GPs' posteriors averaged (`gp-wl`). Models are trained on the copula transform of the scores:
 * each score is replaced by the normal quantile of its rank, so a model sees the order of the results,
 * never their scale, and a few failed-looking outliers (an accuracy of 10%) do not flatten the
 * differences among the good ones.
 */
import { Rng } from '../../core/rng.ts';
import type { SearchSpace } from '../../spaces/space.ts';
import { choiceOption, numberOption } from '../gp/options.ts';
import { choleskyJitter } from '../linalg.ts';
import { ndtr, ndtri } from '../normal.ts';
import { MlpEnsemble } from './ensemble.ts';
import { FeatureGp, type GpPrediction, type JointPrediction } from './feature-gp.ts';
import { FeatureEncoder } from './features.ts';
import type { SparseRow } from './mlp.ts';
import { WlEncoder, WlGp } from './wl-gp.ts';

/** The models a predictor may use. */
export const PREDICTORS = ['gp', 'mlp', 'wl-gp', 'gp-wl'] as const;
export type PredictorKind = (typeof PREDICTORS)[number];
/** The acquisitions a predictor-guided strategy may pick candidates by. */
export const ACQUISITIONS = ['thompson', 'thompson-joint', 'ei', 'ucb'] as const;
export type Acquisition = (typeof ACQUISITIONS)[number];

/** Options of the predictor (strategy options of the same names). */
export interface PredictorOptions {
  /**
   * `gp`: Gaussian process on the path features; `wl-gp`: Gaussian process with a Weisfeiler-Lehman
   * graph kernel (NASBOWL; the same as `gp` on spaces without graphs); `gp-wl`: both, their
   * posteriors averaged (an equal mixture); `mlp`: BANANAS's ensemble of MLPs. Default per strategy.
   */
  predictor?: PredictorKind;
  /**
   * How a candidate is picked from the predictions: `thompson` (independent Thompson sampling, one
   * draw per candidate, BANANAS's choice), `thompson-joint` (one draw of the function over all the
   * candidates together, from the model's joint posterior: a GP's covariance, one MLP of the ensemble,
   * one of `gp-wl`'s two GPs), `ei` (expected improvement over the best result) or `ucb` (mean +
   * `kappa` standard deviations). Default `thompson`.
   */
  acquisition?: Acquisition;
  /** Standard deviations added to the mean by `acquisition: ucb`. Default 2. */
  kappa?: number;
  /** MLPs in the ensemble (`mlp` only). Default 5. */
  members?: number;
  /** Adam steps per MLP per fit (`mlp` only). Default 300. */
  steps?: number;
}

/** Mean and standard deviation of the prediction for each value, in copula units (higher is better). */
export interface Prediction {
  mean: Float64Array;
  std: Float64Array;
  /**
   * One draw of the predicted function at every value together, from the model's joint posterior
   * (computed only when called; each call a new draw from `rng`).
   */
  sample?: (rng: Rng) => Float64Array;
}

/** A fitted predictor. */
export interface FittedPredictor<C> {
  /** The copula-transformed training targets, in the order given to `fit`. */
  targets: readonly number[];
  predict(values: readonly C[]): Prediction;
}

/**
 * Normal scores of ranks: the i-th smallest of n scores becomes ndtri((i + 1/2) / n); tied scores
 * share the mean of their normal scores.
 */
export function copulaTargets(scores: readonly number[]): number[] {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b] || a - b);
  const out = new Array<number>(n);
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]] === scores[order[start]]) end++;
    let sum = 0;
    for (let k = start; k <= end; k++) sum += ndtri((k + 0.5) / n);
    for (let k = start; k <= end; k++) out[order[k]] = sum / (end - start + 1);
    start = end + 1;
  }
  return out;
}

/** The option names `readPredictorOptions` reads. */
export const PREDICTOR_OPTIONS = ['predictor', 'acquisition', 'kappa', 'members', 'steps'] as const;

/** Reads the predictor options of a strategy's options; errors name the option and what is accepted. */
export function readPredictorOptions(options: Readonly<Record<string, unknown>>, fallback: PredictorKind): Required<PredictorOptions> {
  return {
    predictor: choiceOption(options, 'predictor', fallback, PREDICTORS),
    acquisition: choiceOption(options, 'acquisition', 'thompson', ACQUISITIONS),
    kappa: numberOption(options, 'kappa', 2, { min: 0 }),
    members: numberOption(options, 'members', 5, { integer: true, min: 1 }),
    steps: numberOption(options, 'steps', 300, { integer: true, min: 1 }),
  };
}

/** The options that shape the model (the acquisition is the strategy's). */
export type ModelOptions = Pick<Required<PredictorOptions>, 'predictor' | 'members' | 'steps'>;

/** Fits predictors of one space; keeps the feature cache between fits. */
export class Predictor<C> {
  private readonly encoder: FeatureEncoder<C>;
  private readonly wl?: WlEncoder<C>;
  private readonly options: ModelOptions;

  constructor(space: SearchSpace<C>, options: ModelOptions) {
    this.encoder = new FeatureEncoder(space);
    if ((options.predictor === 'wl-gp' || options.predictor === 'gp-wl') && space.graphView) this.wl = new WlEncoder(space);
    this.options = options;
  }

  /**
   * Fits on `values` with `scores` (at least one). `fantasies` join the training set with targets
   * already in copula units (pending trials at a prediction: the kriging believer). `seed` drives the
   * MLPs' initialisation and minibatches; the GP uses no randomness.
   */
  fit(values: readonly C[], scores: readonly number[], seed: number, fantasies?: { values: readonly C[]; targets: readonly number[] }): FittedPredictor<C> {
    const all = fantasies ? [...values, ...fantasies.values] : values;
    const targets = copulaTargets(scores);
    const y = fantasies ? [...targets, ...fantasies.targets] : targets;
    const wl = this.wl ? this.fitWl(this.wl, all, y) : undefined;
    if (wl && this.options.predictor === 'wl-gp') return { targets, predict: wl };
    const vocab = this.encoder.vocabulary(all);
    const rows = all.map((v) => this.encoder.row(v, vocab));
    const rowsOf = (list: readonly C[]): SparseRow[] => list.map((v) => this.encoder.row(v, vocab));
    if (this.options.predictor !== 'mlp') {
      const gp = new FeatureGp(rows, y);
      const path = (list: readonly C[]): Prediction => withJointDraws(gp, rowsOf(list));
      return { targets, predict: wl ? (list) => averagePosterior(path(list), wl(list)) : path };
    }
    const ensemble = new MlpEnsemble(rows, y, vocab.size, Rng.seeded(seed), { members: this.options.members, steps: this.options.steps });
    return {
      targets,
      predict: (list) => {
        const p = ensemble.predict(rowsOf(list));
        return { mean: p.mean, std: p.std, sample: (rng) => Float64Array.from(p.perMember[rng.int(p.perMember.length)]) };
      },
    };
  }

  private fitWl(wl: WlEncoder<C>, values: readonly C[], y: readonly number[]): (list: readonly C[]) => Prediction {
    wl.trim();
    const gp = new WlGp(
      values.map((v) => wl.row(v)),
      y,
    );
    return (list) => withJointDraws(gp, list.map((v) => wl.row(v)));
  }

  /**
   * Fits on the results, then, with `believed` pending values, again with each of them at the first
   * fit's predicted mean (the kriging believer), so candidates near what is being evaluated look no
   * better than it. Draws one seed from `rng` per fit.
   */
  fitBelieving(values: readonly C[], scores: readonly number[], believed: readonly C[], rng: Rng): FittedPredictor<C> {
    const fitted = this.fit(values, scores, rng.seedUint32());
    if (believed.length === 0) return fitted;
    const targets = Array.from(fitted.predict(believed).mean);
    return this.fit(values, scores, rng.seedUint32(), { values: believed, targets });
  }

  /**
   * The screening step of the predictor-guided strategies: fits as {@link fitBelieving} does and
   * predicts `candidates`; `incumbent` is the best training target (what expected improvement improves
   * on), in the predictions' units.
   */
  screen(values: readonly C[], scores: readonly number[], believed: readonly C[], candidates: readonly C[], rng: Rng): { p: Prediction; incumbent: number } {
    const fitted = this.fitBelieving(values, scores, believed, rng);
    return { p: fitted.predict(candidates), incumbent: Math.max(...fitted.targets) };
  }
}

/** Whether the `asked`-th trial of a run of `budget` (0: unknown, never) falls in its last `exploit` share. */
export function inExploitPhase(asked: number, budget: number, exploit: number): boolean {
  return budget > 0 && asked >= budget * (1 - exploit);
}

/**
 * The candidate a screening picks: the best predicted mean in the exploit phase, else the one
 * `options`' acquisition picks ({@link acquisitionPick}).
 */
export function screenPick(p: Prediction, incumbent: number, exploiting: boolean, options: Pick<Required<PredictorOptions>, 'acquisition' | 'kappa'>, rng: Rng): number {
  return exploiting ? meanPick(p) : acquisitionPick(p, incumbent, options, rng);
}

/** A GP's predictions of `rows`, with joint draws from its posterior covariance. */
function withJointDraws<R>(gp: { predict(rows: readonly R[]): GpPrediction; predictJoint(rows: readonly R[]): JointPrediction }, rows: readonly R[]): Prediction {
  const p = gp.predict(rows);
  let joint: JointPrediction | undefined;
  return { ...p, sample: (rng) => jointDraw((joint ??= gp.predictJoint(rows)), rng) };
}

/**
 * One draw from N(mean, cov): mean + L z with L the Cholesky factor of the covariance (diagonal
 * jitter where candidates coincide) and z standard normal; independent draws if it cannot be factorised.
 */
export function jointDraw(j: JointPrediction, rng: Rng): Float64Array {
  const m = j.mean.length;
  const out = Float64Array.from(j.mean);
  const factor = choleskyJitter(j.cov, 12);
  if (!factor) {
    for (let i = 0; i < m; i++) out[i] += Math.sqrt(Math.max(0, j.cov.data[i * m + i])) * rng.normal();
    return out;
  }
  const L = factor.L.data;
  const z = Float64Array.from({ length: m }, () => rng.normal());
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let k = 0; k <= i; k++) s += L[i * m + k] * z[k];
    out[i] += s;
  }
  return out;
}

/**
 * The equal mixture of two predictions: the mean of the means, and the mixture's variance (the mean of
 * the variances plus the spread of the means). A joint draw of the mixture is a joint draw of one of
 * the two, chosen by the rng.
 */
export function averagePosterior(a: Prediction, b: Prediction): Prediction {
  const mean = new Float64Array(a.mean.length);
  const std = new Float64Array(a.mean.length);
  for (let i = 0; i < mean.length; i++) {
    mean[i] = (a.mean[i] + b.mean[i]) / 2;
    const half = (a.mean[i] - b.mean[i]) / 2;
    std[i] = Math.sqrt((a.std[i] ** 2 + b.std[i] ** 2) / 2 + half * half);
  }
  const [sa, sb] = [a.sample, b.sample];
  if (!sa || !sb) return { mean, std };
  return { mean, std, sample: (rng) => (rng.next() < 0.5 ? sa : sb)(rng) };
}

/**
 * The candidate with the best predicted mean (the first of ties): the pick of a strategy's exploit
 * phase. Returns -1 for no candidates.
 */
export function meanPick(p: Prediction): number {
  let best = -1;
  for (let i = 0; i < p.mean.length; i++) if (best < 0 || p.mean[i] > p.mean[best]) best = i;
  return best;
}

/**
 * Independent Thompson sampling (BANANAS): one draw from N(mean, std^2) per candidate, the largest
 * wins. Returns the winner's index (-1 for no candidates).
 */
export function thompsonPick(p: Prediction, rng: Rng): number {
  let best = -1;
  let bestDraw = -Infinity;
  for (let i = 0; i < p.mean.length; i++) {
    const draw = rng.normal(p.mean[i], p.std[i]);
    if (draw > bestDraw) {
      bestDraw = draw;
      best = i;
    }
  }
  return best;
}

/**
 * The candidate the acquisition of `options` picks (-1 for no candidates): a Thompson draw, the best
 * expected improvement over `incumbent` (the best training target, in the predictions' units; ties
 * go to the first), or the best upper confidence bound mean + kappa x std.
 */
export function acquisitionPick(p: Prediction, incumbent: number, options: Pick<Required<PredictorOptions>, 'acquisition' | 'kappa'>, rng: Rng): number {
  if (options.acquisition === 'thompson') return thompsonPick(p, rng);
  if (options.acquisition === 'thompson-joint') return p.sample ? meanPick({ mean: p.sample(rng), std: p.std }) : thompsonPick(p, rng);
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < p.mean.length; i++) {
    const value = options.acquisition === 'ucb' ? p.mean[i] + options.kappa * p.std[i] : expectedImprovement(p.mean[i], p.std[i], incumbent);
    if (value > bestValue) {
      bestValue = value;
      best = i;
    }
  }
  return best;
}

/** Expected improvement of N(mean, std^2) over `incumbent` (the improvement itself where std is 0). */
export function expectedImprovement(mean: number, std: number, incumbent: number): number {
  if (!(std > 0)) return Math.max(0, mean - incumbent);
  const z = (mean - incumbent) / std;
  return (mean - incumbent) * ndtr(z) + (std * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI);
}
