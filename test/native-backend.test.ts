import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import type { ImageSet } from '../src/data/types.ts';
import { nb201FromArch } from '../src/genome/nb201.ts';
import { trainChild } from '../src/train/trainer.ts';
import { addonDir, addonSourcesHash, graphAddonState } from '../src/backends/native/graph/addon.ts';
import { installNativeBackend } from '../src/backends/native/install.ts';
import { nativeLayout, TF_VERSION } from '../src/backends/native/layout.ts';
import { loadNative, nativeInstallState } from '../src/backends/native/status.ts';
import { probeModel } from '../src/backends/native/throughput.ts';
import { unresolvedLibraries } from '../src/backends/native/tools.ts';
import { extractWheel, tensorflowRules } from '../src/backends/native/wheel.ts';
import { requires } from './helpers/requirements.ts';

const state = nativeInstallState('cpu');
const SKIP_REASON = `native backend not installed (${state.reason ?? ''}); CI installs it with \`nas backend install\``;
const SKIP_NATIVE = requires('native', state.installed, SKIP_REASON);

/** Largest |a-b| over the largest |b|, per tensor, as one number. */
function relErr(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
    scale = Math.max(scale, Math.abs(b[i] ?? 0));
  }
  return diff / scale;
}

interface StepOutcome {
  loss: number;
  grads: Float32Array[];
  weightsAfter: Float32Array[];
  outputAfter: Float32Array;
}

/** Gradients of one batch, then three SGD steps, on the active backend, from the given weights. */
async function trainOn(backend: string, weights: Float32Array[], shapes: number[][]): Promise<StepOutcome> {
  await tf.setBackend(backend);
  const model = probeModel(8, 4, 3);
  const initial = weights.map((w, i) => tf.tensor(w, shapes[i]));
  model.setWeights(initial);
  tf.dispose(initial);
  const x = tf.tensor4d(Float32Array.from({ length: 6 * 8 * 8 * 3 }, (_, i) => Math.sin(i * 0.37)), [6, 8, 8, 3]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 3, 5, 7, 9, 1], 'int32'), 10));
  const lossFn = (): tf.Scalar => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(lossFn, vars);
  const names = vars.map((v) => v.name);
  const out: StepOutcome = {
    loss: (await value.data())[0] ?? Number.NaN,
    grads: await Promise.all(names.map(async (n) => (await grads[n]?.data()) as Float32Array)),
    weightsAfter: [],
    outputAfter: new Float32Array(),
  };
  tf.dispose([value, ...Object.values(grads)]);
  const optimizer = tf.train.sgd(0.1);
  for (let i = 0; i < 3; i++) optimizer.minimize(lossFn);
  out.weightsAfter = await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
  const pred = model.predict(x) as tf.Tensor;
  out.outputAfter = (await pred.data()) as Float32Array;
  tf.dispose([pred, x, y]);
  optimizer.dispose();
  model.dispose();
  return out;
}

/** 8x8 gray images whose class (0..3) is the quadrant holding a bright square, on seeded noise. */
function quadrants(count: number, seed: string): ImageSet {
  const rng = Rng.seeded(seed);
  const pixels = new Uint8Array(count * 64);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 4;
    for (let p = 0; p < 64; p++) {
      const inside = (p >> 5) === (i % 4 >> 1) && ((p & 7) >> 2) === (i % 2);
      pixels[i * 64 + p] = Math.min(255, (inside ? 150 : 20) + rng.int(80));
    }
  }
  return { height: 8, width: 8, channels: 1, numClasses: 4, pixels, labels, count };
}

describe.skipIf(SKIP_NATIVE)('native TensorFlow backend (installed)', () => {
  beforeAll(async () => {
    await loadNative('cpu');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('loads the pinned TensorFlow through the binding and resolves every library', async () => {
    const rt = await loadNative('cpu');
    expect(rt.tfVersion).toBe(state.stamp?.tfVersion ?? TF_VERSION);
    expect(rt.usingGpu).toBe(false);
    const layout = nativeLayout('cpu');
    expect(unresolvedLibraries(layout.bindingFile)).toEqual([]);
    expect(readlinkSync(join(layout.libDir, 'libtensorflow.so.2'))).toBe('libtensorflow_cc.so.2');
    expect(tf.findBackend('tensorflow')).not.toBeNull();
  });

  it('computes the gradients and training steps of a conv net like the cpu backend', async () => {
    await tf.setBackend('cpu');
    const init = probeModel(8, 4, 3);
    const weights = await Promise.all(init.getWeights().map(async (w) => (await w.data()) as Float32Array));
    const shapes = init.getWeights().map((w) => w.shape);
    init.dispose();
    const before = tf.memory().numTensors;
    const ref = await trainOn('cpu', weights, shapes);
    const nat = await trainOn('tensorflow', weights, shapes);
    expect(tf.getBackend()).toBe('tensorflow');
    expect(Math.abs(nat.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-4);
    expect(nat.grads.length).toBe(ref.grads.length);
    ref.grads.forEach((g, i) => expect(relErr(nat.grads[i] ?? new Float32Array(), g)).toBeLessThan(1e-3));
    ref.weightsAfter.forEach((w, i) => expect(relErr(nat.weightsAfter[i] ?? new Float32Array(), w)).toBeLessThan(1e-3));
    expect(relErr(nat.outputAfter, ref.outputAfter)).toBeLessThan(1e-3);
    // Training moved the weights, so the comparison is not between two untouched copies.
    expect(relErr(ref.weightsAfter[0] ?? new Float32Array(), weights[0] ?? new Float32Array())).toBeGreaterThan(1e-4);
    await tf.setBackend('cpu');
    expect(tf.memory().numTensors).toBe(before);
  });

  it("trains a NAS-Bench-201 child with the project's trainer as the cpu backend does", async () => {
    const child = {
      // No avg_pool_3x3: tfjs' cpu and wasm AvgPoolGrad differ from TensorFlow's at 'same' borders (next test).
      genome: nb201FromArch('|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|nor_conv_3x3~1|skip_connect~2|'),
      network: { inputShape: [8, 8, 1] as [number, number, number], numClasses: 4, channels: 4, cellsPerStage: 1 },
    };
    const data = { train: quadrants(32, 'train'), val: quadrants(16, 'val') };
    const options = { epochs: 3, seed: 5, batchSize: 8, optimizer: 'sgd' as const, lr: 0.05 };
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const ref = await trainChild(child, data, options);
    await tf.setBackend('tensorflow');
    const nat = await trainChild(child, data, options);
    expect(nat.backend).toBe('tensorflow');
    expect(ref.backend).toBe('cpu');
    expect(nat.status).toBe('ok');
    expect(nat.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    // It learned, so the comparison is between two trained networks.
    expect(nat.epochs[2]?.loss ?? 9).toBeLessThan((nat.epochs[0]?.loss ?? 0) - 0.05);
    nat.epochs.forEach((e, i) => expect(Math.abs(e.loss - (ref.epochs[i]?.loss ?? 0))).toBeLessThan(1e-3 * Math.abs(e.loss) + 1e-4));
    expect(Math.abs((nat.valLoss ?? 0) - (ref.valLoss ?? 0))).toBeLessThan(1e-3 * Math.abs(ref.valLoss ?? 0) + 1e-4);
    expect(nat.valAccuracy).toBe(ref.valAccuracy);
    await tf.setBackend('cpu');
    expect(tf.memory().numTensors).toBe(before);
  });

  it("computes the 'same'-padded average-pool gradient that finite differences give", async () => {
    await tf.setBackend('tensorflow');
    const xv = Array.from({ length: 25 }, (_, i) => Math.sin(i));
    const w = tf.tensor4d(Array.from({ length: 25 }, (_, i) => Math.cos(i * 0.7)), [1, 5, 5, 1]);
    const f = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.avgPool(x as tf.Tensor4D, 3, 1, 'same'), w));
    const g = tf.grad(f)(tf.tensor4d(xv, [1, 5, 5, 1]));
    const analytic = Array.from(await g.data());
    const eps = 1e-2;
    for (const i of [0, 1, 6, 12, 24]) {
      const at = async (d: number): Promise<number> => {
        const v = xv.slice();
        v[i] = (v[i] ?? 0) + d;
        const y = tf.tidy(() => f(tf.tensor4d(v, [1, 5, 5, 1])));
        const out = (await y.data())[0] ?? Number.NaN;
        y.dispose();
        return out;
      };
      const numeric = ((await at(eps)) - (await at(-eps))) / (2 * eps);
      expect(Math.abs((analytic[i] ?? 0) - numeric)).toBeLessThan(1e-3);
    }
    tf.dispose([g, w]);
  });

  it('skips a second install when the build in place loads and trains', async () => {
    const lines: string[] = [];
    // The version in place (the pinned one unless installed with --tf-version), so nothing is rebuilt.
    const report = await installNativeBackend({ tfVersion: state.stamp?.tfVersion, log: (l) => lines.push(l) });
    expect(report.skipped).toBe(true);
    expect(report.tfVersion).toBe(state.stamp?.tfVersion);
    expect(lines.join('\n')).toMatch(/nothing to rebuild/);
    expect(lines.join('\n')).not.toMatch(/building nas's graph-session addon/);
  });

  it('rebuilds the graph addon alone when its sources changed since it was built', async () => {
    const layout = nativeLayout('cpu');
    const stamp = join(addonDir(layout), 'sources.sha256');
    expect(graphAddonState(layout)).toEqual({ current: true });
    // As if it had been built from other sources.
    writeFileSync(stamp, `${'0'.repeat(64)}\n`);
    expect(graphAddonState(layout)).toEqual({ current: false, reason: 'built from other sources than these' });
    const lines: string[] = [];
    const report = await installNativeBackend({ tfVersion: state.stamp?.tfVersion, log: (l) => lines.push(l) });
    expect(report.skipped).toBe(true);
    expect(report.seconds.addon).toBeGreaterThan(0);
    expect(lines.join('\n')).toMatch(/graph addon is built from other sources than these; building it/);
    expect(readFileSync(stamp, 'utf8').trim()).toBe(addonSourcesHash());
    expect(graphAddonState(layout)).toEqual({ current: true });
  });
});

describe('native backend install pieces that need no install', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nas-native-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says which command installs a missing native package', () => {
    const s = nativeInstallState('gpu', dir);
    expect(s.installed).toBe(false);
    expect(s.reason).toMatch(/@tensorflow\/tfjs-node-gpu is not installed \(run `nas backend install --gpu`\)/);
  });

  it('extracts only the libraries and C API headers from a wheel-shaped zip', async () => {
    const wheel = join(dir, 'tensorflow_cpu-0.0.0-cp311-none-any.whl');
    const members = ['tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2',
      'tensorflow/include/tensorflow/c/c_api.h', 'tensorflow/include/tensorflow/c/eager/c_api.h',
      'tensorflow/include/tsl/platform/ctstring.h', 'tensorflow/include/Eigen/Core', 'tensorflow/python/x.so'];
    execFileSync('python3', ['-c',
      'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], "w")\nfor m in sys.argv[2:]: z.writestr(m, m)\nz.close()',
      wheel, ...members]);
    const lib = join(dir, 'lib');
    const inc = join(dir, 'include');
    expect(await extractWheel(wheel, tensorflowRules(lib, inc))).toBe(5);
    const listed = execFileSync('find', [dir, '-type', 'f', '!', '-name', '*.whl'], { encoding: 'utf8' }).trim().split('\n')
      .map((f) => f.slice(dir.length + 1)).sort();
    expect(listed).toEqual(['include/tensorflow/c/c_api.h', 'include/tensorflow/c/eager/c_api.h',
      'include/tsl/platform/ctstring.h', 'lib/libtensorflow_cc.so.2', 'lib/libtensorflow_framework.so.2']);
  });
});
