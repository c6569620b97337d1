import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { ValidationError } from '../src/core/errors.ts';
import { layerCost, networkCost } from '../src/genome/cost.ts';
import { networkPlan } from '../src/genome/network/network.ts';
import type { NasnetNetworkConfig } from '../src/genome/network/nasnet-plan.ts';
import { nasnetOp, nb201Op } from '../src/genome/network/ops.ts';
import { sampleNasnet } from '../src/genome/nasnet.ts';
import { nb201FromArch, sampleNb201 } from '../src/genome/nb201.ts';
import { NASNET_OPS } from '../src/genome/types.ts';
import type { NasnetGenome } from '../src/genome/types.ts';
import { buildModel } from '../src/model/builder.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const prod = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Multiply-adds counted from the built tfjs model's own layer shapes, independently of the plan. */
function maddsFromModel(model: tf.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const out = layer.outputShape as number[];
    const kernels = layer.weights.map((w) => w.shape as number[]);
    switch (layer.getClassName()) {
      case 'Conv2D':
        total += out[1] * out[2] * prod(kernels[0]);
        break;
      case 'SeparableConv2D':
        total += out[1] * out[2] * (prod(kernels[0]) + prod(kernels[1]));
        break;
      case 'Dense':
        total += prod(kernels[0]);
        break;
    }
  }
  return total;
}

function trainableFromModel(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + prod(w.shape as number[]), 0);
}

describe('cost model', () => {
  it('equals countParams and an independent madds count for random NASNet genomes', () => {
    const rng = Rng.seeded('nasnet-cost');
    for (let t = 0; t < 20; t++) {
      const genome = sampleNasnet(rng, { blocks: rng.intBetween(1, 5), ops: NASNET_OPS });
      const size = rng.intBetween(7, 10);
      const config: NasnetNetworkConfig = {
        inputShape: [size, size, rng.choice([1, 3])],
        numClasses: rng.intBetween(2, 10),
        cellsPerStack: rng.intBetween(0, 2),
        stacks: rng.intBetween(1, 3),
        initialFilters: rng.intBetween(2, 6),
        stemMultiplier: rng.intBetween(1, 3),
      };
      const cost = networkCost(genome, config);
      const { model } = buildModel(genome, config, { seed: t });
      try {
        expect(cost.params).toBe(model.countParams());
        expect(cost.trainableParams).toBe(trainableFromModel(model));
        expect(cost.madds).toBe(maddsFromModel(model));
      } finally {
        model.dispose();
      }
    }
  });

  it('equals countParams and an independent madds count for random NAS-Bench-201 genomes', () => {
    const rng = Rng.seeded('nb201-cost');
    for (let t = 0; t < 20; t++) {
      const genome = sampleNb201(rng);
      const config = { inputShape: [8, 8, 3] as [number, number, number], numClasses: 10, channels: rng.intBetween(2, 5), cellsPerStage: rng.intBetween(1, 2) };
      const cost = networkCost(genome, config);
      const { model } = buildModel(genome, config, { seed: t });
      try {
        expect(cost.params).toBe(model.countParams());
        expect(cost.trainableParams).toBe(trainableFromModel(model));
        expect(cost.madds).toBe(maddsFromModel(model));
      } finally {
        model.dispose();
      }
    }
  });

  it('matches the published NAS-Bench-201 sizes of the largest and smallest cells (CIFAR-10, C=16, N=5)', () => {
    const config = { inputShape: [32, 32, 3] as [number, number, number], numClasses: 10 };
    const all3x3 = nb201FromArch('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|');
    const big = networkCost(all3x3, config);
    // The benchmark reports 1.5316 MB parameters and 220.11 M FLOPs (multiply-adds) for this cell.
    expect(big.trainableParams / 1e6).toBeCloseTo(1.5316, 3);
    expect(big.madds / 1e6).toBeCloseTo(220.11, 1);
    const none = nb201FromArch('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|');
    expect(networkCost(none, config).trainableParams / 1e6).toBeCloseTo(0.0733, 4);
  });

  it('counts single layers by hand', () => {
    const conv = layerCost(
      {
        name: 'c',
        layer: { kind: 'conv2d', filters: 12, kernel: [3, 3], strides: [1, 1], dilation: 1, useBias: false },
        inputs: ['x'],
        shape: [8, 8, 12],
      },
      [[8, 8, 3]],
    );
    expect(conv).toEqual({ params: 3 * 3 * 3 * 12, trainableParams: 3 * 3 * 3 * 12, madds: 8 * 8 * 3 * 3 * 3 * 12 });
    const sep = layerCost(
      { name: 's', layer: { kind: 'sepconv2d', filters: 8, kernel: 5, strides: 2, dilation: 1 }, inputs: ['x'], shape: [4, 4, 8] },
      [[8, 8, 6]],
    );
    expect(sep).toEqual({ params: 5 * 5 * 6 + 6 * 8, trainableParams: 5 * 5 * 6 + 6 * 8, madds: 16 * (25 * 6 + 6 * 8) });
    expect(layerCost({ name: 'bn', layer: { kind: 'batchnorm' }, inputs: ['x'], shape: [4, 4, 8] }, [[4, 4, 8]]).params).toBe(32);
    expect(layerCost({ name: 'd', layer: { kind: 'dense', units: 10 }, inputs: ['x'], shape: [10] }, [[64]]))
      .toEqual({ params: 650, trainableParams: 650, madds: 640 });
  });
});

describe('network plans', () => {
  const genome: NasnetGenome = {
    kind: 'nasnet',
    normal: { blocks: [{ inputs: [0, 1], ops: ['sep_conv_3x3', 'identity'] }, { inputs: [2, 1], ops: ['max_pool_3x3', 'conv_1x7_7x1'] }] },
    reduction: { blocks: [{ inputs: [0, 1], ops: ['identity', 'dil_sep_conv_3x3'] }, { inputs: [1, 2], ops: ['avg_pool_3x3', 'sep_conv_7x7'] }] },
  };
  const config: NasnetNetworkConfig = { inputShape: [8, 8, 3], numClasses: 5, cellsPerStack: 1, stacks: 2, initialFilters: 4 };

  it('gives layers deterministic, meaningful names', () => {
    const names = networkPlan(genome, config).nodes.map((n) => n.name);
    expect(names).toContain('cell0_block0_left_sep3x3_conv_a');
    expect(names).toContain('cell1_block0_left_id_reduce_path2_conv');
    expect(names).toContain('cell2_prep0_reduce_path1_conv');
    expect(names).toContain('cell0_block1_right_conv1x7_7x1_conv_b');
    expect(networkPlan(genome, config).nodes.map((n) => n.name)).toEqual(names);
  });

  it('halves the resolution and doubles the filters at each reduction', () => {
    const plan = networkPlan(genome, { ...config, stacks: 3 });
    const shape = (name: string) => plan.nodes.find((n) => n.name === name)?.shape;
    expect(shape('cell0_block1_add')).toEqual([8, 8, 4]);
    expect(shape('cell1_block1_add')).toEqual([4, 4, 8]);
    expect(shape('cell3_block1_add')).toEqual([2, 2, 16]);
    // Normal cell: only block 1 is unused; reduction: block 1 too (block 0 feeds it).
    expect(shape('global_pool')).toEqual([16]);
  });

  it('fails on an unknown op with the list of known ones', () => {
    expect(() => nasnetOp('conv_9x9')).toThrow(ValidationError);
    expect(() => nasnetOp('conv_9x9')).toThrow(/unknown op 'conv_9x9'.*accepted: identity, sep_conv_3x3/);
    expect(() => nb201Op('sep_conv_3x3')).toThrow(/accepted: none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3/);
    const bad = { ...genome, normal: { blocks: [{ inputs: [0, 1], ops: ['conv_9x9', 'identity'] }] } } as unknown as NasnetGenome;
    expect(() => networkPlan(bad, config)).toThrow(/normal\.blocks\[0\]\.ops\[0\].*unknown op 'conv_9x9'/);
  });

  it('rejects bad macro settings, naming the field', () => {
    expect(() => networkPlan(genome, { ...config, initialFilters: 1 })).toThrow(/initialFilters must be an integer >= 2/);
    expect(() => networkPlan(genome, { ...config, stacks: 0 })).toThrow(/stacks/);
    expect(() => networkPlan(genome, { ...config, dropout: 1 })).toThrow(/dropout/);
  });
});
