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
import { zeroInsert } from './wasm/conv-grads.ts';
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
 * MaxPoolGrad composed of ops: for each filter tap, the output gradient goes to the input pixel under that
 * tap where it holds the window's maximum (the first such tap when several tie), spread back onto the input
 * grid. The stock wasm MaxPoolGrad drops some of these contributions (e.g. 2x2 windows over a 7x4 image).
 */
export function maxPoolGradOf(x: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  return tf.tidy(() => {
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
    const { top, left } = info.padInfo;
    const ph = Math.max((oh - 1) * sh + fh, top + h);
    const pw = Math.max((ow - 1) * sw + fw, left + w);
    const xp = tf.pad(x, [[0, 0], [top, ph - top - h], [left, pw - left - w], [0, 0]], -Infinity);
    let taken: tf.Tensor4D = tf.zerosLike(y);
    let dxp: tf.Tensor4D = tf.zeros([n, ph, pw, c]);
    for (let a = 0; a < fh; a++) {
      for (let b = 0; b < fw; b++) {
        const tap = tf.stridedSlice(xp, [0, a, b, 0], [n, a + (oh - 1) * sh + 1, b + (ow - 1) * sw + 1, c], [1, sh, sw, 1]) as tf.Tensor4D;
        const isMax = tf.mul(tf.cast(tf.equal(tap, y), 'float32'), tf.sub(1, taken)) as tf.Tensor4D;
        taken = tf.add(taken, isMax);
        const spread = zeroInsert(tf.mul(dy, isMax), sh, sw);
        const rows = spread.shape[1];
        const cols = spread.shape[2];
        dxp = tf.add(dxp, tf.pad(spread, [[0, 0], [a, ph - a - rows], [b, pw - b - cols], [0, 0]]));
      }
    }
    return tf.slice(dxp, [0, top, left, 0], [n, h, w, c]);
  });
}

function composedMaxPoolGrad(stock: tf.KernelConfig): tf.KernelConfig & { [MARK]: true } {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const attrs = args.attrs ?? {};
    const ins = [input(args.inputs, 'input'), input(args.inputs, 'output'), input(args.inputs, 'dy')];
    const info = poolInfo(ins[0]?.shape as Shape4, attrs);
    return compose<tf.Tensor4D>(ins, ([x, y, dy]) => maxPoolGradOf(x as tf.Tensor4D, y as tf.Tensor4D, dy as tf.Tensor4D, info));
  };
  return { ...stock, kernelFunc: asKernelFunc(kernelFunc), [MARK]: true };
}

/**
 * Replaces the stock AvgPoolGrad of `cpu` and `wasm` (those registered so far) by one whose count leaves
 * padding out, as the forward pass does, and the stock wasm MaxPoolGrad by {@link maxPoolGradOf}.
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
    tf.registerKernel(composedMaxPoolGrad(wasmMax));
    replaced.push('wasm MaxPoolGrad');
  }
  return replaced;
}
