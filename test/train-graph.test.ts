import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseTrainPath } from '../src/backends/native/graph/path.ts';
import { GraphDefBuilder, tfGraphProto } from '../src/backends/native/graph/graph-def.ts';
import { GraphSession, openGraphSessions } from '../src/backends/native/graph/session.ts';
import { sessionConfigBytes } from '../src/backends/native/graph/config.ts';
import { TfOps } from '../src/backends/native/graph/tf-ops.ts';
import { classifyFailure } from '../src/train/failures.ts';
import { requires } from './helpers/requirements.ts';
import { largeScaleSettings } from '../src/evaluators/large-scale.ts';
import { trainSettings } from '../src/evaluators/train.ts';
import { loadNative, nativeInstallState } from '../src/backends/native/status.ts';
import { registerNativeTrainingKernels } from '../src/backends/native/fused-kernels.ts';
import { Rng } from '../src/core/rng.ts';
import type { Batch, ImageSet } from '../src/data/types.ts';
import type { NasnetNetworkConfig } from '../src/genome/network/nasnet-plan.ts';
import { nb201FromArch } from '../src/genome/nb201.ts';
import type { NasnetGenome } from '../src/genome/types.ts';
import { stepFootprint } from '../src/backends/wasm/memory-plan.ts';
import { buildModel } from '../src/model/builder.ts';
import { fileHandler } from '../src/model/file-io.ts';
import { ADAM, GraphChild } from '../src/train/graph/graph-child.ts';
import { buildTrainingGraph } from '../src/train/graph/training-graph.ts';
import type { GraphTuning } from '../src/train/graph/training-graph.ts';
import { BN_EPSILON, BN_MOMENTUM } from '../src/model/layers.ts';
import { trainChild, trainModel } from '../src/train/trainer.ts';
import { decodeCheckpoint, encodeCheckpoint, type TrainCheckpoint } from '../src/core/checkpoint.ts';
import { buildLargeScaleModel } from '../src/model/large-scale-builder.ts';
import type { LargeScaleGenome } from '../src/genome/large-scale.ts';
import type { TrainData, TrainOptions, TrainResult } from '../src/train/trainer.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const state = nativeInstallState('cpu');
const SKIP_NATIVE = requires('native', state.installed, `native backend not installed (${state.reason ?? ''}); install it with \`nas backend install\``);

/** 8x8 colour images whose class (0..3) is the quadrant holding a bright square, on seeded noise. */
function quadrants(count: number, seed: string): ImageSet {
  const rng = Rng.seeded(seed);
  const pixels = new Uint8Array(count * 192);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 4);
  for (let i = 0; i < count; i++) {
    const [oy, ox] = [labels[i] < 2 ? 0 : 4, labels[i] % 2 === 0 ? 0 : 4];
    for (let p = 0; p < 192; p++) {
      const [y, x] = [Math.floor(p / 24), Math.floor(p / 3) % 8];
      const inside = y >= oy && y < oy + 4 && x >= ox && x < ox + 4;
      pixels[i * 192 + p] = Math.min(255, (inside ? 150 : 20) + rng.int(80));
    }
  }
  return { height: 8, width: 8, channels: 3, numClasses: 4, pixels, labels, count };
}

/** Every NASNet op, in normal and reduction cells (identity in a reduction is a factorised reduction). */
const NASNET: NasnetGenome = {
  kind: 'nasnet',
  normal: { blocks: [
    { inputs: [0, 1], ops: ['sep_conv_3x3', 'dil_sep_conv_3x3'] },
    { inputs: [2, 1], ops: ['avg_pool_3x3', 'max_pool_3x3'] },
    { inputs: [0, 3], ops: ['conv_1x7_7x1', 'identity'] },
  ] },
  reduction: { blocks: [
    { inputs: [0, 1], ops: ['identity', 'sep_conv_5x5'] },
    { inputs: [2, 1], ops: ['sep_conv_7x7', 'avg_pool_3x3'] },
    { inputs: [0, 2], ops: ['max_pool_3x3', 'dil_sep_conv_3x3'] },
  ] },
};
const NASNET_NET: NasnetNetworkConfig = { inputShape: [8, 8, 3], numClasses: 4, cellsPerStack: 1, stacks: 2, initialFilters: 4, stemMultiplier: 1, dropout: 0.3 };
/** Every NAS-Bench-201 op, with a node whose edges are all none (zeros) and a residual reduction block. */
const NB201 = { genome: nb201FromArch('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|'),
  network: { inputShape: [8, 8, 3] as [number, number, number], numClasses: 4, channels: 4, cellsPerStage: 1, stages: 2 } };
const CHILDREN = [{ name: 'nasnet', genome: NASNET, network: NASNET_NET }, { name: 'nb201', ...NB201 }];

const data: TrainData = { train: quadrants(40, 'train'), val: quadrants(12, 'val') };
const OPTIONS: TrainOptions = { epochs: 2, seed: 11, batchSize: 8, optimizer: 'sgd', lr: 0.05 };

function batchOf(set: ImageSet, size: number): Batch {
  return { x: Float32Array.from(set.pixels.subarray(0, size * 192), (v) => v / 255 - 0.4), y: Int32Array.from(set.labels.subarray(0, size)), size, shape: [8, 8, 3] };
}

const lossesClose = (a: TrainResult, b: TrainResult, tolerance: number): void => {
  expect(a.status, a.error).toBe('ok');
  expect(b.status, b.error).toBe('ok');
  a.epochs.forEach((e, i) => expect(Math.abs(e.loss - (b.epochs[i]?.loss ?? Number.NaN)), `epoch ${e.epoch}`).toBeLessThan(tolerance));
};

describe('the training path option', () => {
  it('is read by the train and large-scale evaluators, which refuse other values naming the accepted ones', () => {
    expect(trainSettings({}).trainPath).toBe('auto');
    expect(trainSettings({ trainPath: 'eager' }).trainPath).toBe('eager');
    expect(() => trainSettings({ trainPath: 'fast' })).toThrow(/field 'trainPath'.*accepted: auto, graph, eager/);
    expect(largeScaleSettings({ trainPath: 'graph' }).trainPath).toBe('graph');
    expect(() => largeScaleSettings({ trainPath: 1 })).toThrow(/field 'trainPath'/);
  });
});

describe('the graph session configuration', () => {
  const decode = (bytes: Uint8Array): Record<string, unknown> => {
    const type = tfGraphProto().lookupType('tensorflow.ConfigProto');
    return type.toObject(type.decode(bytes), { enums: String });
  };
  it('turns Grappler off on CPU, keeps it whole on a GPU, or runs its remapper alone and once', () => {
    expect(decode(sessionConfigBytes())).toEqual({ graphOptions: { rewriteOptions: { disableMetaOptimizer: true } } });
    expect(decode(sessionConfigBytes({ gpu: true }))).toEqual({ gpuOptions: { allowGrowth: true } });
    const remap = (decode(sessionConfigBytes({ grappler: 'remapper' })).graphOptions as { rewriteOptions: Record<string, unknown> }).rewriteOptions;
    expect(remap.remapping).toBe('ON');
    expect(remap.metaOptimizerIterations).toBe('ONE');
    const toggles = Object.entries(remap).filter(([k, v]) => k !== 'remapping' && typeof v === 'string' && !['metaOptimizerIterations', 'memoryOptimization'].includes(k));
    expect(toggles.length).toBeGreaterThan(10);
    for (const [k, v] of toggles) expect(v, k).toBe('OFF');
    expect(decode(sessionConfigBytes({ interOpThreads: 1 }))).toMatchObject({ interOpParallelismThreads: 1 });
    expect(decode(sessionConfigBytes({ interOpThreads: 0 }))).not.toHaveProperty('interOpParallelismThreads');
  });
});

describe('the training graph', () => {
  type DecodedNode = { name: string; op: string; input?: string[]; attr?: Record<string, { s?: Uint8Array; list?: { s?: Uint8Array[] } }> };

  /** The nodes of a child's training graph (default the NASNet child). */
  function graphNodes(tuning?: GraphTuning, child = CHILDREN[0]): DecodedNode[] {
    const built = buildModel(child.genome, child.network, { seed: 1 });
    const weights = built.model.weights.map((w) => ({ name: w.originalName, shape: w.shape.map(Number), trainable: w.trainable }));
    const graph = buildTrainingGraph(built.plan, weights, {
      epsilon: BN_EPSILON, bnMomentum: BN_MOMENTUM, optimizer: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 0, decayed: new Set(), adam: ADAM,
      microBatches: false, ...(tuning !== undefined ? { tuning } : {}),
    });
    built.model.dispose();
    const type = tfGraphProto().lookupType('tensorflow.GraphDef');
    return (type.toObject(type.decode(graph.graphDef)) as { node: DecodedNode[] }).node;
  }

  /** The inference nodes of the NASNet child's graph that run as one fused kernel: [fused ops, count]. */
  function fusedInference(tuning?: GraphTuning): Map<string, number> {
    const counts = new Map<string, number>();
    for (const n of graphNodes(tuning).filter((d) => d.op === '_FusedConv2D')) {
      expect(n.name.startsWith('infer/'), n.name).toBe(true);
      const ops = (n.attr?.fused_ops?.list?.s ?? []).map((b) => Buffer.from(b).toString()).join('+');
      counts.set(ops, (counts.get(ops) ?? 0) + 1);
    }
    return counts;
  }

  it('runs inference with each convolution, its batch norm and a ReLU reading that alone as one kernel, unless turned off', () => {
    const fused = fusedInference();
    expect(fused.get('FusedBatchNorm') ?? 0).toBeGreaterThan(0);
    expect(fused.get('FusedBatchNorm+Relu') ?? 0).toBeGreaterThan(0);
    // An option given as undefined is an option not given.
    expect(fusedInference({ fuseInference: undefined })).toEqual(fused);
    expect(fusedInference({ fuseInference: false }).size).toBe(0);
  });

  it('trains each batch norm read only by ReLUs with its ReLU as one kernel, whose output the ReLU gradient reads, when asked', () => {
    for (const child of CHILDREN) {
      const nodes = graphNodes({ fuseBatchNormRelu: true }, child);
      const fused = nodes.filter((n) => n.op === '_FusedBatchNormEx');
      expect(fused.length, child.name).toBeGreaterThan(0);
      for (const n of fused) {
        expect(n.name.startsWith('infer/'), n.name).toBe(false);
        expect(Buffer.from(n.attr?.activation_mode?.s ?? []).toString()).toBe('Relu');
        // The batch norm's gradient reads the fused kernel's saved statistics, a ReluGrad its output.
        expect(nodes.some((d) => d.op === 'FusedBatchNormGradV3' && d.input?.includes(`${n.name}:3`)), n.name).toBe(true);
        expect(nodes.some((d) => d.op === 'ReluGrad' && d.input?.[1] === `${n.name}:0`), n.name).toBe(true);
      }
      const off = graphNodes(undefined, child);
      expect(off.filter((n) => n.op === '_FusedBatchNormEx')).toHaveLength(0);
      expect(off.filter((n) => n.op === 'Relu').length).toBe(nodes.filter((n) => n.op === 'Relu').length + fused.length);
    }
  });
});

describe.skipIf(SKIP_NATIVE)('training as one TensorFlow graph', () => {
  beforeAll(async () => {
    await loadNative('cpu');
    registerNativeTrainingKernels();
    await tf.setBackend('tensorflow');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is the path native TensorFlow takes, and says why; cpu and wasm train eagerly; graph elsewhere is refused', async () => {
    expect(chooseTrainPath('auto')).toMatchObject({ path: 'graph', reason: expect.stringMatching(/one graph/) });
    expect(chooseTrainPath('eager').path).toBe('eager');
    await tf.setBackend('cpu');
    try {
      expect(chooseTrainPath('auto')).toMatchObject({ path: 'eager', reason: expect.stringMatching(/cpu backend has no TensorFlow session/) });
      expect(() => chooseTrainPath('graph')).toThrow(/needs native TensorFlow/);
      const r = await trainChild(CHILDREN[1], data, { ...OPTIONS, epochs: 1, trainPath: 'graph' });
      expect(r).toMatchObject({ status: 'failed', failure: 'invalid' });
    } finally {
      await tf.setBackend('tensorflow');
    }
    expect(() => chooseTrainPath('fast' as 'auto')).toThrow(/accepted: auto, graph, eager/);
  });

  for (const child of CHILDREN) {
    it(`trains the ${child.name} child bit-identically on a rerun, within 1e-3 of the eager path, releasing every tensor and session`, async () => {
      const tensors = tf.memory().numTensors;
      const sessions = openGraphSessions();
      const graph = await trainChild(child, data, OPTIONS);
      const again = await trainChild(child, data, OPTIONS);
      expect(graph.trainPath).toBe('graph');
      expect(again.epochs).toEqual(graph.epochs.map((e, i) => ({ ...e, seconds: again.epochs[i]?.seconds })));
      expect(again.valLoss).toBe(graph.valLoss);
      expect(tf.memory().numTensors).toBe(tensors);
      expect(openGraphSessions()).toBe(sessions);
      const eager = await trainChild(child, data, { ...OPTIONS, trainPath: 'eager' });
      expect(eager.trainPath).toBe('eager');
      lossesClose(graph, eager, 1e-3);
      expect(Math.abs((graph.valLoss ?? 0) - (eager.valLoss ?? 0))).toBeLessThan(1e-3);
      // It learned, so the comparison is between two trained networks.
      expect(graph.epochs[1]?.loss ?? 9).toBeLessThan(graph.epochs[0]?.loss ?? 0);
    });
  }

  it('trains with Adam, weight decay and a constant schedule as the eager path does', async () => {
    const options: TrainOptions = { ...OPTIONS, optimizer: 'adam', lr: 0.01, weightDecay: 1e-3, schedule: 'constant' };
    for (const child of CHILDREN) {
      const steps: number[][] = [[], []];
      const graph = await trainChild(child, data, { ...options, onStep: (s) => steps[0].push(s.loss) });
      const eager = await trainChild(child, data, { ...options, trainPath: 'eager', onStep: (s) => steps[1].push(s.loss) });
      lossesClose(graph, eager, 1e-3);
      steps[0].forEach((l, i) => expect(Math.abs(l - (steps[1][i] ?? Number.NaN)), `${child.name} step ${i + 1}`).toBeLessThan(1e-3));
    }
  });

  it('trains a large-scale-evolution network (strided and 1x1 convolutions, skips resized by pooling and projection) as the eager path does', async () => {
    const genome: LargeScaleGenome = {
      kind: 'large-scale', learningRate: 0.05, nextId: 7, lineage: '0123456789abcdef', origin: 'initial',
      layers: [
        { kind: 'conv', id: 1, filters: 6, kernel: [3, 3], stride: 1 },
        { kind: 'conv', id: 2, filters: 8, kernel: [1, 1], stride: 2 },
        { kind: 'bn-relu', id: 3 },
        { kind: 'conv', id: 4, filters: 5, kernel: [5, 3], stride: 2 },
      ],
      skips: [{ id: 5, from: 0, to: 3 }, { id: 6, from: 1, to: 4 }],
    };
    const losses: number[][] = [];
    for (const trainPath of ['graph', 'eager'] as const) {
      const built = buildLargeScaleModel(genome, { inputShape: [8, 8, 3], numClasses: 4 }, { seed: 5 });
      const seen: number[] = [];
      const r = await trainModel(built.model, built.plan, data, { ...OPTIONS, lr: genome.learningRate, trainPath, onStep: (p) => seen.push(p.loss) });
      expect(r.trainPath).toBe(trainPath);
      losses.push(seen);
      built.model.dispose();
    }
    expect(losses[0]).toHaveLength(10);
    losses[0].forEach((l, i) => expect(Math.abs(l - losses[1][i]), `step ${i + 1}`).toBeLessThan(1e-3));
  });

  it('continues a checkpoint (through the file format) bit-identically to training straight through, SGD and Adam; takes the eager path\'s checkpoints', async () => {
    for (const [child, extra] of [[CHILDREN[0], { optimizer: 'sgd' as const, weightDecay: 1e-3 }], [CHILDREN[1], { optimizer: 'adam' as const, lr: 0.01 }]] as const) {
      const run = async (epochs: number, from?: TrainCheckpoint, trainPath: 'graph' | 'eager' = 'graph') => {
        let saved: TrainCheckpoint | undefined;
        const r = await trainChild(child, data, { ...OPTIONS, ...extra, epochs, horizonEpochs: 3, trainPath, ...(from ? { continueFrom: from } : {}),
          saveCheckpoint: (c) => void (saved = decodeCheckpoint(encodeCheckpoint(c), 'test')) });
        expect(r.status, r.error).toBe('ok');
        return { r, c: saved as TrainCheckpoint };
      };
      const straight = await run(3);
      const first = await run(1);
      const rest = await run(3, first.c);
      expect([...first.r.epochs, ...rest.r.epochs].map((e) => [e.loss, e.accuracy, e.lr])).toEqual(straight.r.epochs.map((e) => [e.loss, e.accuracy, e.lr]));
      expect(rest.r.valLoss).toBe(straight.r.valLoss);
      rest.c.weights.forEach((w, i) => expect(Buffer.from(w.values.buffer).equals(Buffer.from(straight.c.weights[i].values.buffer)), w.name).toBe(true));
      const slots = (c: TrainCheckpoint) => c.optimizer?.slots.map((x) => `${x.name} ${Buffer.from(x.values.buffer).toString('base64')}`);
      expect(slots(rest.c)).toEqual(slots(straight.c));
      expect(rest.c.optimizer?.scalars).toEqual(straight.c.optimizer?.scalars);
      // A checkpoint the eager path wrote (same slot names and counters) continues on the graph path.
      const eager = await run(1, undefined, 'eager');
      expect(eager.c.optimizer?.slots.map((x) => x.name)).toEqual(first.c.optimizer?.slots.map((x) => x.name));
      const mixed = await run(3, eager.c);
      expect(mixed.r.epochs.map((e) => e.epoch)).toEqual([2, 3]);
      mixed.r.epochs.forEach((e, i) => expect(Math.abs(e.loss - (rest.r.epochs[i]?.loss ?? 0)), `${extra.optimizer} epoch ${e.epoch}`).toBeLessThan(2e-2));
    }
  });

  it('measures validation after every epoch through the graph and stops when told', async () => {
    const r = await trainChild(CHILDREN[1], data, { ...OPTIONS, epochs: 4, everyEpoch: { stop: (epoch) => epoch === 2 } });
    expect(r).toMatchObject({ status: 'ok', trainPath: 'graph', stoppedAt: 2, epochsTrained: 2 });
    expect(r.curve).toHaveLength(2);
    expect(r.score).toBe(r.curve?.[1]);
    // The curve reads the graph's weights, not the tfjs model's initial ones.
    const eager = await trainChild(CHILDREN[1], data, { ...OPTIONS, epochs: 4, trainPath: 'eager', everyEpoch: { stop: (epoch) => epoch === 2 } });
    r.curve?.forEach((a, i) => expect(Math.abs(a - (eager.curve?.[i] ?? 0))).toBeLessThanOrEqual(1 / 12 + 1e-9));
  });

  it('moves trained weights into the tfjs model (batch-norm moving statistics too): its predictions match the graph\'s within 1e-5, also after save and load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nas-graph-test-'));
    try {
      for (const child of CHILDREN) {
        const built = buildModel(child.genome, child.network, { seed: 3 });
        const before = built.model.getWeights().map((w) => w.dataSync().slice());
        const g = GraphChild.open(built.model, built.plan, { optimizer: 'sgd' });
        const batch = batchOf(data.train, 8);
        for (let i = 0; i < 3; i++) g.step(batch, { lr: 0.05, dropoutSeed: i });
        const x = tf.tensor4d(batchOf(data.val, 12).x, [12, 8, 8, 3]);
        const fromGraph = g.predict(x);
        g.moveWeightsToModel();
        g.close();
        const fromModel = built.model.predict(x) as tf.Tensor;
        expect(tf.max(tf.abs(tf.sub(fromGraph, fromModel))).dataSync()[0], child.name).toBeLessThanOrEqual(1e-5);
        const moving = built.model.weights.findIndex((w) => w.originalName.endsWith('moving_mean'));
        const after = built.model.getWeights();
        expect(Array.from(after[moving].dataSync())).not.toEqual(Array.from(before[moving]));
        await built.model.save(fileHandler(join(dir, child.name)));
        const loaded = await tf.loadLayersModel(fileHandler(join(dir, child.name)));
        const reloaded = loaded.predict(x) as tf.Tensor;
        expect(tf.max(tf.abs(tf.sub(fromGraph, reloaded))).dataSync()[0]).toBeLessThanOrEqual(1e-5);
        tf.dispose([x, fromGraph, fromModel, reloaded]);
        loaded.dispose();
        built.model.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('trains a batch norm and its ReLU fused as in two kernels: the same losses and predictions within 1e-6', () => {
    for (const child of CHILDREN) {
      const run = (fuse: boolean): { losses: number[]; probs: Float32Array } => {
        const built = buildModel(child.genome, child.network, { seed: 5 });
        const g = GraphChild.open(built.model, built.plan, { optimizer: 'sgd', tuning: { fuseBatchNormRelu: fuse } });
        const losses = [0, 1, 2].map((i) => g.step(batchOf(data.train, 8), { lr: 0.05, dropoutSeed: i }).loss);
        const x = tf.tensor4d(batchOf(data.val, 12).x, [12, 8, 8, 3]);
        const p = g.predict(x);
        const probs = p.dataSync() as Float32Array;
        tf.dispose([x, p]);
        g.close();
        built.model.dispose();
        return { losses, probs };
      };
      const [fused, apart] = [run(true), run(false)];
      fused.losses.forEach((l, i) => expect(Math.abs(l - (apart.losses[i] ?? Number.NaN)), `${child.name} step ${i}`).toBeLessThanOrEqual(1e-6));
      expect(Math.max(...fused.probs.map((v, i) => Math.abs(v - (apart.probs[i] ?? Number.NaN))))).toBeLessThanOrEqual(1e-6);
    }
    expect(openGraphSessions()).toBe(0);
  });

  it('ends a child whose loss becomes NaN with failure nan; TensorFlow running out of memory in a session is failure oom; no session stays open', async () => {
    const sessions = openGraphSessions();
    // TensorFlow's fused cross-entropy stays finite for logits that make tfjs's overflow (lr 1e30 gives a
    // loss near 1e30 here), so the weights themselves are made to overflow.
    const nan = await trainChild(CHILDREN[1], data, { ...OPTIONS, lr: 1e38, schedule: 'constant' });
    expect(nan).toMatchObject({ status: 'failed', failure: 'nan', trainPath: 'graph' });
    // A tensor of 40 TB: the allocator refuses it at once (nothing is touched), as it refuses a step too large for memory.
    const g = new GraphDefBuilder();
    const ops = new TfOps(g);
    ops.zeros('big', [100_000, 100_000, 1000]);
    const session = GraphSession.open(g.toGraphDef());
    let caught: unknown;
    try {
      session.run([], ['big']);
    } catch (err) {
      caught = err;
    } finally {
      session.close();
    }
    expect(String(caught)).toMatch(/OOM when allocating/);
    expect(classifyFailure(caught).failure).toBe('oom');
    const huge = await trainChild({ genome: NB201.genome, network: { ...NB201.network, channels: 70_000 } }, data, { ...OPTIONS, epochs: 1 });
    expect(huge).toMatchObject({ status: 'failed', failure: 'oom' });
    expect(openGraphSessions()).toBe(sessions);
  });

  it('splits batches into micro-batches when the memory plan asks, as the eager path does', async () => {
    for (const child of CHILDREN) {
      // A heap that holds a step on 3 of the batch's 8 images.
      const built = buildModel(child.genome, child.network, { seed: 1 });
      const f = stepFootprint(built.model);
      built.model.dispose();
      const memoryPlan = { heapLimitBytes: (f.fixedBytes + f.bytesPerSample * 3.5) / 0.75 };
      const graph = await trainChild(child, data, { ...OPTIONS, memoryPlan });
      const eager = await trainChild(child, data, { ...OPTIONS, memoryPlan, trainPath: 'eager' });
      const whole = await trainChild(child, data, OPTIONS);
      lossesClose(graph, eager, 1e-3);
      // Micro-batches normalise by their own statistics, so the step differs from the whole batch's.
      expect(graph.epochs[1]?.loss).not.toBe(whole.epochs[1]?.loss);
    }
  });
});
