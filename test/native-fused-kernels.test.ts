import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModelFromPlan } from '../src/model/builder.ts';
import { registerPoolGradients } from '../src/backends/pool-grads.ts';
import {
  FUSED_BATCH_NORM_TRAINING, hasKernel, MAX_POOL_GRAD, registerFusedGradients, registerNativeTrainingKernels,
  RELU_GRAD, unregisterNativeTrainingKernels,
} from '../src/backends/native/fused-kernels.ts';
import { loadNative, nativeInstallState } from '../src/backends/native/status.ts';
import { expectClose, GENOME, NETWORK, PLAN, step } from './helpers/fused-step.ts';
import { trainChild } from '../src/train/trainer.ts';
import { Rng } from '../src/core/rng.ts';
import type { ImageSet } from '../src/data/types.ts';
import { requires } from './helpers/requirements.ts';

const state = nativeInstallState('cpu');
const SKIP_NATIVE = requires('native', state.installed, `native backend not installed (${state.reason ?? ''}); install it with \`nas backend install\``);

describe.skipIf(SKIP_NATIVE)('fused training kernels on native TensorFlow', () => {
  beforeAll(async () => {
    await loadNative('cpu');
    registerNativeTrainingKernels();
  });
  afterAll(async () => {
    registerNativeTrainingKernels();
    await tf.setBackend('cpu');
  });

  it('are registered for the tensorflow backend, not for cpu', async () => {
    await tf.setBackend('tensorflow');
    expect(hasKernel(FUSED_BATCH_NORM_TRAINING)).toBe(true);
    expect(hasKernel(RELU_GRAD)).toBe(true);
    // The oneDNN max-pool gradient passed its check against the stock kernel (tensorflow-cpu has oneDNN).
    expect(hasKernel(MAX_POOL_GRAD)).toBe(true);
    await tf.setBackend('cpu');
    expect(hasKernel(FUSED_BATCH_NORM_TRAINING)).toBe(false);
    expect(hasKernel(RELU_GRAD)).toBe(false);
  });

  it('give the stock path\'s loss, gradients, moving statistics and step, and leak no tensor', async () => {
    await tf.setBackend('tensorflow');
    const fused = await step();
    unregisterNativeTrainingKernels();
    try {
      expect(hasKernel(FUSED_BATCH_NORM_TRAINING)).toBe(false);
      const stock = await step();
      expectClose(fused, stock, 1e-4);
      expect(stock.leaked).toBe(0);
    } finally {
      registerNativeTrainingKernels();
    }
    expect(fused.leaked).toBe(0);
    // The step changed the weights and moving statistics, so the comparison covers the updates.
    await tf.setBackend('cpu');
    registerPoolGradients(); // as the trainer does: the stock cpu AvgPoolGrad counts padding
    const cpu = await step();
    expectClose(fused, cpu, 1e-3);
  });

  it('use the fused kernels in training and tfjs\'s batchNorm in inference', async () => {
    await tf.setBackend('tensorflow');
    const model = buildModelFromPlan(PLAN, { seed: 5 });
    const x = tf.ones([2, 8, 8, 3]);
    const kernels = async (training: boolean): Promise<string[]> =>
      (await tf.profile(() => { tf.dispose(tf.grad((t: tf.Tensor) => tf.sum(model.apply(t, { training }) as tf.Tensor))(x)); })).kernelNames;
    const train = await kernels(true);
    expect(train).toContain(FUSED_BATCH_NORM_TRAINING);
    expect(train).toContain('NasFusedBatchNormTrainingGrad');
    expect(train).toContain(RELU_GRAD);
    expect(train).toContain(MAX_POOL_GRAD);
    expect(train).not.toContain('Step');
    expect(train).not.toContain('MaxPoolGrad');
    const infer = await kernels(false);
    expect(infer).not.toContain(FUSED_BATCH_NORM_TRAINING);
    expect(infer).toContain('FusedBatchNorm');
    tf.dispose(x);
    model.dispose();
  });

  it('compute max-pool gradients like the stock kernel', async () => {
    await tf.setBackend('tensorflow');
    const x = tf.tensor4d(Array.from({ length: 3 * 9 * 8 * 5 }, (_, i) => Math.round(Math.sin(i * 2.3) * 4)), [3, 9, 8, 5]);
    const cases: Array<[number | [number, number], number, 'same' | 'valid']> = [
      [3, 1, 'same'], [3, 2, 'same'], [2, 2, 'valid'], [[1, 3], 2, 'same'], [3, 1, 'valid'],
    ];
    for (const [size, stride, pad] of cases) {
      const f = (t: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, size, stride, pad), 1.5));
      const fused = tf.grad(f)(x);
      unregisterNativeTrainingKernels();
      const stock = tf.grad(f)(x);
      registerNativeTrainingKernels();
      // Integer inputs tie often: both give each window's gradient to its first maximum.
      expect(Array.from(await fused.data()), `${String(size)} ${stride} ${pad}`).toEqual(Array.from(await stock.data()));
      tf.dispose([fused, stock]);
    }
    tf.dispose(x);
  });

  it('train a child with the project\'s trainer bit-identically on a rerun with the same seed, and as cpu does', async () => {
    const images = (count: number, seed: string): ImageSet => {
      const rng = Rng.seeded(seed);
      return { height: 8, width: 8, channels: 3, numClasses: 10, count,
        pixels: Uint8Array.from({ length: count * 192 }, () => rng.int(256)), labels: Uint8Array.from({ length: count }, (_, i) => i % 10) };
    };
    const data = { train: images(40, 'train'), val: images(20, 'val') };
    const options = { epochs: 2, seed: 9, batchSize: 10, optimizer: 'sgd' as const, lr: 0.05 };
    const child = { genome: GENOME, network: { ...NETWORK, dropout: 0.3 } };
    await tf.setBackend('tensorflow');
    const before = tf.memory().numTensors;
    const first = await trainChild(child, data, options);
    const again = await trainChild(child, data, options);
    expect(first.status).toBe('ok');
    expect(again.epochs).toEqual(first.epochs.map((e) => ({ ...e, seconds: again.epochs[e.epoch - 1]?.seconds })));
    expect(again.valLoss).toBe(first.valLoss);
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
    const cpu = await trainChild(child, data, options);
    first.epochs.forEach((e, i) => expect(Math.abs(e.loss - (cpu.epochs[i]?.loss ?? 0))).toBeLessThan(1e-3 * Math.abs(e.loss)));
    expect(Math.abs((first.valLoss ?? 0) - (cpu.valLoss ?? 0))).toBeLessThan(1e-3 * Math.abs(cpu.valLoss ?? 1));
  });

  it('leave ReLU\'s gradient as tfjs computes it where the backend has no ReluGrad', async () => {
    registerFusedGradients();
    await tf.setBackend('cpu');
    const x = tf.tensor1d([-2, -0, 0, 1e-30, 3, Number.NaN]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), tf.tensor1d([1, 2, 3, 4, 5, 6]))))(x);
    expect(Array.from(await g.data())).toEqual([0, 0, 0, 4, 5, Number.NaN]);
    await tf.setBackend('tensorflow');
    const gn = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), tf.tensor1d([1, 2, 3, 4, 5, 6]))))(x);
    // ReluGrad passes no gradient through NaN inputs (tfjs's step passes NaN); every other entry agrees.
    expect(Array.from(await gn.data())).toEqual([0, 0, 0, 4, 5, 0]);
    tf.dispose([x, g, gn]);
  });
});
