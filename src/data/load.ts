/**
 * `loadDataset`: from a dataset spec to training, validation and test ImageSets plus what the trainer
 * needs to know about them (shape, classes, normalisation, recommended augmentation).
 */
import { ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { readCifar10, readCifar100, type TrainTestSets } from './cifar.ts';
import { fashionMnistMiniDir } from './fashion-mnist-mini.ts';
import { readImageFolder } from './image-folder.ts';
import { FASHION_MNIST_CLASSES, MNIST_CLASSES, readIdxDataset } from './idx.ts';
import { parseDatasetSpec, type DatasetKind, type DatasetSpec } from './spec.ts';
import { computeNormalization, splitValidation } from './split.ts';
import type { AugmentOptions, ImageSet, Normalization } from './types.ts';

/** Options of `loadDataset`. */
export interface LoadDatasetOptions {
  /**
   * Cap on the training images read (before the validation split, which is carved from them). CIFAR and
   * IDX take the first images of the training files; a folder takes images evenly spaced over its sorted
   * file list. Default: all.
   */
  limit?: number;
  /** Share of the training images held out for validation, in [0, 1). Default 0.1. */
  valFraction?: number;
  /** Seed of the validation split; the same seed gives the same split. Default 0. */
  seed?: number | string;
  /** Hold out the same share of every class. Default true. */
  stratify?: boolean;
  /** Read the test set too (an error if its files are missing, except for a folder without test/). Default true. */
  includeTest?: boolean;
  /** `folder` only: resize every image to `[height, width]` (bilinear). Default: all images must share one size. */
  imageSize?: [number, number];
  /** `folder` only: 1, 3 or `auto` (1 when every image is gray). Default `auto`. */
  channels?: 1 | 3 | 'auto';
}

/** What the trainer needs to know about a loaded dataset. */
export interface DatasetInfo {
  /** The spec as given. */
  spec: string;
  kind: DatasetKind;
  /** Human name, e.g. `CIFAR-10`. */
  name: string;
  /** Directory the files came from. */
  dir: string;
  /** `[height, width, channels]` of every image. */
  shape: [number, number, number];
  numClasses: number;
  classNames?: string[];
  /** Images in each split. */
  counts: { train: number; val: number; test?: number };
  /** Per-channel normalisation computed on the training split; pass it to `batches` for every split. */
  normalization: Normalization;
  /** Augmentation recommended for training on this dataset (crop + flip for natural images, none for digits and clothes). */
  augment: AugmentOptions | false;
  /** Validation share and split seed used. */
  valFraction: number;
  seed: number | string;
}

/** The result of `loadDataset`. */
export interface LoadedDataset {
  /** Training images (the training files minus the validation split). */
  train: ImageSet;
  /** Validation images, carved from the training files; use them to choose anything. */
  val: ImageSet;
  /** Test images, from the dataset's test files; never use them to choose anything. */
  test?: ImageSet;
  info: DatasetInfo;
}

const NAMES: Record<DatasetKind, string> = {
  cifar10: 'CIFAR-10', cifar100: 'CIFAR-100', 'cifar100-coarse': 'CIFAR-100 (coarse labels)', mnist: 'MNIST',
  'fashion-mnist': 'Fashion-MNIST', folder: 'image folder', 'fashion-mnist-mini': 'Fashion-MNIST mini',
};

const NATURAL: AugmentOptions = { cropPadding: 4, flip: true };

function checkOptions(o: LoadDatasetOptions): void {
  if (o.limit !== undefined && !(Number.isInteger(o.limit) && o.limit > 0)) {
    throw new ValidationError(`limit ${o.limit}`, { field: 'limit' }, 'a positive integer number of images');
  }
  const f = o.valFraction;
  if (f !== undefined && !(f >= 0 && f < 1)) {
    throw new ValidationError(`validation fraction ${f}`, { field: 'valFraction' }, 'a number in [0, 1)');
  }
}

/**
 * Refuses training images of fewer than two classes (a one-class folder, a --limit that keeps one
 * label): nothing can be learned from them, and tfjs would fail deep inside with `oneHot: depth`.
 */
function checkClasses(train: ImageSet, spec: string, dir: string): void {
  const seen = new Set<number>();
  for (let i = 0; i < train.count && seen.size < 2; i++) seen.add(train.labels[i]);
  if (train.numClasses < 2 || seen.size < 2) {
    const what = train.numClasses < 2 ? `${train.numClasses} class${train.numClasses === 1 ? '' : 'es'}` : `training images of one class only (label ${[...seen][0]})`;
    throw new ValidationError(`dataset ${spec} (${dir}) has ${what}`, { field: 'dataset' }, 'training images of at least two classes');
  }
}

/** Reads the files of a parsed spec. */
async function readSpec(spec: DatasetSpec, o: LoadDatasetOptions): Promise<{ sets: TrainTestSets; dir: string }> {
  const common = { limit: o.limit, includeTest: o.includeTest };
  const dir = spec.dir ?? fashionMnistMiniDir();
  switch (spec.kind) {
    case 'cifar10': return { sets: await readCifar10(dir, common), dir };
    case 'cifar100': return { sets: await readCifar100(dir, { ...common, labels: 'fine' }), dir };
    case 'cifar100-coarse': return { sets: await readCifar100(dir, { ...common, labels: 'coarse' }), dir };
    case 'mnist': return { sets: await readIdxDataset(dir, { ...common, classNames: MNIST_CLASSES }), dir };
    case 'fashion-mnist':
    case 'fashion-mnist-mini':
      return { sets: await readIdxDataset(dir, { ...common, classNames: FASHION_MNIST_CLASSES }), dir };
    case 'folder':
      return { sets: await readImageFolder(dir, { ...common, size: o.imageSize, channels: o.channels }), dir };
  }
}

/**
 * Loads a dataset for training: reads the files named by `spec` (`cifar10:<dir>`, `cifar100:<dir>`,
 * `cifar100-coarse:<dir>`, `mnist:<dir>`, `fashion-mnist:<dir>`, `folder:<dir>` or the built-in
 * `fashion-mnist-mini`), carves a seeded validation split out of the training images and computes the
 * per-channel normalisation on the remaining training images.
 *
 * Images stay uint8 HWC; turn them into float batches with `batches(set, { batchSize, rng,
 * augment: info.augment, normalization: info.normalization })`.
 *
 * Throws ValidationError for a bad spec or option, FileFormatError (naming the file and what was
 * expected) for missing, truncated or corrupt files and labels out of range.
 */
export async function loadDataset(spec: string | DatasetSpec, options: LoadDatasetOptions = {}): Promise<LoadedDataset> {
  const parsed = typeof spec === 'string' ? parseDatasetSpec(spec) : spec;
  checkOptions(options);
  const { sets, dir } = await readSpec(parsed, options);
  checkClasses(sets.train, parsed.text, dir);
  const valFraction = options.valFraction ?? 0.1;
  const seed = options.seed ?? 0;
  const { train, val } = splitValidation(sets.train, {
    fraction: valFraction, rng: Rng.seeded(seed).split('validation-split'), stratify: options.stratify,
  });
  const natural = parsed.kind.startsWith('cifar') || (parsed.kind === 'folder' && train.channels === 3);
  const info: DatasetInfo = {
    spec: parsed.text, kind: parsed.kind, name: NAMES[parsed.kind], dir,
    shape: [train.height, train.width, train.channels], numClasses: train.numClasses, classNames: train.classNames,
    counts: { train: train.count, val: val.count, ...(sets.test ? { test: sets.test.count } : {}) },
    normalization: computeNormalization(train), augment: natural ? { ...NATURAL } : false, valFraction, seed,
  };
  return { train, val, ...(sets.test ? { test: sets.test } : {}), info };
}
