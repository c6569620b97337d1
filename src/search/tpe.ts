/**
 * TPE, the Tree-structured Parzen Estimator (Bergstra et al. 2011, "Algorithms for Hyper-Parameter
 * Optimization"), composed as optuna's TPESampler composes it, with optuna's current defaults:
 *
 * - the first `nStartupTrials` (10) completed trials come from a held RandomSampler;
 * - then the completed trials are split into the best gamma(n) = min(ceil(0.1 n), 25) ("below", l)
 *   and the rest ("above", g), each group kept in trial order; with `constantLiar` (default) pending
 *   trials join "above", so parallel workers are steered away from what is already being evaluated;
 * - `multivariate` (default): the dimensions active in every completed trial get one joint Parzen
 *   estimator for l and one for g (a mixture of products of kernels); the other (conditional)
 *   dimensions get one per dimension, fitted only on the trials where that dimension is active.
 *   With `multivariate: false` every dimension is modelled alone (the original univariate TPE);
 * - `nEiCandidates` (24) candidates are drawn from l and the one maximising log l(x) - log g(x) wins.
 *
 * Failed trials are ignored; `ask` never waits. The model works in the space's normalised encoding,
 * a linear map of optuna's internal (log) scale, so its bandwidths and clips are optuna's.
 */
import { UsageError, ValidationError } from '../core/errors.ts';
import { Rng, type RngState } from '../core/rng.ts';
import type { EncodingDim, SearchSpace } from '../spaces/space.ts';
import { defaultWeights, ParzenEstimator, type ParzenDim } from './parzen.ts';
import { RandomSampler } from './random.ts';
import { registerStrategy, type StrategyContext } from './registry.ts';
import type { AskResult, Outcome, Strategy } from './strategy.ts';
import { type TrialRecord, TrialHistory, type TrialHistoryState } from './trial-history.ts';

/** Options of TPE (optuna's names and defaults). */
export interface TpeOptions {
  /** Completed trials drawn at random before the model is used. Default 10. */
  nStartupTrials?: number;
  /** Candidates drawn from l(x); the best by l/g wins. Default 24. */
  nEiCandidates?: number;
  /** Weight of the prior kernel in each Parzen estimator. Default 1. */
  priorWeight?: number;
  /** optuna's magic clip of small bandwidths. Default true. */
  considerMagicClip?: boolean;
  /** Let the extreme kernels' bandwidths reach the bounds. Default false. */
  considerEndpoints?: boolean;
  /** Model the always-active dimensions jointly (optuna's default for one objective). Default true. */
  multivariate?: boolean;
  /** Count pending trials among the "above" group. Default true (optuna's default). */
  constantLiar?: boolean;
}

/** optuna's default gamma: the number of "good" trials among n. */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** An encoding dimension as a Parzen dimension in the normalised domain. */
export function parzenDim(dim: EncodingDim): ParzenDim {
  if (dim.kind === 'categorical') return { kind: 'categorical', choices: dim.choices.length };
  if (dim.kind === 'float' || dim.high <= dim.low) return { kind: 'numeric', low: 0, high: 1 };
  if (!dim.log) {
    const step = 1 / (dim.high - dim.low);
    return {
      kind: 'numeric',
      low: -step / 2,
      high: 1 + step / 2,
      cell: (x) => [x - step / 2, x + step / 2],
      round: (x) => Math.min(1, Math.max(0, Math.round(x / step) * step)),
    };
  }
  // A log-scale int: cells [log(v - 1/2), log(v + 1/2)] in normalised log units.
  const logLow = Math.log(dim.low);
  const span = Math.log(dim.high) - logLow;
  const at = (v: number): number => (Math.log(v) - logLow) / span;
  const value = (x: number): number => Math.min(dim.high, Math.max(dim.low, Math.round(Math.exp(logLow + x * span))));
  return {
    kind: 'numeric',
    low: at(dim.low - 0.5),
    high: at(dim.high + 0.5),
    cell: (x) => [at(value(x) - 0.5), at(value(x) + 0.5)],
    round: (x) => at(value(x)),
  };
}

function readInt(options: Readonly<Record<string, unknown>>, key: string, fallback: number, min: number): number {
  const v = options[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ValidationError(`${key} is ${JSON.stringify(v)}`, { field: key }, `an integer >= ${min}`);
  return v;
}

function readBool(options: Readonly<Record<string, unknown>>, key: string, fallback: boolean): boolean {
  const v = options[key] ?? fallback;
  if (typeof v !== 'boolean') throw new ValidationError(`${key} is ${JSON.stringify(v)}`, { field: key }, 'true or false');
  return v;
}

/** The options TPE reads. */
export const TPE_OPTIONS: readonly string[] = ['nStartupTrials', 'nEiCandidates', 'priorWeight', 'considerMagicClip', 'considerEndpoints', 'multivariate', 'constantLiar'];

/** Parses TPE options from the CLI/options object; a bad value is a ValidationError naming it. */
export function parseTpeOptions(options: Readonly<Record<string, unknown>>): Required<TpeOptions> {
  for (const key of Object.keys(options)) {
    if (!TPE_OPTIONS.includes(key)) throw new ValidationError(`unknown TPE option '${key}'`, { field: key }, TPE_OPTIONS.join(', '));
  }
  const priorWeight = options.priorWeight ?? 1;
  if (typeof priorWeight !== 'number' || !(priorWeight > 0) || !Number.isFinite(priorWeight)) {
    throw new ValidationError(`priorWeight is ${JSON.stringify(priorWeight)}`, { field: 'priorWeight' }, 'a positive number');
  }
  return {
    nStartupTrials: readInt(options, 'nStartupTrials', 10, 0),
    nEiCandidates: readInt(options, 'nEiCandidates', 24, 1),
    priorWeight,
    considerMagicClip: readBool(options, 'considerMagicClip', true),
    considerEndpoints: readBool(options, 'considerEndpoints', false),
    multivariate: readBool(options, 'multivariate', true),
    constantLiar: readBool(options, 'constantLiar', true),
  };
}

interface TpeState {
  version: 1;
  strategy: 'tpe';
  rng: RngState;
  startup: RngState;
  history: TrialHistoryState;
}

export class Tpe<C> implements Strategy<C> {
  readonly name = 'tpe';
  readonly options: Required<TpeOptions>;
  private readonly space: SearchSpace<C>;
  private readonly dims: ParzenDim[];
  private rng: Rng;
  private readonly startup: RandomSampler<C>;
  private readonly history: TrialHistory<C>;
  private readonly vectors = new Map<number, number[]>();

  constructor(space: SearchSpace<C>, rng: Rng, options: TpeOptions = {}) {
    this.space = space;
    this.options = parseTpeOptions(options as Record<string, unknown>);
    this.dims = space.dims().map(parzenDim);
    this.startup = new RandomSampler(space, rng.split('startup'));
    this.rng = rng;
    this.history = new TrialHistory(space, 'tpe');
  }

  ask(): AskResult<C> {
    const completed = this.history.completed();
    const config = completed.length < this.options.nStartupTrials || completed.length === 0 ? this.startup.sample() : this.propose(completed);
    return { kind: 'suggestion', suggestion: this.history.add(config) };
  }

  tell(id: number, outcome: Outcome): void {
    this.history.tell(id, outcome);
  }

  saveState(): TpeState {
    return { version: 1, strategy: 'tpe', rng: this.rng.state(), startup: this.startup.state(), history: this.history.save() };
  }

  loadState(state: unknown): void {
    const s = state as TpeState;
    if (!s || s.version !== 1 || s.strategy !== 'tpe') throw new UsageError('tpe: not a saved TPE state (version 1)');
    this.rng = Rng.fromState(s.rng);
    this.startup.restore(s.startup);
    this.history.load(s.history);
    this.vectors.clear();
  }

  /** One TPE proposal from the completed trials (at least one). */
  private propose(completed: ReadonlyArray<Readonly<TrialRecord<C>>>): C {
    const nBelow = defaultGamma(completed.length);
    // Stable sort: equal scores keep trial order.
    const ranked = [...completed].sort((a, b) => (b.score as number) - (a.score as number));
    const lies = this.options.constantLiar ? this.history.all().filter((t) => t.status === 'pending') : [];
    const byId = (a: Readonly<TrialRecord<C>>, b: Readonly<TrialRecord<C>>): number => a.id - b.id;
    const below = ranked.slice(0, nBelow).sort(byId).map((t) => this.vector(t));
    const above = [...ranked.slice(nBelow), ...lies].sort(byId).map((t) => this.vector(t));
    const x = new Array<number>(this.dims.length).fill(Number.NaN);
    const all = this.dims.map((_, d) => d);
    const joint = this.options.multivariate ? all.filter((d) => completed.every((t) => Number.isFinite(this.vector(t)[d]))) : [];
    if (joint.length > 0) this.proposeGroup(joint, below, above, x);
    for (const d of all) if (!joint.includes(d)) this.proposeGroup([d], below, above, x);
    return this.space.decode(x);
  }

  /** Fits l and g over dimensions `group` (rows where all of them are active) and writes the winner into x. */
  private proposeGroup(group: number[], below: number[][], above: number[][], x: number[]): void {
    const project = (rows: number[][]): number[][] =>
      rows.filter((r) => group.every((d) => Number.isFinite(r[d]))).map((r) => group.map((d) => r[d]));
    const dims = group.map((d) => this.dims[d]);
    const fit = (rows: number[][]): ParzenEstimator => new ParzenEstimator(dims, rows, defaultWeights(rows.length), this.options);
    const l = fit(project(below));
    const g = fit(project(above));
    let best: number[] = [];
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const c of l.sample(this.rng, this.options.nEiCandidates)) {
      const score = l.logPdf(c) - g.logPdf(c);
      if (score > bestScore || best.length === 0) {
        best = c;
        bestScore = score;
      }
    }
    group.forEach((d, i) => (x[d] = best[i]));
  }

  private vector(t: Readonly<TrialRecord<C>>): number[] {
    let v = this.vectors.get(t.id);
    if (!v) {
      v = this.space.encode(t.config);
      this.vectors.set(t.id, v);
    }
    return v;
  }
}

/** Factory for the registry: options `nStartupTrials`, `nEiCandidates`, `priorWeight`, `considerMagicClip`, `considerEndpoints`, `multivariate`, `constantLiar`. */
export function createTpe(ctx: StrategyContext): Strategy<unknown> {
  return new Tpe(ctx.space, ctx.rng, parseTpeOptions(ctx.options));
}

registerStrategy('tpe', createTpe, TPE_OPTIONS);
