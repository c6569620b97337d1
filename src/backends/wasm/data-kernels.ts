/**
 * Replacements for stock wasm data-movement kernels that dominate a training step of a convnet:
 *
 * - Slice: the stock kernel copies the whole input out of the heap (`readSync`) for every slice before
 *   copying the block; here the block goes from heap to heap directly.
 * - SplitV (the gradient of every Concat): one Slice per part, so it inherits the same gain.
 * - Tile (FusedBatchNorm's gradient tiles per-channel vectors over the batch): the stock kernel computes
 *   an index per element; here it is a broadcast add onto zeros.
 *
 * Each replacement keeps the stock kernel for dtypes it does not handle.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { asKernelFunc, callKernel, compose, input } from '../kernel-util.ts';
import type { KernelArgs } from '../kernel-util.ts';

/**
 * Copies the block `begin`/`size` of `src` (shape `shape`) into `dst`, one contiguous run at a time: the
 * trailing axes taken whole merge into the run, the leading axes are walked like an odometer.
 */
export function copyBlock(src: Float32Array, shape: number[], begin: number[], size: number[], dst: Float32Array): void {
  const rank = shape.length;
  const strides = tf.util.computeStrides(shape);
  let k = rank - 1;
  while (k > 0 && size[k] === shape[k]) k--;
  const run = size[k] * (k + 1 < rank ? strides[k] : 1);
  const outer = size.slice(0, k);
  const index = outer.map(() => 0);
  const total = tf.util.sizeFromShape(size);
  for (let out = 0; out < total; out += run) {
    let off = begin[k] * (k + 1 < rank ? strides[k] : 1);
    for (let i = 0; i < k; i++) off += (begin[i] + index[i]) * strides[i];
    if (run < 64) for (let j = 0; j < run; j++) dst[out + j] = src[off + j];
    else dst.set(src.subarray(off, off + run), out);
    for (let i = k - 1; i >= 0; i--) {
      if (++index[i] < outer[i]) break;
      index[i] = 0;
    }
  }
}

/** A float32 slice of `x` copied from heap to heap (the stock kernel first copies all of `x` off the heap). */
function sliceOnHeap(backend: BackendWasm, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, 'float32');
  if (tf.util.sizeFromShape(size) === 0) return out;
  // Views taken after makeOutput, which may have grown (and so replaced) the heap buffer.
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  copyBlock(src, x.shape, begin, size, backend.typedArrayFromHeap(out) as Float32Array);
  return out;
}

/** Slice on the heap for float32, the stock kernel otherwise. */
export function fastSlice(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const x = input(args.inputs, 'x');
    if (x.dtype !== 'float32') return callKernel(stock, args);
    const a = args.attrs ?? {};
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, a.begin as number[], a.size as number[]);
    return sliceOnHeap(args.backend as BackendWasm, x, begin, size);
  };
  return { ...stock, kernelFunc: asKernelFunc(kernelFunc) };
}

/** SplitV as one heap slice per part for float32, the stock kernel otherwise. */
export function fastSplitV(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const x = input(args.inputs, 'x');
    if (x.dtype !== 'float32') return callKernel(stock, args);
    const a = args.attrs ?? {};
    const axis = tf.util.parseAxisParam(a.axis as number, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, a.numOrSizeSplits as number[] | number, axis);
    const begin = x.shape.map(() => 0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const part = sliceOnHeap(args.backend as BackendWasm, x, [...begin], size);
      begin[axis] += s;
      return part;
    });
  };
  return { ...stock, kernelFunc: asKernelFunc(kernelFunc) };
}

/**
 * Tile as a broadcast: `x` reshaped to [1, d0, 1, d1, ...] added to zeros of [r0, d0, r1, d1, ...] and
 * reshaped to [r0 * d0, r1 * d1, ...], which is Tile's layout. Pairs with r = 1 or d = 1 collapse, so the
 * common case of tiling a per-channel vector stays at the input's rank.
 */
export function fastTile(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const x = input(args.inputs, 'x');
    const reps = (args.attrs ?? {}).reps as number[];
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.length === 0) return callKernel(stock, args);
    const inShape: number[] = [], wideShape: number[] = [];
    x.shape.forEach((d, i) => {
      const r = reps[i];
      if (r !== 1 && d !== 1) { inShape.push(1, d); wideShape.push(r, d); } else { inShape.push(d); wideShape.push(d * r); }
    });
    if (wideShape.length > 6) return callKernel(stock, args);
    const outShape = x.shape.map((d, i) => d * reps[i]);
    return compose([x], ([t]) => tf.reshape(tf.add(tf.reshape(t, inShape), tf.zeros(wideShape, x.dtype)), outShape));
  };
  return { ...stock, kernelFunc: asKernelFunc(kernelFunc) };
}
