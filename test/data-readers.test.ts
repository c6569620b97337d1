import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCifar10, readCifar100 } from '../src/data/cifar.ts';
import { encodeIdx, fashionMnistMiniDir, firstPerClass, makeFashionMnistMini } from '../src/data/fashion-mnist-mini.ts';
import { FASHION_MNIST_CLASSES, readIdxDataset } from '../src/data/idx.ts';
import { classCounts } from '../src/data/image-set.ts';
import type { ImageSet } from '../src/data/types.ts';
import { requires } from './helpers/requirements.ts';
import { CIFAR10_DIR, skipWithoutShared } from './helpers/shared-data.ts';

const CIFAR10 = CIFAR10_DIR;
const FASHION = '/usr/share/datasets/fashion-mnist';
const HAVE_FASHION = !requires('fashion', existsSync(FASHION), `${FASHION} is missing: install the Debian package dataset-fashion-mnist (.ci/run does) to run the Fashion-MNIST tests`);

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'nas-data-')); });
afterAll(() => { rmSync(tmp, { recursive: true, force: true }); });

/** Pixel (y, x, c) of image i of an HWC set. */
function px(set: ImageSet, i: number, y: number, x: number, c: number): number {
  return set.pixels[((i * set.height + y) * set.width + x) * set.channels + c];
}

describe.skipIf(skipWithoutShared(CIFAR10_DIR))('CIFAR-10 binary (shared files)', () => {
  it('reads data_batch_1 and test_batch as 32x32x3 HWC with labels 0-9 and the raw bytes in place', async () => {
    const { train, test, trainFiles, testFile } = await readCifar10(CIFAR10);
    expect(trainFiles).toEqual([join(CIFAR10, 'data_batch_1.bin')]);
    expect(testFile).toBe(join(CIFAR10, 'test_batch.bin'));
    for (const set of [train, test!]) {
      expect([set.count, set.height, set.width, set.channels, set.numClasses]).toEqual([10000, 32, 32, 3, 10]);
      expect(set.pixels.length).toBe(10000 * 3072);
      expect(Math.max(...set.labels)).toBe(9);
      expect(Math.min(...set.labels)).toBe(0);
    }
    expect(train.classNames).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
    expect(classCounts(test!)).toEqual(new Array(10).fill(1000));
    const raw = readFileSync(join(CIFAR10, 'data_batch_1.bin'));
    for (const r of [0, 1, 9999]) {
      const rec = r * 3073;
      expect(train.labels[r]).toBe(raw[rec]);
      for (const [y, x] of [[0, 0], [0, 31], [17, 5], [31, 31]]) {
        for (let c = 0; c < 3; c++) expect(px(train, r, y, x, c)).toBe(raw[rec + 1 + c * 1024 + y * 32 + x]);
      }
    }
  });

  it('reads only the first records under a limit, identical to a full read', async () => {
    const { train, test } = await readCifar10(CIFAR10, { limit: 5, includeTest: false });
    expect(test).toBeUndefined();
    expect(train.count).toBe(5);
    const raw = readFileSync(join(CIFAR10, 'data_batch_1.bin')).subarray(0, 5 * 3073);
    for (let r = 0; r < 5; r++) {
      expect(train.labels[r]).toBe(raw[r * 3073]);
      expect(px(train, r, 3, 4, 2)).toBe(raw[r * 3073 + 1 + 2048 + 3 * 32 + 4]);
    }
  });
});

describe('CIFAR-10 binary (synthetic batches)', () => {
  it('reads whichever data_batch files exist, in order, and stops at the limit inside a later file', async () => {
    const dir = join(tmp, 'cifar-10-partial');
    mkdirSync(dir);
    const batch = (labels: number[]): Buffer => Buffer.concat(labels.map((y) => {
      const rec = Buffer.alloc(3073, y * 10);
      rec[0] = y;
      return rec;
    }));
    writeFileSync(join(dir, 'data_batch_3.bin'), batch([7, 8, 9]));
    writeFileSync(join(dir, 'data_batch_1.bin'), batch([1, 2]));
    writeFileSync(join(dir, 'test_batch.bin'), batch([0]));
    const full = await readCifar10(dir);
    expect(full.trainFiles).toEqual([join(dir, 'data_batch_1.bin'), join(dir, 'data_batch_3.bin')]);
    expect(Array.from(full.train.labels)).toEqual([1, 2, 7, 8, 9]);
    expect(px(full.train, 3, 31, 31, 2)).toBe(80);
    const limited = await readCifar10(dir, { limit: 4 });
    expect(Array.from(limited.train.labels)).toEqual([1, 2, 7, 8]);
    expect(Array.from(limited.test!.labels)).toEqual([0]);
  });
});

/** A CIFAR-100 record: coarse, fine, then R, G, B planes where pixel p of channel c is (seed + 3p + c) mod 256. */
function cifar100Record(coarse: number, fine: number, seed: number): Uint8Array {
  const rec = new Uint8Array(3074);
  rec[0] = coarse;
  rec[1] = fine;
  for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) rec[2 + c * 1024 + p] = (seed + 3 * p + c) % 256;
  return rec;
}

describe('CIFAR-100 binary (synthetic records)', () => {
  it('reads fine labels by default, coarse on request, and HWC pixels', async () => {
    const dir = join(tmp, 'cifar-100-binary');
    mkdirSync(dir);
    const recs = [[3, 99, 0], [19, 0, 50], [0, 42, 200]];
    writeFileSync(join(dir, 'train.bin'), Buffer.concat(recs.map(([c, f, s]) => cifar100Record(c, f, s))));
    writeFileSync(join(dir, 'test.bin'), cifar100Record(7, 70, 9));
    writeFileSync(join(dir, 'coarse_label_names.txt'), Array.from({ length: 20 }, (_, i) => `super${i}`).join('\n') + '\n');
    const fine = await readCifar100(dir);
    expect(fine.train.numClasses).toBe(100);
    expect(Array.from(fine.train.labels)).toEqual([99, 0, 42]);
    expect(Array.from(fine.test!.labels)).toEqual([70]);
    expect(fine.train.classNames).toBeUndefined();
    const coarse = await readCifar100(dir, { labels: 'coarse' });
    expect(coarse.train.numClasses).toBe(20);
    expect(Array.from(coarse.train.labels)).toEqual([3, 19, 0]);
    expect(coarse.train.classNames?.[19]).toBe('super19');
    for (const [i, [, , s]] of recs.entries()) {
      for (const [y, x] of [[0, 0], [5, 7], [31, 31]]) {
        for (let c = 0; c < 3; c++) expect(px(fine.train, i, y, x, c)).toBe((s + 3 * (y * 32 + x) + c) % 256);
      }
    }
  });
});

describe('IDX files', () => {
  it('reads raw files spelled train-images.idx3-ubyte', async () => {
    const dir = join(tmp, 'idx-raw');
    mkdirSync(dir);
    const pixels = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => i);
    writeFileSync(join(dir, 'train-images.idx3-ubyte'), encodeIdx([3, 4, 5], pixels));
    writeFileSync(join(dir, 'train-labels.idx1-ubyte'), encodeIdx([3], Uint8Array.of(2, 0, 9)));
    writeFileSync(join(dir, 't10k-images.idx3-ubyte'), encodeIdx([1, 4, 5], pixels.subarray(0, 20)));
    writeFileSync(join(dir, 't10k-labels.idx1-ubyte'), encodeIdx([1], Uint8Array.of(5)));
    const { train, test } = await readIdxDataset(dir);
    expect([train.count, train.height, train.width, train.channels]).toEqual([3, 4, 5, 1]);
    expect(Array.from(train.labels)).toEqual([2, 0, 9]);
    expect(px(train, 2, 3, 4, 0)).toBe(2 * 20 + 3 * 5 + 4);
    expect(test!.count).toBe(1);
    expect(Array.from(test!.labels)).toEqual([5]);
  });

  it.skipIf(!HAVE_FASHION)('reads the full Fashion-MNIST (gzip) with the bytes of the original files', async () => {
    const { train, test } = await readIdxDataset(FASHION, { classNames: FASHION_MNIST_CLASSES });
    expect([train.count, train.height, train.width, train.channels, train.numClasses]).toEqual([60000, 28, 28, 1, 10]);
    expect(test!.count).toBe(10000);
    expect(classCounts(train)).toEqual(new Array(10).fill(6000));
    expect(classCounts(test!)).toEqual(new Array(10).fill(1000));
    const labels = gunzipSync(readFileSync(join(FASHION, 'train-labels-idx1-ubyte.gz')));
    const images = gunzipSync(readFileSync(join(FASHION, 'train-images-idx3-ubyte.gz')));
    for (const i of [0, 1, 59999]) {
      expect(train.labels[i]).toBe(labels[8 + i]);
      for (const [y, x] of [[0, 0], [14, 14], [20, 9]]) expect(px(train, i, y, x, 0)).toBe(images[16 + i * 784 + y * 28 + x]);
    }
    expect(train.labels[0]).toBe(9); // the first Fashion-MNIST training image is an ankle boot
  });
});

describe('fashion-mnist-mini (datasets/)', () => {
  it('holds 200 training and 50 test images per class, 28x28x1', async () => {
    const { train, test } = await readIdxDataset(fashionMnistMiniDir(), { classNames: FASHION_MNIST_CLASSES });
    expect([train.count, train.height, train.width, train.channels]).toEqual([2000, 28, 28, 1]);
    expect(classCounts(train)).toEqual(new Array(10).fill(200));
    expect(classCounts(test!)).toEqual(new Array(10).fill(50));
  });

  it.skipIf(!HAVE_FASHION)('is regenerated exactly by makeFashionMnistMini from the original files', async () => {
    const out = join(tmp, 'mini');
    expect(await makeFashionMnistMini(FASHION, out)).toEqual({ train: 2000, test: 500 });
    for (const name of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      const made = gunzipSync(readFileSync(join(out, name)));
      const committed = gunzipSync(readFileSync(join(fashionMnistMiniDir(), name)));
      expect(Buffer.compare(made, committed), name).toBe(0);
    }
  });

  it('takes the first images of each class in order', () => {
    expect(firstPerClass([1, 0, 1, 1, 0, 2, 0], 3, 2)).toEqual([0, 1, 2, 4, 5]);
  });
});
