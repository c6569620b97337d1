/**
 * The fused batch-norm training kernels (src/backends/native/fused-kernels.ts names them) for wasm, computed
 * on the heap in a few passes over the data. tfjs-layers otherwise normalises a training batch with the
 * Mean/Sub/Square kernels of tf.moments and differentiates it through a composed gradient of dozens of
 * kernels (Sum, Tile, Multiply, Transpose, ...), each with its own copy of the activations: the fused pair
 * is faster and holds about half the memory during a step, which matters under wasm's 4 GiB heap.
 *
 * With n = N*H*W values per channel: mean = sum(x)/n, var = sum((x - mean)^2)/n (biased, as tf.moments),
 * inv = 1/sqrt(var + epsilon), y = (x - mean) * inv * scale + offset. The gradient, with
 * xhat = (x - mean) * inv: dOffset = sum(dy), dScale = sum(dy * xhat),
 * dx = scale * inv / n * (n * dy - dOffset - xhat * dScale). Sums accumulate in float64.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { FUSED_BATCH_NORM_TRAINING, FUSED_BATCH_NORM_TRAINING_GRAD } from '../native/fused-kernels.ts';
import { asKernelFunc, input, WASM } from '../kernel-util.ts';
import type { KernelArgs } from '../kernel-util.ts';

/** Per-channel mean and biased variance of `x` (NHWC flattened, `c` channels), in float64. */
export function channelMoments(x: Float32Array, c: number): { mean: Float64Array; variance: Float64Array } {
  const n = x.length / c;
  const mean = new Float64Array(c);
  for (let i = 0; i < x.length; i += c) for (let k = 0; k < c; k++) mean[k] = (mean[k] as number) + (x[i + k] as number);
  for (let k = 0; k < c; k++) mean[k] = (mean[k] as number) / n;
  const variance = new Float64Array(c);
  for (let i = 0; i < x.length; i += c) {
    for (let k = 0; k < c; k++) {
      const d = (x[i + k] as number) - (mean[k] as number);
      variance[k] = (variance[k] as number) + d * d;
    }
  }
  for (let k = 0; k < c; k++) variance[k] = (variance[k] as number) / n;
  return { mean, variance };
}

function forward(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as BackendWasm;
  const xInfo = input(args.inputs, 'x');
  const c = xInfo.shape[xInfo.shape.length - 1] as number;
  const epsilon = Number(args.attrs?.epsilon);
  const outs = [
    backend.makeOutput(xInfo.shape, 'float32'), backend.makeOutput([c], 'float32'), backend.makeOutput([c], 'float32'),
    backend.makeOutput([c], 'float32'), backend.makeOutput([c], 'float32'), backend.makeOutput([0], 'float32'),
  ];
  // Views taken after every makeOutput, which may have grown (and so replaced) the heap buffer.
  const view = (t: tf.TensorInfo): Float32Array => backend.typedArrayFromHeap(t) as Float32Array;
  const x = view(xInfo);
  const scale = view(input(args.inputs, 'scale'));
  const offset = view(input(args.inputs, 'offset'));
  const [y, meanOut, varOut, saveMean, saveInv] = outs.map(view) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  const { mean, variance } = channelMoments(x, c);
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    const inv = 1 / Math.sqrt((variance[k] as number) + epsilon);
    meanOut[k] = mean[k] as number;
    varOut[k] = variance[k] as number;
    saveMean[k] = mean[k] as number;
    saveInv[k] = inv;
    a[k] = inv * (scale[k] as number);
    b[k] = (offset[k] as number) - (mean[k] as number) * (a[k] as number);
  }
  for (let i = 0; i < x.length; i += c) for (let k = 0; k < c; k++) y[i + k] = (x[i + k] as number) * (a[k] as number) + (b[k] as number);
  return outs;
}

function backward(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as BackendWasm;
  const xInfo = input(args.inputs, 'x');
  const c = xInfo.shape[xInfo.shape.length - 1] as number;
  const outs = [backend.makeOutput(xInfo.shape, 'float32'), backend.makeOutput([c], 'float32'), backend.makeOutput([c], 'float32')];
  const view = (t: tf.TensorInfo): Float32Array => backend.typedArrayFromHeap(t) as Float32Array;
  const x = view(xInfo);
  const dy = view(input(args.inputs, 'dy'));
  const scale = view(input(args.inputs, 'scale'));
  const mean = view(input(args.inputs, 'reserve1'));
  const inv = view(input(args.inputs, 'reserve2'));
  const [dx, dScaleOut, dOffsetOut] = outs.map(view) as [Float32Array, Float32Array, Float32Array];
  const n = x.length / c;
  const dOffset = new Float64Array(c);
  const dScale = new Float64Array(c);
  for (let i = 0; i < x.length; i += c) {
    for (let k = 0; k < c; k++) {
      const g = dy[i + k] as number;
      dOffset[k] = (dOffset[k] as number) + g;
      dScale[k] = (dScale[k] as number) + g * ((x[i + k] as number) - (mean[k] as number)) * (inv[k] as number);
    }
  }
  // dx = p * dy + q * x + r per channel, with p = scale*inv, q = -p*inv*dScale/n, r = -p*(dOffset - mean*inv*dScale)/n.
  const p = new Float64Array(c);
  const q = new Float64Array(c);
  const r = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    const pk = (scale[k] as number) * (inv[k] as number);
    p[k] = pk;
    q[k] = (-pk * (inv[k] as number) * (dScale[k] as number)) / n;
    r[k] = (-pk * ((dOffset[k] as number) - (mean[k] as number) * (inv[k] as number) * (dScale[k] as number))) / n;
    dScaleOut[k] = dScale[k] as number;
    dOffsetOut[k] = dOffset[k] as number;
  }
  for (let i = 0; i < x.length; i += c) {
    for (let k = 0; k < c; k++) dx[i + k] = (p[k] as number) * (dy[i + k] as number) + (q[k] as number) * (x[i + k] as number) + (r[k] as number);
  }
  return outs;
}

/** The wasm kernel configs of the fused batch-norm training pair. */
export const WASM_BATCH_NORM_KERNELS: tf.KernelConfig[] = [
  { kernelName: FUSED_BATCH_NORM_TRAINING, backendName: WASM, kernelFunc: asKernelFunc(forward) },
  { kernelName: FUSED_BATCH_NORM_TRAINING_GRAD, backendName: WASM, kernelFunc: asKernelFunc(backward) },
];
