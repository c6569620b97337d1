/**
 * Readers for the IDX files of MNIST and Fashion-MNIST (gzipped or raw; `train-images-idx3-ubyte` or
 * `train-images.idx3-ubyte`, with or without `.gz`).
 */
import { join } from 'node:path';
import { FileFormatError } from '../core/errors.ts';
import { exists, readMaybeGzip, requireDirectory } from './files.ts';
import { head, makeImageSet } from './image-set.ts';
import type { ImageSet } from './types.ts';
import type { TrainTestSets } from './cifar.ts';

/** Fashion-MNIST class names, in label order. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt',
  'Sneaker', 'Bag', 'Ankle boot'];
/** MNIST class names (the digits). */
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** A decoded IDX array of unsigned bytes. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes with `rank` dimensions. Fails, naming `file`, on a wrong magic
 * number, data type or rank, and on a body shorter or longer than the header's dimensions say.
 */
export function parseIdx(buf: Uint8Array, rank: number, file: string): IdxArray {
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) {
    throw new FileFormatError(file, 'not an IDX file (the first two bytes must be 0); expected an MNIST-style idx file');
  }
  if (buf[2] !== 0x08) {
    throw new FileFormatError(file, `IDX data type 0x${buf[2].toString(16).padStart(2, '0')} is not supported; expected 0x08 (unsigned byte)`);
  }
  if (buf[3] !== rank) {
    throw new FileFormatError(file, `IDX array of rank ${buf[3]}; expected rank ${rank} (idx${rank})`);
  }
  const headerBytes = 4 + 4 * rank;
  if (buf.length < headerBytes) throw new FileFormatError(file, `truncated IDX header: ${buf.length} bytes, expected ${headerBytes}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const body = buf.length - headerBytes;
  if (body !== expected) {
    throw new FileFormatError(file, `${body < expected ? 'truncated' : 'trailing bytes'}: ${body} data bytes, ` +
      `expected ${expected} for dimensions ${dims.join('x')}`);
  }
  return { dims, data: buf.subarray(headerBytes) };
}

/** The file names tried for one IDX array, e.g. `train-images` + `idx3`. */
export function idxFileNames(stem: string, kind: string): string[] {
  const dash = `${stem}-${kind}-ubyte`;
  const dot = `${stem}.${kind}-ubyte`;
  return [`${dash}.gz`, dash, `${dot}.gz`, dot];
}

/** The first existing file among the accepted spellings, or a FileFormatError listing them. */
export async function findIdxFile(dir: string, stem: string, kind: string): Promise<string> {
  const names = idxFileNames(stem, kind);
  for (const name of names) {
    if (await exists(join(dir, name))) return join(dir, name);
  }
  throw new FileFormatError(dir, `missing ${stem} file; expected one of ${names.join(', ')}`);
}

/** Options of the IDX reader. */
export interface IdxReadOptions {
  /** Keep at most this many training images (the first ones). Default: all. */
  limit?: number;
  /** Also read the t10k test files. Default true. */
  includeTest?: boolean;
  /** Class names to attach. Default: the digits. */
  classNames?: string[];
}

/** Reads one images/labels pair (`train` or `t10k`) into an ImageSet. */
export async function readIdxPair(dir: string, stem: 'train' | 't10k', classNames: string[], limit?: number):
  Promise<{ set: ImageSet; imagesFile: string; labelsFile: string }> {
  const imagesFile = await findIdxFile(dir, `${stem}-images`, 'idx3');
  const labelsFile = await findIdxFile(dir, `${stem}-labels`, 'idx1');
  const images = parseIdx(await readMaybeGzip(imagesFile, 'IDX image file'), 3, imagesFile);
  const labels = parseIdx(await readMaybeGzip(labelsFile, 'IDX label file'), 1, labelsFile);
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new FileFormatError(labelsFile, `${labels.dims[0]} labels; expected ${count}, one per image of ${imagesFile}`);
  }
  const numClasses = classNames.length;
  for (let i = 0; i < count; i++) {
    if (labels.data[i] >= numClasses) {
      throw new FileFormatError(labelsFile, `label ${i}: ${labels.data[i]} out of range; expected 0-${numClasses - 1}`);
    }
  }
  const set = makeImageSet({ height: rows, width: cols, channels: 1, numClasses, classNames,
    pixels: images.data, labels: labels.data });
  return { set: head(set, limit), imagesFile, labelsFile };
}

/** Reads an MNIST-layout directory: train-images/train-labels and, unless excluded, t10k-images/t10k-labels. */
export async function readIdxDataset(dir: string, options: IdxReadOptions = {}): Promise<TrainTestSets> {
  await requireDirectory(dir, 'MNIST-style IDX directory');
  const classNames = options.classNames ?? MNIST_CLASSES;
  const train = await readIdxPair(dir, 'train', classNames, options.limit);
  const trainFiles = [train.imagesFile, train.labelsFile];
  if (options.includeTest === false) return { train: train.set, trainFiles };
  const test = await readIdxPair(dir, 't10k', classNames);
  return { train: train.set, test: test.set, trainFiles, testFile: test.imagesFile };
}
