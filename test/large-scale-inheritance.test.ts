import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import type { EvalRequest } from '../src/core/trial.ts';
import type { LargeScaleGenome } from '../src/genome/large-scale.ts';
import { applyLargeScaleMutation, initialLargeScale } from '../src/genome/large-scale-mutate.ts';
import type { LseMutation } from '../src/genome/large-scale.ts';
import { LargeScaleSpace } from '../src/spaces/large-scale.ts';
import { buildLargeScaleModel } from '../src/model/large-scale-builder.ts';
import { evaluateLargeScale, largeScaleSettings, loadSettingsData, prepareLargeScaleChild, trainDataOf } from '../src/evaluators/large-scale.ts';
import type { LargeScaleEvaluatorContext } from '../src/evaluators/large-scale.ts';
import { MemoryWeightStore } from '../src/model/weight-inheritance.ts';

const space = new LargeScaleSpace();
let ctx: LargeScaleEvaluatorContext;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const settings = largeScaleSettings({ dataset: 'fashion-mnist-mini', limit: 60, valFraction: 0.25, epochs: 1, batchSize: 25, augment: false });
  const loaded = await loadSettingsData(settings);
  ctx = {
    space, settings, data: trainDataOf(loaded, settings), weights: new MemoryWeightStore(),
    network: { inputShape: loaded.info.shape, numClasses: loaded.info.numClasses },
  };
});

/** A parent with two convolutions, a bn-relu layer and a skip. */
function parentGenome(): LargeScaleGenome {
  const rng = Rng.seeded(11);
  let g = initialLargeScale(rng);
  for (const m of ['insert-convolution', 'insert-convolution', 'insert-one-to-one', 'add-skip'] as LseMutation[]) g = applyLargeScaleMutation(g, m, rng).genome;
  g.layers = g.layers.map((l) => (l.kind === 'identity' ? { kind: 'bn-relu', id: l.id } : l));
  g.layers = g.layers.map((l) => (l.kind === 'conv' ? { ...l, filters: 4 } : l));
  return space.validate(g);
}

const request = (trialId: number, config: LargeScaleGenome, parentId?: number): EvalRequest => ({
  trialId, config: space.toJSON(config), seed: 1000 + trialId, ...(parentId !== undefined ? { parentId } : {}),
});

/** Weight values per layer name. */
async function layerValues(model: tf.LayersModel): Promise<Map<string, number[][]>> {
  const out = new Map<string, number[][]>();
  for (const layer of model.layers) {
    if (layer.weights.length > 0) out.set(layer.name, await Promise.all(layer.getWeights().map(async (w) => Array.from(await w.data()))));
  }
  return out;
}

describe('large-scale weight inheritance', () => {
  it('a child whose mutation changed one layer starts with the parent\'s trained weights everywhere else', async () => {
    const parent = parentGenome();
    const before = tf.memory().numTensors;
    const r0 = await evaluateLargeScale(ctx, request(0, parent));
    expect(r0.status).toBe('ok');
    expect(tf.memory().numTensors).toBe(before);

    const saved = (await ctx.weights.load(0)) as tf.LayersModel;
    const trained = await layerValues(saved);
    saved.dispose();

    const mutated = applyLargeScaleMutation(parent, 'alter-filter-size', Rng.seeded(3));
    const changed = `conv_${mutated.touched[0]}`;
    const { built, report } = await prepareLargeScaleChild(ctx, mutated.genome, request(1, mutated.genome, 0));
    const child = await layerValues(built.model);
    const fresh = buildLargeScaleModel(mutated.genome, ctx.network, { seed: 0 });
    expect(report?.fresh).toEqual([changed]);
    expect(report?.inherited.sort()).toEqual([...child.keys()].filter((n) => n !== changed).sort());
    for (const [name, values] of child) {
      if (name === changed) {
        expect(values[0].length).not.toBe(trained.get(name)?.[0].length);
      } else {
        expect(values).toEqual(trained.get(name));
      }
    }
    // The parent really trained: its weights differ from a fresh build of its own genome.
    const untrained = buildLargeScaleModel(parent, ctx.network, { seed: 0 });
    const conv = `conv_${parent.layers[0].id}`;
    expect((await layerValues(untrained.model)).get(conv)).not.toEqual(trained.get(conv));
    [built.model, fresh.model, untrained.model].forEach((m) => m.dispose());
  });

  it('changed shapes are freshly initialised; a reset-weights child shares none', async () => {
    const parent = parentGenome();
    await evaluateLargeScale(ctx, request(10, parent));
    const saved = (await ctx.weights.load(10)) as tf.LayersModel;
    const trained = await layerValues(saved);
    saved.dispose();

    const wider = applyLargeScaleMutation(parent, 'alter-channels', Rng.seeded(5));
    const a = await prepareLargeScaleChild(ctx, wider.genome, request(11, wider.genome, 10));
    const seedOnly = await prepareLargeScaleChild(ctx, wider.genome, request(11, wider.genome));
    const inherited = await layerValues(a.built.model);
    const freshValues = await layerValues(seedOnly.built.model);
    for (const name of a.report?.fresh ?? []) expect(inherited.get(name)).toEqual(freshValues.get(name));
    expect(a.report?.fresh).toContain(`conv_${wider.touched[0]}`);
    expect(a.report?.fresh).toContain(`conv_${wider.touched[0]}_bn`);
    expect(a.report?.inherited.length).toBeGreaterThan(0);

    // With inheritance switched off (for comparisons), nothing is inherited either.
    const off = await prepareLargeScaleChild({ ...ctx, settings: { ...ctx.settings, inherit: false } }, wider.genome, request(11, wider.genome, 10));
    expect(off.report).toBeUndefined();
    off.built.model.dispose();

    const reset = applyLargeScaleMutation(parent, 'reset-weights', Rng.seeded(6));
    const b = await prepareLargeScaleChild(ctx, reset.genome, request(12, reset.genome, 10));
    expect(b.report).toBeUndefined();
    const resetValues = await layerValues(b.built.model);
    for (const [name, values] of resetValues) expect(values).not.toEqual(trained.get(name));
    [a.built.model, seedOnly.built.model, b.built.model].forEach((m) => m.dispose());
  });

  it('trains children end to end, reports what it inherited and frees every tensor', async () => {
    const parent = parentGenome();
    const before = tf.memory().numTensors;
    await evaluateLargeScale(ctx, request(20, parent));
    const child = applyLargeScaleMutation(parent, 'alter-learning-rate', Rng.seeded(8)).genome;
    const r = await evaluateLargeScale(ctx, request(21, child, 20));
    expect(r.status).toBe('ok');
    expect(r.metrics?.freshLayers).toBe(0);
    expect(r.metrics?.inheritedLayers).toBeGreaterThan(3);
    expect(r.score).toBeGreaterThan(0);
    const bad = await evaluateLargeScale(ctx, { ...request(22, child, 20), config: { kind: 'large-scale' } });
    expect(bad.status).toBe('failed');
    expect(bad.failure).toBe('invalid');
    expect(tf.memory().numTensors).toBe(before);
  });
});
