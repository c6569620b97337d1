/**
 * What each choice of the graph path is worth: the reference children (bench/reference-children.ts)
 * trained through their TensorFlow graph as by default, and with one choice changed at a time:
 *
 * - `no-matmul`: 1x1 convolutions as Conv2D (and its backward kernels) instead of matrix products;
 * - `no-share`: a weightless layer repeated on the same input computed each time;
 * - `no-fusion`: inference without the fused convolution + batch norm kernel;
 * - `no-sum-fusion`: inference with each sum of convolutions' batch norms an AddN of their fused kernels' outputs
 *   instead of computed by the convolutions (src/train/graph/fused-sums.ts);
 * - `bn-relu`: training with each batch norm read only by ReLUs and its ReLU as one kernel (`_FusedBatchNormEx`, off by default);
 * - `grappler`: the session runs TensorFlow's Grappler passes (what tfjs-node's SavedModel session does);
 * - `remapper`: Grappler's remapper alone, run once (it makes the same batch norm + ReLU fusions, as in
 *   Keras's graph);
 * - `inter-op-1`: one thread for independent operations instead of TensorFlow's default (one per core).
 *
 * Each measurement runs in a fresh process (so no variant inherits another's kernel caches), variants
 * alternate within a round, and the medians over rounds are printed: CPU-seconds to build, load and
 * initialise the graph, of the first step, images per CPU-second of the later steps and of inference, and
 * images per second of wall-clock time (a busy machine disturbs CPU-seconds less).
 *
 *   npx tsx bench/graph-tuning.ts [--rounds 3] [--models nasnet,nb201] [--variants all,no-matmul,no-share,no-fusion,no-sum-fusion,bn-relu,grappler,remapper,inter-op-1]
 *        [--batch 64] [--steps 4] [--infer-steps 10]
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/backend.ts';
import { Rng } from '../src/core/rng.ts';
import { batches } from '../src/data/batches.ts';
import { buildModel } from '../src/model/builder.ts';
import { GraphChild } from '../src/train/graph/graph-child.ts';
import type { GraphChildOptions } from '../src/train/graph/graph-child.ts';
import { numberArg, stringArg } from './args.ts';
import { referenceChildren } from './reference-children.ts';

const VARIANTS: Record<string, NonNullable<GraphChildOptions['tuning']>> = {
  all: {},
  'no-matmul': { pointwiseMatMul: false },
  'no-share': { shareRepeats: false },
  'no-fusion': { fuseInference: false },
  'no-sum-fusion': { fuseInferenceSums: false },
  'bn-relu': { fuseBatchNormRelu: true },
  grappler: { grappler: true },
  remapper: { grappler: 'remapper' },
  'inter-op-1': { interOpThreads: 1 },
};

const batch = numberArg('batch', 64);
const steps = numberArg('steps', 4);
const inferSteps = numberArg('infer-steps', 10);

interface Figures { setupCpu: number; firstStepCpu: number; trainCpuIps: number; trainIps: number; inferCpuIps: number; inferIps: number }

const cpuSeconds = (since?: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

/** One measurement (in this process): `model` with `variant`. */
async function measure(model: string, variant: string): Promise<Figures> {
  await selectBackend('tensorflow');
  const ref = referenceChildren().find((r) => r.name === model);
  if (ref === undefined || VARIANTS[variant] === undefined) throw new Error(`unknown model ${model} or variant ${variant}`);
  const rng = Rng.seeded('graph-tuning');
  const set = { height: 32, width: 32, channels: 3, numClasses: 10, count: batch * (steps + 1),
    pixels: Uint8Array.from({ length: batch * (steps + 1) * 3072 }, () => rng.int(256)), labels: Uint8Array.from({ length: batch * (steps + 1) }, (_, i) => i % 10) };
  const all = [...batches(set, { batchSize: batch, rng: Rng.seeded(1).split('data') })];
  const built = buildModel(ref.genome, ref.network, { seed: 1 });
  let cpu = process.cpuUsage();
  const child = GraphChild.open(built.model, built.plan, { optimizer: 'sgd', tuning: VARIANTS[variant] });
  const setupCpu = cpuSeconds(cpu);
  cpu = process.cpuUsage();
  child.step(all[0], { lr: 0.05, dropoutSeed: 1 });
  const firstStepCpu = cpuSeconds(cpu);
  cpu = process.cpuUsage();
  let t0 = performance.now();
  for (const [i, b] of all.slice(1).entries()) child.step(b, { lr: 0.05, dropoutSeed: 2 + i });
  const trainCpu = cpuSeconds(cpu);
  const trainWall = (performance.now() - t0) / 1000;
  const x = tf.tensor4d(all[0].x, [batch, 32, 32, 3]);
  tf.dispose(child.predict(x));
  cpu = process.cpuUsage();
  t0 = performance.now();
  for (let i = 0; i < inferSteps; i++) tf.dispose(child.predict(x));
  const inferCpu = cpuSeconds(cpu);
  const inferWall = (performance.now() - t0) / 1000;
  x.dispose();
  child.close();
  built.model.dispose();
  return { setupCpu, firstStepCpu, trainCpuIps: (batch * steps) / trainCpu, trainIps: (batch * steps) / trainWall,
    inferCpuIps: (batch * inferSteps) / inferCpu, inferIps: (batch * inferSteps) / inferWall };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  const variant = stringArg('variant', '');
  if (variant !== '') {
    console.log(`NAS_TUNING ${JSON.stringify(await measure(stringArg('model', 'nb201'), variant))}`);
    return;
  }
  const rounds = numberArg('rounds', 3);
  const models = stringArg('models', 'nasnet,nb201').split(',');
  const variants = stringArg('variants', Object.keys(VARIANTS).join(',')).split(',');
  console.log(`${os.cpus().length} CPUs, load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}; batch ${batch}, ${steps} timed steps after 1, ${inferSteps} inference batches, ${rounds} rounds`);
  const results = new Map<string, Figures[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const model of models) {
      for (const v of round % 2 === 1 ? variants : [...variants].reverse()) {
        const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--variant', v, '--model', model,
          '--batch', String(batch), '--steps', String(steps), '--infer-steps', String(inferSteps)], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
        const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('NAS_TUNING '));
        if (r.status !== 0 || line === undefined) throw new Error(`${model} ${v} failed (exit ${r.status}):\n${(r.stderr ?? '').slice(-2000)}`);
        const key = `${model} ${v}`;
        results.set(key, [...(results.get(key) ?? []), JSON.parse(line.slice('NAS_TUNING '.length)) as Figures]);
      }
    }
    console.log(`round ${round} done, load average ${os.loadavg()[0]?.toFixed(2)}`);
  }
  console.log('\nmodel   variant     setup CPU-s  first step CPU-s  train img/CPU-s  train img/s  infer img/CPU-s  infer img/s   (medians; ratio to `all` in brackets)');
  for (const model of models) {
    const base = results.get(`${model} all`) ?? [];
    for (const v of variants) {
      const fs = results.get(`${model} ${v}`) ?? [];
      const col = (k: keyof Figures, digits: number): string => {
        const m = median(fs.map((f) => f[k]));
        const ratio = base.length > 0 && v !== 'all' ? ` (${(m / median(base.map((f) => f[k]))).toFixed(2)})` : '';
        return `${m.toFixed(digits)}${ratio}`;
      };
      console.log(`${model.padEnd(7)} ${v.padEnd(11)} ${col('setupCpu', 2).padStart(11)} ${col('firstStepCpu', 2).padStart(17)} ${col('trainCpuIps', 1).padStart(16)} ` +
        `${col('trainIps', 1).padStart(12)} ${col('inferCpuIps', 1).padStart(16)} ${col('inferIps', 1).padStart(12)}`);
    }
  }
  console.log(`\nload average at the end ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
}

await main();
