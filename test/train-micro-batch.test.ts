import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import type { ImageSet } from '../src/data/types.ts';
import { nb201FromArch } from '../src/genome/nb201.ts';
import { selectBackend } from '../src/backends/backend.ts';
import { classifyFailure, StepMemoryError } from '../src/train/failures.ts';
import { trainChild, trainModel } from '../src/train/trainer.ts';
import type { TrainOptions } from '../src/train/trainer.ts';
import { WasmMemoryError } from '../src/backends/wasm/abort.ts';
import { planMicroBatches, stepFootprint } from '../src/backends/wasm/memory-plan.ts';
import type { PlanOptions } from '../src/backends/wasm/memory-plan.ts';

function noise(count: number, seed: string): ImageSet {
  const rng = Rng.seeded(seed);
  const pixels = Uint8Array.from({ length: count * 6 * 6 * 2 }, () => rng.int(256));
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 3);
  return { height: 6, width: 6, channels: 2, numClasses: 3, pixels, labels, count };
}

/** A small network without batch normalisation, so a split batch has exactly the full batch's gradient. */
function plainNet(): tf.LayersModel {
  const init = (seed: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed });
  const input = tf.input({ shape: [6, 6, 2] });
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: init(1), name: 'conv' }).apply(input) as tf.SymbolicTensor;
  const sep = tf.layers.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', depthwiseInitializer: init(2), pointwiseInitializer: init(3), name: 'sep' }).apply(conv) as tf.SymbolicTensor;
  const features = tf.layers.globalAveragePooling2d({ name: 'features' }).apply(sep) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 3, kernelInitializer: init(4), name: 'logits' }).apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

/** Plan options whose heap fits a step of `model` on at most `micro` images. */
function heapFor(model: tf.LayersModel, micro: number): PlanOptions {
  const f = stepFootprint(model);
  return { heapLimitBytes: (f.fixedBytes + f.bytesPerSample * (micro + 0.5)) / 0.75 };
}

const plan = { features: 'features', logits: 'logits', dropout: 0 };
const data = { train: noise(16, 'train'), val: noise(6, 'val') };
const options: TrainOptions = { epochs: 1, seed: 3, batchSize: 8, optimizer: 'sgd', lr: 0.2, schedule: 'constant', weightDecay: 1e-2 };

async function trainedWeights(memoryPlan: PlanOptions | false): Promise<{ weights: Float32Array[]; loss: number }> {
  const model = plainNet();
  try {
    const r = await trainModel(model, plan, data, { ...options, memoryPlan });
    return { weights: model.getWeights().map((w) => w.dataSync() as Float32Array), loss: r.epochs[0].loss };
  } finally {
    model.dispose();
  }
}

describe.each(['cpu', 'wasm'] as const)('micro-batches on %s', (backend) => {
  it('a batch split into micro-batches updates the weights as the whole batch does', async () => {
    await selectBackend(backend);
    const baseline = tf.memory().numTensors;
    const probe = plainNet();
    const heap = heapFor(probe, 3);
    expect(planMicroBatches(probe, 8, heap).sizes).toEqual([3, 3, 2]);
    probe.dispose();
    const whole = await trainedWeights(false);
    const split = await trainedWeights(heap);
    expect(split.loss).toBeCloseTo(whole.loss, 5);
    let largest = 0;
    let moved = 0;
    const initial = plainNet();
    const start = initial.getWeights().map((w) => w.dataSync());
    initial.dispose();
    whole.weights.forEach((w, i) => w.forEach((v, j) => {
      largest = Math.max(largest, Math.abs(v - split.weights[i][j]));
      moved = Math.max(moved, Math.abs(v - start[i][j]));
    }));
    expect(moved).toBeGreaterThan(1e-3); // two steps changed the weights
    expect(largest).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('trains a builder child (batch norm, dropout) in micro-batches and releases every tensor', async () => {
    await selectBackend(backend);
    const genome = nb201FromArch('|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|nor_conv_3x3~2|');
    const network = { inputShape: [6, 6, 2] as [number, number, number], numClasses: 3, channels: 4, cellsPerStage: 1, dropout: 0.2 };
    const baseline = tf.memory().numTensors;
    const r = await trainChild({ genome, network }, data, { ...options, epochs: 2, memoryPlan: { heapLimitBytes: 2 * 1024 ** 2 } });
    expect(r.status, r.error).toBe('ok');
    expect(r.backend).toBe(backend);
    expect(r.epochs.every((e) => Number.isFinite(e.loss))).toBe(true);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('fails the child with failure oom, naming the sizes, when one image does not fit', async () => {
    await selectBackend(backend);
    const genome = nb201FromArch('|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|nor_conv_3x3~2|');
    const network = { inputShape: [6, 6, 2] as [number, number, number], numClasses: 3, channels: 4, cellsPerStage: 1 };
    const baseline = tf.memory().numTensors;
    const r = await trainChild({ genome, network }, data, { ...options, memoryPlan: { heapLimitBytes: 64 * 1024 } });
    expect(r.status).toBe('failed');
    expect(r.failure).toBe('oom');
    expect(r.error).toMatch(/batch size 8 refused: .*a training step of this network needs about \d+ MiB for a single image/);
    expect(r.error).toMatch(/the wasm backend can give it/);
    expect(tf.memory().numTensors).toBe(baseline);
  });
});

describe('memory failures', () => {
  it('classifies the wasm abort, guarded or bare, and the planner refusal as oom', () => {
    const abort = new Error('Aborted(). Build with -sASSERTIONS for more info.');
    abort.name = 'RuntimeError';
    expect(classifyFailure(abort).failure).toBe('oom');
    const guarded = classifyFailure(new WasmMemoryError('training step 3 at batch size 64', abort));
    expect(guarded.failure).toBe('oom');
    expect(guarded.error).toMatch(/ran out of its 4 GiB heap while training step 3 at batch size 64 \(Aborted\(\)/);
    expect(classifyFailure(new StepMemoryError('batch size 64 refused')).failure).toBe('oom');
    expect(classifyFailure(new Error('Cannot read properties of undefined')).failure).toBe('crash');
  });
});
