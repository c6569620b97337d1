import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from '../src/backends/wasm/index.ts';
import { Rng } from '../src/core/rng.ts';

type Pad = 'same' | 'valid';
type Kernel = number | [number, number];
type Shape4 = [number, number, number, number];

const rng = Rng.seeded(20261128);

function randomArray(size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

function relErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i] - b[i]) ** 2; den += b[i] ** 2; }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

async function onBackend<T>(name: string, fn: () => T): Promise<T> {
  await tf.setBackend(name);
  return fn();
}

function size(shape: number[]): number { return shape.reduce((p, q) => p * q, 1); }
const kpair = (k: Kernel): [number, number] => (typeof k === 'number' ? [k, k] : k);

/** Gradients of sum(conv(x, f) * r) with respect to x and f, as flat arrays, computed on the current backend. */
function convGrads(kind: 'conv' | 'depthwise', xv: Float32Array, xs: Shape4, fv: Float32Array, fs: Shape4,
  stride: number, pad: Pad, rv: (outShape: number[]) => Float32Array): [Float32Array, Float32Array] {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, xs), f = tf.tensor4d(fv, fs);
    const fwd = (a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D => (kind === 'conv' ? tf.conv2d(a, b, stride, pad) : tf.depthwiseConv2d(a, b, stride, pad));
    const outShape = fwd(x, f).shape;
    const r = tf.tensor(rv(outShape), outShape);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fwd(a as tf.Tensor4D, b as tf.Tensor4D), r)));
    const [dx, df] = g([x, f]);
    return [dx.dataSync() as Float32Array, df.dataSync() as Float32Array];
  });
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

const KERNELS: Kernel[] = [1, 3, 5, 7, [1, 7], [7, 1]];
const GRID = KERNELS.flatMap((k) => [1, 2].flatMap((s) => (['same', 'valid'] as Pad[]).map((p) => ({ k, s, p }))));

describe('wasm conv2d gradients match the cpu backend', () => {
  it.each(GRID)('kernel $k stride $s pad $p', async ({ k, s, p }) => {
    const [kh, kw] = kpair(k);
    const xs: Shape4 = [2, 9, 12, 3], fs: Shape4 = [kh, kw, 3, 4];
    const xv = randomArray(size(xs)), fv = randomArray(size(fs));
    let r: Float32Array | null = null;
    const rv = (shape: number[]): Float32Array => (r ??= randomArray(size(shape)));
    const [cdx, cdf] = await onBackend('cpu', () => convGrads('conv', xv, xs, fv, fs, s, p, rv));
    const [wdx, wdf] = await onBackend('wasm', () => convGrads('conv', xv, xs, fv, fs, s, p, rv));
    expect(relErr(wdx, cdx)).toBeLessThan(1e-5);
    expect(relErr(wdf, cdf)).toBeLessThan(1e-5);
  });
});

describe('wasm depthwise gradients match the cpu backend', () => {
  const grid = GRID.flatMap((g) => [1, 2].map((m) => ({ ...g, m })));
  it.each(grid)('kernel $k stride $s pad $p multiplier $m', async ({ k, s, p, m }) => {
    const [kh, kw] = kpair(k);
    const xs: Shape4 = [3, 12, 9, 5], fs: Shape4 = [kh, kw, 5, m];
    const xv = randomArray(size(xs)), fv = randomArray(size(fs));
    let r: Float32Array | null = null;
    const rv = (shape: number[]): Float32Array => (r ??= randomArray(size(shape)));
    const [cdx, cdf] = await onBackend('cpu', () => convGrads('depthwise', xv, xs, fv, fs, s, p, rv));
    const [wdx, wdf] = await onBackend('wasm', () => convGrads('depthwise', xv, xs, fv, fs, s, p, rv));
    expect(relErr(wdx, cdx)).toBeLessThan(1e-5);
    expect(relErr(wdf, cdf)).toBeLessThan(1e-5);
  });
});

/** Spreads a [kh, kw, C, M] filter onto the (k - 1) * d + 1 grid, zeros between taps. */
function dilateFilter(fv: Float32Array, fs: Shape4, d: number): [Float32Array, Shape4] {
  const [kh, kw, c, m] = fs;
  const eh = (kh - 1) * d + 1, ew = (kw - 1) * d + 1;
  const out = new Float32Array(eh * ew * c * m);
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) for (let i = 0; i < c * m; i++) {
    out[((a * d) * ew + b * d) * c * m + i] = fv[(a * kw + b) * c * m + i];
  }
  return [out, [eh, ew, c, m]];
}

describe('wasm dilated depthwise gradient kernels', () => {
  const grid = [3, 5, [1, 7] as Kernel].flatMap((k) => (['same', 'valid'] as Pad[]).flatMap((p) => [1, 2].map((m) => ({ k, p, m }))));
  it.each(grid)('kernel $k dilation 2 pad $p multiplier $m', async ({ k, p, m }) => {
    const [kh, kw] = kpair(k);
    const xs: Shape4 = [2, 13, 15, 3], fs: Shape4 = [kh, kw, 3, m];
    const xv = randomArray(size(xs)), fv = randomArray(size(fs));
    const [dv, ds] = dilateFilter(fv, fs, 2);
    const attrs = { strides: [1, 1], dilations: [2, 2], pad: p };
    const outShape = await onBackend('cpu', () => tf.tidy(() => tf.depthwiseConv2d(tf.tensor4d(xv, xs), tf.tensor4d(dv, ds), 1, p).shape));
    const dyv = randomArray(size(outShape));
    // Reference: the cpu kernels on the equivalent undilated filter with zeros between the taps.
    const [refDx, refDfFull] = await onBackend('cpu', () => tf.tidy(() => {
      const dy = tf.tensor4d(dyv, outShape), x = tf.tensor4d(xv, xs), f = tf.tensor4d(dv, ds);
      const a = { ...attrs, dilations: [1, 1] };
      const dx = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: f }, { ...a, inputShape: xs }) as tf.Tensor;
      const df = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { ...a, filterShape: ds }) as tf.Tensor;
      return [dx.dataSync() as Float32Array, df.dataSync() as Float32Array];
    }));
    const [refDf] = dilateFilterBack(refDfFull, ds, fs, 2);
    const [dx, df] = await onBackend('wasm', () => tf.tidy(() => {
      const dy = tf.tensor4d(dyv, outShape), x = tf.tensor4d(xv, xs), f = tf.tensor4d(fv, fs);
      const gx = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: f }, { ...attrs, inputShape: xs }) as tf.Tensor;
      const gf = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { ...attrs, filterShape: fs }) as tf.Tensor;
      return [gx.dataSync() as Float32Array, gf.dataSync() as Float32Array];
    }));
    expect(relErr(dx, refDx)).toBeLessThan(1e-5);
    expect(relErr(df, refDf)).toBeLessThan(1e-5);
  });
});

describe('gradients of dilated convolutions (tfjs refuses them; registered by registerWasmTrainingKernels)', () => {
  const grid = (['wasm', 'cpu'] as const).flatMap((backend) => (['depthwise', 'conv'] as const).flatMap((kind) =>
    (['same', 'valid'] as Pad[]).map((p) => ({ backend, kind, p }))));
  it.each(grid)('$kind dilation 2 pad $p on $backend equals the undilated spread-filter gradient', async ({ backend, kind, p }) => {
    const xs: Shape4 = [2, 11, 10, 3], fs: Shape4 = [3, 3, 3, kind === 'conv' ? 4 : 2];
    const xv = randomArray(size(xs)), fv = randomArray(size(fs));
    const [sv, ss] = dilateFilter(fv, fs, 2);
    const fwd = (x: tf.Tensor4D, f: tf.Tensor4D, d: number): tf.Tensor4D =>
      (kind === 'conv' ? tf.conv2d(x, f, 1, p, 'NHWC', d) : tf.depthwiseConv2d(x, f, 1, p, 'NHWC', d));
    const outShape = await onBackend('cpu', () => tf.tidy(() => fwd(tf.tensor4d(xv, xs), tf.tensor4d(fv, fs), 2).shape));
    const rv = randomArray(size(outShape));
    // Reference: the stock gradients of the undilated convolution with the spread filter, on cpu.
    const [refDx, refDs] = await onBackend('cpu', () => tf.tidy(() => {
      const r = tf.tensor(rv, outShape);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fwd(a as tf.Tensor4D, b as tf.Tensor4D, 1), r)));
      return g([tf.tensor4d(xv, xs), tf.tensor4d(sv, ss)]).map((t) => t.dataSync() as Float32Array);
    }));
    const [refDf] = dilateFilterBack(refDs, ss, fs, 2);
    const [dx, df] = await onBackend(backend, () => tf.tidy(() => {
      const r = tf.tensor(rv, outShape);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fwd(a as tf.Tensor4D, b as tf.Tensor4D, 2), r)));
      return g([tf.tensor4d(xv, xs), tf.tensor4d(fv, fs)]).map((t) => t.dataSync() as Float32Array);
    }));
    expect(relErr(dx, refDx)).toBeLessThan(1e-5);
    expect(relErr(df, refDf)).toBeLessThan(1e-5);
  });
});

/** Picks the taps of a dilated filter gradient back out onto the [kh, kw, C, M] grid. */
function dilateFilterBack(full: Float32Array, ds: Shape4, fs: Shape4, d: number): [Float32Array] {
  const [kh, kw, c, m] = fs;
  const ew = ds[1];
  const out = new Float32Array(kh * kw * c * m);
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) for (let i = 0; i < c * m; i++) {
    out[(a * kw + b) * c * m + i] = full[((a * d) * ew + b * d) * c * m + i];
  }
  return [out];
}

describe('wasm forward convolutions with same padding', () => {
  // The stock wasm kernels get 'same' padding wrong for non-square kernels at stride 2.
  const ops = ['conv', 'fused', 'depthwise', 'fusedDepthwise'] as const;
  const grid = ops.flatMap((op) => ([[1, 7], [7, 1], [1, 3], [3, 3]] as [number, number][]).map((k) => ({ op, k })));
  it.each(grid)('$op kernel $k stride 2 on 12x10 matches cpu', async ({ op, k }) => {
    const xs: Shape4 = [2, 12, 10, 3], fs: Shape4 = [k[0], k[1], 3, 2];
    const xv = randomArray(size(xs)), fv = randomArray(size(fs));
    const run = (): Float32Array => tf.tidy(() => {
      const x = tf.tensor4d(xv, xs), filter = tf.tensor4d(fv, fs);
      const bias = tf.fill([op === 'fused' ? 2 : 6], 0.1);
      const y = op === 'conv' ? tf.conv2d(x, filter, 2, 'same')
        : op === 'fused' ? tf.fused.conv2d({ x, filter, strides: 2, pad: 'same', bias, activation: 'relu' })
          : op === 'depthwise' ? tf.depthwiseConv2d(x, filter, 2, 'same')
            : tf.fused.depthwiseConv2d({ x, filter, strides: 2, pad: 'same', bias, activation: 'relu' });
      return y.dataSync() as Float32Array;
    });
    const ref = await onBackend('cpu', run);
    const got = await onBackend('wasm', run);
    expect(relErr(got, ref)).toBeLessThan(1e-5);
  });
});

describe('wasm data-movement replacements match the cpu backend', () => {
  const slices: { shape: number[]; begin: number[]; size: number[] }[] = [
    { shape: [4, 5, 6, 7], begin: [1, 2, 3, 4], size: [2, 3, 2, 3] },
    { shape: [4, 5, 6, 7], begin: [0, 0, 0, 2], size: [4, 5, 6, 3] },
    { shape: [4, 5, 6, 7], begin: [2, 0, 0, 0], size: [2, 5, 6, 7] },
    { shape: [4, 5, 6, 7], begin: [1, 1, 0, 0], size: [3, 2, 6, 7] },
    { shape: [3, 4, 5, 6, 7], begin: [1, 0, 2, 1, 3], size: [2, 4, 2, 5, 4] },
    { shape: [70, 90], begin: [3, 5], size: [60, 80] },
    { shape: [9], begin: [2], size: [5] },
    { shape: [4, 5], begin: [1, 1], size: [0, 3] },
  ];
  it.each(slices)('slice $shape from $begin size $size', async ({ shape, begin, size: sz }) => {
    const v = randomArray(size(shape));
    const run = (): Float32Array => tf.tidy(() => tf.slice(tf.tensor(v, shape), begin, sz).dataSync() as Float32Array);
    const ref = await onBackend('cpu', run);
    const got = await onBackend('wasm', run);
    expect(got).toEqual(ref);
  });

  it('splits along every axis, in equal and unequal parts', async () => {
    const shape = [3, 6, 5, 8];
    const v = randomArray(size(shape));
    const run = (): Float32Array[] => tf.tidy(() => [
      ...tf.split(tf.tensor(v, shape), 3, 1), ...tf.split(tf.tensor(v, shape), [2, 1, 5], 3), ...tf.split(tf.tensor(v, shape), [1, 2], 0),
    ].map((t) => t.dataSync() as Float32Array));
    const ref = await onBackend('cpu', run);
    const got = await onBackend('wasm', run);
    expect(got).toEqual(ref);
  });

  it('tiles float32 and int32 tensors, broadcast and repeated', async () => {
    const run = (): (Float32Array | Int32Array)[] => tf.tidy(() => [
      tf.tile(tf.tensor4d(randomArrayFixed(6), [1, 1, 1, 6]), [2, 3, 4, 1]),
      tf.tile(tf.tensor3d(randomArrayFixed(12), [2, 3, 2]), [3, 1, 2]),
      tf.tile(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32'), [2, 3]),
      tf.tile(tf.tensor1d([true, false], 'bool'), [3]),
    ].map((t) => t.dataSync() as Float32Array | Int32Array));
    const ref = await onBackend('cpu', run);
    const got = await onBackend('wasm', run);
    expect(got.map((a) => Array.from(a))).toEqual(ref.map((a) => Array.from(a)));
  });
});

function randomArrayFixed(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1));
}

describe('wasm gradient kernels release their intermediates', () => {
  it('leaves tf.memory().numTensors at its baseline', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(randomArray(2 * 9 * 9 * 4), [2, 9, 9, 4]);
    const f = tf.tensor4d(randomArray(3 * 3 * 4 * 6), [3, 3, 4, 6]);
    const df = tf.tensor4d(randomArray(5 * 5 * 4 * 2), [5, 5, 4, 2]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, f]);
      const h = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))([x, df]);
      tf.dispose([...g, ...h]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, f, df]);
  });
});
