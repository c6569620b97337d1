/**
 * Bayesian optimisation (`bo`): a Gaussian process with a Matern 5/2 ARD kernel on the space's numeric
 * encoding (categoricals one-hot), hyperparameters fitted by maximising the log marginal likelihood, and
 * expected improvement maximised by random candidates plus local L-BFGS refinement. The first
 * `initialPoints` trials are a Latin hypercube over the space's encoding (one point per stratum of every
 * numeric dimension), so the first model sees the whole box rather than a random clump.
 *
 * Parallel asks: trials asked but not yet told enter the model as fantasy observations (option
 * `pending`), so several asks in a row spread out instead of piling onto one EI peak. The kriging
 * believer conditions on each pending point at the current posterior mean, one at a time in ask order;
 * the constant liar conditions on all of them at the worst observed score. Either way the
 * hyperparameters and the target normalisation come from the real observations alone.
 */
import { UsageError, ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import type { RngState } from '../core/rng.ts';
import type { SearchSpace } from '../spaces/space.ts';
import { ModelEncoding } from './gp/encoding.ts';
import { maximizeEi } from './gp/ei-optimizer.ts';
import type { EiSearchOptions } from './gp/ei-optimizer.ts';
import { GaussianProcess } from './gp/gp.ts';
import type { GpFitOptions } from './gp/gp.ts';
import { choiceOption, numberOption } from './gp/options.ts';
import { registerStrategy } from './registry.ts';
import type { AskResult, Outcome, Strategy } from './strategy.ts';

/** How trials asked but not yet told enter the model. */
export type PendingMode = 'believer' | 'liar-min' | 'ignore';

/** Accepted values of the `pending` option. */
export const PENDING_MODES: readonly PendingMode[] = ['believer', 'liar-min', 'ignore'];

/** Options of the `bo` strategy (all optional). */
export interface BoOptions {
  /**
   * Pending trials (asked, not yet told) in the model: 'believer' (kriging believer: each is a fantasy
   * observation at the current posterior mean, one at a time in ask order), 'liar-min' (constant liar:
   * each is a fantasy observation at the worst, i.e. lowest, observed score) or 'ignore' (only exact
   * duplicates are avoided). Without pending trials the modes are identical. Default 'believer'.
   */
  pending?: PendingMode;
  /** Trials of the Latin-hypercube initial design before the GP is used. Default 5. */
  initialPoints?: number;
  /**
   * Random candidates scored per suggestion. Default 20000. Beyond `effortUpTo` observations this and
   * `localStarts` shrink in proportion (each prediction costs O(n^2)), down to 1000 and 3.
   */
  candidates?: number;
  /** Local refinements from the best random candidates. Default 20. */
  localStarts?: number;
  /** Observations up to which the full acquisition effort is spent. Default 100. */
  effortUpTo?: number;
  /** Local refinements from the best observed points. Default 5. */
  observedStarts?: number;
  /** L-BFGS iterations per local refinement. Default 40. */
  localIter?: number;
  /** EI exploration margin, in units of the targets' standard deviation. Default 0.001. */
  xi?: number;
  /** Random restarts of the hyperparameter fit (besides a default and a warm start). Default 6. */
  restarts?: number;
  /** L-BFGS iterations per hyperparameter-fit start. Default 60. */
  fitIter?: number;
  /**
   * Random restarts are used while there are at most this many observations (and for the first fit);
   * later fits start from the previous fit and the default only. Default 60.
   */
  restartsUpTo?: number;
  /** Most observations the hyperparameter fit uses (the GP conditions on all). Default 120. */
  fitSubset?: number;
}

interface TrialRecord {
  id: number;
  /** The space encoding of the asked configuration (NaN: inactive). */
  encoded: number[];
  status: 'pending' | 'ok' | 'failed';
  score?: number;
}

/** The JSON state (`saveState`). NaN entries of encodings are stored as null. */
interface BoState {
  version: 1;
  rng: RngState;
  nextId: number;
  theta: number[] | null;
  trials: Array<{ id: number; encoded: Array<number | null>; status: TrialRecord['status']; score?: number }>;
  /** Initial-design points not yet asked (space encodings); absent in states saved before the design existed. */
  design?: number[][];
}

/**
 * A Latin hypercube of `n` points in the space's encoding: each numeric dimension is cut into `n` equal
 * strata and every stratum holds exactly one point (at a random offset, strata shuffled per dimension);
 * categorical dimensions cycle through their choices in a shuffled order.
 */
export function latinHypercube(space: SearchSpace<unknown>, n: number, rng: Rng): number[][] {
  const points: number[][] = Array.from({ length: n }, () => []);
  for (const d of space.dims()) {
    const k = d.kind === 'categorical' ? d.choices.length : n;
    const perm = rng.sampleIndices(n, n);
    for (let i = 0; i < n; i++) {
      const stratum = perm[i] % k;
      points[i].push(d.kind === 'categorical' ? stratum : (perm[i] + rng.next()) / n);
    }
  }
  return points;
}

export function parseBoOptions(options: Readonly<Record<string, unknown>>): Required<BoOptions> {
  const int1 = { integer: true, min: 1 };
  return {
    pending: choiceOption(options, 'pending', 'believer', PENDING_MODES),
    initialPoints: numberOption(options, 'initialPoints', 5, int1),
    candidates: numberOption(options, 'candidates', 20000, int1),
    localStarts: numberOption(options, 'localStarts', 20, { integer: true, min: 0 }),
    effortUpTo: numberOption(options, 'effortUpTo', 100, int1),
    observedStarts: numberOption(options, 'observedStarts', 5, { integer: true, min: 0 }),
    localIter: numberOption(options, 'localIter', 40, int1),
    xi: numberOption(options, 'xi', 0.001, { min: 0 }),
    restarts: numberOption(options, 'restarts', 6, { integer: true, min: 0 }),
    fitIter: numberOption(options, 'fitIter', 60, int1),
    restartsUpTo: numberOption(options, 'restartsUpTo', 60, { integer: true, min: 0 }),
    fitSubset: numberOption(options, 'fitSubset', 120, { integer: true, min: 2 }),
  };
}

export class BayesianOptimization<C> implements Strategy<C> {
  readonly name = 'bo';
  private rng: Rng;
  private readonly encoding: ModelEncoding;
  private readonly o: Required<BoOptions>;
  private trials: TrialRecord[] = [];
  private byId = new Map<number, TrialRecord>();
  private nextId = 0;
  private theta: Float64Array | undefined;
  /** Initial-design points still to ask; drawn on the first ask. */
  private design: number[][] | undefined;

  constructor(
    private readonly space: SearchSpace<C>,
    rng: Rng,
    options: BoOptions = {},
  ) {
    this.rng = rng;
    this.encoding = new ModelEncoding(space.dims());
    this.o = parseBoOptions(options as Record<string, unknown>);
  }

  ask(): AskResult<C> {
    const ok = this.trials.filter((t) => t.status === 'ok');
    let encoded: number[] | null = null;
    let config: C | undefined;
    if (this.trials.length >= this.o.initialPoints && ok.length >= 2) encoded = this.proposeByEi(ok);
    if (encoded) config = this.space.decode(encoded);
    else if (this.trials.length < this.o.initialPoints) config = this.nextDesignPoint();
    if (!config) {
      config = this.space.sample(this.rng);
      for (let t = 0; t < 20 && this.isDuplicate(this.encoding.toModel(this.space.encode(config))); t++) {
        config = this.space.sample(this.rng);
      }
    }
    const rec: TrialRecord = { id: this.nextId++, encoded: this.space.encode(config), status: 'pending' };
    this.trials.push(rec);
    this.byId.set(rec.id, rec);
    return { kind: 'suggestion', suggestion: { id: rec.id, config } };
  }

  tell(id: number, outcome: Outcome): void {
    const rec = this.byId.get(id);
    if (!rec) throw new UsageError(`bo: tell for trial ${id}, which was never asked`);
    if (rec.status !== 'pending') throw new UsageError(`bo: trial ${id} was already told`);
    if (outcome.status === 'ok') {
      if (typeof outcome.score !== 'number' || !Number.isFinite(outcome.score)) {
        throw new UsageError(`bo: trial ${id} is 'ok' but its score is ${String(outcome.score)}; a finite number is required`);
      }
      rec.status = 'ok';
      rec.score = outcome.score;
    } else rec.status = 'failed';
  }

  /** The next unasked point of the Latin-hypercube initial design (drawn on first use), if any is left. */
  private nextDesignPoint(): C | undefined {
    if (!this.design && this.trials.length === 0) {
      this.design = latinHypercube(this.space as SearchSpace<unknown>, this.o.initialPoints, this.rng);
    }
    const next = this.design?.shift();
    return next ? this.space.decode(next) : undefined;
  }

  /** The GP's current fitted log parameters (for inspection), if a model was fitted. */
  fittedTheta(): number[] | undefined {
    return this.theta ? Array.from(this.theta) : undefined;
  }

  private isDuplicate(model: Float64Array): boolean {
    const D = model.length;
    for (const t of this.trials) {
      const m = this.encoding.toModel(t.encoded);
      let s = 0;
      for (let j = 0; j < D; j++) s += (m[j] - model[j]) ** 2;
      if (s < 1e-18) return true;
    }
    return false;
  }

  private proposeByEi(ok: TrialRecord[]): number[] | null {
    const D = this.encoding.width;
    const X = new Float64Array(ok.length * D);
    ok.forEach((t, i) => this.encoding.toModel(t.encoded, X.subarray(i * D, (i + 1) * D)));
    const y = ok.map((t) => t.score as number);
    const restarts = this.theta && ok.length > this.o.restartsUpTo ? 0 : this.o.restarts;
    const fit: GpFitOptions = { restarts, maxIter: this.o.fitIter, subset: this.o.fitSubset };
    let gp: GaussianProcess;
    try {
      gp = GaussianProcess.fit(X, y, D, this.rng, this.theta, fit);
    } catch {
      return null;
    }
    this.theta = gp.theta;
    const model = this.withPending(gp, ok);
    const order = ok.map((_, i) => i).sort((a, b) => gp.y[b] - gp.y[a]);
    const scale = Math.min(1, this.o.effortUpTo / ok.length);
    const search: EiSearchOptions = {
      candidates: Math.min(this.o.candidates, Math.max(1000, Math.round(this.o.candidates * scale))),
      localStarts: Math.min(this.o.localStarts, Math.max(3, Math.round(this.o.localStarts * scale))),
      observedStarts: this.o.observedStarts,
      xi: this.o.xi,
      localIter: this.o.localIter,
    };
    return maximizeEi(
      {
        space: this.space as SearchSpace<unknown>,
        encoding: this.encoding,
        gp: model,
        best: model === gp ? gp.y[order[0]] : model.y.reduce((m, v) => Math.max(m, v), -Infinity),
        observedStarts: order.map((i) => X.slice(i * D, (i + 1) * D)),
        isDuplicate: (m) => this.isDuplicate(m),
      },
      this.rng,
      search,
    );
  }

  /**
   * `gp` conditioned also on fantasy observations of the pending trials (theta and target scaling
   * kept), per the `pending` option; `gp` itself when ignoring them, when none is pending, or when the
   * enlarged covariance cannot be factorised.
   */
  private withPending(gp: GaussianProcess, ok: readonly TrialRecord[]): GaussianProcess {
    const pending = this.trials.filter((t) => t.status === 'pending');
    if (this.o.pending === 'ignore' || pending.length === 0) return gp;
    const D = this.encoding.width;
    const X = new Float64Array(pending.length * D);
    pending.forEach((t, i) => this.encoding.toModel(t.encoded, X.subarray(i * D, (i + 1) * D)));
    try {
      if (this.o.pending === 'liar-min') {
        const lie = ok.reduce((m, t) => Math.min(m, t.score as number), Infinity);
        return gp.withObservations(X, pending.map(() => lie));
      }
      let model = gp;
      for (let i = 0; i < pending.length; i++) {
        const x = X.subarray(i * D, (i + 1) * D);
        model = model.withObservations(x, [model.yMean + model.yStd * model.predict(x).mean]);
      }
      return model;
    } catch {
      return gp;
    }
  }

  saveState(): BoState {
    return {
      version: 1,
      rng: this.rng.state(),
      nextId: this.nextId,
      theta: this.theta ? Array.from(this.theta) : null,
      trials: this.trials.map((t) => ({
        id: t.id,
        encoded: t.encoded.map((v) => (Number.isNaN(v) ? null : v)),
        status: t.status,
        ...(t.score !== undefined ? { score: t.score } : {}),
      })),
      ...(this.design ? { design: this.design.map((p) => [...p]) } : {}),
    };
  }

  loadState(state: unknown): void {
    const s = state as BoState;
    if (!s || s.version !== 1 || !Array.isArray(s.trials)) {
      throw new ValidationError('not a bo strategy state', { field: 'strategy' }, 'an object saved by bo.saveState() (version 1)');
    }
    this.rng = Rng.fromState(s.rng);
    this.nextId = s.nextId;
    this.theta = s.theta ? Float64Array.from(s.theta) : undefined;
    this.trials = s.trials.map((t) => ({
      id: t.id,
      encoded: t.encoded.map((v) => (v === null ? NaN : v)),
      status: t.status,
      ...(t.score !== undefined ? { score: t.score } : {}),
    }));
    this.byId = new Map(this.trials.map((t) => [t.id, t]));
    this.design = s.design?.map((p) => [...p]);
  }
}

registerStrategy('bo', (ctx) => new BayesianOptimization(ctx.space, ctx.rng, parseBoOptions(ctx.options)), [
  'initialPoints', 'candidates', 'localStarts', 'effortUpTo', 'observedStarts', 'localIter', 'xi', 'restarts', 'fitIter',
  'restartsUpTo', 'fitSubset', 'pending',
]);
