/**
 * The SearchSpace interface every space implements: architecture spaces (nasnet-cell,
 * nas-bench-201, large-scale), hyperparameter spaces and joint spaces. Strategies only see this
 * interface, so any strategy runs over any space.
 */
import type { Rng } from '../core/rng.ts';
import type { CellGraph } from '../genome/cell-graph.ts';

/** One dimension of a space's fixed-length numeric encoding (for surrogate models: GP, TPE, KDE). */
export type EncodingDim =
  | {
      /** A real value; `encode` gives it normalised to [0, 1] (in log space when `log`). */
      kind: 'float';
      name: string;
      low: number;
      high: number;
      log?: boolean;
    }
  | {
      /** An integer; `encode` gives it normalised to [0, 1] (in log space when `log`). */
      kind: 'int';
      name: string;
      low: number;
      high: number;
      log?: boolean;
    }
  | {
      /** One of `choices.length` unordered choices; `encode` gives the index 0..choices.length-1. */
      kind: 'categorical';
      name: string;
      choices: readonly string[];
    };

/**
 * A search space over values of type C (a genome, a hyperparameter assignment, or a pair).
 * All randomness comes from the rng passed in; implementations hold none of their own.
 */
export interface SearchSpace<C> {
  /** Short name, e.g. `nasnet-cell`. */
  readonly name: string;
  /** Which implementation this is: `nasnet-cell`, `nas-bench-201`, `hparams`, `joint`, ... */
  readonly type: string;
  /** A uniformly random member of the space. */
  sample(rng: Rng): C;
  /** A new member that differs from `value` by one mutation (may be the identity mutation). */
  mutate(value: C, rng: Rng): C;
  /**
   * Checks an untyped value (parsed JSON) and returns it typed. Throws a ValidationError that names the
   * field and what is accepted.
   */
  validate(value: unknown): C;
  /** Canonical hash: equal for any two values that build the same network / configuration. */
  hash(value: C): string;
  /** The dimensions of `encode`'s vector. */
  dims(): readonly EncodingDim[];
  /**
   * A fixed-length vector, one number per `dims()` entry: floats and ints normalised to [0, 1],
   * categoricals as their index. Dimensions that are inactive (conditional parameters) are NaN.
   */
  encode(value: C): number[];
  /** The inverse of `encode` (rounding ints and categoricals); any vector of the right length decodes. */
  decode(vector: readonly number[]): C;
  /** Human-readable JSON form (what `nas genome random` prints). */
  toJSON(value: C): unknown;
  /** Number of distinct members, or Infinity for continuous spaces. */
  size(): number;
  /**
   * Number of members with distinct canonical hashes, where it is known exactly and cheap to count
   * (NAS-Bench-201 cells equal up to dead edges count once). A run refuses a budget above it (or above
   * `size()` when this is absent), since duplicates are never evaluated twice.
   */
  distinctSize?(): number;
  /** A readable multi-line summary (what `nas space show` prints). */
  describe(): string;
  /**
   * Optional: the value as labelled cell graphs plus the numbers the graphs do not show, the one
   * encoding graph predictors share (architecture and joint spaces). Absent: predictors use `encode`.
   */
  graphView?(value: C): GraphView;
  /**
   * Optional: every member one mutation away from `value` (it may list one network twice, e.g. cells
   * equal up to dead edges), for local search. Absent where the neighbourhood is not a small finite
   * set (continuous parameters, growing networks): local search then samples `mutate`.
   */
  neighbours?(value: C): C[];
}

/** What graph predictors see of a value (`SearchSpace.graphView`). */
export interface GraphView {
  /** The value's cells in op-on-node form (src/genome/cell-graph.ts); labels name the cell they belong to. */
  cells: CellGraph[];
  /** Named numeric features the cells do not show (a learning rate, a joint space's hyperparameters), about [0, 1]. */
  numbers: Record<string, number>;
}

/**
 * Named numeric features of an encoded vector (`space.encode`): floats and ints as encoded ([0, 1]),
 * each categorical as a one-hot `name=choice`, and for every active dimension a flag `name?` = 1, so an
 * inactive conditional parameter differs from one set to 0. `prefix` goes before every name.
 */
export function encodingFeatures(dims: readonly EncodingDim[], vector: readonly number[], prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  dims.forEach((dim, i) => {
    const x = vector[i];
    if (!Number.isFinite(x)) return;
    const name = `${prefix}${dim.name}`;
    out[`${name}?`] = 1;
    if (dim.kind === 'categorical') out[`${name}=${dim.choices[Math.round(x)] ?? Math.round(x)}`] = 1;
    else out[name] = x;
  });
  return out;
}
