import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import type { ImageSet } from '../src/data/types.ts';
import { nb201FromArch } from '../src/genome/nb201.ts';
import { selectBackend } from '../src/backends/backend.ts';
import { trainChild } from '../src/train/trainer.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

function noise(count: number, seed: string): ImageSet {
  const rng = Rng.seeded(seed);
  const pixels = Uint8Array.from({ length: count * 8 * 8 * 3 }, () => rng.int(256));
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 3);
  return { height: 8, width: 8, channels: 3, numClasses: 3, pixels, labels, count };
}

describe('training on wasm', () => {
  it('gives the same numbers for the same seed and releases every tensor', async () => {
    const genome = nb201FromArch('|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|nor_conv_3x3~2|');
    const data = { train: noise(24, 't'), val: noise(9, 'v'), augment: { cropPadding: 2, flip: true } };
    const network = { inputShape: [8, 8, 3] as [number, number, number], numClasses: 3, channels: 4, cellsPerStage: 1, dropout: 0.2 };
    const baseline = tf.memory().numTensors;
    const a = await trainChild({ genome, network }, data, { epochs: 2, seed: 21, batchSize: 8 });
    const b = await trainChild({ genome, network }, data, { epochs: 2, seed: 21, batchSize: 8 });
    expect(a.status, a.error).toBe('ok');
    expect(a.backend).toBe('wasm');
    expect(a.epochs.map((e) => e.loss)).toEqual(b.epochs.map((e) => e.loss));
    expect(a.valLoss).toBe(b.valLoss);
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
