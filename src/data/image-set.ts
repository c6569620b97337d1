/**
 * Small operations on ImageSets: construction with checks, subsets by index, the label histogram.
 */
import { ValidationError } from '../core/errors.ts';
import type { ImageSet } from './types.ts';

/** Fields needed to build an ImageSet; `count` is derived from `labels`. */
export interface ImageSetParts {
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  classNames?: string[];
  pixels: Uint8Array;
  labels: Uint8Array | Int32Array;
}

/** Builds an ImageSet and checks that its arrays agree with its shape and every label is in range. */
export function makeImageSet(parts: ImageSetParts, source?: string): ImageSet {
  const count = parts.labels.length;
  const per = parts.height * parts.width * parts.channels;
  const where = source !== undefined ? { file: source } : {};
  if (parts.pixels.length !== count * per) {
    throw new ValidationError(
      `${parts.pixels.length} pixel bytes for ${count} images of ${parts.height}x${parts.width}x${parts.channels}`,
      where, `${count * per} bytes`);
  }
  if (parts.classNames !== undefined && parts.classNames.length !== parts.numClasses) {
    throw new ValidationError(`${parts.classNames.length} class names for ${parts.numClasses} classes`, where);
  }
  for (let i = 0; i < count; i++) {
    const y = parts.labels[i];
    if (y < 0 || y >= parts.numClasses) {
      throw new ValidationError(`image ${i}: label ${y} out of range`, where, `0-${parts.numClasses - 1}`);
    }
  }
  return { ...parts, count };
}

/** Bytes of one image. */
export function imageSize(set: ImageSet): number {
  return set.height * set.width * set.channels;
}

/** A new ImageSet holding copies of the images at `indices`, in that order. */
export function subset(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const per = imageSize(set);
  const n = indices.length;
  const pixels = new Uint8Array(n * per);
  const labels = set.labels instanceof Int32Array ? new Int32Array(n) : new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= set.count) {
      throw new RangeError(`subset index ${i} outside [0, ${set.count})`);
    }
    pixels.set(set.pixels.subarray(i * per, (i + 1) * per), k * per);
    labels[k] = set.labels[i];
  }
  return { ...set, pixels, labels, count: n };
}

/** The first `n` images (the set itself if `n` is undefined or not smaller than the count), copied. */
export function head(set: ImageSet, n: number | undefined): ImageSet {
  if (n === undefined || n >= set.count) return set;
  const per = imageSize(set);
  return { ...set, pixels: set.pixels.slice(0, n * per), labels: set.labels.slice(0, n), count: n };
}

/** Number of images of each class. */
export function classCounts(set: ImageSet): number[] {
  const counts = new Array<number>(set.numClasses).fill(0);
  for (let i = 0; i < set.count; i++) counts[set.labels[i]]++;
  return counts;
}

/** A label array wide enough for `numClasses` classes. */
export function labelArray(length: number, numClasses: number): Uint8Array | Int32Array {
  return numClasses <= 256 ? new Uint8Array(length) : new Int32Array(length);
}
