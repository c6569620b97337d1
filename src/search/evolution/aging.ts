/**
 * Aging (regularized) evolution, Real et al. 2019 ("Regularized Evolution for Image Classifier
 * Architecture Search"), behind the ask/tell Strategy interface.
 *
 * P random individuals first; then each cycle samples S individuals uniformly (with replacement, as
 * the paper's pseudocode and the public implementations do), takes the best as the parent and mutates
 * it. Each told child joins the population and replaces the OLDEST member: the population is a ring
 * buffer whose next slot is always the oldest. A separate bounded record keeps the best ever seen.
 *
 * Asynchronous use: `ask` may be called while results are pending. Until P random individuals have
 * been asked, `ask` returns random ones; after that parents are sampled from the individuals told so
 * far. When nobody has been told yet (all P still pending) `ask` answers `wait`; when nothing is pending
 * and the population is empty (every initial child failed) it samples at random again.
 */
import { UsageError, ValidationError, positiveInt } from '../../core/errors.ts';
import { Rng, type RngState } from '../../core/rng.ts';
import type { SearchSpace } from '../../spaces/space.ts';
import { registerStrategy, type StrategyContext } from '../registry.ts';
import type { AskResult, Outcome, Strategy } from '../strategy.ts';
import { recordBest, type Individual } from './best-record.ts';

/** Options of aging evolution. */
export interface AgingOptions {
  /** Population size P: the number of random individuals first, then the ring buffer's capacity. Default 100. */
  population?: number;
  /** Tournament size S: individuals sampled uniformly per cycle; the best becomes the parent. Default 25. */
  sample?: number;
  /** How many of the best individuals ever seen are kept apart from the population. Default 10. */
  historySize?: number;
}

export type { Individual } from './best-record.ts';

interface Pending<C> {
  config: C;
  parentId?: number;
}

/** Plain-JSON form of the strategy's state (what `saveState` returns). */
interface AgingState {
  version: 1;
  nextId: number;
  randomAsked: number;
  rng: RngState;
  pending: Array<{ id: number; config: unknown; parentId?: number }>;
  population: Array<{ id: number; config: unknown; score: number }>;
  oldest: number;
  best: Array<{ id: number; config: unknown; score: number }>;
}

export class AgingEvolution<C> implements Strategy<C> {
  readonly name = 'aging';
  readonly populationSize: number;
  readonly sampleSize: number;
  readonly historySize: number;
  private readonly space: SearchSpace<C>;
  private rng: Rng;
  private nextId = 0;
  private randomAsked = 0;
  private readonly pending = new Map<number, Pending<C>>();
  /** Ring buffer; while not full it grows, once full `oldest` is the slot the next child replaces. */
  private ring: Array<Individual<C>> = [];
  private oldest = 0;
  private best: Array<Individual<C>> = [];

  constructor(space: SearchSpace<C>, rng: Rng, options: AgingOptions = {}) {
    this.space = space;
    this.rng = rng;
    this.populationSize = positiveInt(options.population, 100, 'population');
    this.sampleSize = positiveInt(options.sample, 25, 'sample');
    this.historySize = positiveInt(options.historySize, 10, 'historySize');
    if (this.sampleSize > this.populationSize) {
      throw new ValidationError(
        `sample (${this.sampleSize}) is larger than the population (${this.populationSize})`,
        { field: 'sample' },
        `an integer between 1 and ${this.populationSize}`,
      );
    }
  }

  ask(): AskResult<C> {
    if (this.randomAsked < this.populationSize) {
      this.randomAsked++;
      return this.propose(this.space.sample(this.rng));
    }
    if (this.ring.length === 0) {
      if (this.pending.size > 0) return { kind: 'wait' };
      return this.propose(this.space.sample(this.rng));
    }
    const parent = this.tournament();
    return this.propose(this.space.mutate(parent.config, this.rng), parent.id);
  }

  tell(id: number, outcome: Outcome): void {
    const entry = this.pending.get(id);
    if (!entry) {
      const seen = Number.isInteger(id) && id >= 0 && id < this.nextId;
      throw new UsageError(seen ? `trial ${id} was already told` : `trial ${id} was never asked`);
    }
    if (outcome.status === 'ok' && (typeof outcome.score !== 'number' || Number.isNaN(outcome.score))) {
      throw new UsageError(`tell(${id}): an 'ok' outcome needs a numeric score`);
    }
    this.pending.delete(id);
    if (outcome.status !== 'ok') return;
    const child: Individual<C> = { id, config: entry.config, score: outcome.score as number };
    if (this.ring.length < this.populationSize) {
      this.ring.push(child);
    } else {
      this.ring[this.oldest] = child;
      this.oldest = (this.oldest + 1) % this.populationSize;
    }
    recordBest(this.best, child, this.historySize);
  }

  /** The current population, oldest first. */
  population(): ReadonlyArray<Individual<C>> {
    if (this.ring.length < this.populationSize) return this.ring.slice();
    return [...this.ring.slice(this.oldest), ...this.ring.slice(0, this.oldest)];
  }

  /** The best individuals ever told, best first (ties: lower id first). */
  bestEver(): ReadonlyArray<Individual<C>> {
    return this.best.slice();
  }

  saveState(): AgingState {
    const json = (c: C): unknown => this.space.toJSON(c);
    return {
      version: 1,
      nextId: this.nextId,
      randomAsked: this.randomAsked,
      rng: this.rng.state(),
      pending: [...this.pending].map(([id, p]) => ({ id, config: json(p.config), ...(p.parentId !== undefined ? { parentId: p.parentId } : {}) })),
      population: this.ring.map((m) => ({ id: m.id, config: json(m.config), score: m.score })),
      oldest: this.oldest,
      best: this.best.map((m) => ({ id: m.id, config: json(m.config), score: m.score })),
    };
  }

  loadState(state: unknown): void {
    const s = state as AgingState;
    if (!s || typeof s !== 'object' || s.version !== 1 || !Array.isArray(s.population)) {
      throw new UsageError('aging: not a saved aging-evolution state (version 1)');
    }
    if (s.population.length > this.populationSize) {
      throw new UsageError(`aging: the saved population has ${s.population.length} members, more than P=${this.populationSize}`);
    }
    const config = (c: unknown): C => this.space.validate(c);
    this.nextId = s.nextId;
    this.randomAsked = s.randomAsked;
    this.rng = Rng.fromState(s.rng);
    this.pending.clear();
    for (const p of s.pending) this.pending.set(p.id, { config: config(p.config), parentId: p.parentId });
    this.ring = s.population.map((m) => ({ id: m.id, config: config(m.config), score: m.score }));
    this.oldest = s.oldest;
    this.best = s.best.map((m) => ({ id: m.id, config: config(m.config), score: m.score }));
  }

  private propose(config: C, parentId?: number): AskResult<C> {
    const id = this.nextId++;
    this.pending.set(id, { config, parentId });
    return { kind: 'suggestion', suggestion: { id, config, ...(parentId !== undefined ? { parentId } : {}) } };
  }

  /** S uniform draws with replacement; the best wins, the earliest draw on ties. */
  private tournament(): Individual<C> {
    let winner = this.ring[this.rng.int(this.ring.length)];
    for (let i = 1; i < this.sampleSize; i++) {
      const candidate = this.ring[this.rng.int(this.ring.length)];
      if (candidate.score > winner.score) winner = candidate;
    }
    return winner;
  }
}

/** Factory for the registry: options `population`, `sample`, `historySize`. */
export function createAging(ctx: StrategyContext): Strategy<unknown> {
  const o = ctx.options;
  return new AgingEvolution(ctx.space, ctx.rng, {
    population: o.population as number | undefined,
    sample: o.sample as number | undefined,
    historySize: o.historySize as number | undefined,
  });
}

registerStrategy('aging', createAging, ['population', 'sample', 'historySize']);
