/**
 * Grid search (scikit-learn's GridSearchCV): every point of a discretised grid, once.
 *
 * Over a hyperparameter space the grid is `hparamsGrid` (conditional-aware: every categorical choice,
 * floats at `points` values, log-aware). Over any other space it is the product of the encoding's
 * dimensions (every choice, every int, floats at `points` values), decoded; configurations whose
 * canonical hash was already proposed are skipped, so isomorphic architectures appear once.
 * The order is deterministic (the first dimension varies slowest); `shuffle` visits the same points in
 * a seeded pseudo-random order. `ask` answers `done` when the grid is exhausted.
 */
import { UsageError, ValidationError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { HparamsSpace } from '../spaces/hparams.ts';
import { hparamsGrid, hparamsGridSize } from '../spaces/hparams-grid.ts';
import type { EncodingDim, SearchSpace } from '../spaces/space.ts';
import { FeistelPermutation, MAX_PERMUTATION_SIZE } from './permutation.ts';
import { registerStrategy, type StrategyContext } from './registry.ts';
import type { AskResult, Outcome, Strategy } from './strategy.ts';
import { TrialHistory, type TrialHistoryState } from './trial-history.ts';

/** Options of grid search. */
export interface GridOptions {
  /**
   * Values per float dimension (and per int hyperparameter with more values than this).
   * Default: the largest number (at least 2) whose grid still fits in the run's budget.
   */
  points?: number;
  /** Visit the grid in a seeded pseudo-random order instead of the deterministic one. Default false. */
  shuffle?: boolean;
  /** The most grid points enumerated up front for a hyperparameter space. Default 1,000,000. */
  maxSize?: number;
}

/** An indexable grid. */
export interface GridSource<C> {
  readonly size: number;
  at(index: number): C;
}

function dimValues(dim: EncodingDim, points: number): number[] {
  if (dim.kind === 'categorical') return dim.choices.map((_, i) => i);
  if (dim.kind === 'int') {
    const n = dim.high - dim.low + 1;
    if (n <= 1) return [0];
    return Array.from({ length: n }, (_, i) => {
      const v = dim.low + i;
      return dim.log ? (Math.log(v) - Math.log(dim.low)) / (Math.log(dim.high) - Math.log(dim.low)) : i / (n - 1);
    });
  }
  return points === 1 ? [0.5] : Array.from({ length: points }, (_, i) => i / (points - 1));
}

/** Number of points of the product grid over `dims`. */
export function productGridSize(dims: readonly EncodingDim[], points: number): number {
  return dims.reduce((n, d) => n * dimValues(d, points).length, 1);
}

/** The product grid over a space's encoding dimensions (index -> decoded configuration). */
export function productGrid<C>(space: SearchSpace<C>, points: number): GridSource<C> {
  const values = space.dims().map((d) => dimValues(d, points));
  const size = values.reduce((n, v) => n * v.length, 1);
  if (size > MAX_PERMUTATION_SIZE) {
    throw new ValidationError(`the grid over '${space.name}' has ${size} points`, { field: 'points' }, `a space whose grid has at most 2^52 points`);
  }
  return {
    size,
    at(index: number): C {
      const vector = new Array<number>(values.length);
      let rest = index;
      for (let d = values.length - 1; d >= 0; d--) {
        vector[d] = values[d][rest % values[d].length];
        rest = Math.floor(rest / values[d].length);
      }
      return space.decode(vector);
    },
  };
}

function gridSize(space: SearchSpace<unknown>, points: number): number {
  return space instanceof HparamsSpace ? hparamsGridSize(space, { points }) : productGridSize(space.dims(), points);
}

/** The largest points-per-dimension (at least 2, at most 1000) whose grid fits in `budget` (5 without a finite budget). */
export function pointsForBudget(space: SearchSpace<unknown>, budget: number): number {
  if (!Number.isFinite(budget) || budget <= 0) return 5;
  let k = 2;
  while (k < 1000) {
    const next = gridSize(space, k + 1);
    if (next > budget || next === gridSize(space, k)) break;
    k++;
  }
  return k;
}

function parseOptions(options: Readonly<Record<string, unknown>>): GridOptions {
  const out: GridOptions = {};
  const { points, shuffle, maxSize } = options;
  if (points !== undefined) {
    if (typeof points !== 'number' || !Number.isInteger(points) || points < 1) {
      throw new ValidationError(`points is ${JSON.stringify(points)}`, { field: 'points' }, 'an integer >= 1');
    }
    out.points = points;
  }
  if (shuffle !== undefined) {
    if (typeof shuffle !== 'boolean') throw new ValidationError(`shuffle is ${JSON.stringify(shuffle)}`, { field: 'shuffle' }, 'true or false');
    out.shuffle = shuffle;
  }
  if (maxSize !== undefined) {
    if (typeof maxSize !== 'number' || !Number.isInteger(maxSize) || maxSize < 1) {
      throw new ValidationError(`maxSize is ${JSON.stringify(maxSize)}`, { field: 'maxSize' }, 'an integer >= 1');
    }
    out.maxSize = maxSize;
  }
  return out;
}

interface GridState {
  version: 1;
  strategy: 'grid';
  points: number;
  size: number;
  position: number;
  keys: number[] | null;
  history: TrialHistoryState;
}

export class GridSearch<C> implements Strategy<C> {
  readonly name = 'grid';
  /** Values per float dimension actually used. */
  readonly points: number;
  private readonly space: SearchSpace<C>;
  private readonly source: GridSource<C>;
  private permutation: FeistelPermutation | null;
  private position = 0;
  private readonly seen = new Set<string>();
  private readonly history: TrialHistory<C>;

  constructor(space: SearchSpace<C>, rng: Rng, budget: number, options: GridOptions = {}) {
    this.space = space;
    this.points = options.points ?? pointsForBudget(space as SearchSpace<unknown>, budget);
    if (space instanceof HparamsSpace) {
      const list = hparamsGrid(space, { points: this.points, maxSize: options.maxSize }) as C[];
      this.source = { size: list.length, at: (i) => list[i] };
    } else {
      this.source = productGrid(space, this.points);
    }
    this.permutation = options.shuffle ? FeistelPermutation.random(this.source.size, rng) : null;
    this.history = new TrialHistory(space, 'grid');
  }

  /** Number of grid points (before removing hash duplicates). */
  get size(): number {
    return this.source.size;
  }

  ask(): AskResult<C> {
    while (this.position < this.source.size) {
      const index = this.permutation ? this.permutation.at(this.position) : this.position;
      this.position++;
      const config = this.source.at(index);
      const hash = this.space.hash(config);
      if (this.seen.has(hash)) continue;
      this.seen.add(hash);
      return { kind: 'suggestion', suggestion: this.history.add(config) };
    }
    return { kind: 'done' };
  }

  tell(id: number, outcome: Outcome): void {
    this.history.tell(id, outcome);
  }

  saveState(): GridState {
    return {
      version: 1,
      strategy: 'grid',
      points: this.points,
      size: this.source.size,
      position: this.position,
      keys: this.permutation ? [...this.permutation.keys] : null,
      history: this.history.save(),
    };
  }

  loadState(state: unknown): void {
    const s = state as GridState;
    if (!s || s.version !== 1 || s.strategy !== 'grid') throw new UsageError('grid: not a saved grid-search state (version 1)');
    if (s.points !== this.points || s.size !== this.source.size) {
      throw new UsageError(`grid: the saved grid (${s.size} points, ${s.points} per float) differs from this one (${this.source.size}, ${this.points})`);
    }
    this.position = s.position;
    this.permutation = s.keys ? new FeistelPermutation(this.source.size, s.keys) : null;
    this.history.load(s.history);
    this.seen.clear();
    for (const t of this.history.all()) this.seen.add(this.space.hash(t.config));
  }
}

/** Factory for the registry: options `points`, `shuffle`, `maxSize`. */
export function createGrid(ctx: StrategyContext): Strategy<unknown> {
  return new GridSearch(ctx.space, ctx.rng, ctx.budget, parseOptions(ctx.options));
}

registerStrategy('grid', createGrid, ['points', 'shuffle', 'maxSize']);
