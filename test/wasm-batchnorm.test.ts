import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUSED_BATCH_NORM_TRAINING, FUSED_BATCH_NORM_TRAINING_GRAD, hasKernel } from '../src/backends/native/fused-kernels.ts';
import { registerPoolGradients } from '../src/backends/pool-grads.ts';
import { channelMoments } from '../src/backends/wasm/batchnorm.ts';
import { registerWasmTrainingKernels } from '../src/backends/wasm/index.ts';
import { expectClose, step } from './helpers/fused-step.ts';

describe('fused batch-norm training kernels on wasm', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
    registerPoolGradients();
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('cpu');
  });

  it('give the stock path\'s loss, gradients, moving statistics and step, and leak no tensor', async () => {
    await tf.setBackend('wasm');
    expect(hasKernel(FUSED_BATCH_NORM_TRAINING)).toBe(true);
    const fused = await step();
    expect(fused.leaked).toBe(0);
    registerWasmTrainingKernels({ replaceSlowKernels: false });
    try {
      expect(hasKernel(FUSED_BATCH_NORM_TRAINING)).toBe(false);
      const stock = await step();
      expectClose(fused, stock, 1e-4);
    } finally {
      registerWasmTrainingKernels();
    }
    await tf.setBackend('cpu');
    expectClose(fused, await step(), 1e-4);
  });

  it('differentiate like finite differences of the forward kernel', async () => {
    await tf.setBackend('wasm');
    const shape = [3, 2, 2, 2];
    const xs = Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.3) * 2 + (i % 2));
    const w = Array.from({ length: 24 }, (_, i) => Math.cos(i * 0.7));
    const scale = tf.tensor1d([1.5, -0.5]);
    const offset = tf.tensor1d([0.2, 0.1]);
    const loss = (x: tf.Tensor, s: tf.Tensor, o: tf.Tensor): tf.Scalar => tf.tidy(() => {
      const [y] = tf.engine().runKernel(FUSED_BATCH_NORM_TRAINING, { x, scale: s, offset: o }, { epsilon: 1e-3 }) as tf.Tensor[];
      return tf.sum(tf.mul(y as tf.Tensor, tf.tensor(w, shape)));
    });
    const x = tf.tensor4d(xs, shape as [number, number, number, number]);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => loss(a, b, c))([x, scale, offset]);
    const [dx, ds, dOff] = await Promise.all(grads.map(async (g) => Array.from(await g.data())));
    const eps = 1e-2;
    const numeric = (i: number): number => {
      const at = (d: number): number => tf.tidy(() => loss(tf.tensor4d(xs.map((v, j) => (j === i ? v + d : v)), shape as [number, number, number, number]), scale, offset).dataSync()[0] as number);
      return (at(eps) - at(-eps)) / (2 * eps);
    };
    for (let i = 0; i < xs.length; i++) expect(dx?.[i]).toBeCloseTo(numeric(i), 2);
    // dScale = sum(dy * xhat) and dOffset = sum(dy) per channel.
    const { mean, variance } = channelMoments(Float32Array.from(xs), 2);
    for (let k = 0; k < 2; k++) {
      let sumDy = 0;
      let sumDyXhat = 0;
      for (let i = k; i < 24; i += 2) {
        sumDy += w[i] as number;
        sumDyXhat += (w[i] as number) * ((xs[i] as number) - (mean[k] as number)) / Math.sqrt((variance[k] as number) + 1e-3);
      }
      expect(dOff?.[k]).toBeCloseTo(sumDy, 4);
      expect(ds?.[k]).toBeCloseTo(sumDyXhat, 4);
    }
    tf.dispose([x, scale, offset, ...grads]);
    expect(hasKernel(FUSED_BATCH_NORM_TRAINING_GRAD)).toBe(true);
  });
});
