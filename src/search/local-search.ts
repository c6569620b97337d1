/**
 * Local search (White, Nolen, Yu and Zela 2020, "Local search is state of the art for NAS
 * benchmarks"), optionally guided by a predictor:
 *
 * 1. `initial` random architectures; the best becomes the current one.
 * 2. The current architecture's unknown neighbours (every value one mutation away, from the space's
 *    own list, or `neighbourSamples` mutations where it has none) are evaluated one by one, in random
 *    order (the paper's; default) or, with `order: predictor`, best predicted first by a predictor
 *    fitted on every result so far. The first neighbour that beats the current one becomes current
 *    (first improvement) and its neighbourhood is ordered afresh.
 * 3. When a whole neighbourhood has been evaluated without improvement (a local optimum), a new climb
 *    starts from an unknown architecture: a uniform draw (default), or with `restart: predictor` the
 *    one independent Thompson sampling of the predictor prefers among `restartCandidates` draws.
 *
 * Never proposes a known network (canonical hash). Parallel asks: neighbours are handed out in
 * order while others are pending; when the neighbourhood is used up, or a climb waits for its
 * starting point, `ask` answers `wait` until the pending results are in (any of them may move the
 * search). When no unknown architecture can be found, `ask` answers `done`.
 */
import { UsageError } from '../core/errors.ts';
import { Rng, type RngState } from '../core/rng.ts';
import type { SearchSpace } from '../spaces/space.ts';
import { CandidateSet, freshValue } from './candidates.ts';
import { choiceOption, numberOption } from './gp/options.ts';
import { KnownTrials } from './known-trials.ts';
import { PREDICTOR_OPTIONS, Predictor, type PredictorOptions, acquisitionPick, readPredictorOptions } from './predictor/surrogate.ts';
import { registerStrategy, type StrategyContext } from './registry.ts';
import type { AskResult, Outcome, Strategy } from './strategy.ts';
import type { TrialHistoryState } from './trial-history.ts';

/** Options of local search. */
export interface LocalSearchOptions extends PredictorOptions {
  /** Random architectures evaluated before the first climb. Default 10. */
  initial?: number;
  /** Order in which a neighbourhood is evaluated: `random` (the paper's) or `predictor` (best predicted first). Default `random`. */
  order?: 'predictor' | 'random';
  /** Where a climb starts after a local optimum: `random` (a uniform draw) or `predictor` (Thompson sampling over uniform draws). Default `random`. */
  restart?: 'predictor' | 'random';
  /** Uniform draws the predictor chooses a restart from. Default 100. */
  restartCandidates?: number;
  /** Mutations drawn as the neighbourhood where the space lists no neighbours. Default 30. */
  neighbourSamples?: number;
}

export const LOCAL_SEARCH_OPTIONS: readonly string[] = ['initial', 'order', 'restart', 'restartCandidates', 'neighbourSamples', ...PREDICTOR_OPTIONS];

interface LocalSearchState {
  version: 1;
  strategy: 'local-search';
  rng: RngState;
  history: TrialHistoryState;
  current: number | null;
  climbStart: number | null;
  queue: unknown[] | null;
}

export class LocalSearch<C> implements Strategy<C> {
  readonly name = 'local-search';
  private readonly space: SearchSpace<C>;
  private readonly o: Required<LocalSearchOptions>;
  private readonly trials: KnownTrials<C>;
  private readonly predictor: Predictor<C>;
  private rng: Rng;
  /** Id of the current architecture (a told trial), or null between climbs. */
  private current: number | null = null;
  /** Id of the trial a new climb starts from while it is pending. */
  private climbStart: number | null = null;
  /** The current neighbourhood still to evaluate, in order; null until it is ranked. */
  private queue: C[] | null = null;

  constructor(space: SearchSpace<C>, rng: Rng, options: Readonly<Record<string, unknown>> = {}) {
    this.space = space;
    this.rng = rng;
    this.o = {
      ...readPredictorOptions(options, 'gp'),
      initial: numberOption(options, 'initial', 10, { integer: true, min: 1 }),
      order: choiceOption(options, 'order', 'random', ['random', 'predictor'] as const),
      restart: choiceOption(options, 'restart', 'random', ['random', 'predictor'] as const),
      restartCandidates: numberOption(options, 'restartCandidates', 100, { integer: true, min: 1 }),
      neighbourSamples: numberOption(options, 'neighbourSamples', 30, { integer: true, min: 1 }),
    };
    this.trials = new KnownTrials(space, 'local-search');
    this.predictor = new Predictor(space, this.o);
  }

  ask(): AskResult<C> {
    const pending = this.trials.pending().length;
    if (this.trials.history.asked < this.o.initial) return this.proposeFresh(pending);
    if (this.current === null) {
      if (pending > 0) return { kind: 'wait' };
      const done = this.trials.completed();
      if (this.climbStart === null && done.length > 0 && this.trials.history.asked === this.o.initial) {
        this.current = best(done).id;
      } else {
        return this.startClimb();
      }
    }
    if (this.queue === null) this.queue = this.rankNeighbourhood();
    while (this.queue.length > 0) {
      const next = this.queue.shift() as C;
      if (!this.trials.known.has(this.space.hash(next))) return this.suggest(next);
    }
    if (pending > 0) return { kind: 'wait' };
    return this.startClimb();
  }

  tell(id: number, outcome: Outcome): void {
    const record = this.trials.tell(id, outcome);
    if (id === this.climbStart) {
      this.climbStart = null;
      if (record.status === 'ok') this.moveTo(id);
      return;
    }
    if (record.status !== 'ok' || this.current === null) return;
    if ((record.score as number) > (this.trials.trial(this.current).score as number)) this.moveTo(id);
  }

  saveState(): LocalSearchState {
    return {
      version: 1,
      strategy: 'local-search',
      rng: this.rng.state(),
      history: this.trials.save(),
      current: this.current,
      climbStart: this.climbStart,
      queue: this.queue === null ? null : this.queue.map((c) => this.space.toJSON(c)),
    };
  }

  loadState(state: unknown): void {
    const s = state as LocalSearchState;
    if (!s || s.version !== 1 || s.strategy !== 'local-search') throw new UsageError('local-search: not a saved local-search state (version 1)');
    this.rng = Rng.fromState(s.rng);
    this.trials.load(s.history);
    this.current = s.current;
    this.climbStart = s.climbStart;
    this.queue = s.queue === null ? null : s.queue.map((c) => this.space.validate(c));
  }

  private moveTo(id: number): void {
    this.current = id;
    this.queue = null;
  }

  private suggest(config: C): AskResult<C> {
    return { kind: 'suggestion', suggestion: this.trials.propose(config) };
  }

  /** A uniform draw of an unknown architecture; `wait` or `done` when none can be found. */
  private proposeFresh(pending: number): AskResult<C> {
    const v = freshValue(this.space, this.trials.known, this.rng);
    if (v !== undefined) return this.suggest(v);
    return pending > 0 ? { kind: 'wait' } : { kind: 'done' };
  }

  /** Leaves the local optimum and proposes the first architecture of a new climb. */
  private startClimb(): AskResult<C> {
    this.current = null;
    this.queue = null;
    const done = this.trials.completed();
    let start: C | undefined;
    if (this.o.restart === 'predictor' && done.length >= 2) {
      const pool = new CandidateSet(this.space, this.trials.known);
      pool.addFresh(this.o.restartCandidates, this.rng);
      const candidates = pool.values();
      if (candidates.length > 0) {
        const { p, incumbent } = this.predictor.screen(done.map((t) => t.config), done.map((t) => t.score as number), [], candidates, this.rng);
        start = candidates[acquisitionPick(p, incumbent, this.o, this.rng)];
      }
    }
    start ??= freshValue(this.space, this.trials.known, this.rng);
    if (start === undefined) return { kind: 'done' };
    const r = this.suggest(start);
    if (r.kind === 'suggestion') this.climbStart = r.suggestion.id;
    return r;
  }

  /** The current architecture's unknown neighbours, best predicted first (or shuffled). */
  private rankNeighbourhood(): C[] {
    const set = new CandidateSet(this.space, this.trials.known);
    set.addNeighbours(this.trials.trial(this.current as number).config, this.rng, this.o.neighbourSamples);
    const neighbours = set.values();
    const done = this.trials.completed();
    if (this.o.order === 'random' || done.length < 2 || neighbours.length < 2) return this.rng.shuffle(neighbours);
    const fitted = this.predictor.fit(done.map((t) => t.config), done.map((t) => t.score as number), this.rng.seedUint32());
    const p = fitted.predict(neighbours);
    return neighbours.map((c, i) => ({ c, m: p.mean[i], i })).sort((a, b) => b.m - a.m || a.i - b.i).map((e) => e.c);
  }
}

function best<T extends { id: number; score?: number }>(trials: readonly T[]): T {
  return trials.reduce((a, b) => ((b.score as number) > (a.score as number) ? b : a));
}

/** Factory for the registry; options in LocalSearchOptions. */
export function createLocalSearch(ctx: StrategyContext): Strategy<unknown> {
  return new LocalSearch(ctx.space, ctx.rng, ctx.options);
}

registerStrategy('local-search', createLocalSearch, LOCAL_SEARCH_OPTIONS);
