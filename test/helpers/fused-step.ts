/**
 * One training step of a small NASNet child, for comparing the fused training kernels with tfjs's stock
 * path (test/native-fused-kernels.test.ts, test/wasm-batchnorm.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { networkPlan } from '../../src/genome/network/network.ts';
import type { NasnetGenome } from '../../src/genome/types.ts';
import { buildModelFromPlan } from '../../src/model/builder.ts';

/** A small NASNet child with every kind of op the fused kernels touch: ReLU, separable convs, batch norm. */
export const GENOME: NasnetGenome = {
  kind: 'nasnet',
  normal: { blocks: [
    { inputs: [0, 1], ops: ['sep_conv_3x3', 'max_pool_3x3'] },
    { inputs: [0, 2], ops: ['sep_conv_5x5', 'identity'] },
  ] },
  reduction: { blocks: [
    { inputs: [0, 1], ops: ['conv_1x7_7x1', 'avg_pool_3x3'] },
    { inputs: [1, 2], ops: ['sep_conv_3x3', 'max_pool_3x3'] },
  ] },
};
export const NETWORK = { inputShape: [8, 8, 3] as [number, number, number], numClasses: 10, cellsPerStack: 1, stacks: 2, initialFilters: 4, dropout: 0 };
export const PLAN = networkPlan(GENOME, NETWORK);

export interface Outcome {
  loss: number;
  grads: Float32Array[];
  /** Every weight after the step, moving means and variances included. */
  weights: Float32Array[];
  /** Tensors alive after the step and the disposal of the model minus before the step. */
  leaked: number;
}

/** Builds the child (same seed), takes the gradients of one batch and one SGD step, on the active backend. */
export async function step(): Promise<Outcome> {
  const before = tf.memory().numTensors;
  const model = buildModelFromPlan(PLAN, { seed: 5 });
  const x = tf.tensor4d(Float32Array.from({ length: 6 * 8 * 8 * 3 }, (_, i) => Math.sin(i * 0.37) * 2), [6, 8, 8, 3]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 3, 5, 7, 9, 1], 'int32'), 10));
  const optimizer = tf.train.sgd(0.1);
  const lossFn = (): tf.Scalar => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(lossFn, vars);
  const loss = (await value.data())[0] ?? Number.NaN;
  const gradData = await Promise.all(vars.map(async (v) => (await grads[v.name]?.data()) as Float32Array));
  optimizer.applyGradients(grads);
  tf.dispose([value, ...Object.values(grads)]);
  const weights = await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return { loss, grads: gradData, weights, leaked: tf.memory().numTensors - before };
}

/** Largest |a-b| over the largest |b|. */
export function relErr(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] ?? Number.NaN) - (b[i] ?? 0)));
    scale = Math.max(scale, Math.abs(b[i] ?? 0));
  }
  return a.length === b.length ? diff / scale : Number.POSITIVE_INFINITY;
}

export function expectClose(got: Outcome, ref: Outcome, tol: number): void {
  expect(Math.abs(got.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(tol);
  expect(got.grads.length).toBe(ref.grads.length);
  ref.grads.forEach((g, i) => expect(relErr(got.grads[i] ?? new Float32Array(), g), `gradient ${i}`).toBeLessThan(tol));
  expect(got.weights.length).toBe(ref.weights.length);
  ref.weights.forEach((w, i) => expect(relErr(got.weights[i] ?? new Float32Array(), w), `weight ${i}`).toBeLessThan(tol));
}

