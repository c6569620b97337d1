import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import type { ImageSet } from '../src/data/types.ts';
import type { NasnetNetworkConfig } from '../src/genome/network/nasnet-plan.ts';
import type { Nb201NetworkConfig } from '../src/genome/network/nb201-plan.ts';
import { nb201FromArch } from '../src/genome/nb201.ts';
import { NASNET_OPS, NB201_OPS } from '../src/genome/types.ts';
import type { NasnetGenome, NasnetOp } from '../src/genome/types.ts';
import { buildModel } from '../src/model/builder.ts';
import { classifyFailure } from '../src/train/failures.ts';
import { learningRateAt } from '../src/train/optimizers.ts';
import { trainChild } from '../src/train/trainer.ts';
import type { TrainData } from '../src/train/trainer.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * A small learnable task: 8x8 gray images whose class (0..3) is the quadrant holding a bright square,
 * on seeded noise.
 */
function quadrants(count: number, seed: string): ImageSet {
  const rng = Rng.seeded(seed);
  const pixels = new Uint8Array(count * 64);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 4;
    labels[i] = label;
    const oy = label < 2 ? 0 : 4;
    const ox = label % 2 === 0 ? 0 : 4;
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const inside = y >= oy && y < oy + 4 && x >= ox && x < ox + 4;
        pixels[i * 64 + y * 8 + x] = Math.min(255, (inside ? 150 : 20) + rng.int(80));
      }
    }
  }
  return { height: 8, width: 8, channels: 1, numClasses: 4, pixels, labels, count };
}

const data: TrainData = { train: quadrants(48, 'train'), val: quadrants(16, 'val'), test: quadrants(16, 'test') };

const nasnet: NasnetGenome = {
  kind: 'nasnet',
  normal: { blocks: [{ inputs: [0, 1], ops: ['sep_conv_3x3', 'identity'] }, { inputs: [2, 1], ops: ['avg_pool_3x3', 'max_pool_3x3'] }] },
  reduction: { blocks: [{ inputs: [0, 1], ops: ['identity', 'max_pool_3x3'] }, { inputs: [2, 1], ops: ['sep_conv_3x3', 'avg_pool_3x3'] }] },
};
const nasnetNet: NasnetNetworkConfig = { inputShape: [8, 8, 1], numClasses: 4, cellsPerStack: 1, stacks: 2, initialFilters: 4, stemMultiplier: 1, dropout: 0.3 };
const nb201 = nb201FromArch('|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|skip_connect~2|');
const nb201Net: Nb201NetworkConfig = { inputShape: [8, 8, 1], numClasses: 4, channels: 4, cellsPerStage: 1 };

describe('trainChild', () => {
  it('trains, reports per-epoch figures and validation accuracy, and releases every tensor', async () => {
    const baseline = tf.memory().numTensors;
    const seen: number[] = [];
    const r = await trainChild({ genome: nb201, network: nb201Net }, data, {
      epochs: 4, seed: 5, batchSize: 8, optimizer: 'adam', lr: 0.01, onEpoch: (e) => seen.push(e.epoch),
    });
    expect(r.status).toBe('ok');
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(r.epochs).toHaveLength(4);
    expect(r.epochs[3].loss).toBeLessThan(r.epochs[0].loss);
    expect(r.valAccuracy).toBeGreaterThanOrEqual(0.5); // chance is 0.25
    expect(r.score).toBe(r.valAccuracy);
    expect(r.testAccuracy).toBeUndefined();
    expect(r.params).toBeGreaterThan(0);
    expect(r.madds).toBeGreaterThan(0);
    expect(r.backend).toBe('cpu');
    expect(r.imagesPerSecond).toBeCloseTo((4 * 48) / r.trainSeconds, 6);
    expect(r.metrics?.valAccuracy).toBe(r.valAccuracy);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('gives the same numbers for the same seed and different ones for another seed (SGD, dropout, weight decay)', async () => {
    const options = { epochs: 2, batchSize: 24, weightDecay: 5e-4, evaluateTest: true };
    const run = (seed: number) => trainChild({ genome: nasnet, network: nasnetNet }, { ...data, augment: { cropPadding: 1, flip: true } }, { ...options, seed });
    const a = await run(11);
    const b = await run(11);
    const c = await run(12);
    expect(a.status).toBe('ok');
    expect(a.epochs.map((e) => e.loss)).toEqual(b.epochs.map((e) => e.loss));
    expect(a.valLoss).toBe(b.valLoss);
    expect(a.testAccuracy).toBe(b.testAccuracy);
    expect(a.report).toBe(a.testAccuracy);
    expect(c.epochs.map((e) => e.loss)).not.toEqual(a.epochs.map((e) => e.loss));
  });

  it('ends a child whose loss becomes NaN with failure nan, leaking nothing', async () => {
    const baseline = tf.memory().numTensors;
    const r = await trainChild({ genome: nb201, network: nb201Net }, data, { epochs: 3, seed: 1, batchSize: 8, lr: 1e30, schedule: 'constant' });
    expect(r.status).toBe('failed');
    expect(r.failure).toBe('nan');
    expect(r.error).toMatch(/loss became (NaN|Infinity|-Infinity) at epoch \d+, step \d+/);
    expect(r.valAccuracy).toBeUndefined();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('ends a child too large to allocate with failure oom, leaking nothing', async () => {
    const baseline = tf.memory().numTensors;
    const huge = nb201FromArch('|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_1x1~1|nor_conv_1x1~2|');
    const r = await trainChild({ genome: huge, network: { ...nb201Net, channels: 70_000 } }, data, { epochs: 1, seed: 1 });
    expect(r.status).toBe('failed');
    expect(r.failure).toBe('oom');
    expect(r.params).toBeGreaterThan(2 ** 32);
    expect(tf.memory().numTensors).toBe(baseline);
    expect(Object.keys(tf.engine().registeredVariables)).toHaveLength(0);
  });

  it('ends a child with an invalid network with failure invalid', async () => {
    const r = await trainChild({ genome: nasnet, network: { ...nasnetNet, initialFilters: 1 } }, data, { epochs: 1, seed: 1 });
    expect(r).toMatchObject({ status: 'failed', failure: 'invalid' });
    expect(r.error).toMatch(/initialFilters/);
  });
});

describe('failure classification and schedule', () => {
  it('recognises out-of-memory messages of every backend', () => {
    expect(classifyFailure(new Error('OOM when allocating tensor with shape[64,3,3,512]')).failure).toBe('oom');
    expect(classifyFailure(new RangeError('Array buffer allocation failed')).failure).toBe('oom');
    expect(classifyFailure(new RangeError('Invalid typed array length: 5000000000')).failure).toBe('oom');
    expect(classifyFailure(new Error('Cannot enlarge memory arrays')).failure).toBe('oom');
    expect(classifyFailure(new Error('Failed to link vertex and fragment shaders')).failure).toBe('crash');
  });

  it('decays the learning rate along a cosine from the base rate to 0', () => {
    expect(learningRateAt('cosine', 0.1, 0, 100)).toBeCloseTo(0.1, 12);
    expect(learningRateAt('cosine', 0.1, 50, 100)).toBeCloseTo(0.05, 12);
    expect(learningRateAt('cosine', 0.1, 100, 100)).toBeCloseTo(0, 12);
    expect(learningRateAt('constant', 0.1, 70, 100)).toBe(0.1);
  });
});

describe('every op', () => {
  /** Keras layer classes every tfjs (and Keras) build knows: a saved model needs no custom code. */
  const STANDARD = new Set([
    'InputLayer', 'Conv2D', 'SeparableConv2D', 'BatchNormalization', 'Activation', 'AveragePooling2D', 'MaxPooling2D',
    'ZeroPadding2D', 'Cropping2D', 'Rescaling', 'Add', 'Concatenate', 'GlobalAveragePooling2D', 'Dropout', 'Dense',
  ]);

  it.each(NASNET_OPS)('NASNet op %s trains in normal and reduction cells, on cell inputs and block outputs', async (op) => {
    const cell = { blocks: [{ inputs: [0, 1] as [number, number], ops: [op, op] as [NasnetOp, NasnetOp] }, { inputs: [2, 1] as [number, number], ops: [op, 'identity'] as [NasnetOp, NasnetOp] }] };
    const genome: NasnetGenome = { kind: 'nasnet', normal: cell, reduction: cell };
    const few = { train: quadrants(8, 'few'), val: quadrants(4, 'few-val') };
    const r = await trainChild({ genome, network: { ...nasnetNet, initialFilters: 2 } }, few, { epochs: 1, seed: 3, batchSize: 8 });
    expect(r.status, r.error).toBe('ok');
    const { model } = buildModel(genome, { ...nasnetNet, initialFilters: 2 }, { seed: 3 });
    const classes = (model.toJSON(null, false) as { config: { layers: Array<{ class_name: string }> } }).config.layers.map((l) => l.class_name);
    model.dispose();
    expect(classes.filter((c) => !STANDARD.has(c))).toEqual([]);
  });

  it('trains a block that adds a tensor to itself (identity on the same input twice)', async () => {
    const cell = { blocks: [{ inputs: [1, 1] as [number, number], ops: ['identity', 'identity'] as [NasnetOp, NasnetOp] }] };
    const genome: NasnetGenome = { kind: 'nasnet', normal: cell, reduction: cell };
    const few = { train: quadrants(8, 'few'), val: quadrants(4, 'few-val') };
    const r = await trainChild({ genome, network: { ...nasnetNet, initialFilters: 2 } }, few, { epochs: 1, seed: 3, batchSize: 8 });
    expect(r.status, r.error).toBe('ok');
  });

  it.each(NB201_OPS)('NAS-Bench-201 op %s trains on every edge', async (op) => {
    const genome = nb201FromArch(`|${op}~0|+|${op}~0|${op}~1|+|${op}~0|${op}~1|${op}~2|`);
    const few = { train: quadrants(8, 'few'), val: quadrants(4, 'few-val') };
    const r = await trainChild({ genome, network: { ...nb201Net, channels: 2 } }, few, { epochs: 1, seed: 3, batchSize: 8 });
    expect(r.status, r.error).toBe('ok');
  });
});
