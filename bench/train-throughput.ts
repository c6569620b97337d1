/**
 * Training and inference throughput of fixed reference children on every available backend, side by side in
 * one run: a NASNet-cell network (AmoebaNet-A cells, B = 5, cellsPerStack and stacks of
 * search-spaces/nasnet-cell.json, 32 initial filters, 32x32x3 inputs) and a NAS-Bench-201 network (the
 * table's best CIFAR-10 cell, index 6111, C = 16, N = 5), both built by the project's builder.
 *
 * For each model and backend it prints images/s of training (the project's trainer, `trainModel`, on native
 * TensorFlow on each training path: one graph per child, and eager) and of a bare tfjs loop
 * (optimizer.minimize on pre-made tensors, no data pipeline, no callbacks) on the same model, the trainer's
 * overhead over the bare loop, inference images/s (through the path's run), achieved GFLOP/s (2 x multiply-adds of the
 * genome's plan x images/s; a training image counted as 3 forward passes), the peak tensor bytes of a step
 * (tf.profile) and the process RSS (the process's peak so far: it does not fall between backends), then the
 * ratios between backends (tensorflow/wasm, wasm/cpu). Each backend first times a large matrix product, the
 * practical GFLOP/s ceiling of that backend on this machine.
 * The wasm and pure-JS cpu backends are far slower on these networks: they run `--wasm-steps` steps of
 * `--wasm-batch` images (16: at 64 the NASNet child's step needs about 6 GiB, so the trainer would split
 * it into micro-batches of 22, 21 and 21 on the 4 GiB wasm heap) and `--cpu-steps` steps of `--cpu-batch`
 * images, and the cpu backend runs each loop once; figures are per image, so they compare. The trainer and the bare loop
 * alternate `--repeats` times and the best of each counts.
 *
 *   nice npx tsx bench/train-throughput.ts [--models nasnet,nb201] [--backends tensorflow,wasm,cpu] [--paths graph,eager]
 *        [--steps 3] [--batch 64] [--wasm-steps 2] [--wasm-batch 16] [--cpu-steps 1] [--cpu-batch 4]
 *        [--repeats 2] [--filters 32]
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../src/core/rng.ts';
import { batches } from '../src/data/batches.ts';
import type { ImageSet } from '../src/data/types.ts';
import { planCost } from '../src/genome/cost.ts';
import { selectBackend, silenceCpuBanner } from '../src/backends/backend.ts';
import type { BackendName } from '../src/backends/backend.ts';
import { buildModel } from '../src/model/builder.ts';
import { trainModel } from '../src/train/trainer.ts';
import type { TrainPlan } from '../src/train/trainer.ts';
import type { NetworkPlan } from '../src/genome/network/plan.ts';
import type { TrainPath } from '../src/backends/native/graph/path.ts';
import { openTrainingRun } from '../src/train/training-run.ts';
import { referenceChildren } from './reference-children.ts';
import type { Reference } from './reference-children.ts';
import { numberArg, stringArg } from './args.ts';


const steps = numberArg('steps', 3);
const batch = numberArg('batch', 64);
const wasmSteps = numberArg('wasm-steps', 2);
const wasmBatch = numberArg('wasm-batch', 16);
const cpuSteps = numberArg('cpu-steps', 1);
const cpuBatch = numberArg('cpu-batch', 4);
const repeats = numberArg('repeats', 2);
const filters = numberArg('filters', 32);
const models = stringArg('models', 'nasnet,nb201').split(',');
const backends = stringArg('backends', 'tensorflow,wasm,cpu').split(',') as BackendName[];
const paths = stringArg('paths', 'graph,eager').split(',') as TrainPath[];

function references(): Reference[] {
  return referenceChildren(filters).filter((r) => models.includes(r.name));
}

/** A seeded (deterministic, Math.random-free) set of `count` noise images. */
function noiseImages(count: number): ImageSet {
  const pixels = new Uint8Array(count * 32 * 32 * 3);
  let s = 12345;
  for (let i = 0; i < pixels.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    pixels[i] = s >>> 24;
  }
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return { height: 32, width: 32, channels: 3, numClasses: 10, pixels, labels, count };
}

interface Row {
  /** `backend` or `backend path` (tensorflow runs the trainer on the graph and the eager path). */
  model: string; backend: string; batch: number; steps: number;
  bare: number; framework: number; inference: number; peakBytes: number; rss: number; madds: number;
}

let rssPeak = 0;
const sampleRss = (): void => { rssPeak = Math.max(rssPeak, process.memoryUsage().rss); };

/** Images/s of a bare training loop: optimizer.minimize on pre-made tensors; also the peak bytes of one step. */
async function bareLoop(model: tf.LayersModel, plan: TrainPlan, b: number, n: number): Promise<{ ips: number; peakBytes: number }> {
  const logitsModel = tf.model({ inputs: model.inputs, outputs: model.getLayer(plan.logits).output as tf.SymbolicTensor });
  const x = tf.randomUniform([b, 32, 32, 3], 0, 1, 'float32', 7);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: b }, (_, i) => i % 10), 'int32'), 10);
  const opt = tf.train.momentum(0.01, 0.9, true);
  const step = (): tf.Scalar => opt.minimize(() => tf.losses.softmaxCrossEntropy(y, logitsModel.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true) as tf.Scalar;
  const profile = await tf.profile(() => { tf.dispose(step()); });
  const start = performance.now();
  let last: tf.Scalar | undefined;
  for (let i = 0; i < n; i++) {
    tf.dispose(last);
    last = step();
  }
  await last?.data();
  const seconds = (performance.now() - start) / 1000;
  tf.dispose([last as tf.Scalar, x, y]);
  opt.dispose();
  sampleRss();
  return { ips: (b * n) / seconds, peakBytes: profile.peakBytes };
}

/**
 * Images/s of the project's trainer on `n` batches of `b` images, timed from the end of the first step to
 * the end of the last (the first builds kernels, and on the graph path the session's executors), after a
 * warm-up epoch of one batch when `warm`.
 */
async function frameworkLoop(model: tf.LayersModel, plan: NetworkPlan, b: number, n: number, warm: boolean, trainPath: TrainPath): Promise<number> {
  const options = { epochs: 1, seed: 1, batchSize: b, schedule: 'constant' as const, trainPath };
  if (warm) await trainModel(model, plan, { train: noiseImages(b), val: noiseImages(0) }, options);
  const train = noiseImages(b * (n + 1));
  const times: number[] = [];
  await trainModel(model, plan, { train, val: noiseImages(0) }, { ...options, onStep: () => times.push(performance.now()) });
  sampleRss();
  return (b * n) / ((times[n] - times[0]) / 1000);
}

/** Milliseconds the trainer's data pipeline (`batches`: shuffle, uint8 to float) takes per batch of `b`. */
function pipelineMs(b: number, n: number): number {
  const set = noiseImages(b * n);
  const start = performance.now();
  for (const x of batches(set, { batchSize: b, rng: Rng.seeded(1).split('data') })) if (x.size === 0) break;
  return (performance.now() - start) / n;
}

/** Images/s of inference (training off; through the path's run) on `n` batches of `b` images after one warm-up batch. */
async function inference(model: tf.LayersModel, plan: NetworkPlan, b: number, n: number, trainPath: TrainPath): Promise<number> {
  const run = openTrainingRun(model, plan, { epochs: 1, seed: 1, trainPath });
  const x = tf.randomUniform([b, 32, 32, 3], 0, 1, 'float32', 9);
  try {
    tf.dispose(run.predict(x));
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      const out = run.predict(x);
      await out.data();
      out.dispose();
    }
    const seconds = (performance.now() - start) / 1000;
    sampleRss();
    return (b * n) / seconds;
  } finally {
    x.dispose();
    run.dispose();
  }
}

/**
 * GFLOP/s of a large float32 matrix product on the active backend (the best of a few): a practical ceiling
 * for the training GFLOP/s of the same backend, which a convnet step (convolutions plus memory-bound
 * element-wise kernels) stays under. Smaller on the slow backends, so they finish in seconds.
 */
function matMulGflops(): number {
  const n = tf.getBackend() === 'tensorflow' ? 2048 : tf.getBackend() === 'wasm' ? 512 : 128;
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 4; i++) {
    const start = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    best = Math.min(best, (performance.now() - start) / 1000);
    c.dispose();
  }
  tf.dispose([a, b]);
  return (2 * n ** 3) / best / 1e9;
}

const f1 = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

async function measure(ref: Reference, backend: string, trainPath: TrainPath): Promise<Row> {
  const b = backend === 'cpu' ? cpuBatch : backend === 'wasm' ? wasmBatch : batch;
  const n = backend === 'cpu' ? cpuSteps : backend === 'wasm' ? wasmSteps : steps;
  const times = backend === 'cpu' ? 1 : repeats;
  rssPeak = 0;
  const built = buildModel(ref.genome, ref.network, { seed: 1 });
  try {
    const madds = planCost(built.plan).madds;
    // Alternated, best of each, so load changes on a shared machine hit both loops alike.
    const bare: number[] = [];
    const framework: number[] = [];
    let peakBytes = 0;
    for (let t = 0; t < times; t++) {
      const r = await bareLoop(built.model, built.plan, b, n);
      bare.push(r.ips);
      peakBytes = Math.max(peakBytes, r.peakBytes);
      framework.push(await frameworkLoop(built.model, built.plan, b, n, t === 0, trainPath));
    }
    const pipe = pipelineMs(b, Math.max(n, 4));
    const stepMs = (1000 * b) / Math.max(...framework);
    console.log(`  ${ref.name}: bare ${bare.map(f1).join(', ')} img/s; trainer ${framework.map(f1).join(', ')} img/s; ` +
      `data pipeline ${pipe.toFixed(1)} ms of a ${stepMs.toFixed(0)} ms step (${((100 * pipe) / stepMs).toFixed(2)}%)`);
    const infer = await inference(built.model, built.plan, b, n, trainPath);
    return {
      model: ref.name, backend: backend === 'tensorflow' ? `${backend} ${trainPath}` : backend, batch: b, steps: n, bare: Math.max(...bare), framework: Math.max(...framework),
      inference: infer, peakBytes, rss: rssPeak, madds,
    };
  } finally {
    built.model.dispose();
  }
}

const mib = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(0)}`;

function print(rows: Row[]): void {
  console.log('\nmodel   backend (path)    batch steps  bare img/s  nas img/s overhead  infer img/s  train GFLOP/s infer GFLOP/s  peak MiB  RSS MiB');
  for (const r of rows) {
    const gTrain = (2 * 3 * r.madds * r.framework) / 1e9;
    const gInfer = (2 * r.madds * r.inference) / 1e9;
    const overhead = `${((r.bare / r.framework - 1) * 100).toFixed(1)}%`;
    console.log(`${r.model.padEnd(7)} ${r.backend.padEnd(17)} ${String(r.batch).padStart(5)} ${String(r.steps).padStart(5)} ` +
      `${f1(r.bare).padStart(11)} ${f1(r.framework).padStart(10)} ${overhead.padStart(8)} ${f1(r.inference).padStart(12)} ` +
      `${f1(gTrain).padStart(14)} ${f1(gInfer).padStart(13)} ${mib(r.peakBytes).padStart(9)} ${mib(r.rss).padStart(8)}`);
  }
  console.log('\nratios (images/s of training with the trainer; inference in brackets)');
  for (const model of new Set(rows.map((r) => r.model))) {
    const at = (b: string): Row | undefined => rows.find((r) => r.model === model && r.backend === b);
    const ratio = (a: string, b: string): string => {
      const ra = at(a), rb = at(b);
      return ra && rb ? `${f1(ra.framework / rb.framework)}x (${f1(ra.inference / rb.inference)}x)` : 'n/a';
    };
    console.log(`${model.padEnd(7)} graph/eager ${ratio('tensorflow graph', 'tensorflow eager')}   tensorflow/wasm ${ratio('tensorflow graph', 'wasm')}   ` +
      `wasm/cpu ${ratio('wasm', 'cpu')}   tensorflow/cpu ${ratio('tensorflow graph', 'cpu')}`);
  }
  console.log('targets: tensorflow/wasm >= 30x on nasnet; wasm/cpu >= 10x; eager trainer overhead <= 5% (the graph path runs no tfjs loop: its \'overhead\' is the eager bare loop\'s extra time)');
}

async function main(): Promise<void> {
  const load = os.loadavg().map((v) => v.toFixed(2)).join(' ');
  console.log(`${os.cpus().length} CPUs, load average ${load}; tfjs ${tf.version.tfjs}; node ${process.version}`);
  const refs = references();
  await tf.setBackend('cpu'); // the summary below builds models before any backend is selected
  silenceCpuBanner();
  for (const ref of refs) {
    const built = buildModel(ref.genome, ref.network, { seed: 1 });
    console.log(`${ref.name}: ${built.model.countParams()} parameters, ${(planCost(built.plan).madds / 1e6).toFixed(1)} M multiply-adds per image`);
    built.model.dispose();
  }
  const rows: Row[] = [];
  for (const backend of backends) {
    try {
      const sel = await selectBackend(backend);
      console.log(`backend ${backend}: ${sel.description}; matMul ceiling ${matMulGflops().toFixed(1)} GFLOP/s`);
    } catch (err) {
      console.log(`backend ${backend}: skipped (${(err instanceof Error ? err.message : String(err)).split('\n')[0]})`);
      continue;
    }
    for (const ref of refs) {
      for (const trainPath of tf.getBackend() === 'tensorflow' ? paths : ['eager' as const]) {
        const row = await measure(ref, tf.getBackend(), trainPath);
        rows.push(row);
        console.log(`  ${ref.name} (${trainPath} path): inference ${f1(row.inference)} img/s`);
      }
    }
  }
  print(rows);
  console.log(`load average at the end ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
}

await main();
