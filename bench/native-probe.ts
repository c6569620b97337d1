/**
 * Training throughput of a small NASNet-like conv net (stem conv, separable 3x3/5x5 convs, a strided
 * reduction with a pooled shortcut, global pooling, dense; batch norm throughout) on the native
 * TensorFlow backend, the wasm backend (with the project's training kernels) and the pure-JS cpu
 * backend, side by side in one run, with the ratios between them.
 *
 * `--model nasnet` trains instead a NASNet child built by the project's builder (cells after NASNet-A,
 * B = 5; `--cells` N per stack (default 1), `--stacks` (default 3), `--filters` initial filters).
 *
 *   npx tsx bench/native-probe.ts [--model probe|nasnet] [--filters 16] [--batch 32] [--size 32]
 *                                 [--stacks 3] [--cells 1] [--steps 5] [--cpu-steps 2]
 *                                 [--backends tensorflow,wasm,cpu]
 */
import * as tf from '@tensorflow/tfjs';
import type { NasnetGenome } from '../src/genome/types.ts';
import { buildModel } from '../src/model/builder.ts';
import { loadNative, nativeInstallState } from '../src/backends/native/status.ts';
import { trainingProbe } from '../src/backends/native/throughput.ts';
import type { ProbeResult } from '../src/backends/native/throughput.ts';
import { registerWasmTrainingKernels } from '../src/backends/wasm/index.ts';
import { numberArg, stringArg } from './args.ts';


const filters = numberArg('filters', 16);
const batch = numberArg('batch', 32);
const size = numberArg('size', 32);
const steps = numberArg('steps', 5);
const cpuSteps = numberArg('cpu-steps', 2);
const stacks = numberArg('stacks', 3);
const cellsPerStack = numberArg('cells', 1);
const modelName = stringArg('model', 'probe');
const backends = stringArg('backends', 'tensorflow,wasm,cpu').split(',');

/** Cells after NASNet-A (Zoph et al. 2018, fig. 4), as the genome writes blocks: 0 and 1 the cell inputs, 2 + b block b. */
const NASNET_A: NasnetGenome = {
  kind: 'nasnet',
  normal: { blocks: [
    { inputs: [1, 1], ops: ['sep_conv_3x3', 'identity'] },
    { inputs: [0, 1], ops: ['sep_conv_3x3', 'sep_conv_5x5'] },
    { inputs: [1, 0], ops: ['avg_pool_3x3', 'identity'] },
    { inputs: [0, 0], ops: ['avg_pool_3x3', 'avg_pool_3x3'] },
    { inputs: [0, 0], ops: ['sep_conv_5x5', 'sep_conv_3x3'] },
  ] },
  reduction: { blocks: [
    { inputs: [0, 1], ops: ['sep_conv_7x7', 'sep_conv_5x5'] },
    { inputs: [1, 0], ops: ['max_pool_3x3', 'sep_conv_7x7'] },
    { inputs: [1, 0], ops: ['avg_pool_3x3', 'sep_conv_5x5'] },
    { inputs: [1, 2], ops: ['max_pool_3x3', 'sep_conv_3x3'] },
    { inputs: [3, 2], ops: ['avg_pool_3x3', 'identity'] },
  ] },
};

function modelFactory(): (() => tf.LayersModel) | undefined {
  if (modelName === 'probe') return undefined;
  if (modelName !== 'nasnet') throw new Error(`--model ${modelName}: accepted probe, nasnet`);
  return () => buildModel(NASNET_A, { inputShape: [size, size, 3], numClasses: 10, cellsPerStack, stacks,
    initialFilters: filters, dropout: 0 }, { seed: 1 }).model;
}

async function main(): Promise<void> {
  const model = modelFactory();
  const results: ProbeResult[] = [];
  const native = nativeInstallState('cpu');
  if (!backends.includes('tensorflow')) {
    // not asked for
  } else if (native.installed) {
    const rt = await loadNative('cpu');
    await tf.setBackend('tensorflow');
    console.log(`native: ${rt.packageName} ${rt.packageVersion} on TensorFlow ${rt.tfVersion}`);
    results.push(await trainingProbe({ filters, batch, size, steps, model }));
  } else {
    console.log(`native: skipped (${native.reason ?? ''})`);
  }
  if (backends.includes('wasm')) {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
    results.push(await trainingProbe({ filters, batch, size, steps, model }));
  }
  if (backends.includes('cpu')) {
    await tf.setBackend('cpu');
    results.push(await trainingProbe({ filters, batch, size, steps: cpuSteps, model }));
  }

  const cpu = results.find((r) => r.backend === 'cpu');
  const wasm = results.find((r) => r.backend === 'wasm');
  console.log(`\n${modelName} net: ${results[0]?.params ?? 0} parameters, ${size}x${size}x3, batch ${batch}, ${filters} initial filters`);
  console.log('backend      steps   ms/step   images/s   x cpu    x wasm');
  for (const r of results) {
    const xc = cpu ? (r.imagesPerSecond / cpu.imagesPerSecond).toFixed(1) : '-';
    const xw = wasm ? (r.imagesPerSecond / wasm.imagesPerSecond).toFixed(1) : '-';
    console.log(`${r.backend.padEnd(12)} ${String(r.steps).padStart(5)} ${(r.secondsPerStep * 1000).toFixed(1).padStart(9)} ` +
      `${r.imagesPerSecond.toFixed(1).padStart(10)} ${xc.padStart(7)} ${xw.padStart(8)}`);
  }
}

await main();
