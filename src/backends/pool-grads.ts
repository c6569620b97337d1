/**
 * A correct input gradient for 2D average pooling on the `cpu` and `wasm` backends.
 *
 * The forward AvgPool of both backends (like TensorFlow) divides each window's sum by the number of input
 * pixels the window covers, so padding is left out of the mean. Their stock AvgPoolGrad divides by the
 * full filter area instead, which is wrong wherever a window reaches into the padding ('same' borders,
 * explicit padding). The stock gradient is the exact transpose of a sum-pooling scaled by
 * 1 / (filterHeight * filterWidth); scaling each output gradient by (filterHeight * filterWidth) / count
 * first turns it into the exact gradient of the forward pass. Pooling without padding keeps the stock result.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { asKernelFunc, callKernel, compose, input } from './kernel-util.ts';
import type { Attrs, KernelArgs } from './kernel-util.ts';

type Shape4 = [number, number, number, number];

/** The backends whose AvgPoolGrad this module replaces. */
export const POOL_GRAD_BACKENDS = ['cpu', 'wasm'] as const;

/** Marks a kernel config as ours, so registering twice changes nothing. */
const MARK = 'nasCountExcludesPadding';

/** Scale maps (filter area / covered pixels) per pooling geometry, [outHeight * outWidth] values. */
const scaleCache = new Map<string, Float32Array>();

/** How many of the `size` input positions a window starting at `start` with `extent` taps covers. */
function covered(start: number, extent: number, size: number): number {
  return Math.min(start + extent, size) - Math.max(start, 0);
}

/**
 * The per-output factor (filterHeight * filterWidth) / (pixels the window covers) for a pooling geometry,
 * or null when no window reaches into padding (the stock gradient is then already exact).
 */
export function poolScaleMap(info: tf.backend_util.Conv2DInfo): Float32Array | null {
  const { inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const key = [inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth, top, left].join(',');
  const cached = scaleCache.get(key);
  if (cached !== undefined) return cached.length === 0 ? null : cached;
  const area = filterHeight * filterWidth;
  const values = new Float32Array(outHeight * outWidth);
  let padded = false;
  for (let i = 0; i < outHeight; i++) {
    const rows = covered(i * strideHeight - top, filterHeight, inHeight);
    for (let j = 0; j < outWidth; j++) {
      const count = rows * covered(j * strideWidth - left, filterWidth, inWidth);
      if (count !== area) padded = true;
      values[i * outWidth + j] = count > 0 ? area / count : 0;
    }
  }
  scaleCache.set(key, padded ? values : new Float32Array(0));
  return padded ? values : null;
}

function poolInfo(xShape: Shape4, attrs: Attrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(xShape, attrs.filterSize as [number, number] | number,
    attrs.strides as [number, number] | number, 1, attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined);
}

/** The stock kernel `stock`, fed output gradients rescaled so that padding is left out of each mean. */
function countExcludingPadding(stock: tf.KernelConfig): tf.KernelConfig & { [MARK]: true } {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const attrs = args.attrs ?? {};
    const dyInfo = input(args.inputs, 'dy');
    const xInfo = input(args.inputs, 'input');
    const info = poolInfo(xInfo.shape as Shape4, attrs);
    const scale = poolScaleMap(info);
    if (scale === null) return callKernel(stock, args);
    const scaled = compose<tf.Tensor4D>([dyInfo], ([dy]) =>
      tf.mul(dy, tf.tensor4d(scale, [1, info.outHeight, info.outWidth, 1], 'float32')));
    try {
      return callKernel(stock, { ...args, inputs: { ...args.inputs, dy: scaled } });
    } finally {
      scaled.dispose();
    }
  };
  return { ...stock, kernelFunc: asKernelFunc(kernelFunc), [MARK]: true };
}

/**
 * MaxPoolGrad of float32 NHWC tensors, computed in place on the wasm heap: each output gradient goes to the
 * input pixel holding its window's maximum, the first such pixel in row-major window order when several tie
 * (as TensorFlow's kernel does). Windows wholly in padding, or holding only -Infinity/NaN, pass nothing.
 * The stock wasm MaxPoolGrad drops some contributions (e.g. 2x2 windows over a 7x4 image), and an earlier
 * composition of tfjs ops (nine strided slices, masks and pads per call) took 30% of a NASNet child's step.
 */
export function maxPoolGradInto(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  dx.fill(0);
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const h0 = i * sh - top;
      for (let j = 0; j < ow; j++) {
        const w0 = j * sw - left;
        best.fill(Number.NEGATIVE_INFINITY);
        at.fill(-1);
        for (let a = Math.max(0, -h0); a < fh && h0 + a < h; a++) {
          for (let e = Math.max(0, -w0); e < fw && w0 + e < w; e++) {
            const base = ((b * h + h0 + a) * w + w0 + e) * c;
            for (let k = 0; k < c; k++) {
              const v = x[base + k] as number;
              if (v > (best[k] as number)) {
                best[k] = v;
                at[k] = base + k;
              }
            }
          }
        }
        const out = ((b * oh + i) * ow + j) * c;
        for (let k = 0; k < c; k++) {
          const idx = at[k] as number;
          if (idx >= 0) dx[idx] = (dx[idx] as number) + (dy[out + k] as number);
        }
      }
    }
  }
}

function heapMaxPoolGrad(stock: tf.KernelConfig): tf.KernelConfig & { [MARK]: true } {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const x = input(args.inputs, 'input');
    const dy = input(args.inputs, 'dy');
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') return callKernel(stock, args);
    const info = poolInfo(x.shape as Shape4, args.attrs ?? {});
    const backend = args.backend as BackendWasm;
    const out = backend.makeOutput(x.shape, 'float32');
    // Views taken after makeOutput, which may have grown (and so replaced) the heap buffer.
    maxPoolGradInto(backend.typedArrayFromHeap(x) as Float32Array, backend.typedArrayFromHeap(dy) as Float32Array,
      backend.typedArrayFromHeap(out) as Float32Array, info);
    return out;
  };
  return { ...stock, kernelFunc: asKernelFunc(kernelFunc), [MARK]: true };
}

/**
 * Replaces the stock AvgPoolGrad of `cpu` and `wasm` (those registered so far) by one whose count leaves
 * padding out, as the forward pass does, and the stock wasm MaxPoolGrad by the heap kernel of {@link maxPoolGradInto}.
 * Idempotent; call it again after registering a backend later. Returns what it replaced in this call
 * (backend names for AvgPoolGrad, `wasm MaxPoolGrad`).
 */
export function registerPoolGradients(): string[] {
  const replaced: string[] = [];
  for (const backendName of POOL_GRAD_BACKENDS) {
    const stock = tf.getKernel(tf.AvgPoolGrad, backendName);
    if (stock === undefined || (stock as { [MARK]?: boolean })[MARK] === true) continue;
    tf.unregisterKernel(tf.AvgPoolGrad, backendName);
    tf.registerKernel(countExcludingPadding(stock));
    replaced.push(backendName);
  }
  const wasmMax = tf.getKernel(tf.MaxPoolGrad, 'wasm');
  if (wasmMax !== undefined && (wasmMax as { [MARK]?: boolean })[MARK] !== true) {
    tf.unregisterKernel(tf.MaxPoolGrad, 'wasm');
    tf.registerKernel(heapMaxPoolGrad(wasmMax));
    replaced.push('wasm MaxPoolGrad');
  }
  return replaced;
}
