/**
 * The batch iterator: seeded shuffling and augmentation, normalised Float32Array batches built on the fly
 * (one batch of floats at a time; the images stay bytes).
 */
import { ValidationError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { AugmentOptions, Batch, ImageSet, Normalization } from './types.ts';

/** Options of `batches`. */
export interface BatchOptions {
  /** Images per batch, a positive integer. */
  batchSize: number;
  /**
   * Source of every random choice (order, crops, flips); needed when shuffling or augmenting. Give each
   * epoch its own rng (e.g. `dataRng.split(epoch)`) or reuse one: the same rng state gives the same batches.
   */
  rng?: Rng;
  /** Visit the images in a random order. Default: true when `rng` is given, else false. */
  shuffle?: boolean;
  /** Random crop with padding and horizontal flip; `false` or absent for none. Default none. */
  augment?: AugmentOptions | false;
  /** Per-channel normalisation; default none (pixels scaled to [0, 1]). */
  normalization?: Normalization;
  /** Skip the last batch when it has fewer than `batchSize` images. Default false. */
  dropRemainder?: boolean;
}

/** Number of batches `batches` yields for `count` images. */
export function batchCount(count: number, batchSize: number, dropRemainder = false): number {
  return dropRemainder ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}

/** A 256-entry table per channel mapping a byte to its normalised float. */
function lookupTable(channels: number, norm: Normalization | undefined): Float32Array {
  if (norm !== undefined && (norm.mean.length !== channels || norm.std.length !== channels)) {
    throw new ValidationError(`normalisation for ${norm.mean.length} channels applied to ${channels}-channel images`,
      { field: 'normalization' }, `${channels} means and ${channels} stds`);
  }
  const lut = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    const mean = norm?.mean[c] ?? 0, std = norm?.std[c] ?? 1;
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - mean) / std;
  }
  return lut;
}

/** Writes image `src` of `set` into `out` at `at`, cropped at (dy, dx) of the padded image and maybe flipped. */
function writeImage(set: ImageSet, src: number, out: Float32Array, at: number, lut: Float32Array,
  pad: number, dy: number, dx: number, flip: boolean): void {
  const { height: h, width: w, channels: c } = set;
  const base = src * h * w * c;
  for (let y = 0; y < h; y++) {
    const sy = y + dy - pad;
    for (let x = 0; x < w; x++) {
      const sx = (flip ? w - 1 - x : x) + dx - pad;
      const o = at + (y * w + x) * c;
      const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
      const i = base + (sy * w + sx) * c;
      for (let k = 0; k < c; k++) out[o + k] = lut[k * 256 + (inside ? set.pixels[i + k] : 0)];
    }
  }
}

function checkOptions(options: BatchOptions): { shuffle: boolean; pad: number; flip: boolean } {
  const { batchSize, rng, augment } = options;
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new ValidationError(`batch size ${batchSize}`, { field: 'batchSize' }, 'a positive integer');
  }
  const shuffle = options.shuffle ?? rng !== undefined;
  const pad = augment ? augment.cropPadding ?? 4 : 0;
  const flip = augment ? augment.flip ?? true : false;
  if (!Number.isInteger(pad) || pad < 0) {
    throw new ValidationError(`crop padding ${pad}`, { field: 'augment.cropPadding' }, 'a non-negative integer');
  }
  if ((shuffle || pad > 0 || flip) && rng === undefined) {
    throw new ValidationError('shuffling or augmentation without an rng', { field: 'rng' }, 'an Rng from src/core/rng.ts');
  }
  return { shuffle, pad, flip };
}

/**
 * Yields the images of `set` as normalised float32 NHWC batches, built lazily one batch at a time from the
 * uint8 images. Each batch owns fresh arrays, so the caller may keep them or hand them to tensors.
 * Random draws happen in a fixed order (the whole permutation first, then per image: crop row, crop
 * column, flip), so the same rng state always gives the same batches.
 */
export function* batches(set: ImageSet, options: BatchOptions): Generator<Batch> {
  const { shuffle, pad, flip } = checkOptions(options);
  const rng = options.rng;
  const { batchSize } = options;
  const lut = lookupTable(set.channels, options.normalization);
  const per = set.height * set.width * set.channels;
  let order = Array.from({ length: set.count }, (_, i) => i);
  if (shuffle && rng) order = rng.shuffle(order);
  const n = batchCount(set.count, batchSize, options.dropRemainder);
  for (let b = 0; b < n; b++) {
    const size = Math.min(batchSize, set.count - b * batchSize);
    const x = new Float32Array(size * per);
    const y = new Int32Array(size);
    for (let j = 0; j < size; j++) {
      const src = order[b * batchSize + j];
      const dy = pad > 0 && rng ? rng.int(2 * pad + 1) : pad;
      const dx = pad > 0 && rng ? rng.int(2 * pad + 1) : pad;
      const mirror = flip && rng ? rng.next() < 0.5 : false;
      writeImage(set, src, x, j * per, lut, pad, dy, dx, mirror);
      y[j] = set.labels[src];
    }
    yield { x, y, size, shape: [set.height, set.width, set.channels] };
  }
}
