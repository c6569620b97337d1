/**
 * The NASBOWL predictor (Ru, Wan, Dong and Osborne 2021, "Interpretable Neural Architecture Search via
 * Bayesian Optimisation with Weisfeiler-Lehman Kernels"): a Gaussian process whose kernel compares
 * cells by their Weisfeiler-Lehman subtree features (src/genome/cell-graph.ts `wlLabels`).
 *
 * - Features: for each depth d = 0..`depth`, how many nodes of each cell carry each WL label (the
 *   cells of a value are kept apart: a label is named by its cell's index); labels are interned as
 *   integer ids depth by depth (`wlLabelIds`), so deep subtrees never become long strings.
 * - Kernel: the normalised dot product of the feature vectors up to depth h,
 *   k_h(x, x') = <x, x'>_h / sqrt(<x, x>_h <x', x'>_h), a linear kernel on WL features with unit
 *   diagonal. Where the graph view has numbers besides the cells (a learning rate, a joint space's
 *   hyperparameters) it is multiplied by a Matern 5/2 kernel on them.
 * - Hyperparameters by the marginal likelihood over a fixed grid, as the path GP (./feature-gp.ts):
 *   the depth h in 0..`depth` (NASBOWL's choice of h), the noise, the numbers' length scale; the signal
 *   variance is profiled out (its maximum-likelihood value given the rest, in closed form).
 *
 * Feature labels are interned as integer ids in one dictionary per encoder; each value's features are
 * computed once (cached by canonical hash and by object). A fit indexes the training rows by label
 * (postings), so a dot product costs only the labels two rows share; then a few Cholesky
 * factorisations.
 */
import { wlLabelIds } from '../../genome/cell-graph.ts';
import type { SearchSpace } from '../../spaces/space.ts';
import { matern52 } from '../gp/kernel.ts';
import { cholesky, cholLogDet, cholSolve, type Matrix } from '../linalg.ts';
import { gpPosterior, sparseDistance2, standardTargets, type GpPrediction, type JointPrediction } from './feature-gp.ts';
import type { SparseRow } from './mlp.ts';

/** Deepest WL iteration of the features (NASBOWL searches h in 0..2 too). */
export const WL_DEPTH = 2;
/** Noise variances tried, relative to the signal variance (targets have unit variance). */
const NOISES = [1e-4, 1e-3, 1e-2, 1e-1, 1];
/** Length scales of the numbers' kernel, as multiples of the median distance between training rows. */
const LENGTH_FACTORS = [0.5, 1, 2];
/** Most values whose features are cached, and most interned labels, before the caches start over. */
const CACHE_LIMIT = 50_000;
const LABEL_LIMIT = 1_000_000;

/** One value's WL features: per depth, label ids in increasing order and their counts. */
export interface WlRow {
  ids: Int32Array[];
  counts: Float64Array[];
  /** Per depth, the dot product of the row with itself. */
  self: Float64Array;
  /** The graph view's numbers, sparse over their names (no entries where there are none). */
  numbers: SparseRow;
  /** Dictionary generation the ids belong to. */
  generation: number;
}

/** Computes and caches WL rows of one space's values (which must have a graph view). */
export class WlEncoder<C> {
  private readonly space: SearchSpace<C>;
  private labels = new Map<string, number>();
  private readonly numberNames = new Map<string, number>();
  private cache = new Map<string, WlRow>();
  private byObject = new WeakMap<object, WlRow>();
  private generation = 0;

  constructor(space: SearchSpace<C>) {
    if (!space.graphView) throw new RangeError(`space ${space.name} has no graph view for WL features`);
    this.space = space;
  }

  /**
   * Starts the caches over when they have grown past their limits. Called before a fit, never between
   * a fit and its predictions, so the rows a fitted process compares share one dictionary.
   */
  trim(): void {
    if (this.labels.size > LABEL_LIMIT || this.cache.size >= CACHE_LIMIT) this.restart();
  }

  /**
   * One value's features (computed once per dictionary generation). Cached by the value's JSON form,
   * not its canonical hash: two forms of one network (an NAS-Bench-201 cell whose dead edges carry
   * different ops) can have different graphs, and a cache shared between them would give a value the
   * features of whichever form came first, so a resumed run would not continue as the uninterrupted one.
   */
  row(value: C): WlRow {
    const isObject = typeof value === 'object' && value !== null;
    const known = isObject ? this.byObject.get(value) : undefined;
    if (known && known.generation === this.generation) return known;
    const key = JSON.stringify(this.space.toJSON(value));
    let row = this.cache.get(key);
    if (!row || row.generation !== this.generation) {
      row = this.compute(value);
      this.cache.set(key, row);
    }
    if (isObject) this.byObject.set(value, row);
    return row;
  }

  private restart(): void {
    this.labels = new Map();
    this.cache = new Map();
    this.byObject = new WeakMap();
    this.generation++;
  }

  private compute(value: C): WlRow {
    const view = (this.space.graphView as (v: C) => ReturnType<NonNullable<SearchSpace<C>['graphView']>>)(value);
    const perDepth = Array.from({ length: WL_DEPTH + 1 }, () => new Map<number, number>());
    const intern = (key: string): number => {
      let id = this.labels.get(key);
      if (id === undefined) {
        id = this.labels.size;
        this.labels.set(key, id);
      }
      return id;
    };
    view.cells.forEach((cell, c) => {
      wlLabelIds(cell, WL_DEPTH, `${c}:`, intern).forEach((nodes, d) => {
        for (const id of nodes) perDepth[d].set(id, (perDepth[d].get(id) ?? 0) + 1);
      });
    });
    const ids: Int32Array[] = [];
    const counts: Float64Array[] = [];
    const self = new Float64Array(WL_DEPTH + 1);
    perDepth.forEach((m, d) => {
      const sorted = [...m].sort((a, b) => a[0] - b[0]);
      ids.push(Int32Array.from(sorted, (e) => e[0]));
      counts.push(Float64Array.from(sorted, (e) => e[1]));
      self[d] = sorted.reduce((s, e) => s + e[1] * e[1], 0);
    });
    const entries: Array<[number, number]> = [];
    for (const [name, x] of Object.entries(view.numbers)) {
      let col = this.numberNames.get(name);
      if (col === undefined) {
        col = this.numberNames.size;
        this.numberNames.set(name, col);
      }
      if (x !== 0) entries.push([col, x]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    const numbers = { index: Int32Array.from(entries, (e) => e[0]), value: Float64Array.from(entries, (e) => e[1]) };
    return { ids, counts, self, numbers, generation: this.generation };
  }
}

/** Per depth, for each label id the training rows carry: those rows and their counts. */
type Postings = Array<Map<number, { rows: Int32Array; counts: Float64Array }>>;

function postingsOf(rows: readonly WlRow[]): Postings {
  return Array.from({ length: WL_DEPTH + 1 }, (_, d) => {
    const lists = new Map<number, { rows: number[]; counts: number[] }>();
    rows.forEach((row, r) => {
      row.ids[d].forEach((id, k) => {
        let list = lists.get(id);
        if (!list) lists.set(id, (list = { rows: [], counts: [] }));
        list.rows.push(r);
        list.counts.push(row.counts[d][k]);
      });
    });
    return new Map([...lists].map(([id, l]) => [id, { rows: Int32Array.from(l.rows), counts: Float64Array.from(l.counts) }]));
  });
}

/**
 * Cumulative dot products of `row` with every training row up to each depth (out[d][i]: depths 0..d
 * with row i), through the postings: only labels the two share cost anything.
 */
function cumulativeDots(row: WlRow, postings: Postings, out: Float64Array[]): void {
  for (let d = 0; d <= WL_DEPTH; d++) {
    const acc = out[d].fill(0);
    const ids = row.ids[d];
    const counts = row.counts[d];
    for (let k = 0; k < ids.length; k++) {
      const p = postings[d].get(ids[k]);
      if (!p) continue;
      const c = counts[k];
      for (let t = 0; t < p.rows.length; t++) acc[p.rows[t]] += c * p.counts[t];
    }
    if (d > 0) for (let i = 0; i < acc.length; i++) acc[i] = out[d - 1][i] + acc[i];
  }
}

/** The dot product of two rows' features over depths 0..`depth` (their label ids merged). */
function rowDot(a: WlRow, b: WlRow, depth: number): number {
  let s = 0;
  for (let d = 0; d <= depth; d++) {
    const ai = a.ids[d];
    const bi = b.ids[d];
    for (let i = 0, j = 0; i < ai.length && j < bi.length; ) {
      if (ai[i] === bi[j]) s += a.counts[d][i++] * b.counts[d][j++];
      else if (ai[i] < bi[j]) i++;
      else j++;
    }
  }
  return s;
}

function cumulativeSelf(row: WlRow): Float64Array {
  const out = new Float64Array(WL_DEPTH + 1);
  let s = 0;
  for (let d = 0; d <= WL_DEPTH; d++) out[d] = s += row.self[d];
  return out;
}

/** Chosen hyperparameters of a fit. */
interface WlChoice {
  depth: number;
  noise: number;
  /** Length scale of the numbers' kernel (Infinity: no numbers). */
  length: number;
  signal: number;
  L: Matrix;
  alpha: Float64Array;
}

export class WlGp {
  private readonly rows: readonly WlRow[];
  private readonly postings: Postings;
  private readonly selfs: Float64Array[];
  private readonly center: number;
  private readonly scale: number;
  private readonly choice: WlChoice;

  /** Fits the process to `rows` and targets `y` (at least one row). */
  constructor(rows: readonly WlRow[], y: readonly number[]) {
    const n = rows.length;
    if (n === 0 || y.length !== n) throw new RangeError(`WlGp needs matching rows and targets, got ${n} and ${y.length}`);
    this.rows = rows;
    this.postings = postingsOf(rows);
    this.selfs = rows.map(cumulativeSelf);
    const { center, scale, t } = standardTargets(y);
    this.center = center;
    this.scale = scale;
    const dots = Array.from({ length: WL_DEPTH + 1 }, () => new Float64Array(n * n));
    const withRow = Array.from({ length: WL_DEPTH + 1 }, () => new Float64Array(n));
    const numberDist = new Float64Array(n * n);
    const off: number[] = [];
    for (let i = 0; i < n; i++) {
      cumulativeDots(rows[i], this.postings, withRow);
      for (let j = 0; j <= i; j++) {
        for (let d = 0; d <= WL_DEPTH; d++) dots[d][i * n + j] = dots[d][j * n + i] = this.normalised(withRow[d][j], this.selfs[i][d], this.selfs[j][d]);
        const r = Math.sqrt(sparseDistance2(rows[i].numbers, rows[j].numbers));
        numberDist[i * n + j] = numberDist[j * n + i] = r;
        if (r > 0) off.push(r);
      }
    }
    off.sort((a, b) => a - b);
    const lengths = off.length > 0 ? LENGTH_FACTORS.map((f) => f * off[Math.floor(off.length / 2)]) : [Infinity];
    let best: (WlChoice & { nll: number }) | undefined;
    for (let depth = 0; depth <= WL_DEPTH; depth++) {
      for (const length of lengths) {
        for (const noise of NOISES) {
          const K = new Float64Array(n * n);
          for (let i = 0; i < n * n; i++) K[i] = dots[depth][i] * (length === Infinity ? 1 : matern52(numberDist[i] / length, 1));
          for (let i = 0; i < n; i++) K[i * n + i] += noise;
          const L = cholesky({ n, data: K });
          if (!L) continue;
          const alpha = cholSolve(L, t);
          let fit = 0;
          for (let i = 0; i < n; i++) fit += t[i] * alpha[i];
          // Signal variance profiled out: s2 = t'C^-1 t / n maximises the likelihood for K = s2 C.
          const signal = Math.max(fit / n, 1e-12);
          const nll = 0.5 * n * Math.log(signal) + 0.5 * cholLogDet(L);
          if (!best || nll < best.nll) best = { nll, depth, noise, length, signal, L, alpha };
        }
      }
    }
    if (!best) throw new Error('WlGp: no kernel matrix could be factorised');
    this.choice = best;
  }

  /** The WL depth, relative noise and numbers' length scale the marginal likelihood chose. */
  get hyperparameters(): { depth: number; noise: number; length: number; signal: number } {
    const { depth, noise, length, signal } = this.choice;
    return { depth, noise, length, signal };
  }

  /** Posterior mean and standard deviation (of the latent function) at each row. */
  predict(rows: readonly WlRow[]): GpPrediction {
    return this.posterior(rows, false);
  }

  /** Posterior mean and covariance (of the latent function) of the rows taken together. */
  predictJoint(rows: readonly WlRow[]): JointPrediction {
    const { mean, cov } = this.posterior(rows, true);
    return { mean, cov: cov as Matrix };
  }

  private posterior(rows: readonly WlRow[], joint: boolean): GpPrediction & { cov?: Matrix } {
    const { depth, length, signal, L, alpha } = this.choice;
    const n = this.rows.length;
    const withRow = Array.from({ length: WL_DEPTH + 1 }, () => new Float64Array(n));
    const selfs = rows.map((row) => cumulativeSelf(row)[depth]);
    const numbers = (a: WlRow, b: WlRow): number => (length === Infinity ? 1 : matern52(Math.sqrt(sparseDistance2(a.numbers, b.numbers)) / length, 1));
    return gpPosterior(
      rows.length,
      { L, alpha, center: this.center, scale: this.scale, gain: signal },
      (r, out) => {
        cumulativeDots(rows[r], this.postings, withRow);
        for (let i = 0; i < n; i++) out[i] = this.normalised(withRow[depth][i], selfs[r], this.selfs[i][depth]) * numbers(rows[r], this.rows[i]);
      },
      (r, s) => (r === s ? 1 : this.normalised(rowDot(rows[r], rows[s], depth), selfs[r], selfs[s]) * numbers(rows[r], rows[s])),
      joint,
    );
  }

  private normalised(dot: number, a: number, b: number): number {
    return a > 0 && b > 0 ? dot / Math.sqrt(a * b) : a === 0 && b === 0 ? 1 : 0;
  }
}
