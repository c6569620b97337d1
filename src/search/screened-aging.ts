/**
 * Aging evolution whose offspring are screened by a predictor before they are trained: the
 * regularized evolution of Real et al. 2019 (./evolution/aging.ts) with the predictor of the
 * BANANAS strategy (./predictor/) choosing among a parent's mutations, as White et al. 2021
 * ("How powerful are performance predictors in neural architecture search?") pair predictors with
 * evolution.
 *
 * 1. `initial` random architectures.
 * 2. Then each ask runs a tournament: `sample` members drawn uniformly (with replacement) from the
 *    population, the best is the parent. `children` mutations of the parent (one `space.mutate` each;
 *    unknown networks only, by canonical hash) are the candidates; a predictor fitted on every result
 *    so far (bananas's default: the path GP and the WL GP averaged) ranks them by independent Thompson
 *    sampling (or `acquisition`) and the winner is proposed. Where every
 *    mutation is known, two-mutation children are tried, then a uniform draw.
 * 3. In the last `exploit` fraction of the run's budget the candidate with the best predicted mean
 *    is picked instead of a Thompson draw.
 * 4. Each told result joins the population, whose capacity is `population`; once full, it replaces
 *    the OLDEST member (a ring buffer), so good architectures age out as in aging evolution.
 *
 * Parallel asks: with `pending: believer` (default) each pending architecture joins the predictor's
 * training set at the predictor's own mean for it; with `exclude` pending architectures are only left
 * out of the candidates (as every known one is). Never proposes a known network.
 */
import { UsageError, ValidationError } from '../core/errors.ts';
import { Rng, type RngState } from '../core/rng.ts';
import type { SearchSpace } from '../spaces/space.ts';
import { CandidateSet, freshValue } from './candidates.ts';
import { choiceOption, numberOption } from './gp/options.ts';
import { KnownTrials } from './known-trials.ts';
import { PREDICTOR_OPTIONS, Predictor, type PredictorOptions, inExploitPhase, readPredictorOptions, screenPick } from './predictor/surrogate.ts';
import { registerStrategy, type StrategyContext } from './registry.ts';
import type { AskResult, Outcome, Strategy } from './strategy.ts';
import type { TrialHistoryState } from './trial-history.ts';

/** Options of predictor-screened aging evolution. */
export interface ScreenedAgingOptions extends PredictorOptions {
  /** Random architectures before the first tournament. Default 10. */
  initial?: number;
  /** Population capacity: once this many results are in, each new one replaces the oldest. Default 20. */
  population?: number;
  /** Tournament size: members drawn uniformly (with replacement); the best is the parent. Default 5. */
  sample?: number;
  /** Mutations of the parent the predictor screens per ask (known ones are dropped). Default 20. */
  children?: number;
  /** How pending architectures enter the predictor: `believer` or `exclude`. Default `believer`. */
  pending?: 'believer' | 'exclude';
  /** Fraction of the run's budget, at its end, in which the best predicted mean is picked. Default 0.1. */
  exploit?: number;
}

export const SCREENED_AGING_OPTIONS: readonly string[] = ['initial', 'population', 'sample', 'children', 'pending', 'exploit', ...PREDICTOR_OPTIONS];

interface ScreenedAgingState {
  version: 1;
  strategy: 'screened-aging';
  rng: RngState;
  history: TrialHistoryState;
  /** Trial ids of the population, in ring-buffer slot order. */
  ring: number[];
  /** The slot the next result replaces once the ring is full. */
  oldest: number;
}

export class ScreenedAging<C> implements Strategy<C> {
  readonly name = 'screened-aging';
  private readonly space: SearchSpace<C>;
  private readonly o: Required<ScreenedAgingOptions>;
  private readonly trials: KnownTrials<C>;
  private readonly predictor: Predictor<C>;
  private readonly budget: number;
  private rng: Rng;
  /** Trial ids of the population (ring buffer). */
  private ring: number[] = [];
  private oldest = 0;

  constructor(space: SearchSpace<C>, rng: Rng, options: Readonly<Record<string, unknown>> = {}, budget = 0) {
    this.space = space;
    this.rng = rng;
    this.budget = budget;
    this.o = {
      ...readPredictorOptions(options, 'gp-wl'),
      initial: numberOption(options, 'initial', 10, { integer: true, min: 1 }),
      population: numberOption(options, 'population', 20, { integer: true, min: 1 }),
      sample: numberOption(options, 'sample', 5, { integer: true, min: 1 }),
      children: numberOption(options, 'children', 20, { integer: true, min: 1 }),
      pending: choiceOption(options, 'pending', 'believer', ['believer', 'exclude'] as const),
      exploit: numberOption(options, 'exploit', 0.1, { min: 0, max: 1 }),
    };
    if (this.o.sample > this.o.population) {
      throw new ValidationError(`sample (${this.o.sample}) is larger than the population (${this.o.population})`, { field: 'options.sample' },
        `an integer between 1 and ${this.o.population}`);
    }
    this.trials = new KnownTrials(space, 'screened-aging');
    this.predictor = new Predictor(space, this.o);
  }

  ask(): AskResult<C> {
    const waitOrDone = (): AskResult<C> => (this.trials.pending().length > 0 ? { kind: 'wait' } : { kind: 'done' });
    const done = this.trials.completed();
    if (this.trials.history.asked < this.o.initial || this.ring.length === 0 || done.length < 2) {
      if (this.trials.history.asked >= this.o.initial && this.ring.length === 0 && this.trials.pending().length > 0) return { kind: 'wait' };
      const v = freshValue(this.space, this.trials.known, this.rng);
      return v === undefined ? waitOrDone() : this.suggest(v);
    }
    const parent = this.tournament();
    const candidates = this.offspring(parent);
    if (candidates.length === 0) return waitOrDone();
    if (candidates.length === 1) return this.suggest(candidates[0]);
    const believed = this.o.pending === 'believer' ? this.trials.pending().map((t) => t.config) : [];
    const { p, incumbent } = this.predictor.screen(done.map((t) => t.config), done.map((t) => t.score as number), believed, candidates, this.rng);
    const exploiting = inExploitPhase(this.trials.history.asked, this.budget, this.o.exploit);
    return this.suggest(candidates[screenPick(p, incumbent, exploiting, this.o, this.rng)]);
  }

  tell(id: number, outcome: Outcome): void {
    const record = this.trials.tell(id, outcome);
    if (record.status !== 'ok') return;
    if (this.ring.length < this.o.population) {
      this.ring.push(id);
    } else {
      this.ring[this.oldest] = id;
      this.oldest = (this.oldest + 1) % this.o.population;
    }
  }

  /** The current population's trial ids, oldest first. */
  populationIds(): number[] {
    return [...this.ring.slice(this.oldest), ...this.ring.slice(0, this.oldest)];
  }

  saveState(): ScreenedAgingState {
    return { version: 1, strategy: 'screened-aging', rng: this.rng.state(), history: this.trials.save(), ring: [...this.ring], oldest: this.oldest };
  }

  loadState(state: unknown): void {
    const s = state as ScreenedAgingState;
    if (!s || s.version !== 1 || s.strategy !== 'screened-aging' || !Array.isArray(s.ring)) {
      throw new UsageError('screened-aging: not a saved screened-aging state (version 1)');
    }
    if (s.ring.length > this.o.population) {
      throw new UsageError(`screened-aging: the saved population has ${s.ring.length} members, more than population=${this.o.population}`);
    }
    this.rng = Rng.fromState(s.rng);
    this.trials.load(s.history);
    for (const id of s.ring) {
      if (this.trials.history.all()[id]?.status !== 'ok') throw new UsageError(`screened-aging: saved population member ${id} is not a told result`);
    }
    this.ring = [...s.ring];
    this.oldest = s.oldest;
  }

  private suggest(config: C): AskResult<C> {
    return { kind: 'suggestion', suggestion: this.trials.propose(config) };
  }

  /** `sample` uniform draws from the population (with replacement); the best wins, the first on ties. */
  private tournament(): C {
    const score = (id: number): number => this.trials.trial(id).score as number;
    let winner = this.ring[this.rng.int(this.ring.length)];
    for (let i = 1; i < this.o.sample; i++) {
      const other = this.ring[this.rng.int(this.ring.length)];
      if (score(other) > score(winner)) winner = other;
    }
    return this.trials.trial(winner).config;
  }

  /** Unknown one-mutation children of `parent`; two-mutation ones, or a uniform draw, when none is new. */
  private offspring(parent: C): C[] {
    const set = new CandidateSet(this.space, this.trials.known);
    set.addMutants([parent], this.o.children, 1, this.rng);
    if (set.size === 0) set.addMutants([parent], this.o.children, 2, this.rng);
    if (set.size === 0) {
      const v = freshValue(this.space, this.trials.known, this.rng);
      if (v !== undefined) set.add(v);
    }
    return set.values();
  }
}

/** Factory for the registry; options in ScreenedAgingOptions. */
export function createScreenedAging(ctx: StrategyContext): Strategy<unknown> {
  return new ScreenedAging(ctx.space, ctx.rng, ctx.options, ctx.budget);
}

registerStrategy('screened-aging', createScreenedAging, SCREENED_AGING_OPTIONS);
