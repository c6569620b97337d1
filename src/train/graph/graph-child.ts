/**
 * One child trained as a TensorFlow graph: its training graph (training-graph.ts) in a session,
 * its variables set from the tfjs model's weights (so the same seed starts from the same weights on
 * either path, and inherited weights carry over), steps run by feeding a batch and fetching the step's
 * figures, inference and evaluation through the graph, and at the end the trained weights moved back
 * into the tfjs model, which export, `verify` and weight inheritance use as before. Batches go in and
 * figures come out as typed arrays, with no tfjs tensor in between; `close` deletes the session.
 */
import * as tf from '@tensorflow/tfjs';
import { GraphSession, oneDnnKernels } from '../../backends/native/graph/session.ts';
import { loadedNative } from '../../backends/native/status.ts';
import type { Feed, GrapplerChoice } from '../../backends/native/graph/session.ts';
import { deriveSeed } from '../../core/rng.ts';
import { batches } from '../../data/batches.ts';
import type { Batch, ImageSet, Normalization } from '../../data/types.ts';
import type { NetworkPlan } from '../../genome/network/plan.ts';
import { BN_EPSILON, BN_MOMENTUM } from '../../model/layers.ts';
import type { OptimizerName, WeightRef } from '../optimizers.ts';
import type { OptimizerState } from '../../core/checkpoint.ts';
import { ValidationError } from '../../core/errors.ts';
import type { StepFigures } from '../train-step.ts';
import type { StepSettings } from '../training-run.ts';
import { buildTrainingGraph } from './training-graph.ts';
import type { GraphTuning, GraphWeight } from './training-graph.ts';

/** Adam's constants (tfjs's tf.train.adam defaults, as the eager path uses them). */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

/** Options of {@link GraphChild.open}. */
export interface GraphChildOptions {
  /** `sgd` (momentum) or `adam`. */
  optimizer: OptimizerName;
  /** SGD momentum. Default 0.9. */
  momentum?: number;
  /** Nesterov momentum for SGD. Default true. */
  nesterov?: boolean;
  /** L2 weight decay on kernels. Default 0. */
  weightDecay?: number;
  /** Build the micro-batch form (accumulate, then apply). Default false. */
  microBatches?: boolean;
  /** The graph builder's optimisations and Grappler (for measuring each; the defaults are the measured best). */
  tuning?: GraphTuning & {
    /** TensorFlow's Grappler passes in the session: all, none or the remapper alone. Default: none on CPU, all with a GPU. */
    grappler?: GrapplerChoice;
    /** The session's inter-op threads (see SessionConfigOptions). Default: TensorFlow's choice. */
    interOpThreads?: number;
  };
}

/** The images [start, start + size) of `batch` and their labels, as feeds. */
function batchFeeds(batch: Batch, start: number, size: number): Feed[] {
  const per = batch.shape[0] * batch.shape[1] * batch.shape[2];
  return [
    ['x', batch.x.subarray(start * per, (start + size) * per), [size, ...batch.shape]],
    ['labels', batch.y.subarray(start, start + size), [size]],
  ];
}

/** Sizes of micro-batches of at most `micro` images covering `n` images, as equal as possible (as the eager path splits). */
export function microSizes(n: number, micro: number): number[] {
  const parts = Math.ceil(n / micro);
  const base = Math.floor(n / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < n - base * parts ? 1 : 0));
}

/** A child's graph in a session. */
export class GraphChild {
  /** Optimiser steps taken (a checkpoint's `iterations` included). */
  private iterations = 0;
  /** Adam's beta1^t and beta2^t as the next step uses them, kept in float32 as tfjs's Adam keeps them. */
  private betaPowers = [Math.fround(ADAM.beta1), Math.fround(ADAM.beta2)];

  private constructor(
    private readonly session: GraphSession,
    private readonly model: tf.LayersModel,
    private readonly weights: GraphWeight[],
    private readonly dropout: { rate: number; width: number },
    private readonly optimizer: OptimizerName,
    /** Operations in the graph. */
    readonly nodes: number,
  ) {}

  /** Builds `plan`'s training graph, loads it and sets its variables from `model`'s weights. */
  static open(model: tf.LayersModel, plan: NetworkPlan, options: GraphChildOptions): GraphChild {
    const weights: GraphWeight[] = model.weights.map((w) => ({ name: w.originalName, shape: w.shape.map(Number), trainable: w.trainable }));
    const gpu = loadedNative()?.usingGpu === true;
    const decayed = new Set(model.trainableWeights.filter((w) => /kernel$/.test(w.originalName)).map((w) => w.originalName));
    const graph = buildTrainingGraph(plan, weights, {
      epsilon: BN_EPSILON, bnMomentum: BN_MOMENTUM, optimizer: options.optimizer, momentum: options.momentum ?? 0.9,
      nesterov: options.nesterov ?? true, weightDecay: options.weightDecay ?? 0, decayed, adam: ADAM, microBatches: options.microBatches ?? false,
      // TensorFlow's fused convolution and batch norm has CPU kernels only; the training batch norm with its ReLU, and the
      // convolution adding into a sum, oneDNN's only.
      tuning: gpu ? { ...options.tuning, fuseInference: false, fuseBatchNormRelu: false }
        : oneDnnKernels() ? options.tuning : { ...options.tuning, fuseBatchNormRelu: false, fuseInferenceSums: false },
    });
    const session = GraphSession.open(graph.graphDef, { gpu, grappler: options.tuning?.grappler ?? gpu,
      ...(options.tuning?.interOpThreads !== undefined ? { interOpThreads: options.tuning.interOpThreads } : {}) });
    const child = new GraphChild(session, model, weights, { rate: plan.dropout, width: graph.dropoutWidth }, options.optimizer, graph.nodes);
    try {
      const values = model.weights.map((w, i): Feed => [`${w.originalName}/init`, w.read().dataSync() as Float32Array, weights[i].shape]);
      session.run(values, [], ['init']);
    } catch (err) {
      child.close();
      throw err;
    }
    return child;
  }

  /** The feeds every training run takes besides the images: learning rate, dropout mask, Adam's corrections. */
  private stepFeeds(size: number | null, settings: StepSettings): Feed[] {
    const scalar = (name: string, v: number): Feed => [name, Float32Array.of(v), []];
    const feeds: Feed[] = [scalar('lr', settings.lr)];
    if (this.dropout.width > 0 && size !== null) {
      const keep = 1 - this.dropout.rate;
      // Exactly the multiplier tf.dropout(x, rate, undefined, seed) draws for an x of this shape.
      const mask = tf.tidy(() => tf.div(tf.floor(tf.add(tf.randomUniform([size, this.dropout.width], 0, 1, 'float32', settings.dropoutSeed), keep)), keep));
      feeds.push(['dropout_mask', mask.dataSync() as Float32Array, [size, this.dropout.width]]);
      mask.dispose();
    }
    if (this.optimizer === 'adam') {
      const [b1, b2] = this.betaPowers;
      feeds.push(scalar('adam/beta1_power', b1), scalar('adam/beta2_power', b2), scalar('adam/epsilon', ADAM.epsilon * Math.sqrt(1 - b2)));
    }
    return feeds;
  }

  /** Runs `fetch` on images [start, start + size) of `batch`; returns the fetched vector. */
  private runOn(fetch: string, batch: Batch, start: number, size: number, settings: StepSettings, extra: Feed[] = []): Float32Array {
    const [out] = this.session.run([...batchFeeds(batch, start, size), ...this.stepFeeds(size, settings), ...extra], [fetch]);
    return out.data as Float32Array;
  }

  /** One optimiser step on the whole batch. */
  step(batch: Batch, settings: StepSettings): StepFigures {
    const [loss, total, correct] = this.runOn('train/step', batch, 0, batch.size, settings);
    this.stepTaken();
    return { loss, total, correct };
  }

  /**
   * One optimiser step on the batch in micro-batches of at most `micro` images: each adds its gradient
   * weighted by its share of the batch, then one update applies the sum (as the eager path accumulates).
   */
  accumulatedStep(batch: Batch, micro: number, settings: StepSettings): StepFigures {
    const figures: StepFigures = { loss: 0, total: 0, correct: 0 };
    let start = 0;
    for (const [i, size] of microSizes(batch.size, micro).entries()) {
      const weight = size / batch.size;
      const seed = i === 0 ? settings.dropoutSeed : deriveSeed(settings.dropoutSeed, 'micro', i);
      const [loss, total, correct] = this.runOn('train/accumulate', batch, start, size, { ...settings, dropoutSeed: seed }, [['loss_weight', Float32Array.of(weight), []]]);
      figures.loss += loss * weight;
      figures.total += total;
      figures.correct += correct;
      start += size;
    }
    this.session.run(this.stepFeeds(null, settings), [], ['train/apply']);
    this.stepTaken();
    return figures;
  }

  private stepTaken(): void {
    this.iterations++;
    const [b1, b2] = this.betaPowers;
    this.betaPowers = [Math.fround(b1 * Math.fround(ADAM.beta1)), Math.fround(b2 * Math.fround(ADAM.beta2))];
  }

  /** The slot variables of a trainable weight, with the kinds a checkpoint names them by (tfjs's). */
  private slotsOf(weight: string): Array<[kind: string, variable: string]> {
    return this.optimizer === 'adam' ? [['m', `${weight}/adam_m`], ['v', `${weight}/adam_v`]] : [['momentum', `${weight}/momentum`]];
  }

  /** The optimiser's state as plain data, slots named `<kind>:<weight>` kind-major in `refs` order (as the eager path's). */
  exportOptimizer(refs: readonly WeightRef[]): OptimizerState {
    const kinds = this.optimizer === 'adam' ? ['m', 'v'] : ['momentum'];
    const order = kinds.flatMap((kind) => refs.map((r) => [kind, r] as const));
    const values = this.session.run([], order.map(([kind, r]) => `${(this.slotsOf(r.name).find(([k]) => k === kind) as [string, string])[1]}/read`));
    return {
      name: this.optimizer,
      iterations: this.iterations,
      slots: order.map(([kind, r], i) => ({ name: `${kind}:${r.name}`, shape: [...r.shape], values: Float32Array.from(values[i].data) })),
      scalars: this.optimizer === 'adam' ? { beta1Power: this.betaPowers[0], beta2Power: this.betaPowers[1] } : {},
    };
  }

  /** Restores a state exported by the same kind of optimiser over the same weights (either path's), before the first step. */
  importOptimizer(state: OptimizerState, refs: readonly WeightRef[]): void {
    if (state.name !== this.optimizer) {
      throw new ValidationError(`the checkpoint holds a ${state.name} optimiser, this child trains with ${this.optimizer}`, { field: 'optimizer' }, this.optimizer);
    }
    this.iterations = state.iterations;
    const { beta1Power, beta2Power } = state.scalars;
    if (typeof beta1Power === 'number' && typeof beta2Power === 'number') this.betaPowers = [beta1Power, beta2Power];
    if (state.slots.length === 0) return;
    const byName = new Map(state.slots.map((slot) => [slot.name, slot]));
    const feeds = refs.flatMap((r) => this.slotsOf(r.name).map(([kind, variable]): Feed => {
      const slot = byName.get(`${kind}:${r.name}`);
      if (!slot || slot.shape.join('x') !== r.shape.join('x')) {
        throw new ValidationError(`the checkpoint's ${state.name} state has ${slot ? `shape [${slot.shape.join(', ')}]` : 'no slot'} for weight '${r.name}' [${r.shape.join(', ')}]`,
          { field: `optimizer.slots.${kind}:${r.name}` }, 'a state saved from the same network');
      }
      return [`${variable}/value`, Float32Array.from(slot.values), [...r.shape]];
    }));
    this.session.run(feeds, [], ['optimizer/set']);
  }

  /** Class probabilities (inference mode) of a batch of NHWC images; the caller disposes the result. */
  predict(x: tf.Tensor): tf.Tensor {
    const [probs] = this.session.run([['x', x.dataSync() as Float32Array, x.shape]], ['infer/probs']);
    return tf.tensor(probs.data, probs.shape);
  }

  /** Accuracy and mean cross-entropy (inference mode) on `set`, as the eager evaluation computes them. */
  evaluate(set: ImageSet, options: { batchSize?: number; normalization?: Normalization } = {}): { accuracy: number; loss: number } {
    let correct = 0;
    let nll = 0;
    for (const batch of batches(set, { batchSize: options.batchSize ?? 128, normalization: options.normalization })) {
      const [out] = this.session.run(batchFeeds(batch, 0, batch.size), ['eval/stats']);
      nll += out.data[0];
      correct += out.data[1];
    }
    return { accuracy: set.count > 0 ? correct / set.count : 0, loss: set.count > 0 ? nll / set.count : 0 };
  }

  /** Writes the graph's current weights into the tfjs model (names and shapes match by construction). */
  moveWeightsToModel(): void {
    const values = this.session.run([], this.weights.map((w) => `${w.name}/read`));
    this.model.weights.forEach((w, i) => {
      const t = tf.tensor(values[i].data, values[i].shape);
      w.write(t);
      t.dispose();
    });
  }

  /** Deletes the session. */
  close(): void {
    this.session.close();
  }
}
