/**
 * One training step of a child: the loss (cross-entropy plus weight decay, dropout between the features and
 * the classifier), on the whole batch or on micro-batches whose weighted gradients are summed before the
 * optimizer applies them once.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../core/rng.ts';
import type { Batch } from '../data/types.ts';
import type { NetworkPlan } from '../genome/network/plan.ts';
import type { ScheduledOptimizer } from './optimizers.ts';

/** What training reads of a network's plan: its feature and logits layer names and its dropout rate. */
export type TrainPlan = Pick<NetworkPlan, 'features' | 'logits' | 'dropout'>;

/** What one step needs besides the batch. */
export interface StepContext {
  features: tf.LayersModel;
  classifier: tf.layers.Layer;
  plan: TrainPlan;
  trainable: tf.Variable[];
  decayed: tf.Variable[];
  weightDecay: number;
}

/** A step's figures: the batch's cross-entropy (without decay), total loss and correct count. */
export interface StepFigures { loss: number; total: number; correct: number }

/**
 * The loss function of a step on (x, y): the total loss (cross-entropy plus weight decay) times `weight`;
 * the correct count and the unweighted cross-entropy are kept and pushed onto `kept`.
 */
function stepLoss(ctx: StepContext, x: tf.Tensor4D, y: tf.Tensor1D, dropoutSeed: number, kept: tf.Tensor[], weight = 1): () => tf.Scalar {
  return () => {
    let f = ctx.features.apply(x, { training: true }) as tf.Tensor;
    if (ctx.plan.dropout > 0) f = tf.dropout(f, ctx.plan.dropout, undefined, dropoutSeed);
    const logits = ctx.classifier.apply(f) as tf.Tensor2D;
    const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(y, logits.shape[1]), logits) as tf.Scalar;
    kept.push(tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32'))), tf.keep(ce));
    let total = ce;
    if (ctx.weightDecay > 0 && ctx.decayed.length > 0) {
      const l2 = tf.addN(ctx.decayed.map((w) => tf.sum(tf.square(w))));
      total = tf.add(ce, tf.mul(l2, ctx.weightDecay / 2));
    }
    return weight === 1 ? total : tf.mul(total, weight);
  };
}

/** One optimisation step on the whole batch. */
export async function trainStep(ctx: StepContext, opt: ScheduledOptimizer, batch: Batch, dropoutSeed: number): Promise<StepFigures> {
  const { x, y } = sliceTensors(batch, 0, batch.size);
  const kept: tf.Tensor[] = [x, y];
  try {
    const loss = opt.optimizer.minimize(stepLoss(ctx, x, y, dropoutSeed, kept), true, ctx.trainable) as tf.Scalar;
    kept.push(loss);
    const [correct, ce] = [kept[2], kept[3]];
    return { loss: (await ce.data())[0], total: (await loss.data())[0], correct: (await correct.data())[0] };
  } finally {
    tf.dispose(kept);
  }
}

/** Sizes of micro-batches of at most `micro` images covering `n` images, as equal as possible. */
function microSizes(n: number, micro: number): number[] {
  const parts = Math.ceil(n / micro);
  const base = Math.floor(n / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < n - base * parts ? 1 : 0));
}

/** The images [start, start + size) of `batch` as tensors. */
function sliceTensors(batch: Batch, start: number, size: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const per = batch.shape[0] * batch.shape[1] * batch.shape[2];
  return {
    x: tf.tensor4d(batch.x.subarray(start * per, (start + size) * per), [size, ...batch.shape]),
    y: tf.tensor1d(batch.y.subarray(start, start + size), 'int32'),
  };
}

/**
 * One optimisation step on the batch split into micro-batches of at most `micro` images: each micro-batch's
 * gradient, weighted by its share of the batch, is added to the sum, and the optimizer applies the sum once.
 */
export async function accumulatedStep(ctx: StepContext, opt: ScheduledOptimizer, batch: Batch, micro: number, dropoutSeed: number): Promise<StepFigures> {
  const sum: tf.NamedTensorMap = {};
  const figures: StepFigures = { loss: 0, total: 0, correct: 0 };
  try {
    let start = 0;
    for (const [i, size] of microSizes(batch.size, micro).entries()) {
      const { x, y } = sliceTensors(batch, start, size);
      const kept: tf.Tensor[] = [x, y];
      try {
        const weight = size / batch.size;
        const seed = i === 0 ? dropoutSeed : deriveSeed(dropoutSeed, 'micro', i);
        const { value, grads } = tf.variableGrads(stepLoss(ctx, x, y, seed, kept, weight), ctx.trainable);
        kept.push(value);
        for (const [name, g] of Object.entries(grads)) {
          const previous = sum[name];
          sum[name] = previous === undefined ? g : tf.add(previous, g);
          if (previous !== undefined) tf.dispose([previous, g]);
        }
        figures.total += (await value.data())[0];
        figures.loss += (await kept[3].data())[0] * weight;
        figures.correct += (await kept[2].data())[0];
      } finally {
        tf.dispose(kept);
      }
      start += size;
    }
    opt.optimizer.applyGradients(sum);
    return figures;
  } finally {
    tf.dispose(Object.values(sum));
  }
}
