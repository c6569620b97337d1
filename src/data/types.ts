/**
 * What the data layer hands to training: labelled images as typed arrays, never all as tensors at once.
 */

/** A set of labelled images held as bytes (uint8 HWC) in memory. */
export interface ImageSet {
  /** Image height, width and channels. */
  height: number;
  width: number;
  channels: number;
  /** Number of classes; every label is in [0, numClasses). */
  numClasses: number;
  /** Class names, if the dataset has them. */
  classNames?: string[];
  /** `count * height * width * channels` bytes, HWC per image. */
  pixels: Uint8Array;
  /** One label per image. */
  labels: Uint8Array | Int32Array;
  /** Number of images. */
  count: number;
}

/** One batch ready to become tensors: normalised float32 NHWC pixels and int32 labels. */
export interface Batch {
  /** `size * height * width * channels` floats, NHWC. */
  x: Float32Array;
  /** `size` labels. */
  y: Int32Array;
  /** Number of images in this batch (the last batch may be smaller unless `dropRemainder`). */
  size: number;
  /** `[height, width, channels]` of one image. */
  shape: [number, number, number];
}

/**
 * Per-channel normalisation in units of pixel/255: a float pixel is `(byte / 255 - mean[c]) / std[c]`.
 * Computed on the training split only.
 */
export interface Normalization {
  /** One mean per channel, in [0, 1]. */
  mean: number[];
  /** One standard deviation per channel, > 0. */
  std: number[];
}

/** Seeded training-time augmentation. */
export interface AugmentOptions {
  /**
   * Pixels of black padding on each side before a random crop back to the original size
   * (0 turns cropping off). Default 4.
   */
  cropPadding?: number;
  /** Mirror each image left-right with probability 1/2. Default true. */
  flip?: boolean;
}
