/**
 * A short training-throughput probe: a few steps of a small NASNet-like conv net (stem conv, separable
 * convs, a strided reduction, global pooling, dense) on random images, on tfjs' active backend.
 */
import * as tf from '@tensorflow/tfjs';
import { withFusedTraining } from '../fused-batchnorm.ts';

/** Options of {@link trainingProbe}. */
export interface ProbeOptions {
  /** Images per step. Default: 32. */
  batch?: number;
  /** Image height and width. Default: 32. */
  size?: number;
  /** Filters of the stem (doubled after the reduction). Default: 16. */
  filters?: number;
  /** Timed training steps. Default: 5. */
  steps?: number;
  /** Untimed steps first (kernel set-up, allocation). Default: 1. */
  warmup?: number;
  /** Seed of the weight initialisers and data. Default: 1. */
  seed?: number;
  /**
   * Builds the network to train instead of {@link probeModel} (input [size, size, 3], 10 classes); the
   * probe disposes it. Default: the probe network with `filters`.
   */
  model?: () => tf.LayersModel;
}

/** What the probe measured. */
export interface ProbeResult {
  /** tfjs backend it ran on. */
  backend: string;
  batch: number;
  size: number;
  steps: number;
  /** Trainable parameters of the probe network. */
  params: number;
  /** Mean seconds per timed step. */
  secondsPerStep: number;
  /** Training images per second. */
  imagesPerSecond: number;
  /** Loss after the last step (finite when training works). */
  loss: number;
}

/** The probe network; weights drawn from `seed`; its batch norms train as the builder's do (fused where available). */
export function probeModel(size: number, filters: number, seed: number): tf.LayersModel {
  const init = (k: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed: seed * 100 + k });
  const input = tf.input({ shape: [size, size, 3] });
  const stem = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(0) }).apply(input) as tf.SymbolicTensor;
  const bn = withFusedTraining(tf.layers.batchNormalization({})).apply(stem) as tf.SymbolicTensor;
  const sep = (x: tf.SymbolicTensor, f: number, k: number, stride: number, id: number): tf.SymbolicTensor => {
    const relu = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
    const s = tf.layers.separableConv2d({ filters: f, kernelSize: k, strides: stride, padding: 'same', useBias: false,
      depthwiseInitializer: init(id), pointwiseInitializer: init(id + 50) }).apply(relu) as tf.SymbolicTensor;
    return withFusedTraining(tf.layers.batchNormalization({})).apply(s) as tf.SymbolicTensor;
  };
  const a = sep(bn, filters, 3, 1, 1);
  const b = sep(bn, filters, 5, 1, 2);
  const cell1 = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
  const red = sep(cell1, filters * 2, 3, 2, 3);
  const pool = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(cell1) as tf.SymbolicTensor;
  const poolProj = tf.layers.conv2d({ filters: filters * 2, kernelSize: 1, kernelInitializer: init(4) }).apply(pool) as tf.SymbolicTensor;
  const cell2 = tf.layers.add().apply([red, poolProj]) as tf.SymbolicTensor;
  const c = sep(cell2, filters * 2, 3, 1, 5);
  const gap = tf.layers.globalAveragePooling2d({}).apply(c) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(6) }).apply(gap) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Trains the probe network for `warmup + steps` batches and reports images/s of the timed steps. */
export async function trainingProbe(opts: ProbeOptions = {}): Promise<ProbeResult> {
  const batch = opts.batch ?? 32;
  const size = opts.size ?? 32;
  const steps = opts.steps ?? 5;
  const warmup = opts.warmup ?? 1;
  const seed = opts.seed ?? 1;
  const model = opts.model ? opts.model() : probeModel(size, opts.filters ?? 16, seed);
  const optimizer = tf.train.sgd(0.01);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', seed);
  const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', seed + 1), 10));
  let loss = Number.NaN;
  try {
    for (let i = 0; i < warmup; i++) loss = (await model.trainOnBatch(x, labels)) as number;
    const start = performance.now();
    for (let i = 0; i < steps; i++) loss = (await model.trainOnBatch(x, labels)) as number;
    const secondsPerStep = (performance.now() - start) / 1000 / steps;
    return { backend: tf.getBackend(), batch, size, steps, params: model.countParams(), secondsPerStep,
      imagesPerSecond: batch / secondsPerStep, loss };
  } finally {
    x.dispose();
    labels.dispose();
    model.dispose();
    optimizer.dispose();
  }
}
