/**
 * Random search (scikit-learn's RandomizedSearchCV): every suggestion an independent uniform draw
 * from the space. RandomSampler is the piece other strategies hold for their random start-up
 * trials (TPE), as optuna's TPESampler holds a RandomSampler.
 */
import { UsageError } from '../core/errors.ts';
import { Rng, type RngState } from '../core/rng.ts';
import type { SearchSpace } from '../spaces/space.ts';
import { registerStrategy, type StrategyContext } from './registry.ts';
import type { AskResult, Outcome, Strategy } from './strategy.ts';
import { TrialHistory, type TrialHistoryState } from './trial-history.ts';

/** Uniform draws from a space with its own rng. */
export class RandomSampler<C> {
  private readonly space: SearchSpace<C>;
  private rng: Rng;

  constructor(space: SearchSpace<C>, rng: Rng) {
    this.space = space;
    this.rng = rng;
  }

  sample(): C {
    return this.space.sample(this.rng);
  }

  state(): RngState {
    return this.rng.state();
  }

  restore(state: RngState): void {
    this.rng = Rng.fromState(state);
  }
}

interface RandomState {
  version: 1;
  strategy: 'random';
  rng: RngState;
  history: TrialHistoryState;
}

export class RandomSearch<C> implements Strategy<C> {
  readonly name = 'random';
  private readonly sampler: RandomSampler<C>;
  private readonly history: TrialHistory<C>;

  constructor(space: SearchSpace<C>, rng: Rng) {
    this.sampler = new RandomSampler(space, rng);
    this.history = new TrialHistory(space, 'random');
  }

  ask(): AskResult<C> {
    return { kind: 'suggestion', suggestion: this.history.add(this.sampler.sample()) };
  }

  tell(id: number, outcome: Outcome): void {
    this.history.tell(id, outcome);
  }

  saveState(): RandomState {
    return { version: 1, strategy: 'random', rng: this.sampler.state(), history: this.history.save() };
  }

  loadState(state: unknown): void {
    const s = state as RandomState;
    if (!s || s.version !== 1 || s.strategy !== 'random') throw new UsageError('random: not a saved random-search state (version 1)');
    this.sampler.restore(s.rng);
    this.history.load(s.history);
  }
}

/** Factory for the registry (no options). */
export function createRandom(ctx: StrategyContext): Strategy<unknown> {
  return new RandomSearch(ctx.space, ctx.rng);
}

registerStrategy('random', createRandom, []);
