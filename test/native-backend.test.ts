import { execFileSync } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installNativeBackend } from '../src/train/native/install.ts';
import { nativeLayout, TF_VERSION } from '../src/train/native/layout.ts';
import { loadNative, nativeInstallState } from '../src/train/native/status.ts';
import { probeModel } from '../src/train/native/throughput.ts';
import { unresolvedLibraries } from '../src/train/native/tools.ts';
import { extractWheel, tensorflowRules } from '../src/train/native/wheel.ts';

const state = nativeInstallState('cpu');
const SKIP_REASON = `native backend not installed (${state.reason ?? ''}); CI installs it with \`nas backend install\``;
if (!state.installed) console.warn(`native-backend.test: skipping the native suites: ${SKIP_REASON}`);

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

describe.skipIf(!state.installed)('native TensorFlow backend (installed)', () => {
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

  it('skips a second install when the build in place loads and trains', async () => {
    const lines: string[] = [];
    // The version in place (the pinned one unless installed with --tf-version), so nothing is rebuilt.
    const report = await installNativeBackend({ tfVersion: state.stamp?.tfVersion, log: (l) => lines.push(l) });
    expect(report.skipped).toBe(true);
    expect(report.tfVersion).toBe(state.stamp?.tfVersion);
    expect(lines.join('\n')).toMatch(/nothing to rebuild/);
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
