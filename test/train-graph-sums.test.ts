import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tfGraphProto } from '../src/backends/native/graph/graph-def.ts';
import { openGraphSessions } from '../src/backends/native/graph/session.ts';
import { registerNativeTrainingKernels } from '../src/backends/native/fused-kernels.ts';
import { loadNative, nativeInstallState } from '../src/backends/native/status.ts';
import { Rng } from '../src/core/rng.ts';
import type { NasnetNetworkConfig } from '../src/genome/network/nasnet-plan.ts';
import { nb201FromArch } from '../src/genome/nb201.ts';
import type { CellGenome, NasnetGenome } from '../src/genome/types.ts';
import type { NetworkConfig } from '../src/genome/network/network.ts';
import { buildModel } from '../src/model/builder.ts';
import { BN_EPSILON, BN_MOMENTUM } from '../src/model/layers.ts';
import { ADAM, GraphChild } from '../src/train/graph/graph-child.ts';
import { buildTrainingGraph } from '../src/train/graph/training-graph.ts';
import type { GraphTuning } from '../src/train/graph/training-graph.ts';
import { requires } from './helpers/requirements.ts';

const state = nativeInstallState('cpu');
const SKIP_NATIVE = requires('native', state.installed, `native backend not installed (${state.reason ?? ''}); install it with \`nas backend install\``);

/** NASNet blocks summing separable convolutions with pooling, identity and each other. */
const NASNET: NasnetGenome = {
  kind: 'nasnet',
  normal: { blocks: [
    { inputs: [0, 1], ops: ['sep_conv_3x3', 'sep_conv_5x5'] },
    { inputs: [2, 1], ops: ['sep_conv_3x3', 'identity'] },
    { inputs: [0, 3], ops: ['avg_pool_3x3', 'dil_sep_conv_3x3'] },
  ] },
  reduction: { blocks: [
    { inputs: [0, 1], ops: ['max_pool_3x3', 'sep_conv_5x5'] },
    { inputs: [2, 1], ops: ['sep_conv_3x3', 'conv_1x7_7x1'] },
  ] },
};
const NASNET_NET: NasnetNetworkConfig = { inputShape: [8, 8, 3], numClasses: 4, cellsPerStack: 1, stacks: 2, initialFilters: 4, stemMultiplier: 1 };
/** The best NAS-Bench-201 cell: node 2 sums two 3x3 edges, node 3 the skip, a 3x3 and a 1x1 edge. */
const NB201_NET = { inputShape: [8, 8, 3] as [number, number, number], numClasses: 4, channels: 4, cellsPerStage: 1, stages: 2 };
const CHILDREN: Array<{ name: string; genome: CellGenome; network: NetworkConfig }> = [
  { name: 'nasnet', genome: NASNET, network: NASNET_NET },
  { name: 'nb201', genome: nb201FromArch('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'), network: NB201_NET },
];

type DecodedNode = { name: string; op: string; input?: string[]; attr?: Record<string, { list?: { s?: Uint8Array[] } }> };

function graphNodes(child: (typeof CHILDREN)[number], tuning?: GraphTuning): DecodedNode[] {
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

const fusedOps = (n: DecodedNode): string => (n.attr?.fused_ops?.list?.s ?? []).map((b) => Buffer.from(b).toString()).join('+');

describe('inference sums computed by the convolutions', () => {
  it('chains the convolutions of a sum, each adding into the running sum, in inference only; off when asked', () => {
    for (const child of CHILDREN) {
      const nodes = graphNodes(child);
      const adding = nodes.filter((n) => n.op === '_FusedConv2D' && fusedOps(n) === 'BiasAdd+Add');
      expect(adding.length, child.name).toBeGreaterThan(0);
      for (const n of adding) {
        expect(n.name.startsWith('infer/'), n.name).toBe(true);
        // Inputs: images, the folded kernel, the folded bias, and the running sum.
        expect(n.input?.[1], n.name).toMatch(/\/folded\/kernel$/);
        expect(n.input?.[2], n.name).toMatch(/\/folded\/bias$/);
      }
      for (const tuning of [{ fuseInferenceSums: false }, { fuseInference: false }]) {
        expect(graphNodes(child, tuning).filter((n) => fusedOps(n) === 'BiasAdd+Add'), `${child.name} ${JSON.stringify(tuning)}`).toHaveLength(0);
      }
    }
    // NAS-Bench-201: node 2 (two 3x3 edges) and node 3 (skip, 3x3 and 1x1 edges) in each of the network's cells.
    const nb201 = graphNodes(CHILDREN[1]).filter((n) => fusedOps(n) === 'BiasAdd+Add').map((n) => n.name);
    expect(nb201.filter((n) => /node2_add/.test(n)).length).toBe(nb201.filter((n) => /node3_add/.test(n)).length / 2);
  });
});

describe.skipIf(SKIP_NATIVE)('inference sums computed by the convolutions, run', () => {
  beforeAll(async () => {
    await loadNative('cpu');
    registerNativeTrainingKernels();
    await tf.setBackend('tensorflow');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('predict and evaluate as the sums apart do within 1e-5, after training steps; the moved tfjs model agrees within 1e-5', () => {
    const rng = Rng.seeded('sums');
    const x = Float32Array.from({ length: 16 * 192 }, () => rng.int(256) / 255 - 0.4);
    const y = Int32Array.from({ length: 16 }, (_, i) => i % 4);
    const set = { height: 8, width: 8, channels: 3, numClasses: 4, count: 16, labels: Uint8Array.from(y), pixels: Uint8Array.from({ length: 16 * 192 }, () => rng.int(256)) };
    const tensors = tf.memory().numTensors;
    for (const child of CHILDREN) {
      const run = (fuse: boolean): { probs: Float32Array; moved: Float32Array; evaluation: { accuracy: number; loss: number } } => {
        const built = buildModel(child.genome, child.network, { seed: 3 });
        const g = GraphChild.open(built.model, built.plan, { optimizer: 'sgd', tuning: { fuseInferenceSums: fuse } });
        for (const i of [0, 1, 2]) g.step({ x, y, size: 16, shape: [8, 8, 3] }, { lr: 0.05, dropoutSeed: i });
        const input = tf.tensor4d(x, [16, 8, 8, 3]);
        const p = g.predict(input);
        const probs = p.dataSync() as Float32Array;
        const evaluation = g.evaluate(set);
        g.moveWeightsToModel();
        g.close();
        const q = built.model.predict(input) as tf.Tensor;
        const moved = q.dataSync() as Float32Array;
        tf.dispose([input, p, q]);
        built.model.dispose();
        return { probs, moved, evaluation };
      };
      const [fused, apart] = [run(true), run(false)];
      const maxDiff = (a: Float32Array, b: Float32Array): number => Math.max(...a.map((v, i) => Math.abs(v - (b[i] ?? Number.NaN))));
      expect(maxDiff(fused.probs, apart.probs), child.name).toBeLessThanOrEqual(1e-5);
      expect(maxDiff(fused.probs, fused.moved), child.name).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(fused.evaluation.loss - apart.evaluation.loss), child.name).toBeLessThanOrEqual(1e-5);
      expect(fused.evaluation.accuracy, child.name).toBe(apart.evaluation.accuracy);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(openGraphSessions()).toBe(0);
  });
});
