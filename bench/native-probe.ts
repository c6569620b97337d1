/**
 * Training throughput of a small NASNet-like conv net (stem conv, separable 3x3/5x5 convs, a strided
 * reduction with a pooled shortcut, global pooling, dense; batch norm throughout) on the native
 * TensorFlow backend, the wasm backend (with the project's training kernels) and the pure-JS cpu
 * backend, side by side in one run, with the ratios between them.
 *
 *   npx tsx bench/native-probe.ts [--filters 16] [--batch 32] [--size 32] [--steps 5] [--cpu-steps 2]
 *                                 [--backends tensorflow,wasm,cpu]
 */
import * as tf from '@tensorflow/tfjs';
import { loadNative, nativeInstallState } from '../src/train/native/status.ts';
import { trainingProbe } from '../src/train/native/throughput.ts';
import type { ProbeResult } from '../src/train/native/throughput.ts';
import { registerWasmTrainingKernels } from '../src/train/wasm/index.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const filters = arg('filters', 16);
const batch = arg('batch', 32);
const size = arg('size', 32);
const steps = arg('steps', 5);
const cpuSteps = arg('cpu-steps', 2);
const backendsAt = process.argv.indexOf('--backends');
const backends = (backendsAt >= 0 ? process.argv[backendsAt + 1] ?? '' : 'tensorflow,wasm,cpu').split(',');

async function main(): Promise<void> {
  const results: ProbeResult[] = [];
  const native = nativeInstallState('cpu');
  if (!backends.includes('tensorflow')) {
    // not asked for
  } else if (native.installed) {
    const rt = await loadNative('cpu');
    await tf.setBackend('tensorflow');
    console.log(`native: ${rt.packageName} ${rt.packageVersion} on TensorFlow ${rt.tfVersion}`);
    results.push(await trainingProbe({ filters, batch, size, steps }));
  } else {
    console.log(`native: skipped (${native.reason ?? ''})`);
  }
  if (backends.includes('wasm')) {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
    results.push(await trainingProbe({ filters, batch, size, steps }));
  }
  if (backends.includes('cpu')) {
    await tf.setBackend('cpu');
    results.push(await trainingProbe({ filters, batch, size, steps: cpuSteps }));
  }

  const cpu = results.find((r) => r.backend === 'cpu');
  const wasm = results.find((r) => r.backend === 'wasm');
  console.log(`\nprobe net: ${results[0]?.params ?? 0} parameters, ${size}x${size}x3, batch ${batch}, stem ${filters} filters`);
  console.log('backend      steps   ms/step   images/s   x cpu    x wasm');
  for (const r of results) {
    const xc = cpu ? (r.imagesPerSecond / cpu.imagesPerSecond).toFixed(1) : '-';
    const xw = wasm ? (r.imagesPerSecond / wasm.imagesPerSecond).toFixed(1) : '-';
    console.log(`${r.backend.padEnd(12)} ${String(r.steps).padStart(5)} ${(r.secondsPerStep * 1000).toFixed(1).padStart(9)} ` +
      `${r.imagesPerSecond.toFixed(1).padStart(10)} ${xc.padStart(7)} ${xw.padStart(8)}`);
  }
}

await main();
