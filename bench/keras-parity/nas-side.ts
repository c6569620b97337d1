/**
 * The nas side of bench/keras-parity.ts, one process per measurement: builds a reference child with the
 * project's builder (the same seed as the model.json Keras loads, so the same weights), opens the
 * trainer's training run on the asked path (graph or eager) on native TensorFlow, and times the run's
 * steps over the trainer's own batches (seeded noise images through the data pipeline) and its
 * inference on one batch. Prints one JSON line with the same fields as keras_side.py.
 *
 *   node --import tsx bench/keras-parity/nas-side.ts --model nasnet|nb201 [--path graph|eager]
 *        [--batch 64] [--steps 10] [--warmup 2] [--infer-steps 20] [--lr 0.05]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backends/backend.ts';
import type { TrainPath } from '../../src/backends/native/graph/path.ts';
import { Rng } from '../../src/core/rng.ts';
import { batches } from '../../src/data/batches.ts';
import type { ImageSet } from '../../src/data/types.ts';
import { buildModel } from '../../src/model/builder.ts';
import { openTrainingRun } from '../../src/train/training-run.ts';
import { numberArg, stringArg } from '../args.ts';
import { referenceChildren } from '../reference-children.ts';

const name = stringArg('model', 'nasnet');
const path = stringArg('path', 'graph') as TrainPath;
const batch = numberArg('batch', 64);
const steps = numberArg('steps', 10);
const warmup = numberArg('warmup', 2);
const inferSteps = numberArg('infer-steps', 20);
const lr = numberArg('lr', 0.05);

const statusKiB = (field: string): number => {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return line === undefined ? 0 : Number(line.split(/\s+/)[1]);
};
// Linux: writing 5 resets VmHWM (the peak resident set) to the current resident set.
const resetPeak = (): void => writeFileSync('/proc/self/clear_refs', '5');

function noise(count: number): ImageSet {
  const rng = Rng.seeded('keras-parity');
  return {
    height: 32, width: 32, channels: 3, numClasses: 10, count,
    pixels: Uint8Array.from({ length: count * 32 * 32 * 3 }, () => rng.int(256)),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
  };
}

const ref = referenceChildren().find((r) => r.name === name);
if (ref === undefined) throw new Error(`--model ${name}: accepted nasnet, nb201`);
await selectBackend('tensorflow');
const built = buildModel(ref.genome, ref.network, { seed: 1 });
const run = openTrainingRun(built.model, built.plan, { epochs: 1, seed: 1, batchSize: batch, lr, schedule: 'constant', trainPath: path });
const set = noise(batch * (warmup + steps));
const all = [...batches(set, { batchSize: batch, rng: Rng.seeded(1).split('data') })];
const baseline = statusKiB('VmRSS');
resetPeak();
let loss = 0;
for (const b of all.slice(0, warmup)) loss = (await run.step(b, { lr, dropoutSeed: 1 })).loss;
const cpuSeconds = (since?: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};
let cpu = process.cpuUsage();
const start = performance.now();
for (const [i, b] of all.slice(warmup).entries()) loss = (await run.step(b, { lr, dropoutSeed: 2 + i })).loss;
const trainSeconds = (performance.now() - start) / 1000;
const trainCpu = cpuSeconds(cpu);
const stepPeak = statusKiB('VmHWM') - baseline;
const x = tf.tensor4d(all[0].x, [batch, 32, 32, 3]);
tf.dispose(run.predict(x));
cpu = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < inferSteps; i++) {
  const p = run.predict(x);
  p.dataSync();
  p.dispose();
}
const inferSeconds = (performance.now() - t0) / 1000;
const inferCpu = cpuSeconds(cpu);
x.dispose();
run.dispose();
console.log(JSON.stringify({
  side: `nas-${run.path}`, params: built.model.countParams(), train_ips: (batch * steps) / trainSeconds, infer_ips: (batch * inferSteps) / inferSeconds,
  train_cpu_ips: (batch * steps) / trainCpu, infer_cpu_ips: (batch * inferSteps) / inferCpu,
  step_peak_mib: stepPeak / 1024, peak_rss_mib: statusKiB('VmHWM') / 1024, loss, load: os.loadavg()[0],
}));
built.model.dispose();
