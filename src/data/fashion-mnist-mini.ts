/**
 * The built-in slice of Fashion-MNIST (datasets/fashion-mnist-mini/): the first images of each class of
 * the original files, in their original order and IDX gzip layout. `makeFashionMnistMini` regenerates its
 * content exactly from the original files.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { FASHION_MNIST_CLASSES, readIdxPair } from './idx.ts';
import { imageSize, subset } from './image-set.ts';
import type { ImageSet } from './types.ts';

/** Directory of the built-in slice, resolved from this module (works from a checkout or an install). */
export function fashionMnistMiniDir(): string {
  return fileURLToPath(new URL('../../datasets/fashion-mnist-mini', import.meta.url));
}

/** Images per class in the built-in slice. */
export const MINI_PER_CLASS = { train: 200, test: 50 };

/** Indices of the first `perClass` images of every class, in their original order. */
export function firstPerClass(labels: ArrayLike<number>, numClasses: number, perClass: number): number[] {
  const taken = new Array<number>(numClasses).fill(0);
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (taken[labels[i]] < perClass) {
      taken[labels[i]]++;
      out.push(i);
    }
  }
  return out;
}

/** An IDX file of unsigned bytes (magic 0x00000803-style header, big-endian dimensions, then the data). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  const view = new DataView(header.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

async function writeAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, bytes, { flush: true });
  await rename(tmp, file);
}

/** Writes one images/labels pair in the original gzip layout (gzip level 9, no timestamp). */
async function writePair(outDir: string, stem: string, set: ImageSet): Promise<void> {
  const gz = (b: Uint8Array): Uint8Array => gzipSync(b, { level: 9 });
  const images = encodeIdx([set.count, set.height, set.width], set.pixels.subarray(0, set.count * imageSize(set)));
  await writeAtomic(join(outDir, `${stem}-images-idx3-ubyte.gz`), gz(images));
  await writeAtomic(join(outDir, `${stem}-labels-idx1-ubyte.gz`), gz(encodeIdx([set.count], new Uint8Array(set.labels))));
}

/** Options of `makeFashionMnistMini`. */
export interface MakeMiniOptions {
  /** Training images per class. Default 200. */
  trainPerClass?: number;
  /** Test images per class. Default 50. */
  testPerClass?: number;
}

/**
 * Writes the slice: the first `trainPerClass` training and `testPerClass` test images of each class of the
 * Fashion-MNIST IDX files in `sourceDir`, to `outDir`. Deterministic: the same source gives the same IDX content (and, with the same zlib, the same gzip bytes).
 */
export async function makeFashionMnistMini(sourceDir: string, outDir: string, options: MakeMiniOptions = {}):
  Promise<{ train: number; test: number }> {
  const counts = { train: 0, test: 0 };
  await mkdir(outDir, { recursive: true });
  for (const [stem, perClass] of [['train', options.trainPerClass ?? MINI_PER_CLASS.train],
    ['t10k', options.testPerClass ?? MINI_PER_CLASS.test]] as const) {
    const { set } = await readIdxPair(sourceDir, stem, FASHION_MNIST_CLASSES);
    const slice = subset(set, firstPerClass(set.labels, set.numClasses, perClass));
    await writePair(outDir, stem, slice);
    counts[stem === 'train' ? 'train' : 'test'] = slice.count;
  }
  return counts;
}
