/**
 * Large-scale evolution, Real et al. 2017 ("Large-Scale Evolution of Image Classifiers"), behind the
 * ask/tell Strategy interface.
 *
 * The population starts with P individuals from `space.sample` (in the large-scale space, all the
 * same trivial network). Then each step picks two individuals of the population uniformly at random,
 * removes the worse from the population at once and proposes a mutated copy of the better; the child
 * carries the better one's id as `parentId`, so the evaluator can give it the parent's trained weights.
 * A told child joins the population. A child that fails undoes its tournament: the individual it
 * displaced returns, so failures do not shrink the population.
 *
 * Asynchronous use: `ask` may be called while children are pending, as in the paper's many workers.
 * With fewer than two individuals it waits for pending children; with none pending it mutates the
 * last survivor, or samples afresh when nobody is left. The population's order is the order of
 * arrival (oldest first).
 */
import { UsageError, positiveInt } from '../../core/errors.ts';
import { Rng, type RngState } from '../../core/rng.ts';
import type { SearchSpace } from '../../spaces/space.ts';
import { registerStrategy, type StrategyContext } from '../registry.ts';
import type { AskResult, Outcome, Strategy } from '../strategy.ts';
import { recordBest, type Individual } from './best-record.ts';

/** Options of large-scale evolution. */
export interface LargeScaleOptions {
  /** Population size P: the number of initial individuals. Default 100 (the paper used 1,000). */
  population?: number;
  /** How many of the best individuals ever seen are kept apart from the population. Default 10. */
  historySize?: number;
}

type Member<C> = Individual<C>;

interface Pending<C> {
  config: C;
  parentId?: number;
  /** The individual this child's tournament removed; it returns to the population if the child fails. */
  loser?: Member<C>;
}

type SavedMember = { id: number; config: unknown; score: number };

/** Plain-JSON form of the strategy's state (what `saveState` returns). */
interface LargeScaleState {
  version: 1;
  strategy: 'large-scale';
  nextId: number;
  initialAsked: number;
  rng: RngState;
  pending: Array<{ id: number; config: unknown; parentId?: number; loser?: SavedMember }>;
  population: SavedMember[];
  best: SavedMember[];
  killed: number;
}

export class LargeScaleEvolution<C> implements Strategy<C> {
  readonly name = 'large-scale';
  readonly populationSize: number;
  readonly historySize: number;
  private readonly space: SearchSpace<C>;
  private rng: Rng;
  private nextId = 0;
  private initialAsked = 0;
  private killed = 0;
  private readonly pending = new Map<number, Pending<C>>();
  private members: Array<Member<C>> = [];
  private best: Array<Member<C>> = [];

  constructor(space: SearchSpace<C>, rng: Rng, options: LargeScaleOptions = {}) {
    this.space = space;
    this.rng = rng;
    this.populationSize = positiveInt(options.population, 100, 'population');
    this.historySize = positiveInt(options.historySize, 10, 'historySize');
  }

  ask(): AskResult<C> {
    if (this.initialAsked < this.populationSize) {
      this.initialAsked++;
      return this.propose(this.space.sample(this.rng));
    }
    if (this.members.length >= 2) {
      const [i, j] = this.rng.sampleIndices(this.members.length, 2);
      const a = this.members[i];
      const b = this.members[j];
      // The worse dies; on a tie the older one (earlier in arrival order) does.
      const [winner, loserIndex] = b.score > a.score || (b.score === a.score && i < j) ? [b, i] : [a, j];
      const [loser] = this.members.splice(loserIndex, 1);
      this.killed++;
      return this.propose(this.space.mutate(winner.config, this.rng), winner.id, loser);
    }
    if (this.pending.size > 0) return { kind: 'wait' };
    if (this.members.length === 1) return this.propose(this.space.mutate(this.members[0].config, this.rng), this.members[0].id);
    return this.propose(this.space.sample(this.rng));
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
    if (outcome.status !== 'ok') {
      if (entry.loser) {
        this.members.push(entry.loser);
        this.killed--;
      }
      return;
    }
    const member = { id, config: entry.config, score: outcome.score as number };
    this.members.push(member);
    recordBest(this.best, member, this.historySize);
  }

  /** The current population in order of arrival (oldest first). */
  population(): ReadonlyArray<Member<C>> {
    return this.members.slice();
  }

  /** The best individuals ever told, best first (ties: lower id first). */
  bestEver(): ReadonlyArray<Member<C>> {
    return this.best.slice();
  }

  /** Individuals removed by a tournament so far. */
  get removed(): number {
    return this.killed;
  }

  saveState(): LargeScaleState {
    const json = (m: Member<C>): SavedMember => ({ id: m.id, config: this.space.toJSON(m.config), score: m.score });
    return {
      version: 1,
      strategy: 'large-scale',
      nextId: this.nextId,
      initialAsked: this.initialAsked,
      rng: this.rng.state(),
      pending: [...this.pending].map(([id, p]) => ({
        id, config: this.space.toJSON(p.config), ...(p.parentId !== undefined ? { parentId: p.parentId } : {}), ...(p.loser ? { loser: json(p.loser) } : {}),
      })),
      population: this.members.map(json),
      best: this.best.map(json),
      killed: this.killed,
    };
  }

  loadState(state: unknown): void {
    const s = state as LargeScaleState;
    if (!s || typeof s !== 'object' || s.version !== 1 || s.strategy !== 'large-scale' || !Array.isArray(s.population)) {
      throw new UsageError('large-scale: not a saved large-scale-evolution state (version 1)');
    }
    const member = (m: SavedMember): Member<C> => ({ id: m.id, config: this.space.validate(m.config), score: m.score });
    this.nextId = s.nextId;
    this.initialAsked = s.initialAsked;
    this.killed = s.killed;
    this.rng = Rng.fromState(s.rng);
    this.pending.clear();
    for (const p of s.pending) this.pending.set(p.id, { config: this.space.validate(p.config), parentId: p.parentId, ...(p.loser ? { loser: member(p.loser) } : {}) });
    this.members = s.population.map(member);
    this.best = s.best.map(member);
  }

  private propose(config: C, parentId?: number, loser?: Member<C>): AskResult<C> {
    const id = this.nextId++;
    this.pending.set(id, { config, parentId, ...(loser ? { loser } : {}) });
    return { kind: 'suggestion', suggestion: { id, config, ...(parentId !== undefined ? { parentId } : {}) } };
  }
}

/** Factory for the registry: options `population`, `historySize` (`sample` is ignored: tournaments are pairs). */
export function createLargeScale(ctx: StrategyContext): Strategy<unknown> {
  const o = ctx.options;
  return new LargeScaleEvolution(ctx.space, ctx.rng, {
    population: o.population as number | undefined,
    historySize: o.historySize as number | undefined,
  });
}

registerStrategy('large-scale', createLargeScale, ['population', 'historySize']);
