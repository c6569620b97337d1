import v8 from 'node:v8';
import vm from 'node:vm';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import type { ImageSet } from '../src/data/types.ts';
import { nb201FromArch } from '../src/genome/nb201.ts';
import { buildModel } from '../src/model/builder.ts';
import { GRAPH_CACHE_ENTRIES } from '../src/backends/graph-cache.ts';
import { trainModel } from '../src/train/trainer.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function images(count: number, seed: string): ImageSet {
  const rng = Rng.seeded(seed);
  return { height: 6, width: 6, channels: 1, numClasses: 3, count,
    pixels: Uint8Array.from({ length: count * 36 }, () => rng.int(256)), labels: Uint8Array.from({ length: count }, (_, i) => i % 3) };
}

/** Builds and trains one tiny child, disposes it, and returns weak references to its layers. */
async function trainAndDrop(seed: number): Promise<Array<WeakRef<tf.layers.Layer>>> {
  const built = buildModel(nb201FromArch('|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|skip_connect~2|'),
    { inputShape: [6, 6, 1], numClasses: 3, channels: 2, cellsPerStage: 1 }, { seed });
  await trainModel(built.model, built.plan, { train: images(8, 'train'), val: images(4, 'val') }, { epochs: 1, seed, batchSize: 4 });
  built.model.dispose();
  return built.model.layers.map((l) => new WeakRef(l));
}

describe('tfjs-layers graph cache', () => {
  it('lets a trained and disposed child be garbage-collected while later children train', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const first = await trainAndDrop(1);
    expect(tf.env().getNumber('TOPOLOGICAL_SORT_CACHE_MAX_ENTRIES')).toBe(GRAPH_CACHE_ENTRIES);
    // Enough later children to push the first one's graphs out of the capped cache (a few entries each).
    for (let i = 2; i <= 2 + GRAPH_CACHE_ENTRIES; i++) await trainAndDrop(i);
    const alive = (): number => first.filter((r) => r.deref() !== undefined).length;
    expect(first.length).toBeGreaterThan(10);
    for (let i = 0; i < 3 && alive() > 0; i++) {
      await new Promise((r) => setTimeout(r, 0));
      gc();
    }
    expect(alive()).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
