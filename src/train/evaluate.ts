/**
 * Accuracy and mean cross-entropy of a model in inference mode on a set of images, and the figures a
 * trainer measures after each epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { batches } from '../data/batches.ts';
import type { Batch, ImageSet, Normalization } from '../data/types.ts';

const toTensors = (batch: Batch): { x: tf.Tensor4D; y: tf.Tensor1D } => ({
  x: tf.tensor4d(batch.x, [batch.size, ...batch.shape]),
  y: tf.tensor1d(batch.y, 'int32'),
});

/** Accuracy and mean cross-entropy of `model` (inference mode) on `set`. */
export async function evaluateModel(
  model: tf.LayersModel,
  set: ImageSet,
  options: { batchSize?: number; normalization?: Normalization } = {},
): Promise<{ accuracy: number; loss: number }> {
  let correct = 0;
  let lossSum = 0;
  for (const batch of batches(set, { batchSize: options.batchSize ?? 128, normalization: options.normalization })) {
    const [c, l] = tf.tidy(() => {
      const { x, y } = toTensors(batch);
      const probs = model.apply(x, { training: false }) as tf.Tensor2D;
      const picked = tf.sum(tf.mul(probs, tf.oneHot(y, probs.shape[1])), 1);
      const nll = tf.neg(tf.log(tf.maximum(picked, 1e-7)));
      return [tf.sum(tf.cast(tf.equal(tf.argMax(probs, 1), y), 'int32')), tf.sum(nll)];
    });
    correct += (await c.data())[0];
    lossSum += (await l.data())[0];
    tf.dispose([c, l]);
  }
  return { accuracy: set.count > 0 ? correct / set.count : 0, loss: set.count > 0 ? lossSum / set.count : 0 };
}

/** Validation figures measured after each epoch: the curve so far, and the last figures by epoch. */
export class EpochScores {
  private readonly scores: number[];
  private last: { epoch: number; accuracy: number; loss: number } | undefined;

  constructor(earlier: readonly number[]) {
    this.scores = [...earlier];
  }

  set(epoch: number, v: { accuracy: number; loss: number }): { accuracy: number; loss: number } {
    this.scores[epoch - 1] = v.accuracy;
    this.last = { epoch, ...v };
    return v;
  }

  /** The figures measured after `epoch`, if that was the last measurement. */
  at(epoch: number): { accuracy: number; loss: number } | undefined {
    return this.last?.epoch === epoch ? this.last : undefined;
  }

  /** Accuracy after each epoch, epoch 1 first (epochs before any measurement hold NaN). */
  curve(): number[] {
    return Array.from(this.scores, (v) => (typeof v === 'number' ? v : Number.NaN));
  }
}
