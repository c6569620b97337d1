/**
 * Predictor-guided search in the manner of BANANAS (White, Neiswanger and Savani 2021, "BANANAS:
 * Bayesian Optimization with Neural Architectures for Neural Architecture Search"):
 *
 * 1. `initial` random architectures.
 * 2. Then, for every ask, a predictor is fitted on every result so far (by default two Gaussian
 *    processes, one on the path encoding of the cells and NASBOWL's with a Weisfeiler-Lehman graph
 *    kernel, their posteriors averaged: on NAS-Bench-201 this finds the best cell more often than
 *    either alone; `predictor: gp` or `wl-gp` uses one of them, `mlp` BANANAS's ensemble of `members`
 *    MLPs on the path features), candidates are made by mutating the best architectures found (every
 *    unknown neighbour of `parents` parents, `mutants` two-mutation children of them; the parents are
 *    taken best first but more than `parentSpacing` mutations apart, ./spaced-parents.ts, so a run
 *    whose best results crowd in one basin also mutates the best of others; every unknown neighbour of
 *    a neighbour of the first `twoStep` parents) plus `randomCandidates`
 *    uniform draws (at most `maxCandidates`, a uniform subset beyond), and independent Thompson
 *    sampling picks one: a draw from each candidate's predictive distribution, the largest wins
 *    (`acquisition: thompson-joint` takes one joint draw over all the candidates instead, `ei` or
 *    `ucb` picks by expected improvement or an upper confidence bound).
 * 3. In the last `exploit` fraction of the run's budget the candidate with the best predicted mean
 *    is picked instead: exploration no longer pays once the run is about to keep its best.
 * 4. As the best stalls, Thompson sampling explores more: with `explore` e > 0, each candidate's draw
 *    has its deviation from the mean multiplied by 1 + e x (results told since the best so far), so a run
 *    that settled in a basin gives far, uncertain candidates a growing chance.
 *
 * Never proposes a known network (canonical hash): candidates exclude every asked architecture.
 * Parallel asks: with `pending: believer` (default) each pending architecture joins the training set
 * at the predictor's mean for it (kriging believer), so the next ask is steered away from what is
 * being evaluated; with `exclude` pending architectures are only left out of the candidates.
 */
import { UsageError } from '../core/errors.ts';
import { Rng, type RngState } from '../core/rng.ts';
import type { SearchSpace } from '../spaces/space.ts';
import { CandidateSet, freshValue } from './candidates.ts';
import { choiceOption, numberOption } from './gp/options.ts';
import { KnownTrials } from './known-trials.ts';
import { PREDICTOR_OPTIONS, Predictor, type Prediction, type PredictorOptions, inExploitPhase, readPredictorOptions, screenPick } from './predictor/surrogate.ts';
import { registerStrategy, type StrategyContext } from './registry.ts';
import { SpacedParents } from './spaced-parents.ts';
import type { AskResult, Outcome, Strategy } from './strategy.ts';
import type { TrialHistoryState } from './trial-history.ts';

/** Options of predictor-guided search. */
export interface BananasOptions extends PredictorOptions {
  /** Random architectures before the predictor is used. Default 10. */
  initial?: number;
  /** How many of the best architectures found are mutated into candidates. Default 10. */
  parents?: number;
  /**
   * How many of the parents, in their order (the best result, then the best ones more than `parentSpacing`
   * mutations from those before), have their whole two-step neighbourhood (every neighbour of
   * every neighbour, where the space lists neighbours: up to 264 cells around a NAS-Bench-201 cell) added to
   * the candidates, so the predictor ranks every cell near the best. A neighbourhood with more than
   * `maxCandidates` two-step paths is entered through enough of its neighbours, drawn uniformly, to
   * make that many. Default 3.
   */
  twoStep?: number;
  /** Children two mutations away from a parent, added to the candidates. Default 50. */
  mutants?: number;
  /** Uniform draws added to the candidates. Default 20. */
  randomCandidates?: number;
  /** Mutations drawn as a parent's neighbourhood where the space lists no neighbours. Default 30. */
  neighbourSamples?: number;
  /** How pending architectures enter the predictor: `believer` or `exclude`. Default `believer`. */
  pending?: 'believer' | 'exclude';
  /** Most candidates ranked per ask; beyond it a uniform subset is kept (large neighbourhoods). Default 600. */
  maxCandidates?: number;
  /**
   * Fraction of the run's budget, at its end, in which the candidate with the best predicted mean is
   * picked instead of a Thompson draw (the last evaluations exploit; the run keeps its best). Default 0.1.
   */
  exploit?: number;
  /** Growth of the Thompson draws' spread per result without a new best (item 4 of the file comment). Default 0. */
  explore?: number;
  /**
   * Parents are taken best first, but a result within `parentSpacing` mutations of a parent already
   * taken is skipped (used only if too few remain), so the parents do not all sit in one basin
   * (./spaced-parents.ts; spaces that list neighbours, others keep the plain ranking). 0: the
   * `parents` best. Default 1.
   */
  parentSpacing?: number;
}

export const BANANAS_OPTIONS: readonly string[] = ['initial', 'parents', 'twoStep', 'mutants', 'randomCandidates', 'neighbourSamples', 'pending', 'maxCandidates', 'exploit', 'explore', 'parentSpacing', ...PREDICTOR_OPTIONS];

interface BananasState {
  version: 1;
  strategy: 'bananas';
  rng: RngState;
  history: TrialHistoryState;
}

export class Bananas<C> implements Strategy<C> {
  readonly name = 'bananas';
  private readonly space: SearchSpace<C>;
  private readonly o: Required<BananasOptions>;
  private readonly trials: KnownTrials<C>;
  private readonly predictor: Predictor<C>;
  private rng: Rng;
  /** Total evaluations of the run (0: unknown, never exploit). */
  private readonly budget: number;
  private readonly spaced: SpacedParents<C>;

  constructor(space: SearchSpace<C>, rng: Rng, options: Readonly<Record<string, unknown>> = {}, budget = 0) {
    this.space = space;
    this.rng = rng;
    this.budget = budget;
    this.o = {
      ...readPredictorOptions(options, 'gp-wl'),
      initial: numberOption(options, 'initial', 10, { integer: true, min: 1 }),
      parents: numberOption(options, 'parents', 10, { integer: true, min: 1 }),
      twoStep: numberOption(options, 'twoStep', 3, { integer: true, min: 0 }),
      mutants: numberOption(options, 'mutants', 50, { integer: true, min: 0 }),
      randomCandidates: numberOption(options, 'randomCandidates', 20, { integer: true, min: 0 }),
      neighbourSamples: numberOption(options, 'neighbourSamples', 30, { integer: true, min: 1 }),
      pending: choiceOption(options, 'pending', 'believer', ['believer', 'exclude'] as const),
      maxCandidates: numberOption(options, 'maxCandidates', 600, { integer: true, min: 1 }),
      exploit: numberOption(options, 'exploit', 0.1, { min: 0, max: 1 }),
      explore: numberOption(options, 'explore', 0, { min: 0 }),
      parentSpacing: numberOption(options, 'parentSpacing', 1, { integer: true, min: 0 }),
    };
    this.trials = new KnownTrials(space, 'bananas');
    this.predictor = new Predictor(space, this.o);
    this.spaced = new SpacedParents(space, this.o.parentSpacing);
  }

  ask(): AskResult<C> {
    const pending = this.trials.pending();
    const done = this.trials.completed();
    if (this.trials.history.asked < this.o.initial || done.length < 2) {
      const v = freshValue(this.space, this.trials.known, this.rng);
      if (v !== undefined) return this.suggest(v);
      return pending.length > 0 ? { kind: 'wait' } : { kind: 'done' };
    }
    const exploiting = inExploitPhase(this.trials.history.asked, this.budget, this.o.exploit);
    const candidates = this.candidates(done.map((t) => ({ config: t.config, score: t.score as number })));
    if (candidates.length === 0) return pending.length > 0 ? { kind: 'wait' } : { kind: 'done' };
    const values = done.map((t) => t.config);
    const scores = done.map((t) => t.score as number);
    const believed = this.o.pending === 'believer' ? pending.map((t) => t.config) : [];
    const { p, incumbent } = this.predictor.screen(values, scores, believed, candidates, this.rng);
    // Wider draws as the best stalls (the exploit phase's pick reads only the means).
    const widen = 1 + this.o.explore * resultsSinceBest(scores);
    if (widen !== 1) widenDraws(p, widen);
    return this.suggest(candidates[screenPick(p, incumbent, exploiting, this.o, this.rng)]);
  }

  tell(id: number, outcome: Outcome): void {
    this.trials.tell(id, outcome);
  }

  saveState(): BananasState {
    return { version: 1, strategy: 'bananas', rng: this.rng.state(), history: this.trials.save() };
  }

  loadState(state: unknown): void {
    const s = state as BananasState;
    if (!s || s.version !== 1 || s.strategy !== 'bananas') throw new UsageError('bananas: not a saved bananas state (version 1)');
    this.rng = Rng.fromState(s.rng);
    this.trials.load(s.history);
  }

  private suggest(config: C): AskResult<C> {
    return { kind: 'suggestion', suggestion: this.trials.propose(config) };
  }

  /** Unknown neighbours, two-step neighbours and two-mutation children of the best results, and uniform draws. */
  private candidates(done: ReadonlyArray<{ config: C; score: number }>): C[] {
    const parents = this.spaced.pick(
      done
        .map((t, i) => ({ ...t, i }))
        .sort((a, b) => b.score - a.score || a.i - b.i)
        .map((t) => t.config),
      this.o.parents,
    );
    const set = new CandidateSet(this.space, this.trials.known);
    for (const p of parents) set.addNeighbours(p, this.rng, this.o.neighbourSamples);
    for (const p of parents.slice(0, this.o.twoStep)) set.addTwoStepNeighbours(p, this.rng, this.o.maxCandidates);
    set.addMutants(parents, this.o.mutants, 2, this.rng);
    set.addFresh(this.o.randomCandidates, this.rng);
    const all = set.values();
    if (all.length <= this.o.maxCandidates) return all;
    return this.rng.sampleIndices(all.length, this.o.maxCandidates).sort((a, b) => a - b).map((i) => all[i]);
  }
}

/** Multiplies the spread of a prediction's draws, independent and joint, by `widen`. */
function widenDraws(p: Prediction, widen: number): void {
  for (let i = 0; i < p.std.length; i++) p.std[i] *= widen;
  const sample = p.sample;
  if (sample) p.sample = (rng) => sample(rng).map((x, i) => p.mean[i] + widen * (x - p.mean[i]));
}

/** Results told since the best so far (0: the last result is the best; ties: the first best). */
export function resultsSinceBest(scores: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return scores.length - 1 - best;
}

/** Factory for the registry; options in BananasOptions. */
export function createBananas(ctx: StrategyContext): Strategy<unknown> {
  return new Bananas(ctx.space, ctx.rng, ctx.options, ctx.budget);
}

registerStrategy('bananas', createBananas, BANANAS_OPTIONS);
