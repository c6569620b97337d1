/**
 * The wasm training kernels, measured side by side in one run:
 *   1. per kernel: the pure-JS cpu backend, the stock wasm kernel (where one exists) and ours, with ratios;
 *   2. a training step of the NASNet-like probe network: cpu vs stock wasm kernels vs ours, images/s and
 *      ratios, the heaviest kernels of our step, and the heap planner's estimate against the measured peak.
 *
 *   npx tsx bench/wasm-kernels.ts [--batch 64] [--cpu-batch 4] [--filters 32] [--steps 2] [--skip-kernels]
 *     [--kernel-batch 32] [--cpu-kernel-batch 1]
 */
import * as tf from '@tensorflow/tfjs';
import { buildProbeNetwork, configureWasmThreads, estimateStepBytes, registerWasmTrainingKernels } from '../src/backends/wasm/index.ts';
import { Rng } from '../src/core/rng.ts';
import { flagArg, numberArg } from './args.ts';

const BATCH = numberArg('batch', 64), CPU_BATCH = numberArg('cpu-batch', 4), FILTERS = numberArg('filters', 32), STEPS = numberArg('steps', 2);
const rng = Rng.seeded(1);

interface Case { label: string; kernel: string; inputs: Record<string, number[]>; attrs: Record<string, unknown> }

/** The kernel cases at batch size n (the cpu column runs them at a smaller batch). */
const cases = (n: number): Case[] => [
  { label: 'conv 3x3 s1 32->32', kernel: tf.Conv2DBackpropFilter, inputs: { x: [n, 32, 32, 32], dy: [n, 32, 32, 32] }, attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 32, 32] } },
  { label: 'conv 1x1 192->32', kernel: tf.Conv2DBackpropFilter, inputs: { x: [n, 32, 32, 192], dy: [n, 32, 32, 32] }, attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [1, 1, 192, 32] } },
  { label: 'conv 1x7 s2 32->64', kernel: tf.Conv2DBackpropFilter, inputs: { x: [n, 32, 32, 32], dy: [n, 16, 16, 64] }, attrs: { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [1, 7, 32, 64] } },
  { label: 'conv 3x3 s1 32->32', kernel: tf.Conv2DBackpropInput, inputs: { dy: [n, 32, 32, 32], filter: [3, 3, 32, 32] }, attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [n, 32, 32, 32] } },
  { label: 'conv 1x1 192->32', kernel: tf.Conv2DBackpropInput, inputs: { dy: [n, 32, 32, 32], filter: [1, 1, 192, 32] }, attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [n, 32, 32, 192] } },
  { label: 'conv 7x1 s2 32->64', kernel: tf.Conv2DBackpropInput, inputs: { dy: [n, 16, 16, 64], filter: [7, 1, 32, 64] }, attrs: { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [n, 32, 32, 32] } },
  { label: 'depthwise 3x3 s1 C=32', kernel: tf.DepthwiseConv2dNativeBackpropFilter, inputs: { x: [n, 32, 32, 32], dy: [n, 32, 32, 32] }, attrs: { strides: 1, dilations: 1, pad: 'same', filterShape: [3, 3, 32, 1] } },
  { label: 'depthwise 5x5 s2 C=32', kernel: tf.DepthwiseConv2dNativeBackpropFilter, inputs: { x: [n, 32, 32, 32], dy: [n, 16, 16, 32] }, attrs: { strides: 2, dilations: 1, pad: 'same', filterShape: [5, 5, 32, 1] } },
  { label: 'depthwise 3x3 s1 C=32', kernel: tf.DepthwiseConv2dNativeBackpropInput, inputs: { dy: [n, 32, 32, 32], filter: [3, 3, 32, 1] }, attrs: { strides: 1, dilations: 1, pad: 'same', inputShape: [n, 32, 32, 32] } },
  { label: 'depthwise 5x5 s2 C=32', kernel: tf.DepthwiseConv2dNativeBackpropInput, inputs: { dy: [n, 16, 16, 32], filter: [5, 5, 32, 1] }, attrs: { strides: 2, dilations: 1, pad: 'same', inputShape: [n, 32, 32, 32] } },
  { label: 'split 192 -> 6 x 32', kernel: tf.SplitV, inputs: { x: [n, 32, 32, 192] }, attrs: { numOrSizeSplits: 6, axis: 3 } },
  { label: 'last-axis block', kernel: tf.Slice, inputs: { x: [n, 32, 32, 192] }, attrs: { begin: [0, 0, 0, 32], size: [n, 32, 32, 32] } },
  { label: '[1,1,1,64] -> batch', kernel: tf.Tile, inputs: { x: [1, 1, 1, 64] }, attrs: { reps: [n, 32, 32, 1] } },
  { label: 'forward reference', kernel: tf.Conv2D, inputs: { x: [n, 32, 32, 32], filter: [3, 3, 32, 32] }, attrs: { strides: 1, pad: 'same', dilations: 1, dataFormat: 'NHWC' } },
];
const KERNEL_BATCH = numberArg('kernel-batch', 32), CPU_KERNEL_BATCH = numberArg('cpu-kernel-batch', 1);

function randomTensors(shapes: Record<string, number[]>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, s] of Object.entries(shapes)) out[k] = tf.tensor(Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal()), s);
  return out;
}

/** Median milliseconds of `reps` runs of a kernel on the current backend (after one warm-up). */
function timeKernel(c: Case, values: Record<string, Float32Array>, reps: number): number {
  const inputs = tf.tidy(() => Object.fromEntries(Object.entries(c.inputs).map(([k, s]) => [k, tf.tensor(values[k], s)])));
  const once = (): number => {
    const t0 = performance.now();
    const out = tf.engine().runKernel(c.kernel, inputs, c.attrs as tf.NamedAttrMap);
    const outs = Array.isArray(out) ? out : [out];
    for (const o of outs) (o as tf.Tensor).dataSync();
    const ms = performance.now() - t0;
    tf.dispose(outs as tf.Tensor[]);
    return ms;
  };
  once();
  const times = Array.from({ length: reps }, once).sort((a, b) => a - b);
  tf.dispose(Object.values(inputs));
  return times[Math.floor(times.length / 2)];
}

const fmt = (ms: number | null): string => (ms === null ? '-' : ms.toFixed(2)).padStart(9);
const ratio = (a: number | null, b: number): string => (a === null ? '-' : `${(a / b).toFixed(1)}x`).padStart(8);

function randomValues(c: Case): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(randomTensors(c.inputs)).map(([k, t]) => { const v = t.dataSync() as Float32Array; t.dispose(); return [k, v]; }));
}

async function kernelTable(): Promise<void> {
  console.log(`\n1. kernels, ms per image (wasm at batch ${KERNEL_BATCH}, median of 3; cpu at batch ${CPU_KERNEL_BATCH}, one run); ratios = other / ours`);
  console.log(`${'kernel'.padEnd(38)}${'case'.padEnd(24)}${'cpu'.padStart(9)}${'stock'.padStart(9)}${'ours'.padStart(9)}${'stock/us'.padStart(9)}${'cpu/us'.padStart(8)}`);
  const small = cases(CPU_KERNEL_BATCH);
  for (const [i, c] of cases(KERNEL_BATCH).entries()) {
    const values = randomValues(c);
    await tf.setBackend('cpu');
    const cpu = timeKernel(small[i], randomValues(small[i]), 1) / CPU_KERNEL_BATCH;
    await tf.setBackend('wasm');
    registerWasmTrainingKernels({ replaceSlowKernels: false });
    const hasStock = c.kernel !== tf.Conv2DBackpropFilter && c.kernel !== tf.DepthwiseConv2dNativeBackpropFilter && c.kernel !== tf.DepthwiseConv2dNativeBackpropInput;
    const stock = hasStock ? timeKernel(c, values, 3) / KERNEL_BATCH : null;
    registerWasmTrainingKernels({ replaceSlowKernels: true });
    const ours = timeKernel(c, values, 3) / KERNEL_BATCH;
    console.log(`${c.kernel.padEnd(38)}${c.label.padEnd(24)}${fmt(cpu)}${fmt(stock)}${fmt(ours)} ${ratio(stock, ours)}${ratio(cpu, ours)}`);
  }
}

interface StepResult { imagesPerSecond: number; peakBytes: number; kernels: Map<string, number> }

async function trainSteps(backend: string, batch: number, steps: number, profile: boolean): Promise<StepResult> {
  await tf.setBackend(backend);
  const model = buildProbeNetwork(Rng.seeded(7), { filters: FILTERS });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const data = Rng.seeded(3);
  const x = tf.tensor4d(Float32Array.from({ length: batch * 32 * 32 * 3 }, () => data.normal()), [batch, 32, 32, 3]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from({ length: batch }, () => data.int(10)), 'int32'), 10));
  await model.trainOnBatch(x, y);
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) await model.trainOnBatch(x, y);
  const seconds = (performance.now() - t0) / 1000;
  const kernels = new Map<string, number>();
  let peakBytes = 0;
  if (profile) {
    const info = await tf.profile(async () => { await model.trainOnBatch(x, y); });
    peakBytes = info.peakBytes;
    for (const k of info.kernels) kernels.set(k.name, (kernels.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  }
  tf.dispose([x, y]);
  model.dispose();
  return { imagesPerSecond: (batch * steps) / seconds, peakBytes, kernels };
}

async function trainingTable(): Promise<void> {
  const probe = buildProbeNetwork(Rng.seeded(7), { filters: FILTERS });
  console.log(`\n2. training step, NASNet-like probe network (${probe.countParams()} parameters, 32x32x3, ${FILTERS} filters), Adam, ${STEPS} timed steps after one warm-up`);
  registerWasmTrainingKernels({ replaceSlowKernels: false });
  const stock = await trainSteps('wasm', BATCH, STEPS, false);
  registerWasmTrainingKernels({ replaceSlowKernels: true });
  const ours = await trainSteps('wasm', BATCH, STEPS, true);
  const cpu = await trainSteps('cpu', CPU_BATCH, 1, false);
  console.log(`cpu  (pure JS), batch ${CPU_BATCH}:                 ${cpu.imagesPerSecond.toFixed(2)} images/s`);
  console.log(`wasm, missing kernels only, batch ${BATCH}:      ${stock.imagesPerSecond.toFixed(2)} images/s`);
  console.log(`wasm, with replacements, batch ${BATCH}:         ${ours.imagesPerSecond.toFixed(2)} images/s`);
  console.log(`ratios: wasm/cpu ${(ours.imagesPerSecond / cpu.imagesPerSecond).toFixed(1)}x, replacements/missing-only ${(ours.imagesPerSecond / stock.imagesPerSecond).toFixed(2)}x`);
  const est = estimateStepBytes(probe, BATCH);
  console.log(`heap: measured peak ${(ours.peakBytes / 2 ** 20).toFixed(0)} MiB, planner estimate ${(est / 2 ** 20).toFixed(0)} MiB (estimate/peak ${(est / Math.max(ours.peakBytes, 1)).toFixed(2)})`);
  const top = [...ours.kernels].sort((a, b) => b[1] - a[1]).slice(0, 12);
  console.log('heaviest kernels of one step (ms; composed kernels include their inner kernels, which are also listed):');
  for (const [k, ms] of top) console.log(`  ${k.padEnd(40)}${ms.toFixed(0).padStart(8)}`);
  probe.dispose();
}

const threads = await configureWasmThreads();
await tf.setBackend('wasm');
console.log(`wasm: SIMD ${threads.simd}, threads ${threads.threads} (${threads.note}); tfjs ${tf.version.tfjs}`);
if (!flagArg('skip-kernels')) await kernelTable();
await trainingTable();
