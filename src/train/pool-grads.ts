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
import { asKernelFunc, callKernel, compose, input } from './wasm/kernel-util.ts';
import type { Attrs, KernelArgs } from './wasm/kernel-util.ts';

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
 * Replaces the stock AvgPoolGrad of `cpu` and `wasm` (those registered so far) by one whose count leaves
 * padding out, as the forward pass does. Idempotent; call it again after registering a backend later.
 * Returns the backends whose kernel it replaced in this call.
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
  return replaced;
}
