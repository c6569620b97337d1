import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { batchCount, batches } from '../src/data/batches.ts';
import { classCounts, makeImageSet } from '../src/data/image-set.ts';
import { loadDataset } from '../src/data/load.ts';
import { computeNormalization, splitValidation } from '../src/data/split.ts';
import type { Batch, ImageSet } from '../src/data/types.ts';
import { writeCifar10Fixture } from './helpers/fixtures.ts';

/** `count` images of h x w x c whose pixels encode (image, y, x, c); label = image mod classes. */
function synthetic(count: number, h = 4, w = 5, c = 2, classes = 3): ImageSet {
  const pixels = new Uint8Array(count * h * w * c);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < h * w * c; p++) pixels[i * h * w * c + p] = (i * 7 + p * 3) % 256;
  }
  return makeImageSet({ height: h, width: w, channels: c, numClasses: classes,
    pixels, labels: Uint8Array.from({ length: count }, (_, i) => i % classes) });
}

/** Identifies an image by its first two bytes. */
const key = (set: ImageSet, i: number): string => {
  const per = set.height * set.width * set.channels;
  return Array.from(set.pixels.subarray(i * per, i * per + per)).join(',');
};

const all = (set: ImageSet, rng: Rng | undefined, extra: Partial<Parameters<typeof batches>[1]> = {}): Batch[] =>
  [...batches(set, { batchSize: 4, rng, ...extra })];

describe('validation split', () => {
  const set = synthetic(90, 2, 2, 1, 3);

  it('is a seeded, stratified partition that keeps the original order', () => {
    const { train, val } = splitValidation(set, { fraction: 0.2, rng: Rng.seeded(5) });
    expect(train.count + val.count).toBe(90);
    expect(classCounts(val)).toEqual([6, 6, 6]);
    const keys = [...Array.from({ length: train.count }, (_, i) => key(train, i)), ...Array.from({ length: val.count }, (_, i) => key(val, i))];
    expect(new Set(keys).size).toBe(90);
    const index = (s: ImageSet, i: number): number => Array.from({ length: 90 }, (_, j) => key(set, j)).indexOf(key(s, i));
    const trainIdx = Array.from({ length: train.count }, (_, i) => index(train, i));
    expect(trainIdx).toEqual([...trainIdx].sort((a, b) => a - b));
    const again = splitValidation(set, { fraction: 0.2, rng: Rng.seeded(5) });
    expect(Array.from(again.val.pixels)).toEqual(Array.from(val.pixels));
    const other = splitValidation(set, { fraction: 0.2, rng: Rng.seeded(6) });
    expect(Array.from(other.val.pixels)).not.toEqual(Array.from(val.pixels));
  });

  it('can be unstratified or empty, and never takes every image', () => {
    expect(splitValidation(set, { fraction: 0.1, rng: Rng.seeded(1), stratify: false }).val.count).toBe(9);
    const none = splitValidation(set, { fraction: 0, rng: Rng.seeded(1) });
    expect([none.train.count, none.val.count]).toEqual([90, 0]);
    const tiny = synthetic(1, 1, 1, 1, 1);
    expect(() => splitValidation(tiny, { fraction: 0.9, rng: Rng.seeded(1) })).toThrow(/leaves no training images/);
  });
});

describe('normalisation', () => {
  it('computes per-channel mean and std in units of pixel/255', () => {
    const set = makeImageSet({ height: 1, width: 2, channels: 2, numClasses: 1,
      pixels: Uint8Array.of(0, 51, 255, 51, 0, 51, 255, 51), labels: new Uint8Array(2) });
    const { mean, std } = computeNormalization(set);
    expect(mean[0]).toBeCloseTo(0.5, 12);
    expect(std[0]).toBeCloseTo(0.5, 12);
    expect(mean[1]).toBeCloseTo(0.2, 12);
    expect(std[1]).toBe(1); // constant channel
  });
});

describe('batches', () => {
  const set = synthetic(10);
  const norm = { mean: [0.1, 0.4], std: [0.5, 0.25] };

  it('visits every image once in order without an rng, normalised, with a short last batch', () => {
    const bs = all(set, undefined, { normalization: norm });
    expect(bs.map((b) => b.size)).toEqual([4, 4, 2]);
    expect(batchCount(10, 4)).toBe(3);
    expect(bs[0].shape).toEqual([4, 5, 2]);
    const per = 40;
    for (const [b, batch] of bs.entries()) {
      expect(batch.x.length).toBe(batch.size * per);
      for (let j = 0; j < batch.size; j++) {
        const i = b * 4 + j;
        expect(batch.y[j]).toBe(i % 3);
        for (const p of [0, 1, 17, 39]) {
          const expected = (set.pixels[i * per + p] / 255 - norm.mean[p % 2]) / norm.std[p % 2];
          expect(batch.x[j * per + p]).toBeCloseTo(expected, 5);
        }
      }
    }
    expect(all(set, undefined, { dropRemainder: true }).map((b) => b.size)).toEqual([4, 4]);
    expect(batchCount(10, 4, true)).toBe(2);
  });

  it('shuffles into a permutation; the same seed gives the same batches and another seed others', () => {
    const a = all(set, Rng.seeded(3));
    const labels = a.flatMap((b) => Array.from(b.y));
    expect([...labels].sort()).toEqual(Array.from({ length: 10 }, (_, i) => i % 3).sort());
    const firstBytes = a.flatMap((b) => Array.from({ length: b.size }, (_, j) => Math.round(b.x[j * 40] * 255)));
    expect([...firstBytes].sort((p, q) => p - q)).toEqual(Array.from({ length: 10 }, (_, i) => (i * 7) % 256).sort((p, q) => p - q));
    expect(firstBytes).not.toEqual(Array.from({ length: 10 }, (_, i) => i * 7));
    const b = all(set, Rng.seeded(3));
    expect(b.map((x) => Array.from(x.x))).toEqual(a.map((x) => Array.from(x.x)));
    const c = all(set, Rng.seeded(4));
    expect(c.map((x) => Array.from(x.x))).not.toEqual(a.map((x) => Array.from(x.x)));
  });

  it('augments with seeded crops from a black-padded image and horizontal flips', () => {
    const rng = Rng.seeded(11);
    const aug = { cropPadding: 2, flip: true };
    const out = all(set, rng, { shuffle: false, augment: aug });
    const again = all(set, Rng.seeded(11), { shuffle: false, augment: aug });
    expect(again.map((x) => Array.from(x.x))).toEqual(out.map((x) => Array.from(x.x)));
    const { height: h, width: w, channels: c } = set;
    const src = (i: number, y: number, x: number, k: number): number =>
      y < 0 || y >= h || x < 0 || x >= w ? 0 : set.pixels[((i * h + y) * w + x) * c + k] / 255;
    let flipped = 0, shifted = 0;
    for (const [bi, batch] of out.entries()) {
      for (let j = 0; j < batch.size; j++) {
        const i = bi * 4 + j;
        const got = Array.from(batch.x.subarray(j * h * w * c, (j + 1) * h * w * c));
        const matches: Array<[number, number, boolean]> = [];
        for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) for (const f of [false, true]) {
          const want: number[] = [];
          for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) want.push(src(i, y + dy, (f ? w - 1 - x : x) + dx, k));
          if (want.every((v, q) => Math.abs(v - got[q]) < 1e-6)) matches.push([dy, dx, f]);
        }
        expect(matches.length, `image ${i} is a crop/flip of its source`).toBeGreaterThan(0);
        if (matches.every((m) => m[2])) flipped++;
        if (matches.every((m) => m[0] !== 0 || m[1] !== 0)) shifted++;
      }
    }
    expect(flipped).toBeGreaterThan(0);
    expect(shifted).toBeGreaterThan(0);
  });

  it('draws nothing and copies pixels exactly with padding 0 and no flip', () => {
    const out = all(set, Rng.seeded(1), { shuffle: false, augment: { cropPadding: 0, flip: false } });
    expect(Array.from(out[0].x.subarray(0, 40)).map((v) => Math.round(v * 255))).toEqual(Array.from(set.pixels.subarray(0, 40)));
  });
});

describe('loadDataset', () => {
  it('loads the built-in fashion-mnist-mini with a seeded split and training-split statistics', async () => {
    const d = await loadDataset('fashion-mnist-mini', { seed: 7 });
    expect(d.info.shape).toEqual([28, 28, 1]);
    expect(d.info.counts).toEqual({ train: 1800, val: 200, test: 500 });
    expect(classCounts(d.val)).toEqual(new Array(10).fill(20));
    expect(d.info.normalization).toEqual(computeNormalization(d.train));
    expect(d.info.augment).toBe(false);
    expect(d.info.classNames?.[9]).toBe('Ankle boot');
    const same = await loadDataset('fashion-mnist-mini', { seed: 7 });
    expect(Array.from(same.val.labels)).toEqual(Array.from(d.val.labels));
    expect(Buffer.compare(Buffer.from(same.val.pixels), Buffer.from(d.val.pixels))).toBe(0);
    const other = await loadDataset('fashion-mnist-mini', { seed: 8 });
    expect(Buffer.compare(Buffer.from(other.val.pixels), Buffer.from(d.val.pixels))).not.toBe(0);
    expect(Buffer.compare(Buffer.from(other.test!.pixels), Buffer.from(d.test!.pixels))).toBe(0);
  });

  it('caps the training images with limit and skips the test set on request', async () => {
    const d = await loadDataset('fashion-mnist-mini', { limit: 100, valFraction: 0.2, includeTest: false });
    expect(d.train.count + d.val.count).toBe(100);
    expect(d.val.count).toBeGreaterThanOrEqual(18);
    expect(d.test).toBeUndefined();
    expect(d.info.counts.test).toBeUndefined();
  });

  it('recommends crop and flip for CIFAR-10 and batches it end to end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nas-cifar-'));
    const spec = `cifar10:${writeCifar10Fixture(dir, { train: 80 })}`;
    const d = await loadDataset(spec, { limit: 64, includeTest: false, valFraction: 0.25 }).finally(() => rmSync(dir, { recursive: true, force: true }));
    expect(d.info.augment).toEqual({ cropPadding: 4, flip: true });
    expect(d.info.shape).toEqual([32, 32, 3]);
    expect(d.info.normalization.mean).toHaveLength(3);
    const rng = Rng.seeded(1).split('epoch-0');
    const out = [...batches(d.train, { batchSize: 16, rng, augment: d.info.augment, normalization: d.info.normalization })];
    expect(out.reduce((s, b) => s + b.size, 0)).toBe(d.train.count);
    expect(out.every((b) => b.x.every((v) => Number.isFinite(v)))).toBe(true);
  });
});
