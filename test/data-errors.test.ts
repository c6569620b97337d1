import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError, ValidationError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import { batches } from '../src/data/batches.ts';
import { readCifar10, readCifar100 } from '../src/data/cifar.ts';
import { encodeIdx, fashionMnistMiniDir } from '../src/data/fashion-mnist-mini.ts';
import { readIdxDataset } from '../src/data/idx.ts';
import { makeImageSet } from '../src/data/image-set.ts';
import { loadDataset } from '../src/data/load.ts';
import { parseDatasetSpec } from '../src/data/spec.ts';

let tmp: string;
let n = 0;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'nas-data-err-')); });
afterAll(() => { rmSync(tmp, { recursive: true, force: true }); });

/** A fresh directory holding `files`. */
function dirWith(files: Record<string, Uint8Array | string>): string {
  const dir = join(tmp, `d${n++}`);
  mkdirSync(dir);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

/** `count` CIFAR records of `labelBytes` label bytes each, every label byte set to `label`. */
function records(count: number, labelBytes: number, label = 1): Uint8Array {
  const rec = labelBytes + 3072;
  const out = new Uint8Array(count * rec);
  for (let r = 0; r < count; r++) out.fill(label, r * rec, r * rec + labelBytes);
  return out;
}

/** Expects `p` to reject with `type` whose message matches `pattern`. */
async function rejects(p: Promise<unknown>, type: typeof FileFormatError | typeof ValidationError, pattern: RegExp): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(type);
  expect((err as Error).message).toMatch(pattern);
}

describe('dataset specs', () => {
  it('parses every kind and rejects unknown kinds, missing and surplus directories', () => {
    expect(parseDatasetSpec('cifar10:data/c10')).toEqual({ kind: 'cifar10', dir: 'data/c10', text: 'cifar10:data/c10' });
    expect(parseDatasetSpec('folder:C:/imgs').dir).toBe('C:/imgs');
    expect(parseDatasetSpec('fashion-mnist-mini')).toEqual({ kind: 'fashion-mnist-mini', text: 'fashion-mnist-mini' });
    for (const k of ['cifar100', 'cifar100-coarse', 'mnist', 'fashion-mnist']) expect(parseDatasetSpec(`${k}:x`).kind).toBe(k);
    expect(() => parseDatasetSpec('imagenet:/data')).toThrow(
      /field 'dataset': unknown dataset kind 'imagenet' in 'imagenet:\/data'; accepted: cifar10:<dir>, .*folder:<dir>, fashion-mnist-mini/);
    expect(() => parseDatasetSpec('cifar10')).toThrow(/dataset 'cifar10' names no directory; accepted: cifar10:<dir>/);
    expect(() => parseDatasetSpec('cifar10:')).toThrow(ValidationError);
    expect(() => parseDatasetSpec('fashion-mnist-mini:x')).toThrow(/built in and takes no directory/);
  });

  it('rejects bad loadDataset options', async () => {
    await rejects(loadDataset('fashion-mnist-mini', { limit: 0 }), ValidationError, /field 'limit': limit 0; accepted: a positive integer/);
    await rejects(loadDataset('fashion-mnist-mini', { valFraction: 1 }), ValidationError, /valFraction.*accepted: a number in \[0, 1\)/);
  });
});

describe('CIFAR errors name the file', () => {
  it('a missing directory, no training batches, a missing test batch', async () => {
    await rejects(readCifar10(join(tmp, 'absent')), FileFormatError, /absent: cannot open the CIFAR-10 directory.*directory not found/);
    await rejects(readCifar10(dirWith({ 'test_batch.bin': records(1, 1) })), FileFormatError,
      /no CIFAR-10 training batches; expected data_batch_1\.bin, .*data_batch_5\.bin/);
    const noTest = dirWith({ 'data_batch_2.bin': records(2, 1) });
    await rejects(readCifar10(noTest), FileFormatError, /test_batch\.bin: cannot read the CIFAR-10 test batch: file not found/);
    expect((await readCifar10(noTest, { includeTest: false })).train.count).toBe(2);
  });

  it('a truncated file and a label out of range', async () => {
    const truncated = dirWith({ 'data_batch_1.bin': records(2, 1).subarray(0, 3073 * 2 - 100) });
    await rejects(readCifar10(truncated), FileFormatError,
      /data_batch_1\.bin: size 6046 bytes is not a positive multiple of the 3073-byte record \(1 label byte \+ 3072 pixel bytes\)/);
    await rejects(readCifar10(dirWith({ 'data_batch_1.bin': new Uint8Array(0) })), FileFormatError, /size 0 bytes/);
    const bad = records(3, 1);
    bad[2 * 3073] = 10;
    await rejects(readCifar10(dirWith({ 'data_batch_1.bin': bad })), FileFormatError,
      /data_batch_1\.bin: record 2 \(byte 6146\): label 10 out of range; expected 0-9/);
  });

  it('CIFAR-100: fine and coarse label ranges, truncation, a wrong name list', async () => {
    await rejects(readCifar100(dirWith({ 'train.bin': records(1, 2, 100) })), FileFormatError, /train\.bin: record 0.*label 100 out of range; expected 0-99/);
    const coarse = records(1, 2, 5);
    coarse[0] = 20;
    await rejects(readCifar100(dirWith({ 'train.bin': coarse }), { labels: 'coarse' }), FileFormatError, /label 20 out of range; expected 0-19/);
    await rejects(readCifar100(dirWith({ 'train.bin': records(1, 1) })), FileFormatError, /train\.bin: size 3073 bytes .*3074-byte record \(2 label bytes/);
    await rejects(readCifar100(dirWith({ 'train.bin': records(1, 2), 'test.bin': records(1, 2), 'fine_label_names.txt': 'a\nb\n' })),
      FileFormatError, /fine_label_names\.txt: 2 class names; expected 100/);
    await rejects(readCifar100(dirWith({ 'train.bin': records(1, 2) })), FileFormatError, /test\.bin: cannot read the CIFAR-100 test file: file not found/);
  });
});

describe('IDX errors name the file', () => {
  const images = (count: number): Uint8Array => encodeIdx([count, 2, 2], new Uint8Array(count * 4));
  const labels = (...ys: number[]): Uint8Array => encodeIdx([ys.length], Uint8Array.from(ys));

  it('missing files list every accepted spelling', async () => {
    await rejects(readIdxDataset(dirWith({ 'train-images-idx3-ubyte': images(1) })), FileFormatError,
      /missing train-labels file; expected one of train-labels-idx1-ubyte\.gz, train-labels-idx1-ubyte, train-labels\.idx1-ubyte\.gz, train-labels\.idx1-ubyte/);
    const noTest = dirWith({ 'train-images-idx3-ubyte': images(1), 'train-labels-idx1-ubyte': labels(3) });
    await rejects(readIdxDataset(noTest), FileFormatError, /missing t10k-images file/);
    expect((await readIdxDataset(noTest, { includeTest: false })).train.count).toBe(1);
  });

  it('truncated bodies, trailing bytes, bad magic, wrong rank and type, count mismatch, labels out of range', async () => {
    const withImages = (img: Uint8Array, lab = labels(0, 1)): string =>
      dirWith({ 'train-images-idx3-ubyte': img, 'train-labels-idx1-ubyte': lab });
    const load = (dir: string): Promise<unknown> => readIdxDataset(dir, { includeTest: false });
    await rejects(load(withImages(images(2).subarray(0, 20))), FileFormatError, /train-images-idx3-ubyte: truncated: 4 data bytes, expected 8 for dimensions 2x2x2/);
    await rejects(load(withImages(Uint8Array.from([...images(2), 0]))), FileFormatError, /trailing bytes: 9 data bytes/);
    await rejects(load(withImages(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))), FileFormatError, /not an IDX file/);
    await rejects(load(withImages(labels(1, 2))), FileFormatError, /train-images-idx3-ubyte: IDX array of rank 1; expected rank 3/);
    const floats = images(2);
    floats[2] = 0x0d;
    await rejects(load(withImages(floats)), FileFormatError, /data type 0x0d is not supported; expected 0x08/);
    await rejects(load(withImages(images(2).subarray(0, 10))), FileFormatError, /truncated IDX header: 10 bytes, expected 16/);
    await rejects(load(withImages(images(3))), FileFormatError, /train-labels-idx1-ubyte: 2 labels; expected 3, one per image of .*train-images-idx3-ubyte/);
    await rejects(load(withImages(images(2), labels(0, 10))), FileFormatError, /train-labels-idx1-ubyte: label 1: 10 out of range; expected 0-9/);
  });

  it('a corrupt gzip file', async () => {
    const gz = gzipSync(images(2));
    const dir = dirWith({ 'train-images-idx3-ubyte.gz': gz.subarray(0, gz.length - 6), 'train-labels-idx1-ubyte.gz': gzipSync(labels(0, 1)) });
    await rejects(readIdxDataset(dir), FileFormatError, /train-images-idx3-ubyte\.gz: not a valid gzip file .*expected the gzipped IDX image file/);
  });

  it('loadDataset passes reader errors through for a copy of the mini set with a bad label file', async () => {
    const dir = dirWith({ 'train-labels-idx1-ubyte': labels(0) });
    for (const f of ['train-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      copyFileSync(join(fashionMnistMiniDir(), f), join(dir, f));
    }
    await rejects(loadDataset(`fashion-mnist:${dir}`), FileFormatError, /train-labels-idx1-ubyte: 1 labels; expected 2000/);
  });
});

describe('in-memory checks', () => {
  it('makeImageSet rejects mismatched arrays and labels out of range', () => {
    const parts = { height: 1, width: 1, channels: 1, numClasses: 2, pixels: new Uint8Array(2), labels: Uint8Array.of(0, 1) };
    expect(makeImageSet(parts).count).toBe(2);
    expect(() => makeImageSet({ ...parts, pixels: new Uint8Array(3) }, 'x.bin')).toThrow(/x\.bin: 3 pixel bytes for 2 images of 1x1x1; accepted: 2 bytes/);
    expect(() => makeImageSet({ ...parts, labels: Uint8Array.of(0, 2) })).toThrow(/image 1: label 2 out of range; accepted: 0-1/);
  });

  it('batches rejects a bad batch size, randomness without an rng and a wrong normalisation', () => {
    const set = makeImageSet({ height: 2, width: 2, channels: 1, numClasses: 1, pixels: new Uint8Array(8), labels: new Uint8Array(2) });
    expect(() => batches(set, { batchSize: 0 }).next()).toThrow(/field 'batchSize': batch size 0; accepted: a positive integer/);
    expect(() => batches(set, { batchSize: 1, shuffle: true }).next()).toThrow(/field 'rng': shuffling or augmentation without an rng/);
    expect(() => batches(set, { batchSize: 1, augment: { flip: true, cropPadding: 0 } }).next()).toThrow(/without an rng/);
    expect(() => batches(set, { batchSize: 1, rng: Rng.seeded(1), augment: { cropPadding: -1 } }).next()).toThrow(/crop padding -1/);
    expect(() => batches(set, { batchSize: 1, normalization: { mean: [0, 0, 0], std: [1, 1, 1] } }).next())
      .toThrow(/normalisation for 3 channels applied to 1-channel images/);
  });
});
