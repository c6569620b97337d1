/**
 * A small multilayer perceptron for regression, in plain typed-array code: ReLU hidden layers, a linear
 * output, mean-squared error, Adam, seeded He initialisation and seeded minibatches. Inputs are sparse
 * feature vectors (index, value pairs): the path features of a cell have a handful of non-zero entries
 * out of hundreds or thousands, so the first layer costs what the non-zero entries cost, and its
 * Adam update is lazy (only the rows of features present in a minibatch move, as for sparse
 * embeddings).
 *
 * This is the predictor of BANANAS (White et al. 2021); an ensemble of these (./ensemble.ts) gives
 * the mean and spread that the acquisition uses.
 */
import type { Rng } from '../../core/rng.ts';

/** A sparse input vector: parallel arrays of feature indices and their values. */
export interface SparseRow {
  index: Int32Array;
  value: Float64Array;
}

/** How an MLP is shaped and trained. */
export interface MlpOptions {
  /** Width of each hidden layer. Default [32, 32]. */
  hidden?: readonly number[];
  /** Adam steps (minibatches) per fit, whatever the number of rows. Default 300. */
  steps?: number;
  /** Rows per minibatch (all rows when fewer). Default 32. */
  batchSize?: number;
  /** Adam learning rate; it decays linearly to a tenth over the steps. Default 0.01. */
  learningRate?: number;
  /** L2 penalty on the weights (not biases). Default 1e-4. */
  weightDecay?: number;
}

const DEFAULTS: Required<MlpOptions> = { hidden: [32, 32], steps: 300, batchSize: 32, learningRate: 0.01, weightDecay: 1e-4 };

/** The resolved options with their defaults. */
export function mlpDefaults(options: MlpOptions = {}): Required<MlpOptions> {
  return { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
}

interface Layer {
  inputs: number;
  outputs: number;
  /** Row-major [inputs][outputs]. */
  w: Float64Array;
  b: Float64Array;
}

/** Adam moments of one parameter array. */
interface Moments {
  m: Float64Array;
  v: Float64Array;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

export class Mlp {
  private readonly layers: Layer[];
  private readonly o: Required<MlpOptions>;

  /** A network for `inputs` features with weights drawn from `rng` (He normal; zero biases). */
  constructor(inputs: number, rng: Rng, options: MlpOptions = {}) {
    this.o = mlpDefaults(options);
    const widths = [inputs, ...this.o.hidden, 1];
    this.layers = [];
    for (let l = 0; l + 1 < widths.length; l++) {
      const [nIn, nOut] = [widths[l], widths[l + 1]];
      const w = new Float64Array(nIn * nOut);
      // Sparse inputs: scale the first layer by the typical number of active features, not all of them.
      const fanIn = l === 0 ? Math.min(nIn, 16) : nIn;
      const scale = Math.sqrt(2 / Math.max(1, fanIn));
      for (let i = 0; i < w.length; i++) w[i] = rng.normal(0, scale);
      this.layers.push({ inputs: nIn, outputs: nOut, w, b: new Float64Array(nOut) });
    }
  }

  /** Fits the network to `rows` and targets `y` (already normalised), from its current weights. */
  fit(rows: readonly SparseRow[], y: ArrayLike<number>, rng: Rng): void {
    const n = rows.length;
    if (n === 0) return;
    const { steps, batchSize, learningRate, weightDecay } = this.o;
    const moments = this.layers.map((l) => ({ w: zeros(l.w.length), b: zeros(l.b.length) }));
    const grads = this.layers.map((l) => ({ w: new Float64Array(l.w.length), b: new Float64Array(l.b.length) }));
    const acts = this.allocActivations();
    const deltas = this.layers.map((l) => new Float64Array(l.inputs));
    const batch = Math.min(batchSize, n);
    const width = this.layers[0].outputs;
    // The features present in the current batch (their first-layer rows are the only ones with a gradient).
    const mark = new Uint8Array(this.layers[0].inputs);
    const touched = new Int32Array(this.layers[0].inputs);
    let nTouched = 0;
    let order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    let cursor = 0;
    for (let step = 1; step <= steps; step++) {
      for (let l = 0; l < grads.length; l++) {
        grads[l].b.fill(0);
        if (l > 0) grads[l].w.fill(0);
      }
      for (let t = 0; t < nTouched; t++) {
        const f = touched[t];
        mark[f] = 0;
        grads[0].w.fill(0, f * width, (f + 1) * width);
      }
      nTouched = 0;
      for (let k = 0; k < batch; k++) {
        if (cursor === n) {
          order = rng.shuffle(order);
          cursor = 0;
        }
        const i = order[cursor++];
        const index = rows[i].index;
        for (let t = 0; t < index.length; t++) {
          if (mark[index[t]] === 0) {
            mark[index[t]] = 1;
            touched[nTouched++] = index[t];
          }
        }
        const out = this.forward(rows[i], acts);
        this.backward(rows[i], acts, deltas, (2 * (out - y[i])) / batch, grads);
      }
      const lr = learningRate * (1 - (0.9 * (step - 1)) / Math.max(1, steps - 1));
      for (let l = 0; l < this.layers.length; l++) {
        const layer = this.layers[l];
        if (l === 0) {
          // Lazy Adam (as for sparse embeddings): only the rows of features in this batch move.
          for (let t = 0; t < nTouched; t++) adam(layer.w, grads[0].w, moments[0].w, step, lr, weightDecay, touched[t] * width, (touched[t] + 1) * width);
        } else adam(layer.w, grads[l].w, moments[l].w, step, lr, weightDecay);
        adam(layer.b, grads[l].b, moments[l].b, step, lr, 0);
      }
    }
  }

  /** The prediction for one row. */
  predict(row: SparseRow): number {
    return this.forward(row, this.allocActivations());
  }

  /** Predictions for many rows. */
  predictAll(rows: readonly SparseRow[]): Float64Array {
    const acts = this.allocActivations();
    const out = new Float64Array(rows.length);
    rows.forEach((row, i) => (out[i] = this.forward(row, acts)));
    return out;
  }

  private allocActivations(): Float64Array[] {
    return this.layers.map((l) => new Float64Array(l.outputs));
  }

  /** Fills `acts[l]` with each layer's output (after ReLU for hidden layers); returns the output. */
  private forward(row: SparseRow, acts: Float64Array[]): number {
    const first = this.layers[0];
    const a0 = acts[0];
    a0.set(first.b);
    for (let k = 0; k < row.index.length; k++) {
      const x = row.value[k];
      const base = row.index[k] * first.outputs;
      for (let j = 0; j < first.outputs; j++) a0[j] += x * first.w[base + j];
    }
    if (this.layers.length > 1) relu(a0);
    for (let l = 1; l < this.layers.length; l++) {
      const layer = this.layers[l];
      const input = acts[l - 1];
      const out = acts[l];
      out.set(layer.b);
      for (let i = 0; i < layer.inputs; i++) {
        const x = input[i];
        if (x === 0) continue;
        const base = i * layer.outputs;
        for (let j = 0; j < layer.outputs; j++) out[j] += x * layer.w[base + j];
      }
      if (l + 1 < this.layers.length) relu(out);
    }
    return acts[this.layers.length - 1][0];
  }

  /**
   * Adds the gradient of one row's loss (d loss / d output = `dOut`) to `grads`; `deltas[l]` is scratch
   * space for the gradient with respect to layer l's input.
   */
  private backward(row: SparseRow, acts: Float64Array[], deltas: Float64Array[], dOut: number, grads: Array<{ w: Float64Array; b: Float64Array }>): void {
    const last = this.layers.length - 1;
    let delta: Float64Array = new Float64Array([dOut]);
    for (let l = last; l >= 1; l--) {
      const layer = this.layers[l];
      const input = acts[l - 1];
      const g = grads[l];
      const back = deltas[l];
      for (let j = 0; j < layer.outputs; j++) g.b[j] += delta[j];
      for (let i = 0; i < layer.inputs; i++) {
        const x = input[i];
        if (x === 0) {
          back[i] = 0; // ReLU was off: no gradient flows back, and this row adds nothing to w
          continue;
        }
        const base = i * layer.outputs;
        let s = 0;
        for (let j = 0; j < layer.outputs; j++) {
          g.w[base + j] += x * delta[j];
          s += layer.w[base + j] * delta[j];
        }
        back[i] = s;
      }
      delta = back;
    }
    const first = this.layers[0];
    const g = grads[0];
    for (let j = 0; j < first.outputs; j++) g.b[j] += delta[j];
    for (let k = 0; k < row.index.length; k++) {
      const x = row.value[k];
      const base = row.index[k] * first.outputs;
      for (let j = 0; j < first.outputs; j++) g.w[base + j] += x * delta[j];
    }
  }
}

function zeros(n: number): Moments {
  return { m: new Float64Array(n), v: new Float64Array(n) };
}

function relu(a: Float64Array): void {
  for (let j = 0; j < a.length; j++) if (a[j] < 0) a[j] = 0;
}

/** One Adam update of `param[from..to)` with gradient `grad` (plus `decay` x param), in place. */
function adam(param: Float64Array, grad: Float64Array, mom: Moments, step: number, lr: number, decay: number, from = 0, to = param.length): void {
  const m = mom.m;
  const v = mom.v;
  const rate = lr / (1 - BETA1 ** step);
  const unbias2 = 1 / (1 - BETA2 ** step);
  for (let i = from; i < to; i++) {
    const g = grad[i] + decay * param[i];
    const mi = BETA1 * m[i] + (1 - BETA1) * g;
    const vi = BETA2 * v[i] + (1 - BETA2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] -= (rate * mi) / (Math.sqrt(vi * unbias2) + EPS);
  }
}
