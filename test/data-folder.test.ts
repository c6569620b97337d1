import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError, ValidationError } from '../src/core/errors.ts';
import { resizeBilinear } from '../src/data/image-decode.ts';
import { readImageFolder } from '../src/data/image-folder.ts';

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'nas-folder-')); });
afterAll(() => { rmSync(tmp, { recursive: true, force: true }); });

type Rgba = (x: number, y: number) => [number, number, number, number];

/** RGBA bytes of a w x h image drawn by `f`. */
function draw(w: number, h: number, f: Rgba): Buffer {
  const data = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(f(x, y), (y * w + x) * 4);
  return data;
}

function writePng(file: string, w: number, h: number, f: Rgba, colorType: 0 | 2 | 6 = 6): void {
  const png = new PNG({ width: w, height: h });
  png.data = draw(w, h, f);
  writeFileSync(file, PNG.sync.write(png, { colorType }));
}

function writeJpeg(file: string, w: number, h: number, f: Rgba): void {
  writeFileSync(file, jpeg.encode({ width: w, height: h, data: draw(w, h, f) }, 100).data);
}

/** A folder with classes written in unsorted order and both formats. */
function makeFolder(name: string): string {
  const root = join(tmp, name);
  for (const c of ['dog', 'ant', 'cat']) mkdirSync(join(root, c), { recursive: true });
  writePng(join(root, 'dog', 'a.png'), 4, 3, (x, y) => [10 * x, 20 * y, 7, 255], 2);
  writePng(join(root, 'dog', 'b.png'), 4, 3, (x) => [200, 100, 50, x < 2 ? 255 : 0], 6); // half transparent
  writePng(join(root, 'ant', 'g.png'), 4, 3, (x, y) => [x + y, x + y, x + y, 255], 0); // grayscale PNG
  writeJpeg(join(root, 'cat', 'c.JPG'), 4, 3, () => [30, 160, 220, 255]);
  writeJpeg(join(root, 'cat', 'd.jpeg'), 4, 3, () => [90, 90, 90, 255]);
  writeFileSync(join(root, 'cat', 'notes.txt'), 'not an image');
  return root;
}

describe('image folder', () => {
  it('reads PNG and JPEG images, classes sorted by name, RGBA composited over black', async () => {
    const { train, test } = await readImageFolder(makeFolder('basic'));
    expect(test).toBeUndefined();
    expect(train.classNames).toEqual(['ant', 'cat', 'dog']);
    expect([train.count, train.height, train.width, train.channels]).toEqual([5, 3, 4, 3]);
    expect(Array.from(train.labels)).toEqual([0, 1, 1, 2, 2]);
    const at = (i: number, y: number, x: number): number[] =>
      Array.from(train.pixels.subarray(((i * 3 + y) * 4 + x) * 3, ((i * 3 + y) * 4 + x) * 3 + 3));
    expect(at(0, 2, 3)).toEqual([5, 5, 5]); // grayscale PNG becomes three equal channels
    expect(at(3, 1, 2)).toEqual([20, 20, 7]); // dog/a.png, exact
    expect(at(4, 0, 0)).toEqual([200, 100, 50]); // opaque
    expect(at(4, 0, 3)).toEqual([0, 0, 0]); // transparent over black
    const jpegPixel = at(1, 1, 1);
    [30, 160, 220].forEach((v, k) => expect(Math.abs(jpegPixel[k] - v)).toBeLessThanOrEqual(3));
  });

  it('gives one channel when every image is gray, or on request', async () => {
    const root = join(tmp, 'gray');
    mkdirSync(join(root, 'a'), { recursive: true });
    mkdirSync(join(root, 'b'), { recursive: true });
    writePng(join(root, 'a', '1.png'), 2, 2, (x, y) => [50 * x + y, 50 * x + y, 50 * x + y, 255], 0);
    writePng(join(root, 'b', '1.png'), 2, 2, () => [9, 9, 9, 255], 2);
    const auto = await readImageFolder(root);
    expect(auto.train.channels).toBe(1);
    expect(Array.from(auto.train.pixels)).toEqual([0, 50, 1, 51, 9, 9, 9, 9]);
    const rgb = await readImageFolder(root, { channels: 3 });
    expect(rgb.train.channels).toBe(3);
    const forced = await readImageFolder(makeFolder('forced'), { channels: 1 });
    expect(forced.train.channels).toBe(1);
    expect(forced.train.pixels[3 * 12 + 1 * 4 + 2]).toBe(Math.round(0.299 * 20 + 0.587 * 20 + 0.114 * 7));
  });

  it('requires one size unless a size is given, then resizes every image', async () => {
    const root = makeFolder('sizes');
    writePng(join(root, 'dog', 'z.png'), 8, 6, () => [1, 2, 3, 255]);
    await expect(readImageFolder(root)).rejects.toThrow(/dog.z\.png: image is 6x8 .*expected 3x4 like .*ant.g\.png/);
    const { train } = await readImageFolder(root, { size: [6, 8] });
    expect([train.count, train.height, train.width]).toEqual([6, 6, 8]);
    expect(Array.from(train.pixels.subarray(5 * 144, 5 * 144 + 3))).toEqual([1, 2, 3]);
    await expect(readImageFolder(root, { size: [0, 8] })).rejects.toThrow(ValidationError);
  });

  it('reads train/ and test/ splits with the classes of train/', async () => {
    const root = join(tmp, 'split');
    for (const [split, cls] of [['train', 'x'], ['train', 'y'], ['test', 'y']]) {
      mkdirSync(join(root, split, cls), { recursive: true });
      writePng(join(root, split, cls, 'i.png'), 2, 2, () => [cls === 'x' ? 0 : 255, 0, 0, 255]);
    }
    const { train, test } = await readImageFolder(root);
    expect(train.classNames).toEqual(['x', 'y']);
    expect(test!.count).toBe(1);
    expect(Array.from(test!.labels)).toEqual([1]);
    mkdirSync(join(root, 'test', 'zebra'));
    writePng(join(root, 'test', 'zebra', 'i.png'), 2, 2, () => [0, 0, 0, 255]);
    await expect(readImageFolder(root)).rejects.toThrow(/zebra.*class 'zebra' does not occur in the training folder; accepted: x, y/);
    expect((await readImageFolder(root, { includeTest: false })).test).toBeUndefined();
  });

  it('keeps every class under a limit by taking files evenly spaced', async () => {
    const root = join(tmp, 'limit');
    for (const c of ['a', 'b']) {
      mkdirSync(join(root, c), { recursive: true });
      for (let i = 0; i < 5; i++) writePng(join(root, c, `${i}.png`), 1, 1, () => [i, 0, 0, 255]);
    }
    const { train } = await readImageFolder(root, { limit: 4 });
    expect(Array.from(train.labels)).toEqual([0, 0, 1, 1]);
  });

  it('fails on a folder without classes, an empty class and an undecodable image, naming the path', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    await expect(readImageFolder(empty)).rejects.toThrow(/empty: no class subdirectories/);
    await expect(readImageFolder(join(tmp, 'nope'))).rejects.toThrow(/nope: cannot open the image folder: directory not found/);
    const root = join(tmp, 'bad');
    mkdirSync(join(root, 'a'), { recursive: true });
    mkdirSync(join(root, 'b'), { recursive: true });
    writeFileSync(join(root, 'a', 'broken.png'), 'not a png');
    await expect(readImageFolder(root)).rejects.toThrow(/b: no images in class directory/);
    writePng(join(root, 'b', 'ok.png'), 1, 1, () => [0, 0, 0, 255]);
    const err = await readImageFolder(root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as FileFormatError).file).toBe(join(root, 'a', 'broken.png'));
    expect(String(err)).toMatch(/cannot decode the image/);
  });
});

describe('resizeBilinear', () => {
  it('averages 2x2 blocks when halving and keeps an equal size unchanged', () => {
    const src = Uint8Array.from([0, 2, 10, 20, 4, 6, 30, 40, 100, 100, 7, 9, 100, 100, 11, 13]);
    expect(Array.from(resizeBilinear(src, 4, 4, 1, 2, 2))).toEqual([3, 25, 100, 10]);
    expect(resizeBilinear(src, 4, 4, 1, 4, 4)).toBe(src);
  });

  it('interpolates between pixel centres when enlarging', () => {
    // 1x2 -> 1x4: centres at -0.25 (clamped), 0.25, 0.75, 1.25 (clamped) of the source.
    expect(Array.from(resizeBilinear(Uint8Array.from([0, 100]), 1, 2, 1, 1, 4))).toEqual([0, 25, 75, 100]);
  });
});
