/**
 * Checkpoint-continued training: a child trained to r epochs, checkpointed (through the file encoding),
 * and continued to R takes exactly the steps of a child trained straight to R under a schedule over the
 * same horizon: bit-identical weights, losses and validation accuracy on the cpu backend, with SGD and
 * Adam, dropout, augmentation and weight decay. Nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, MemoryCheckpointStore, type TrainCheckpoint } from '../src/core/checkpoint.ts';
import { Rng } from '../src/core/rng.ts';
import type { ImageSet } from '../src/data/types.ts';
import type { NasnetNetworkConfig } from '../src/genome/network/nasnet-plan.ts';
import type { Nb201NetworkConfig } from '../src/genome/network/nb201-plan.ts';
import { nb201FromArch } from '../src/genome/nb201.ts';
import type { NasnetGenome } from '../src/genome/types.ts';
import { trainChild, type ChildSpec, type TrainData, type TrainOptions } from '../src/train/trainer.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 8x8 gray images whose class (0..3) is the quadrant holding a bright square, on seeded noise. */
function quadrants(count: number, seed: string): ImageSet {
  const rng = Rng.seeded(seed);
  const pixels = new Uint8Array(count * 64);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 4;
    const oy = labels[i] < 2 ? 0 : 4;
    const ox = labels[i] % 2 === 0 ? 0 : 4;
    for (let p = 0; p < 64; p++) {
      const y = Math.floor(p / 8);
      const x = p % 8;
      const inside = y >= oy && y < oy + 4 && x >= ox && x < ox + 4;
      pixels[i * 64 + p] = Math.min(255, (inside ? 150 : 20) + rng.int(80));
    }
  }
  return { height: 8, width: 8, channels: 1, numClasses: 4, pixels, labels, count };
}

const data: TrainData = { train: quadrants(40, 'train'), val: quadrants(12, 'val'), augment: { cropPadding: 1, flip: true } };

const nasnet: ChildSpec = {
  genome: {
    kind: 'nasnet',
    normal: { blocks: [{ inputs: [0, 1], ops: ['sep_conv_3x3', 'identity'] }, { inputs: [2, 1], ops: ['avg_pool_3x3', 'max_pool_3x3'] }] },
    reduction: { blocks: [{ inputs: [0, 1], ops: ['identity', 'max_pool_3x3'] }, { inputs: [2, 1], ops: ['sep_conv_3x3', 'avg_pool_3x3'] }] },
  } satisfies NasnetGenome,
  network: { inputShape: [8, 8, 1], numClasses: 4, cellsPerStack: 1, stacks: 2, initialFilters: 4, stemMultiplier: 1, dropout: 0.3 } satisfies NasnetNetworkConfig,
};
const nb201: ChildSpec = {
  genome: nb201FromArch('|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|skip_connect~2|'),
  network: { inputShape: [8, 8, 1], numClasses: 4, channels: 4, cellsPerStage: 1 } satisfies Nb201NetworkConfig,
};

/** Trains `child` to `epochs` (schedule over `horizon`), optionally from a checkpoint; returns the result and its checkpoint. */
async function train(child: ChildSpec, options: Partial<TrainOptions> & { epochs: number; horizon: number; from?: TrainCheckpoint }) {
  let saved: TrainCheckpoint | undefined;
  const { epochs, horizon, from, ...rest } = options;
  const result = await trainChild(child, data, {
    seed: 21, batchSize: 16, ...rest, epochs, horizonEpochs: horizon, trialId: 3,
    ...(from ? { continueFrom: from } : {}),
    saveCheckpoint: (c) => {
      // Through the file format, as a run keeps it.
      saved = decodeCheckpoint(encodeCheckpoint(c), 'test');
    },
  });
  expect(result.status, result.error).toBe('ok');
  return { result, checkpoint: saved as TrainCheckpoint };
}

describe.each([
  { name: 'NASNet child, SGD with Nesterov momentum, dropout, weight decay', child: nasnet, options: { optimizer: 'sgd' as const, weightDecay: 1e-3 } },
  { name: 'NAS-Bench-201 child, Adam', child: nb201, options: { optimizer: 'adam' as const, lr: 0.01 } },
])('continuing a checkpoint: $name', ({ child, options }) => {
  it('gives bit-identical weights, epochs and accuracy to training straight through', async () => {
    const baseline = tf.memory().numTensors;
    const straight = await train(child, { ...options, epochs: 4, horizon: 4 });
    const first = await train(child, { ...options, epochs: 1, horizon: 4 });
    const second = await train(child, { ...options, epochs: 3, horizon: 4, from: first.checkpoint, seed: 999 });
    const third = await train(child, { ...options, epochs: 4, horizon: 4, from: second.checkpoint, seed: 1234 });
    expect(tf.memory().numTensors).toBe(baseline);

    expect(first.checkpoint).toMatchObject({ epoch: 1, seed: 21, horizon: 4 });
    expect(second.result.epochsTrained).toBe(2);
    expect(third.result.epochsTrained).toBe(1);
    expect(second.result.epochs.map((e) => e.epoch)).toEqual([2, 3]);
    const pieces = [...first.result.epochs, ...second.result.epochs, ...third.result.epochs];
    expect(pieces.map((e) => [e.loss, e.accuracy, e.lr])).toEqual(straight.result.epochs.map((e) => [e.loss, e.accuracy, e.lr]));
    expect(third.result.valAccuracy).toBe(straight.result.valAccuracy);
    expect(third.result.valLoss).toBe(straight.result.valLoss);
    expect(third.checkpoint.step).toBe(straight.checkpoint.step);
    expect(third.checkpoint.weights.map((w) => w.name)).toEqual(straight.checkpoint.weights.map((w) => w.name));
    third.checkpoint.weights.forEach((w, i) => expect(Buffer.from(w.values.buffer).equals(Buffer.from(straight.checkpoint.weights[i].values.buffer)), w.name).toBe(true));
    const slots = (c: TrainCheckpoint) => c.optimizer?.slots.map((s) => Buffer.from(s.values.buffer).toString('base64'));
    expect(slots(third.checkpoint)).toEqual(slots(straight.checkpoint));
    expect(third.checkpoint.optimizer?.scalars).toEqual(straight.checkpoint.optimizer?.scalars);
  });
});

describe('checkpoints', () => {
  it('a schedule over a longer horizon differs from one over the trained epochs (the horizon is used)', async () => {
    const short = await train(nb201, { epochs: 2, horizon: 2 });
    const long = await train(nb201, { epochs: 2, horizon: 6 });
    expect(long.result.epochs[1].lr).toBeGreaterThan(short.result.epochs[1].lr);
  });

  it('measures validation after every epoch and stops when told, keeping the curve in the checkpoint', async () => {
    const baseline = tf.memory().numTensors;
    let saved: TrainCheckpoint | undefined;
    const r = await trainChild(nb201, data, {
      epochs: 5, seed: 4, batchSize: 16, everyEpoch: { stop: (epoch) => epoch === 2 }, saveCheckpoint: (c) => void (saved = c),
    });
    expect(r.status).toBe('ok');
    expect(r.stoppedAt).toBe(2);
    expect(r.epochsTrained).toBe(2);
    expect(r.curve).toHaveLength(2);
    expect(r.score).toBe(r.curve?.[1]);
    expect(saved?.curve).toEqual(r.curve);
    expect(saved?.epoch).toBe(2);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('refuses a checkpoint of another network, naming the weight, and leaks nothing', async () => {
    const { checkpoint } = await train(nb201, { epochs: 1, horizon: 2 });
    const baseline = tf.memory().numTensors;
    const r = await trainChild(nasnet, data, { epochs: 2, seed: 1, batchSize: 16, continueFrom: checkpoint });
    expect(r.status).toBe('failed');
    expect(r.failure).toBe('invalid');
    expect(r.error).toMatch(/checkpoint of epoch 1: .*weight '/);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('refuses a checkpoint of another optimiser', async () => {
    const { checkpoint } = await train(nb201, { epochs: 1, horizon: 2, optimizer: 'sgd' });
    const r = await trainChild(nb201, data, { epochs: 2, seed: 1, batchSize: 16, optimizer: 'adam', continueFrom: checkpoint });
    expect(r.failure).toBe('invalid');
    expect(r.error).toMatch(/holds a sgd optimiser, this child trains with adam/);
  });

  it('round-trips through the file encoding and rejects damaged files, naming them', async () => {
    const { checkpoint } = await train(nb201, { epochs: 1, horizon: 1 });
    const store = new MemoryCheckpointStore();
    store.save(7, checkpoint);
    expect(store.list()).toEqual([7]);
    expect(store.load(7)).toEqual(checkpoint);
    const bytes = encodeCheckpoint(checkpoint);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 3), 'c.ckpt')).toThrow(/c\.ckpt: holds \d+ bytes, its header describes \d+/);
    expect(() => decodeCheckpoint(Buffer.from('hello world, not one'), 'x.ckpt')).toThrow(/x\.ckpt: not a checkpoint/);
    store.remove(7);
    expect(store.has(7)).toBe(false);
  });
});
