/**
 * The GPU check, prepared for a machine with an NVIDIA GPU: after `nas backend install --gpu` (which needs
 * the package registries once), this script needs no network. It selects native TensorFlow on the GPU and,
 * for each reference child (bench/reference-children.ts), trains a few steps on the graph path and on the
 * eager path from the same weights and seed, and prints:
 *
 * - where TensorFlow placed the work (the GPU seen, the eager context on it), versions;
 * - the step losses of both paths and their largest difference (the graph's ops on the GPU compute what
 *   tfjs computes), and whether a second graph run with the same seed gives bit-identical losses;
 * - the largest difference between the graph's predictions and the tfjs model's after the weights moved;
 * - training and inference images/s of both paths after warm-up, and their ratio;
 * - the GPU memory the process holds (nvidia-smi), after each child.
 *
 * It exits 1 when no GPU is in use, when a path fails, or when the paths disagree by more than 1e-3 in the
 * first step's loss. `--cpu` rehearses the same checks on a machine without a GPU.
 *
 *   npx tsx bench/gpu-check.ts [--models nasnet,nb201] [--batch 64] [--steps 5] [--infer-steps 20] [--cpu]
 */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/backend.ts';
import type { TrainPath } from '../src/backends/native/graph/path.ts';
import { loadedNative } from '../src/backends/native/status.ts';
import { Rng } from '../src/core/rng.ts';
import { batches } from '../src/data/batches.ts';
import type { Batch, ImageSet } from '../src/data/types.ts';
import { buildModel } from '../src/model/builder.ts';
import { openTrainingRun } from '../src/train/training-run.ts';
import { flagArg, numberArg, stringArg } from './args.ts';
import { referenceChildren } from './reference-children.ts';
import type { Reference } from './reference-children.ts';

const models = stringArg('models', 'nasnet,nb201').split(',');
const batch = numberArg('batch', 64);
const steps = numberArg('steps', 5);
const inferSteps = numberArg('infer-steps', 20);

function noise(count: number): ImageSet {
  const rng = Rng.seeded('gpu-check');
  return { height: 32, width: 32, channels: 3, numClasses: 10, count,
    pixels: Uint8Array.from({ length: count * 3072 }, () => rng.int(256)), labels: Uint8Array.from({ length: count }, (_, i) => i % 10) };
}

function smi(query: string): string {
  const r = spawnSync('nvidia-smi', [`--query-${query}`, '--format=csv,noheader'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : `nvidia-smi failed: ${(r.stderr || r.error?.message || '').trim()}`;
}

/** GPU memory (MiB) held by this process, from nvidia-smi. */
function processGpuMiB(): string {
  const rows = smi('compute-apps=pid,used_memory').split('\n').filter((l) => l.startsWith(`${process.pid},`));
  return rows.length > 0 ? rows.map((l) => l.split(',')[1]?.trim()).join(' + ') : 'n/a';
}

interface PathFigures { losses: number[]; trainIps: number; inferIps: number; probs: Float32Array; modelProbs: Float32Array }

/** Trains `steps + 1` batches on `path` from the child's seeded weights; times the steps after the first and inference. */
async function runPath(ref: Reference, path: TrainPath, all: Batch[]): Promise<PathFigures> {
  const built = buildModel(ref.genome, ref.network, { seed: 1 });
  const run = openTrainingRun(built.model, built.plan, { epochs: 1, seed: 1, batchSize: batch, lr: 0.05, schedule: 'constant', trainPath: path });
  const x = tf.tensor4d(all[0].x, [batch, 32, 32, 3]);
  try {
    const losses = [(await run.step(all[0], { lr: 0.05, dropoutSeed: 1 })).loss];
    const start = performance.now();
    for (const [i, b] of all.slice(1).entries()) losses.push((await run.step(b, { lr: 0.05, dropoutSeed: 2 + i })).loss);
    const trainIps = (batch * (all.length - 1)) / ((performance.now() - start) / 1000);
    tf.dispose(run.predict(x));
    const t0 = performance.now();
    for (let i = 0; i < inferSteps; i++) {
      const p = run.predict(x);
      p.dataSync();
      p.dispose();
    }
    const inferIps = (batch * inferSteps) / ((performance.now() - t0) / 1000);
    const pr = run.predict(x);
    const probs = pr.dataSync() as Float32Array;
    pr.dispose();
    run.finish();
    const mp = built.model.predict(x) as tf.Tensor;
    const modelProbs = mp.dataSync() as Float32Array;
    mp.dispose();
    return { losses, trainIps, inferIps, probs, modelProbs };
  } finally {
    x.dispose();
    run.dispose();
    built.model.dispose();
  }
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

async function main(): Promise<number> {
  const sel = await selectBackend('tensorflow');
  const rt = loadedNative();
  console.log(`backend: ${sel.description}`);
  console.log(`GPUs (nvidia-smi): ${smi('gpu=name,memory.total,driver_version')}`);
  if (rt?.usingGpu !== true && !flagArg('cpu')) {
    console.log('no GPU in use: install the CUDA build with `nas backend install --gpu` on a machine with an NVIDIA driver');
    return 1;
  }
  let failed = false;
  for (const ref of referenceChildren().filter((r) => models.includes(r.name))) {
    const all = [...batches(noise(batch * (steps + 1)), { batchSize: batch, rng: Rng.seeded(1).split('data') })];
    const graph = await runPath(ref, 'graph', all);
    const again = await runPath(ref, 'graph', all);
    const eager = await runPath(ref, 'eager', all);
    const first = Math.abs((graph.losses[0] ?? 0) - (eager.losses[0] ?? 0));
    failed ||= !(first <= 1e-3) || graph.losses.some((l) => !Number.isFinite(l));
    console.log(`\n${ref.name}, batch ${batch}: graph losses ${graph.losses.map((l) => l.toFixed(5)).join(' ')}`);
    console.log(`${' '.repeat(ref.name.length + 10)}eager losses ${eager.losses.map((l) => l.toFixed(5)).join(' ')}`);
    console.log(`  largest loss difference graph/eager ${maxDiff(graph.losses, eager.losses).toExponential(2)} (first step ${first.toExponential(2)}); ` +
      `graph rerun bit-identical: ${graph.losses.every((l, i) => Object.is(l, again.losses[i]))}`);
    console.log(`  predictions after the move into the tfjs model: max |graph - tfjs| ${maxDiff(graph.probs, graph.modelProbs).toExponential(2)}`);
    console.log(`  training img/s graph ${graph.trainIps.toFixed(1)}, eager ${eager.trainIps.toFixed(1)} (${(graph.trainIps / eager.trainIps).toFixed(2)}x); ` +
      `inference img/s graph ${graph.inferIps.toFixed(1)}, eager ${eager.inferIps.toFixed(1)} (${(graph.inferIps / eager.inferIps).toFixed(2)}x)`);
    console.log(`  GPU memory held by this process: ${processGpuMiB()}`);
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
