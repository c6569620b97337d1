/**
 * Readers for the binary versions of CIFAR-10 (`cifar-10-batches-bin`) and CIFAR-100 (`cifar-100-binary`).
 * Records are label byte(s) then 1,024 red, 1,024 green and 1,024 blue bytes (32x32, row-major); images
 * come out as HWC.
 */
import { join } from 'node:path';
import { FileFormatError } from '../core/errors.ts';
import { exists, fileSize, readBytes, readNameList, requireDirectory } from './files.ts';
import { labelArray, makeImageSet } from './image-set.ts';
import type { ImageSet } from './types.ts';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;

/** CIFAR-10 class names, used when `batches.meta.txt` is absent. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** Training files of `cifar-10-batches-bin`, in reading order. */
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);

/** Options of the CIFAR readers. */
export interface CifarReadOptions {
  /** Read at most this many training images, from the first training file on. Default: all. */
  limit?: number;
  /** Also read the test file (an error if it is missing). Default true. */
  includeTest?: boolean;
  /** CIFAR-100 only: `fine` (100 classes) or `coarse` (20 superclasses) labels. Default `fine`. */
  labels?: 'fine' | 'coarse';
}

/** Training images, optionally test images, and the files they came from. */
export interface TrainTestSets {
  train: ImageSet;
  test?: ImageSet;
  /** Files (or directories) the training images were read from. */
  trainFiles: string[];
  /** File (or directory) the test images were read from. */
  testFile?: string;
}

/** How to decode one file of fixed-size records. */
interface RecordLayout {
  /** Label bytes before the pixels (1 for CIFAR-10, 2 for CIFAR-100). */
  labelBytes: number;
  /** Which label byte is the label. */
  labelIndex: number;
  numClasses: number;
  /** Human name of the file, for errors ("CIFAR-10 training batch"). */
  what: string;
}

/**
 * Decodes `records` records of a CIFAR binary buffer into HWC pixels and labels. Fails, naming `file`
 * and the record, when a label is out of range.
 */
export function decodeCifarRecords(buf: Uint8Array, records: number, layout: RecordLayout, file: string):
  { pixels: Uint8Array; labels: Uint8Array } {
  const rec = layout.labelBytes + PIXELS;
  const pixels = new Uint8Array(records * PIXELS);
  const labels = new Uint8Array(records);
  for (let r = 0; r < records; r++) {
    const base = r * rec;
    const y = buf[base + layout.labelIndex];
    if (y >= layout.numClasses) {
      throw new FileFormatError(file,
        `record ${r} (byte ${base + layout.labelIndex}): label ${y} out of range; expected 0-${layout.numClasses - 1}`);
    }
    labels[r] = y;
    const src = base + layout.labelBytes;
    const out = r * PIXELS;
    for (let p = 0; p < PLANE; p++) {
      const o = out + p * 3;
      pixels[o] = buf[src + p];
      pixels[o + 1] = buf[src + PLANE + p];
      pixels[o + 2] = buf[src + 2 * PLANE + p];
    }
  }
  return { pixels, labels };
}

/** Number of whole records in a file; fails when the size is not a positive multiple of the record. */
async function countRecords(file: string, layout: RecordLayout): Promise<number> {
  const rec = layout.labelBytes + PIXELS;
  const size = await fileSize(file, layout.what);
  if (size === 0 || size % rec !== 0) {
    const label = layout.labelBytes === 1 ? '1 label byte' : `${layout.labelBytes} label bytes`;
    throw new FileFormatError(file,
      `size ${size} bytes is not a positive multiple of the ${rec}-byte record (${label} + ${PIXELS} pixel bytes); ` +
      `truncated or not a ${layout.what}?`);
  }
  return size / rec;
}

/** Reads up to `limit` records from each file in turn and joins them into one ImageSet. */
async function readRecordFiles(files: string[], layout: RecordLayout, limit: number | undefined,
  classNames: string[] | undefined): Promise<ImageSet> {
  const parts: Array<{ pixels: Uint8Array; labels: Uint8Array }> = [];
  let total = 0;
  for (const file of files) {
    const available = await countRecords(file, layout);
    const take = limit === undefined ? available : Math.min(available, limit - total);
    if (take <= 0) break;
    const buf = await readBytes(file, layout.what, take * (layout.labelBytes + PIXELS));
    parts.push(decodeCifarRecords(buf, take, layout, file));
    total += take;
  }
  const pixels = new Uint8Array(total * PIXELS);
  const labels = labelArray(total, layout.numClasses);
  let at = 0;
  for (const p of parts) {
    pixels.set(p.pixels, at * PIXELS);
    labels.set(p.labels, at);
    at += p.labels.length;
  }
  return makeImageSet({ height: SIDE, width: SIDE, channels: 3, numClasses: layout.numClasses, classNames, pixels, labels });
}

/** Class names from a name-list file, checked against the class count; undefined if the file is absent. */
async function namesFrom(file: string, numClasses: number): Promise<string[] | undefined> {
  const names = await readNameList(file);
  if (names !== undefined && names.length !== numClasses) {
    throw new FileFormatError(file, `${names.length} class names; expected ${numClasses}, one per line`);
  }
  return names;
}

/**
 * Reads `cifar-10-batches-bin`: whichever of data_batch_1.bin..data_batch_5.bin exist (in order) as
 * training images and test_batch.bin as test images.
 */
export async function readCifar10(dir: string, options: CifarReadOptions = {}): Promise<TrainTestSets> {
  await requireDirectory(dir, 'CIFAR-10 directory (cifar-10-batches-bin)');
  const trainFiles: string[] = [];
  for (const name of CIFAR10_TRAIN_FILES) {
    if (await exists(join(dir, name))) trainFiles.push(join(dir, name));
  }
  if (trainFiles.length === 0) {
    throw new FileFormatError(dir, `no CIFAR-10 training batches; expected ${CIFAR10_TRAIN_FILES.join(', ')} ` +
      '(the binary version, cifar-10-batches-bin)');
  }
  const classNames = (await namesFrom(join(dir, 'batches.meta.txt'), 10)) ?? CIFAR10_CLASSES;
  const layout = (what: string): RecordLayout => ({ labelBytes: 1, labelIndex: 0, numClasses: 10, what });
  const train = await readRecordFiles(trainFiles, layout('CIFAR-10 training batch'), options.limit, classNames);
  if (options.includeTest === false) return { train, trainFiles };
  const testFile = join(dir, 'test_batch.bin');
  const test = await readRecordFiles([testFile], layout('CIFAR-10 test batch'), undefined, classNames);
  return { train, test, trainFiles, testFile };
}

/** Reads `cifar-100-binary`: train.bin and test.bin, with fine (default) or coarse labels. */
export async function readCifar100(dir: string, options: CifarReadOptions = {}): Promise<TrainTestSets> {
  await requireDirectory(dir, 'CIFAR-100 directory (cifar-100-binary)');
  const coarse = options.labels === 'coarse';
  const numClasses = coarse ? 20 : 100;
  const classNames = await namesFrom(join(dir, coarse ? 'coarse_label_names.txt' : 'fine_label_names.txt'), numClasses);
  const layout = (what: string): RecordLayout => ({ labelBytes: 2, labelIndex: coarse ? 0 : 1, numClasses, what });
  const trainFile = join(dir, 'train.bin');
  const train = await readRecordFiles([trainFile], layout('CIFAR-100 training file'), options.limit, classNames);
  if (options.includeTest === false) return { train, trainFiles: [trainFile] };
  const testFile = join(dir, 'test.bin');
  const test = await readRecordFiles([testFile], layout('CIFAR-100 test file'), undefined, classNames);
  return { train, test, trainFiles: [trainFile], testFile };
}
