import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildProbeNetwork, registerWasmTrainingKernels } from '../src/backends/wasm/index.ts';
import { Rng } from '../src/core/rng.ts';

function batch(seed: number, n: number, size: number): { xs: Float32Array; labels: Int32Array } {
  const rng = Rng.seeded(seed);
  const xs = new Float32Array(n * size * size * 3).map(() => rng.normal());
  const labels = Int32Array.from({ length: n }, () => rng.int(10));
  return { xs, labels };
}

/** One SGD step of the probe network on the current backend; returns the updated weights and the loss. */
async function oneStep(size: number): Promise<{ weights: Float32Array[]; loss: number }> {
  const model = buildProbeNetwork(Rng.seeded(7), { imageSize: size, filters: 8 });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  const { xs, labels } = batch(11, 4, size);
  const x = tf.tensor4d(xs, [4, size, size, 3]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10));
  const loss = (await model.trainOnBatch(x, y)) as number;
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  tf.dispose([x, y]);
  model.dispose();
  return { weights, loss };
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i] - b[i]) ** 2; den += b[i] ** 2; }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

beforeAll(() => registerWasmTrainingKernels());
afterAll(async () => { await tf.setBackend('cpu'); });

describe('training a NASNet-like network on wasm', () => {
  it('takes one step that matches the cpu backend', async () => {
    await tf.setBackend('cpu');
    const ref = await oneStep(12);
    await tf.setBackend('wasm');
    const got = await oneStep(12);
    expect(Number.isFinite(got.loss)).toBe(true);
    expect(Math.abs(got.loss - ref.loss)).toBeLessThan(1e-4 * Math.abs(ref.loss));
    expect(got.weights.length).toBe(ref.weights.length);
    for (let i = 0; i < ref.weights.length; i++) expect(relErr(got.weights[i], ref.weights[i])).toBeLessThan(1e-4);
  });

  it('leaves no tensor behind after a training step', async () => {
    await tf.setBackend('wasm');
    const model = buildProbeNetwork(Rng.seeded(3), { imageSize: 8, filters: 4 });
    model.compile({ optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy' });
    const { xs, labels } = batch(5, 2, 8);
    const x = tf.tensor4d(xs, [2, 8, 8, 3]);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10));
    await model.trainOnBatch(x, y);
    const before = tf.memory().numTensors;
    await model.trainOnBatch(x, y);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    model.dispose();
  });
});
