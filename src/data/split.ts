/**
 * Seeded validation split carved from the training images (the test set is never used to choose anything)
 * and per-channel normalisation statistics computed on the training split.
 */
import { ValidationError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { subset } from './image-set.ts';
import type { ImageSet, Normalization } from './types.ts';

/** Options of `splitValidation`. */
export interface SplitOptions {
  /** Share of the images that goes to validation, in [0, 1). 0 gives an empty validation set. */
  fraction: number;
  /** Chooses the validation images. The same rng state gives the same split. */
  rng: Rng;
  /** Take the same share of every class (rounded per class). Default true. */
  stratify?: boolean;
}

/** Indices of the validation images: `fraction` of each class, or of the whole set. */
function validationIndices(set: ImageSet, fraction: number, rng: Rng, stratify: boolean): number[] {
  if (!stratify) return rng.sampleIndices(set.count, Math.round(fraction * set.count));
  const byClass: number[][] = Array.from({ length: set.numClasses }, () => []);
  for (let i = 0; i < set.count; i++) byClass[set.labels[i]].push(i);
  const picked: number[] = [];
  for (const members of byClass) {
    const k = Math.round(fraction * members.length);
    for (const j of rng.sampleIndices(members.length, k)) picked.push(members[j]);
  }
  return picked;
}

/**
 * Splits `set` into training and validation images. Both keep the original order of the images; which
 * images go to validation depends only on the rng and the labels.
 */
export function splitValidation(set: ImageSet, options: SplitOptions): { train: ImageSet; val: ImageSet } {
  const { fraction, rng } = options;
  if (!(fraction >= 0 && fraction < 1)) {
    throw new ValidationError(`validation fraction ${fraction}`, { field: 'valFraction' }, 'a number in [0, 1)');
  }
  const isVal = new Uint8Array(set.count);
  for (const i of validationIndices(set, fraction, rng, options.stratify ?? true)) isVal[i] = 1;
  const trainIdx: number[] = [], valIdx: number[] = [];
  for (let i = 0; i < set.count; i++) (isVal[i] ? valIdx : trainIdx).push(i);
  if (trainIdx.length === 0) {
    throw new ValidationError(`validation fraction ${fraction} of ${set.count} images leaves no training images`,
      { field: 'valFraction' }, 'a smaller fraction or more images');
  }
  return { train: subset(set, trainIdx), val: subset(set, valIdx) };
}

/**
 * Per-channel mean and standard deviation of `set` in units of pixel/255 (a constant channel gets std 1).
 * Compute it on the training split and apply it to every split.
 */
export function computeNormalization(set: ImageSet): Normalization {
  const c = set.channels;
  const sum = new Float64Array(c), sq = new Float64Array(c);
  const px = set.pixels;
  const n = set.count * set.height * set.width;
  for (let k = 0; k < c; k++) {
    let s = 0, q = 0;
    for (let i = k; i < n * c; i += c) {
      const v = px[i];
      s += v;
      q += v * v;
    }
    sum[k] = s;
    sq[k] = q;
  }
  const mean: number[] = [], std: number[] = [];
  for (let k = 0; k < c; k++) {
    const m = n > 0 ? sum[k] / n : 0;
    const variance = n > 0 ? Math.max(sq[k] / n - m * m, 0) : 0;
    const sd = Math.sqrt(variance);
    mean.push(m / 255);
    std.push(sd > 1e-6 ? sd / 255 : 1);
  }
  return { mean, std };
}
