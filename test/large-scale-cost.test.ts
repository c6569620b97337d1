import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { planCost } from '../src/genome/cost.ts';
import { largeScaleToJSON } from '../src/genome/large-scale.ts';
import type { LargeScaleGenome } from '../src/genome/large-scale.ts';
import { applyLargeScaleMutation, initialLargeScale, mutateLargeScale } from '../src/genome/large-scale-mutate.ts';
import { largeScalePlan } from '../src/genome/network/large-scale-plan.ts';
import type { RunConfig } from '../src/run/config.ts';
import { costRejecter } from '../src/run/reject.ts';
import { LargeScaleSpace } from '../src/spaces/large-scale.ts';
import { buildLargeScaleModel } from '../src/model/large-scale-builder.ts';

const NET = { inputShape: [32, 32, 3] as [number, number, number], numClasses: 10 };

function grown(seed: number, steps: number): LargeScaleGenome {
  const rng = Rng.seeded(seed);
  let g = applyLargeScaleMutation(initialLargeScale(rng), 'insert-convolution', rng).genome;
  for (let i = 0; i < steps; i++) g = mutateLargeScale(g, rng).genome;
  return g;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('large-scale cost', () => {
  it('the plan counts exactly the parameters of the built model, and its layers carry the genome ids', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const g = grown(seed, 25);
      const before = tf.memory().numTensors;
      const { model, plan } = buildLargeScaleModel(g, NET, { seed: 1 });
      expect(planCost(plan).params).toBe(model.countParams());
      for (const l of g.layers) if (l.kind === 'conv') expect(model.getLayer(`conv_${l.id}`).getWeights()[0].shape).toEqual([...l.kernel, expect.any(Number), l.filters]);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('--max-params and --max-madds reject large-scale children before training', () => {
    const space = new LargeScaleSpace();
    const config = { evaluatorOptions: {}, maxParams: 5000 } as unknown as RunConfig;
    const reject = costRejecter(config, space);
    expect(reject).toBeDefined();
    const small = largeScaleToJSON(initialLargeScale(Rng.seeded(1)));
    expect(reject?.(small)).toBeUndefined();
    const big = grown(3, 40);
    const params = planCost(largeScalePlan(big, NET)).params;
    expect(params).toBeGreaterThan(5000);
    expect(reject?.(largeScaleToJSON(big))).toBe(`${params} parameters > --max-params 5000`);
  });
});
