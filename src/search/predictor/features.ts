/**
 * Feature vectors for predictors, the same for every space:
 * - spaces with a graph view (nas-bench-201, nasnet-cell, large-scale, joint): the path encoding of
 *   each cell graph (BANANAS, White et al. 2021): one feature per path text (the op labels from an
 *   input to the output), valued log2(1 + how often it occurs), plus the view's named numbers;
 * - other spaces (hyperparameters): the encoding's named features (numbers in [0, 1], categoricals
 *   one-hot, activity flags of conditional parameters).
 *
 * The columns are the features that occur among the training values (`Vocabulary`): a feature no
 * training value has carries no information to a model fitted on them, so candidates are encoded on
 * the training columns alone. This keeps NAS-Bench-201's full path encoding (at most 155 paths) and
 * truncates NASNet's combinatorially many paths to those seen.
 */
import type { PathLimits } from '../../genome/cell-graph.ts';
import { graphPaths } from '../../genome/cell-graph.ts';
import { encodingFeatures, type SearchSpace } from '../../spaces/space.ts';
import type { SparseRow } from './mlp.ts';

/** Column of each feature name, in sorted name order. */
export type Vocabulary = ReadonlyMap<string, number>;

/** Most values whose features are kept in the cache (it is cleared when it grows past this). */
const CACHE_LIMIT = 50_000;

export class FeatureEncoder<C> {
  private readonly space: SearchSpace<C>;
  private readonly limits: PathLimits;
  private readonly cache = new Map<string, ReadonlyMap<string, number>>();
  /** The same features by object identity: values a strategy keeps between asks (its trials' configurations) skip the hash. */
  private readonly byObject = new WeakMap<object, ReadonlyMap<string, number>>();
  /** Each value's last row, with the vocabulary it was encoded on. */
  private readonly rows = new WeakMap<object, { vocab: Vocabulary; row: SparseRow }>();
  private lastVocabulary?: Map<string, number>;

  constructor(space: SearchSpace<C>, limits: PathLimits = {}) {
    this.space = space;
    this.limits = limits;
  }

  /** Named features of one value. */
  named(value: C): ReadonlyMap<string, number> {
    const isObject = typeof value === 'object' && value !== null;
    const known = isObject ? this.byObject.get(value) : undefined;
    if (known) return known;
    const key = this.space.hash(value);
    let features = this.cache.get(key);
    if (!features) {
      features = this.compute(value);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, features);
    }
    if (isObject) this.byObject.set(value, features);
    return features;
  }

  /**
   * The columns: every feature name some training value has, sorted. The same object as the last
   * call's when the names are the same (so rows encoded on it are reused).
   */
  vocabulary(values: readonly C[]): Vocabulary {
    const names = new Set<string>();
    for (const v of values) for (const name of this.named(v).keys()) names.add(name);
    const sorted = [...names].sort();
    const last = this.lastVocabulary;
    if (last && last.size === sorted.length && sorted.every((name, i) => last.get(name) === i)) return last;
    this.lastVocabulary = new Map(sorted.map((name, i) => [name, i]));
    return this.lastVocabulary;
  }

  /** One value as a sparse row over `vocab` (features outside it are dropped), in column order. */
  row(value: C, vocab: Vocabulary): SparseRow {
    if (typeof value !== 'object' || value === null) return this.encodeRow(value, vocab);
    const hit = this.rows.get(value);
    if (hit && hit.vocab === vocab) return hit.row;
    const row = this.encodeRow(value, vocab);
    this.rows.set(value, { vocab, row });
    return row;
  }

  private encodeRow(value: C, vocab: Vocabulary): SparseRow {
    const entries: Array<[number, number]> = [];
    for (const [name, x] of this.named(value)) {
      const col = vocab.get(name);
      if (col !== undefined && x !== 0) entries.push([col, x]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    return { index: Int32Array.from(entries, (e) => e[0]), value: Float64Array.from(entries, (e) => e[1]) };
  }

  private compute(value: C): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    const view = this.space.graphView?.(value);
    if (!view) {
      for (const [name, x] of Object.entries(encodingFeatures(this.space.dims(), this.space.encode(value)))) out.set(name, x);
      return out;
    }
    view.cells.forEach((cell, c) => {
      for (const [text, count] of graphPaths(cell, this.limits)) {
        const name = `path${c}:${text}`;
        out.set(name, (out.get(name) ?? 0) + count);
      }
    });
    for (const [name, count] of out) out.set(name, Math.log2(1 + count));
    for (const [name, x] of Object.entries(view.numbers)) out.set(`#${name}`, x);
    return out;
  }
}
