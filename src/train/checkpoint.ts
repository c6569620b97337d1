/**
 * A model's weights to and from a checkpoint's plain arrays (core/checkpoint.ts), named by each weight's
 * name in its network (`<layer>/<weight>`), which the builder derives from the genome and so is the same
 * in every process that builds the network. Batch-norm moving statistics are weights too.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../core/checkpoint.ts';
import { ValidationError } from '../core/errors.ts';
import type { WeightRef } from './optimizers.ts';

/** Every weight of `model`, trainable or not, copied out as named float32 arrays. */
export async function captureWeights(model: tf.LayersModel): Promise<NamedArray[]> {
  return Promise.all(model.weights.map(async (w) => {
    const t = w.read();
    return { name: w.originalName, shape: [...t.shape], values: Float32Array.from((await t.data()) as Float32Array) };
  }));
}

/**
 * Sets every weight of `model` from `weights` (by name); a weight the checkpoint lacks, a different
 * shape, or a checkpoint weight the model lacks is an error naming it (`where`: the checkpoint's name).
 */
export function restoreWeights(model: tf.LayersModel, weights: readonly NamedArray[], where: string): void {
  const byName = new Map(weights.map((w) => [w.name, w]));
  const problem = (field: string, text: string): ValidationError => new ValidationError(`${where}: ${text}`, { field }, 'a checkpoint of the same network');
  for (const w of model.weights) {
    const saved = byName.get(w.originalName);
    if (!saved) throw problem(w.originalName, `no weight '${w.originalName}'`);
    if (saved.shape.join('x') !== w.shape.join('x')) throw problem(w.originalName, `weight '${w.originalName}' has shape [${saved.shape.join(', ')}], the network [${w.shape.join(', ')}]`);
  }
  if (byName.size !== model.weights.length) {
    const known = new Set(model.weights.map((w) => w.originalName));
    const extra = weights.find((w) => !known.has(w.name));
    throw problem(extra?.name ?? 'weights', `the network has no weight '${extra?.name ?? '?'}'`);
  }
  const tensors = model.weights.map((w) => {
    const saved = byName.get(w.originalName) as NamedArray;
    return tf.tensor(saved.values, saved.shape, w.dtype);
  });
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/** The trainable weights as the optimiser's state names them, in the order the optimiser updates them. */
export function trainableRefs(model: tf.LayersModel): WeightRef[] {
  return model.trainableWeights.map((w) => ({ name: w.originalName, shape: w.shape.map((d) => d ?? 0) }));
}
