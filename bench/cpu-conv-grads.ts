/**
 * The cpu backend's filter gradients: stock tfjs kernels against src/backends/cpu/kernels.ts, side by side
 * on the same inputs, with the largest difference between their results. (Undilated cases only: the stock
 * kernels ignore dilation; test/train-cpu-kernels.test.ts checks dilated ones against the definition.)
 *
 *   npx tsx bench/cpu-conv-grads.ts
 */
import * as tf from '@tensorflow/tfjs';
import { registerFastCpuKernels } from '../src/backends/cpu/kernels.ts';

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number;
  dilations: number;
  depthwise: boolean;
}

const CASES: Case[] = [
  { name: 'conv 3x3, 16x28x28x8 -> 8', x: [16, 28, 28, 8], filter: [3, 3, 8, 8], strides: 1, dilations: 1, depthwise: false },
  { name: 'conv 1x1 stride 2, 16x32x32x16 -> 32', x: [16, 32, 32, 16], filter: [1, 1, 16, 32], strides: 2, dilations: 1, depthwise: false },
  { name: 'depthwise 5x5, 16x28x28x16', x: [16, 28, 28, 16], filter: [5, 5, 16, 1], strides: 1, dilations: 1, depthwise: true },
  { name: 'depthwise 3x3 stride 2, 16x32x32x16', x: [16, 32, 32, 16], filter: [3, 3, 16, 1], strides: 2, dilations: 1, depthwise: true },
];

function filterGrad(c: Case, x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor {
  const kernel = c.depthwise ? tf.DepthwiseConv2dNativeBackpropFilter : tf.Conv2DBackpropFilter;
  const attrs = { strides: c.strides, pad: 'same', dataFormat: 'NHWC', filterShape: c.filter, ...(c.depthwise ? { dilations: c.dilations } : {}) };
  return tf.engine().runKernel(kernel, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

function time(f: () => tf.Tensor, repeats: number): { ms: number; out: Float32Array<ArrayBufferLike> } {
  let out: Float32Array<ArrayBufferLike> = new Float32Array();
  const start = performance.now();
  for (let i = 0; i < repeats; i++) {
    const t = f();
    out = t.dataSync() as Float32Array;
    t.dispose();
  }
  return { ms: (performance.now() - start) / repeats, out };
}

await tf.setBackend('cpu');
const results: Array<{ c: Case; x: tf.Tensor4D; dy: tf.Tensor4D; stock: { ms: number; out: Float32Array<ArrayBufferLike> } }> = [];
for (const c of CASES) {
  const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
  const outHW = Math.ceil(c.x[1] / c.strides);
  const dy = tf.randomNormal([c.x[0], outHW, outHW, c.depthwise ? c.filter[2] * c.filter[3] : c.filter[3]], 0, 1, 'float32', 2) as tf.Tensor4D;
  results.push({ c, x, dy, stock: time(() => filterGrad(c, x, dy), 2) });
}
registerFastCpuKernels();
console.log('case | stock ms | flat-index ms | speed-up | max abs difference');
for (const { c, x, dy, stock } of results) {
  const fast = time(() => filterGrad(c, x, dy), 2);
  let diff = 0;
  for (let i = 0; i < fast.out.length; i++) diff = Math.max(diff, Math.abs(fast.out[i] - stock.out[i]));
  console.log(`${c.name} | ${stock.ms.toFixed(1)} | ${fast.ms.toFixed(1)} | ${(stock.ms / fast.ms).toFixed(1)}x | ${diff.toExponential(2)}`);
  tf.dispose([x, dy]);
}
