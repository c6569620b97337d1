import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNative, nativeInstallState } from '../src/backends/native/status.ts';
import { registerPoolGradients } from '../src/backends/pool-grads.ts';
import { requires } from './helpers/requirements.ts';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid';
type Kind = 'avg' | 'max';

interface Case { shape: Shape4; f: number; s: number; pad: Pad }

const CASES: Case[] = [];
for (const shape of [[2, 5, 5, 3], [1, 6, 6, 2], [1, 7, 4, 1]] as Shape4[]) {
  for (const f of [2, 3]) for (const s of [1, 2]) for (const pad of ['same', 'valid'] as Pad[]) CASES.push({ shape, f, s, pad });
}

const native = nativeInstallState('cpu');
const NATIVE_SKIP = `native backend not installed (${native.reason ?? ''}); install it with \`nas backend install\``;
const SKIP_NATIVE = requires('native', native.installed, NATIVE_SKIP);

/** Distinct, deterministic values (no ties, so max pooling is differentiable at the point). */
function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(i * 1.37 + seed) * 2 + i * 0.013);
}

/** Output size and leading padding of one dimension, as TensorFlow computes them. */
function geometry(size: number, f: number, s: number, pad: Pad): { out: number; lead: number } {
  if (pad === 'valid') return { out: Math.ceil((size - f + 1) / s), lead: 0 };
  const out = Math.ceil(size / s);
  return { out, lead: Math.floor(Math.max((out - 1) * s + f - size, 0) / 2) };
}

/** Float64 pooling with padding left out of each window (TensorFlow's semantics). */
function poolRef(kind: Kind, x: number[], c: Case): number[] {
  const [n, h, w, ch] = c.shape;
  const gh = geometry(h, c.f, c.s, c.pad);
  const gw = geometry(w, c.f, c.s, c.pad);
  const y: number[] = [];
  for (let b = 0; b < n; b++) for (let i = 0; i < gh.out; i++) for (let j = 0; j < gw.out; j++) for (let k = 0; k < ch; k++) {
    let acc = kind === 'max' ? -Infinity : 0;
    let count = 0;
    for (let a = 0; a < c.f; a++) for (let d = 0; d < c.f; d++) {
      const u = i * c.s - gh.lead + a;
      const v = j * c.s - gw.lead + d;
      if (u < 0 || u >= h || v < 0 || v >= w) continue;
      const xv = x[((b * h + u) * w + v) * ch + k] as number;
      acc = kind === 'max' ? Math.max(acc, xv) : acc + xv;
      count++;
    }
    y.push(kind === 'max' ? acc : acc / count);
  }
  return y;
}

/** Central finite differences (float64) of sum(weights * pool(x)). */
function finiteDiff(kind: Kind, x: number[], weights: number[], c: Case): number[] {
  const loss = (xs: number[]): number => poolRef(kind, xs, c).reduce((acc, y, i) => acc + y * (weights[i] as number), 0);
  const eps = 1e-3;
  return x.map((_, i) => {
    const plus = [...x];
    const minus = [...x];
    plus[i] = (plus[i] as number) + eps;
    minus[i] = (minus[i] as number) - eps;
    return (loss(plus) - loss(minus)) / (2 * eps);
  });
}

/** The gradient of sum(weights * pool(x)) on the active backend, and the forward output. */
function tfGrad(kind: Kind, x: number[], weights: number[], c: Case): { y: Float32Array; dx: Float32Array } {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.shape);
    const pool = (t: tf.Tensor4D): tf.Tensor4D => (kind === 'max' ? tf.maxPool(t, c.f, c.s, c.pad) : tf.avgPool(t, c.f, c.s, c.pad));
    const y = pool(xt);
    const wt = tf.tensor(weights, y.shape);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t as tf.Tensor4D), wt)))(xt);
    return { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array };
  });
}

/** Largest |a - b| over the largest |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return diff / scale;
}

function label(c: Case): string {
  return `${c.shape.join('x')} f${c.f} s${c.s} ${c.pad}`;
}

function inputs(c: Case): { x: number[]; weights: number[] } {
  const [n, h, w, ch] = c.shape;
  const outs = n * geometry(h, c.f, c.s, c.pad).out * geometry(w, c.f, c.s, c.pad).out * ch;
  return { x: values(n * h * w * ch, 0.3), weights: values(outs, 1.1) };
}

let nativeLoaded = false;

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  expect(registerPoolGradients()).toEqual(['cpu', 'wasm', 'wasm MaxPoolGrad']);
  expect(registerPoolGradients()).toEqual([]);
  if (native.installed) {
    await loadNative('cpu');
    nativeLoaded = true;
  }
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(['cpu', 'wasm'] as const)('%s pooling gradients match finite differences of the forward pass', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it.each(CASES.map((c) => [label(c), c] as const))('avgPool %s', (_name, c) => {
    const { x, weights } = inputs(c);
    const before = tf.memory().numTensors;
    const { y, dx } = tfGrad('avg', x, weights, c);
    expect(tf.memory().numTensors).toBe(before);
    // The forward pass leaves padding out of each mean...
    expect(relErr(y, poolRef('avg', x, c))).toBeLessThan(1e-5);
    // ...and so does the gradient.
    expect(relErr(dx, finiteDiff('avg', x, weights, c))).toBeLessThan(1e-5);
  });

  it.each(CASES.map((c) => [label(c), c] as const))('maxPool %s', (_name, c) => {
    const { x, weights } = inputs(c);
    const before = tf.memory().numTensors;
    const { y, dx } = tfGrad('max', x, weights, c);
    expect(tf.memory().numTensors).toBe(before);
    expect(relErr(y, poolRef('max', x, c))).toBeLessThan(1e-5);
    expect(relErr(dx, finiteDiff('max', x, weights, c))).toBeLessThan(1e-5);
  });
});

describe.skipIf(SKIP_NATIVE)('pooling gradients match native TensorFlow', () => {
  it.each(CASES.map((c) => [label(c), c] as const))('avgPool and maxPool %s', async (_name, c) => {
    expect(nativeLoaded).toBe(true);
    const { x, weights } = inputs(c);
    const ref: Record<string, Float32Array> = {};
    await tf.setBackend('tensorflow');
    for (const kind of ['avg', 'max'] as const) ref[kind] = tfGrad(kind, x, weights, c).dx;
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      for (const kind of ['avg', 'max'] as const) {
        expect(relErr(tfGrad(kind, x, weights, c).dx, ref[kind] as Float32Array), `${backend} ${kind}`).toBeLessThan(1e-5);
      }
    }
  });
});

describe('max-pool gradients with ties', () => {
  it.each(CASES.map((c) => [label(c), c] as const))('wasm gives each window to its first maximum, as cpu does: %s', async (_name, c) => {
    const [n, h, w, ch] = c.shape;
    // Few distinct values, so most windows hold their maximum more than once.
    const x = Array.from({ length: n * h * w * ch }, (_, i) => Math.round(Math.sin(i * 2.3) * 2));
    const { weights } = inputs(c);
    await tf.setBackend('cpu');
    const ref = tfGrad('max', x, weights, c).dx;
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const got = tfGrad('max', x, weights, c).dx;
    expect(tf.memory().numTensors).toBe(before);
    // A window given to another of its maxima would move a whole weight; summation order moves the last bit.
    expect(relErr(got, ref)).toBeLessThan(1e-6);
  });
});
