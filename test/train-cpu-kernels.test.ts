import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { registerFastCpuKernels } from '../src/backends/cpu/kernels.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerFastCpuKernels();
});

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number;
  dilation: number;
  pad: 'same' | 'valid';
  depthwise: boolean;
}

/** The filter gradient straight from the definition of a (depthwise) convolution, TF padding rules. */
function reference(c: Case, x: Float32Array, dy: Float32Array, dyShape: number[]): Float32Array {
  const [n, h, w, cin] = c.x;
  const [fh, fw, , last] = c.filter;
  const [, oh, ow, cout] = dyShape;
  const eff = (k: number) => (k - 1) * c.dilation + 1;
  const padTotal = (size: number, out: number, k: number) => Math.max((out - 1) * c.strides + eff(k) - size, 0);
  const top = c.pad === 'same' ? Math.floor(padTotal(h, oh, fh) / 2) : 0;
  const left = c.pad === 'same' ? Math.floor(padTotal(w, ow, fw) / 2) : 0;
  const out = new Float32Array(fh * fw * cin * last);
  for (let i = 0; i < fh; i++) for (let j = 0; j < fw; j++) for (let a = 0; a < cin; a++) for (let m = 0; m < last; m++) {
    let sum = 0;
    const o = c.depthwise ? a * last + m : m;
    for (let b = 0; b < n; b++) for (let r = 0; r < oh; r++) for (let s = 0; s < ow; s++) {
      const xr = r * c.strides + i * c.dilation - top;
      const xc = s * c.strides + j * c.dilation - left;
      if (xr < 0 || xr >= h || xc < 0 || xc >= w) continue;
      sum += x[((b * h + xr) * w + xc) * cin + a] * dy[((b * oh + r) * ow + s) * cout + o];
    }
    out[((i * fw + j) * cin + a) * last + m] = sum;
  }
  return out;
}

const CASES: Case[] = [
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], strides: 1, dilation: 1, pad: 'same', depthwise: false },
  { x: [2, 8, 8, 3], filter: [1, 7, 3, 2], strides: 2, dilation: 1, pad: 'same', depthwise: false },
  { x: [1, 9, 9, 2], filter: [3, 3, 2, 3], strides: 2, dilation: 1, pad: 'valid', depthwise: false },
  { x: [2, 8, 7, 4], filter: [5, 5, 4, 1], strides: 1, dilation: 1, pad: 'same', depthwise: true },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 2], strides: 2, dilation: 1, pad: 'same', depthwise: true },
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 1], strides: 1, dilation: 2, pad: 'same', depthwise: true },
];

describe('fast cpu filter gradients', () => {
  it.each(CASES)('match the definition for %o', (c) => {
    const rng = Rng.seeded(JSON.stringify(c));
    const x = tf.tensor4d(Float32Array.from({ length: c.x.reduce((a, b) => a * b) }, () => rng.normal()), c.x);
    const outSize = (size: number, k: number) =>
      c.pad === 'same' ? Math.ceil(size / c.strides) : Math.floor((size - ((k - 1) * c.dilation + 1)) / c.strides) + 1;
    const dyShape = [c.x[0], outSize(c.x[1], c.filter[0]), outSize(c.x[2], c.filter[1]), c.depthwise ? c.filter[2] * c.filter[3] : c.filter[3]];
    const dy = tf.tensor4d(Float32Array.from({ length: dyShape.reduce((a, b) => a * b) }, () => rng.normal()), dyShape as [number, number, number, number]);
    const kernel = c.depthwise ? tf.DepthwiseConv2dNativeBackpropFilter : tf.Conv2DBackpropFilter;
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter, dilations: c.dilation };
    const got = tf.engine().runKernel(kernel, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    expect(got.shape).toEqual(c.filter);
    const want = reference(c, x.dataSync() as Float32Array, dy.dataSync() as Float32Array, dyShape);
    const values = got.dataSync();
    for (let i = 0; i < want.length; i++) expect(values[i]).toBeCloseTo(want[i], 4);
    tf.dispose([x, dy, got]);
  });
});
