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
  x: Float32Array;
  y: Int32Array;
  size: number;
  shape: [number, number, number];
}
