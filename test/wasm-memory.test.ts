import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  activationsPerSample, buildProbeNetwork, defaultBytesPerActivation, estimateStepBytes, isWasmAbort, planFromFootprint,
  planMicroBatches, registerWasmTrainingKernels, stepFootprint, WASM_HEAP_LIMIT_BYTES, WasmMemoryError, withWasmAbortGuard,
} from '../src/backends/wasm/index.ts';
import { networkPlan } from '../src/genome/network/network.ts';
import type { NasnetGenome } from '../src/genome/types.ts';
import { buildModelFromPlan } from '../src/model/builder.ts';
import { ValidationError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';

const MIB = 1024 ** 2;

beforeAll(async () => { await tf.setBackend('cpu'); });

describe('planFromFootprint', () => {
  const footprint = { bytesPerSample: 10 * MIB, fixedBytes: 100 * MIB };

  it('keeps the batch whole when it fits', () => {
    const plan = planFromFootprint(footprint, 64, { heapLimitBytes: 1000 * MIB, usableFraction: 1 });
    expect(plan).toMatchObject({ microBatch: 64, steps: 1, sizes: [64] });
    expect(plan.estimatedPeakBytes).toBe(100 * MIB + 64 * 10 * MIB);
  });

  it('splits a batch that does not fit into equal micro-batches', () => {
    // Budget 750 MiB - 100 MiB fixed = 650 MiB: 65 images fit, so 100 images take two steps of 50.
    const plan = planFromFootprint(footprint, 100, { heapLimitBytes: 1000 * MIB });
    expect(plan.budgetBytes).toBe(750 * MIB);
    expect(plan).toMatchObject({ microBatch: 50, steps: 2, sizes: [50, 50] });
    // 131 images: at most 65 per step -> 3 steps of 44, 44, 43.
    const odd = planFromFootprint(footprint, 131, { heapLimitBytes: 1000 * MIB });
    expect(odd.sizes).toEqual([44, 44, 43]);
    expect(odd.sizes.reduce((a, b) => a + b, 0)).toBe(131);
    expect(odd.estimatedPeakBytes).toBeLessThanOrEqual(odd.budgetBytes);
  });

  it('subtracts reserved bytes from the budget', () => {
    const plan = planFromFootprint(footprint, 64, { heapLimitBytes: 1000 * MIB, usableFraction: 1, reservedBytes: 580 * MIB });
    expect(plan.microBatch).toBe(32);
    expect(plan.steps).toBe(2);
  });

  it('refuses a step that does not fit for one image, naming the sizes', () => {
    const huge = { bytesPerSample: 5000 * MIB, fixedBytes: 100 * MIB };
    const call = (): unknown => planFromFootprint(huge, 8);
    expect(call).toThrow(ValidationError);
    expect(call).toThrow(/5100 MiB for a single image .*100 MiB for weights.*5000 MiB per image.*3072 MiB.*4096 MiB heap/);
    expect(call).toThrow(/accepted: a smaller network or smaller images on the wasm backend, or the native TensorFlow backend/);
  });

  it('rejects a batch size that is not a positive integer', () => {
    expect(() => planFromFootprint(footprint, 0)).toThrow(/field 'batchSize': batch size 0 is not a positive integer/);
    expect(() => planFromFootprint(footprint, 2.5)).toThrow(ValidationError);
  });
});

describe('planMicroBatches on a model', () => {
  it('counts layer outputs and weights', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const flat = tf.layers.flatten().apply(conv) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 10 }).apply(flat) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    // input 192 + conv 256 + flatten 256 + dense 10
    expect(activationsPerSample(model)).toBe(192 + 256 + 256 + 10);
    const f = stepFootprint(model, { bytesPerActivation: 16, weightCopies: 5 });
    expect(f.bytesPerSample).toBe((192 + 256 + 256 + 10) * 16);
    expect(f.fixedBytes).toBe(model.countParams() * 4 * 5);
    model.dispose();
  });

  it('plans the probe network at batch 64 within the wasm heap', () => {
    const model = buildProbeNetwork(Rng.seeded(1), { filters: 32 });
    const plan = planMicroBatches(model, 64);
    expect(plan.sizes.reduce((a, b) => a + b, 0)).toBe(64);
    expect(plan.estimatedPeakBytes).toBeLessThanOrEqual(WASM_HEAP_LIMIT_BYTES * 0.75);
    const big = planMicroBatches(model, 4096);
    expect(big.steps).toBeGreaterThan(1);
    expect(big.microBatch).toBeLessThan(4096);
    model.dispose();
  });
});

describe('bytes per activation', () => {
  const genome: NasnetGenome = {
    kind: 'nasnet',
    normal: { blocks: [{ inputs: [0, 1], ops: ['sep_conv_3x3', 'max_pool_3x3'] }, { inputs: [0, 2], ops: ['sep_conv_5x5', 'avg_pool_3x3'] }] },
    reduction: { blocks: [{ inputs: [0, 1], ops: ['sep_conv_7x7', 'max_pool_3x3'] }, { inputs: [1, 2], ops: ['conv_1x7_7x1', 'identity'] }] },
  };
  const childPlan = networkPlan(genome, { inputShape: [16, 16, 3], numClasses: 10, cellsPerStack: 1, stacks: 2, initialFilters: 8, dropout: 0 });

  it('is 16 for builder networks on wasm (fused batch norm) and 24 for stock batch norm or elsewhere', async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
    const child = buildModelFromPlan(childPlan, { seed: 1 });
    const stock = buildProbeNetwork(Rng.seeded(1), { filters: 4 });
    expect(defaultBytesPerActivation(child)).toBe(16);
    expect(defaultBytesPerActivation(stock)).toBe(24);
    await tf.setBackend('cpu');
    expect(defaultBytesPerActivation(child)).toBe(24);
    child.dispose();
    stock.dispose();
  });

  it('covers the peak tf.profile measures over a training step of a builder child on wasm', async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
    const model = buildModelFromPlan(childPlan, { seed: 1 });
    for (const batch of [4, 16]) {
      const x = tf.randomUniform([batch, 16, 16, 3], 0, 1, 'float32', 3);
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32'), 10));
      const optimizer = tf.train.momentum(0.01, 0.9, true);
      const step = (): tf.Scalar => optimizer.minimize(() =>
        tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true) as tf.Scalar;
      tf.dispose(step());
      const profile = await tf.profile(() => { tf.dispose(step()); });
      const estimate = estimateStepBytes(model, batch);
      expect(profile.peakBytes).toBeLessThanOrEqual(estimate);
      // ...and not by a wide margin: the estimate is within 2x of the measured peak.
      expect(profile.peakBytes).toBeGreaterThan(estimate / 2);
      tf.dispose([x, y]);
      optimizer.dispose();
    }
    model.dispose();
    await tf.setBackend('cpu');
  });
});

describe('wasm abort guard', () => {
  it('recognises the runtime abort and turns it into an actionable error', async () => {
    const abort = new Error('Aborted(). Build with -sASSERTIONS for more info.');
    abort.name = 'RuntimeError';
    expect(isWasmAbort(abort)).toBe(true);
    expect(isWasmAbort(new Error('Kernel Foo not registered'))).toBe(false);
    expect(isWasmAbort('Aborted()')).toBe(false);
    const run = withWasmAbortGuard(() => { throw abort; }, { context: 'training trial 3 at batch size 512', hint: 'The planner suggests micro-batches of 40.' });
    await expect(run).rejects.toBeInstanceOf(WasmMemoryError);
    await expect(withWasmAbortGuard(() => { throw abort; }, { context: 'training trial 3 at batch size 512' }))
      .rejects.toThrow(/ran out of its 4 GiB heap while training trial 3 at batch size 512 \(Aborted\(\)\..*cannot be used again in this process.*smaller batch size/);
  });

  it('passes other errors and results through unchanged', async () => {
    await expect(withWasmAbortGuard(() => 42, { context: 'x' })).resolves.toBe(42);
    const other = new TypeError('bad shape');
    await expect(withWasmAbortGuard(async () => { throw other; }, { context: 'x' })).rejects.toBe(other);
  });
});
