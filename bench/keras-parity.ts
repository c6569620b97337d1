/**
 * nas against Keras on the same TensorFlow: the two reference children (bench/reference-children.ts)
 * trained and run for inference by nas on native TensorFlow (the graph path, and with `--paths` the eager
 * path too) and by Keras with a `tf.function` step, in alternating rounds, each measurement in a fresh
 * process. Keras runs in a Python virtual environment (.native/keras-venv, git-ignored, created on first
 * use with pip: `tensorflow-cpu` of the version the native backend installs) and rebuilds each child from
 * the model.json nas writes, loading every weight by name, so both train the same network from the same
 * weights: batch 64, SGD with Nesterov momentum 0.9, learning rate 0.05.
 *
 * Per round it prints training and inference images/s (per second of wall-clock time, and per CPU-second
 * of the process, which a busy shared machine disturbs less), the peak resident memory of the training
 * steps above the process's memory before its first step, the process's peak resident memory, the load
 * average, and nas's ratio to Keras; then the medians over rounds and each target (training and inference
 * at >= 1.0x Keras's step on both children; step memory no higher than Keras's) as met or MISSED. Last, the
 * arithmetic rate of each side: the children's multiply-adds (bench/multiply-adds.ts) per CPU-second of
 * training and inference, against a large matrix product through the same TensorFlow measured once per
 * round (bench/keras-parity/matmul-rate.ts): how much of the CPU's arithmetic a step leaves unused.
 *
 *   npx tsx bench/keras-parity.ts [--rounds 3] [--models nasnet,nb201] [--paths graph,eager]
 *        [--batch 64] [--steps 10] [--warmup 2] [--infer-steps 20] [--venv .native/keras-venv]
 *        [--python python3]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { silenceCpuBanner } from '../src/backends/backend.ts';
import { TF_VERSION } from '../src/backends/native/layout.ts';
import { buildModel } from '../src/model/builder.ts';
import { saveModel } from '../src/model/file-io.ts';
import { numberArg, stringArg } from './args.ts';
import { multiplyAdds } from './multiply-adds.ts';
import { referenceChildren } from './reference-children.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const rounds = numberArg('rounds', 3);
const models = stringArg('models', 'nasnet,nb201').split(',');
const paths = stringArg('paths', 'graph').split(',');
const common = ['--batch', stringArg('batch', '64'), '--steps', stringArg('steps', '10'), '--warmup', stringArg('warmup', '2'),
  '--infer-steps', stringArg('infer-steps', '20'), '--lr', '0.05'];
const venv = resolve(stringArg('venv', join(here, '..', '.native', 'keras-venv')));
const python = stringArg('python', 'python3');

interface Figures { side: string; train_ips: number; infer_ips: number; train_cpu_ips: number; infer_cpu_ips: number; step_peak_mib: number; peak_rss_mib: number; load: number; params: number }

/** The venv's Python with tensorflow-cpu==TF_VERSION, created with pip when missing. */
function kerasPython(): string {
  const py = join(venv, 'bin', 'python');
  const version = (): string => spawnSync(py, ['-c', 'import tensorflow as tf; print(tf.__version__)'], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } }).stdout?.trim() ?? '';
  if (existsSync(py) && version() === TF_VERSION) return py;
  console.log(`setting up ${venv}: ${python} -m venv, pip install tensorflow-cpu==${TF_VERSION} (once)`);
  for (const [cmd, args] of [[python, ['-m', 'venv', venv]], [py, ['-m', 'pip', 'install', '-q', `tensorflow-cpu==${TF_VERSION}`]]] as const) {
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
  }
  if (version() !== TF_VERSION) throw new Error(`${py} does not import tensorflow ${TF_VERSION}`);
  return py;
}

/** Runs one measurement process and returns its JSON line. */
function measure<T = Figures>(cmd: string, args: string[]): T {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' }, maxBuffer: 64 * 1024 * 1024 });
  const line = (r.stdout ?? '').trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (r.status !== 0 || line === undefined) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${(r.stderr ?? '').slice(-2000)}`);
  return JSON.parse(line) as T;
}

type Key = 'train_ips' | 'train_cpu_ips' | 'infer_ips' | 'infer_cpu_ips' | 'step_peak_mib';
const KEYS: Key[] = ['train_ips', 'train_cpu_ips', 'infer_ips', 'infer_cpu_ips', 'step_peak_mib'];
const HEADER = 'model   side       train img/s (/CPU-s)  infer img/s (/CPU-s)  step MiB  peak RSS  load   ratio to Keras: train (/CPU-s)  infer (/CPU-s)  memory';

/** One table row; `ratio` gives nas's ratio to Keras for a figure (absent on Keras's own rows). */
function row(model: string, side: string, f: Record<Key, number> & { peak_rss_mib: number; load: number }, ratio?: (key: Key) => number): string {
  const figures = `${f1(f.train_ips).padStart(11)} (${f1(f.train_cpu_ips).padStart(5)})  ${f1(f.infer_ips).padStart(11)} (${f1(f.infer_cpu_ips).padStart(5)})  ` +
    `${f1(f.step_peak_mib).padStart(8)}  ${f1(f.peak_rss_mib).padStart(8)}  ${f2(f.load).padStart(5)}`;
  const ratios = ratio === undefined ? '' : `   ${f2(ratio('train_ips')).padStart(21)} (${f2(ratio('train_cpu_ips'))})  ${f2(ratio('infer_ips')).padStart(6)} (${f2(ratio('infer_cpu_ips'))})  ${f2(ratio('step_peak_mib')).padStart(6)}`;
  return `${model.padEnd(7)} ${side.padEnd(10)} ${figures}${ratios}`;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f1 = (v: number): string => v.toFixed(1);
const f2 = (v: number): string => v.toFixed(2);

async function main(): Promise<void> {
  const py = kerasPython();
  const dir = mkdtempSync(join(os.tmpdir(), 'nas-keras-parity-'));
  await tf.setBackend('cpu');
  silenceCpuBanner();
  const macs = new Map<string, { forward: number; training: number }>();
  for (const ref of referenceChildren().filter((r) => models.includes(r.name))) {
    const built = buildModel(ref.genome, ref.network, { seed: 1 });
    macs.set(ref.name, multiplyAdds(built.plan));
    await saveModel(built.model, join(dir, ref.name));
    built.model.dispose();
  }
  console.log(`${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map(f2).join(' ')}; TensorFlow ${TF_VERSION} on both sides; ` +
    `batch ${common[1]}, ${common[3]} timed steps after ${common[5]}, ${common[7]} inference batches`);
  const results = new Map<string, Figures[]>();
  const matmul: number[] = [];
  const keep = (model: string, f: Figures): void => {
    results.set(`${model} ${f.side}`, [...(results.get(`${model} ${f.side}`) ?? []), f]);
  };
  for (let round = 1; round <= rounds; round++) {
    const mm = measure<{ gmac_cpu: number }>(process.execPath, ['--import', 'tsx', join(here, 'keras-parity', 'matmul-rate.ts')]);
    matmul.push(mm.gmac_cpu);
    console.log(`\nround ${round} (2048 x 2048 matrix product through TensorFlow: ${f1(mm.gmac_cpu)} G multiply-adds per CPU-second)\n${HEADER}`);
    for (const model of models) {
      const nas = (p: string) => (): Figures => measure(process.execPath, ['--import', 'tsx', join(here, 'keras-parity', 'nas-side.ts'), '--model', model, '--path', p, ...common]);
      const keras = (): Figures => measure(py, [join(here, 'keras-parity', 'keras_side.py'), '--model-dir', join(dir, model), ...common]);
      // Alternate which side runs first, so drift in the machine's load falls on both.
      const order = round % 2 === 1 ? [...paths.map(nas), keras] : [keras, ...paths.map(nas)];
      const figures = order.map((m) => m());
      const k = figures.find((f) => f.side === 'keras') as Figures;
      for (const f of figures) {
        keep(model, f);
        console.log(row(model, f.side, f, f.side === 'keras' ? undefined : (key) => f[key] / k[key]));
      }
    }
  }
  summary(results);
  arithmetic(results, macs, median(matmul));
  rmSync(dir, { recursive: true, force: true });
  console.log(`\nload average at the end ${os.loadavg().map(f2).join(' ')}`);
}

function summary(results: Map<string, Figures[]>): void {
  console.log(`\nmedians over ${rounds} rounds (ratios: the median of the per-round ratios)\n${HEADER}`);
  const verdicts: string[] = [];
  for (const model of models) {
    const k = results.get(`${model} keras`) ?? [];
    for (const side of ['keras', ...paths.map((p) => `nas-${p}`)]) {
      const fs = results.get(`${model} ${side}`) ?? [];
      if (fs.length === 0) continue;
      const med = Object.fromEntries(KEYS.map((key) => [key, median(fs.map((f) => f[key]))])) as Record<Key, number>;
      const ratio = (key: Key): number => median(fs.map((f, i) => f[key] / (k[i]?.[key] ?? Number.NaN)));
      console.log(row(model, side, { ...med, peak_rss_mib: median(fs.map((f) => f.peak_rss_mib)), load: median(fs.map((f) => f.load)) }, side === 'keras' ? undefined : ratio));
      if (side !== 'nas-graph') continue;
      const verdict = (label: string, ok: boolean, v: number, cpu?: number): string =>
        `${model} ${label}: ${ok ? 'met' : 'MISSED'} (${f2(v)}x${cpu !== undefined ? `; per CPU-second ${f2(cpu)}x` : ''})`;
      verdicts.push(verdict('training >= 1.0x Keras', ratio('train_ips') >= 1, ratio('train_ips'), ratio('train_cpu_ips')),
        verdict('inference >= 1.0x Keras', ratio('infer_ips') >= 1, ratio('infer_ips'), ratio('infer_cpu_ips')),
        verdict('step memory <= Keras', ratio('step_peak_mib') <= 1, ratio('step_peak_mib')));
    }
  }
  console.log(`\ntargets (nas graph path against Keras's tf.function step, wall-clock images/s):\n  ${verdicts.join('\n  ')}`);
}

await main();

/** Each side's multiply-adds per CPU-second, and their share of the matrix product's rate. */
function arithmetic(results: Map<string, Figures[]>, macs: Map<string, { forward: number; training: number }>, matmul: number): void {
  console.log(`\narithmetic: G multiply-adds per CPU-second (share of a 2048 x 2048 matrix product through TensorFlow, ${f1(matmul)}, the median of the rounds)`);
  for (const model of models) {
    const m = macs.get(model);
    if (m === undefined) continue;
    console.log(`  ${model}: ${f1(m.forward / 1e6)} M multiply-adds per image in inference, ${f1(m.training / 1e6)} M in a training step`);
    for (const side of ['keras', ...paths.map((p) => `nas-${p}`)]) {
      const fs = results.get(`${model} ${side}`) ?? [];
      if (fs.length === 0) continue;
      const rate = (ips: number, per: number): string => `${f1((ips * per) / 1e9)} (${f2((ips * per) / 1e9 / matmul)})`;
      console.log(`    ${side.padEnd(10)} training ${rate(median(fs.map((f) => f.train_cpu_ips)), m.training)}, inference ${rate(median(fs.map((f) => f.infer_cpu_ips)), m.forward)}`);
    }
  }
}
