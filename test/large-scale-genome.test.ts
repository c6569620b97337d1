import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import { hashLargeScale, largeScaleToJSON, LSE_MUTATIONS, validateLargeScaleGenome } from '../src/genome/large-scale.ts';
import type { LargeScaleGenome } from '../src/genome/large-scale.ts';
import { applyLargeScaleMutation, canApply, DEFAULT_LSE_LIMITS, initialLargeScale, mutateLargeScale } from '../src/genome/large-scale-mutate.ts';
import { largeScalePlan } from '../src/genome/network/large-scale-plan.ts';
import { planCost } from '../src/genome/cost.ts';
import { loadSpace } from '../src/spaces/load.ts';
import { LargeScaleSpace } from '../src/spaces/large-scale.ts';

const NET = { inputShape: [16, 16, 3] as [number, number, number], numClasses: 10 };

/** A genome grown by n random mutations from the initial individual. */
function grown(seed: number, n: number): LargeScaleGenome {
  const rng = Rng.seeded(seed);
  let g = initialLargeScale(rng);
  for (let i = 0; i < n; i++) g = mutateLargeScale(g, rng).genome;
  return g;
}

describe('large-scale genome', () => {
  it('starts with no convolution: input -> global pool -> dense -> softmax', () => {
    const g = initialLargeScale(Rng.seeded(1));
    expect(g.layers).toEqual([]);
    const plan = largeScalePlan(g, NET);
    expect(plan.nodes.map((n) => n.layer.kind)).toEqual(['input', 'gap', 'dense', 'softmax']);
    expect(planCost(plan).params).toBe(3 * 10 + 10);
  });

  it('every mutation keeps the genome valid and its plan buildable, over long random walks', () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const rng = Rng.seeded(seed);
      let g = initialLargeScale(rng);
      for (let i = 0; i < 60; i++) {
        const r = mutateLargeScale(g, rng);
        seen.add(r.mutation);
        g = validateLargeScaleGenome(JSON.parse(JSON.stringify(largeScaleToJSON(r.genome))));
        expect(g).toEqual(r.genome);
        expect(g.layers.length).toBeLessThanOrEqual(DEFAULT_LSE_LIMITS.maxLayers);
        const plan = largeScalePlan(g, NET);
        expect(plan.nodes[plan.nodes.length - 1].shape).toEqual([10]);
      }
    }
    expect([...seen].sort()).toEqual([...LSE_MUTATIONS].sort());
  });

  it('names layers by stable ids that survive insertions and are never reused', () => {
    const rng = Rng.seeded(3);
    let g = applyLargeScaleMutation(initialLargeScale(rng), 'insert-convolution', rng).genome;
    const first = g.layers[0].id;
    g = applyLargeScaleMutation(g, 'insert-convolution', rng).genome;
    g = applyLargeScaleMutation(g, 'insert-one-to-one', rng).genome;
    expect(g.layers.map((l) => l.id)).toContain(first);
    const removed = applyLargeScaleMutation(g, 'remove-convolution', rng).genome;
    const again = applyLargeScaleMutation(removed, 'insert-convolution', rng).genome;
    const ids = again.layers.map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Math.max(...ids)).toBe(again.nextId - 1);
    expect(largeScalePlan(again, NET).nodes.some((n) => n.name === `conv_${again.layers.find((l) => l.kind === 'conv')?.id}`)).toBe(true);
  });

  it('each alteration changes exactly the named property of one convolution', () => {
    const rng = Rng.seeded(4);
    let g = initialLargeScale(rng);
    for (let i = 0; i < 3; i++) g = applyLargeScaleMutation(g, 'insert-convolution', rng).genome;
    for (const m of ['alter-stride', 'alter-channels', 'alter-filter-size'] as const) {
      const r = applyLargeScaleMutation(g, m, rng);
      const changed = r.genome.layers.filter((l, k) => JSON.stringify(l) !== JSON.stringify(g.layers[k]));
      expect(changed.map((l) => l.id)).toEqual(r.touched);
      expect(r.genome.origin).toBe(m);
    }
    const lr = applyLargeScaleMutation(g, 'alter-learning-rate', rng).genome;
    expect(lr.learningRate).not.toBe(g.learningRate);
    expect(lr.layers).toEqual(g.layers);
  });

  it('skips resize their source with pooling and a projection when shapes differ', () => {
    const rng = Rng.seeded(5);
    let g = initialLargeScale(rng);
    g = applyLargeScaleMutation(g, 'insert-convolution', rng).genome;
    g.layers[0] = { ...g.layers[0], kind: 'conv', filters: 8, kernel: [3, 3], stride: 2 } as LargeScaleGenome['layers'][number];
    g.skips.push({ id: g.nextId, from: 0, to: g.layers[0].id });
    g.nextId++;
    const plan = largeScalePlan(validateLargeScaleGenome(g), NET);
    const names = plan.nodes.map((n) => n.name);
    expect(names).toContain(`skip_${g.skips[0].id}_pool`);
    expect(names).toContain(`skip_${g.skips[0].id}_proj`);
    expect(plan.nodes.find((n) => n.name === `add_${g.layers[0].id}`)?.shape).toEqual([8, 8, 8]);
  });

  it('hash: same architecture and lineage hash alike; a new lineage is a new individual', () => {
    const g = grown(6, 20);
    const copy = validateLargeScaleGenome(largeScaleToJSON(g));
    expect(hashLargeScale(copy)).toBe(hashLargeScale(g));
    // Renumbered ids build the same network.
    const shift = (id: number): number => (id === 0 ? 0 : id + 100);
    const renamed = { ...copy, layers: copy.layers.map((l) => ({ ...l, id: shift(l.id) })), skips: copy.skips.map((s) => ({ id: shift(s.id), from: shift(s.from), to: shift(s.to) })), nextId: copy.nextId + 100 };
    expect(hashLargeScale(validateLargeScaleGenome(renamed))).toBe(hashLargeScale(g));
    const identity = applyLargeScaleMutation(g, 'identity', Rng.seeded(1)).genome;
    expect(identity.layers).toEqual(g.layers);
    expect(hashLargeScale(identity)).not.toBe(hashLargeScale(g));
  });

  it('validation names the field and what is accepted', () => {
    const g = largeScaleToJSON(grown(7, 10)) as { layers: Array<Record<string, unknown>> };
    const bad = (mutate: (x: Record<string, unknown>) => void): ValidationError => {
      const x = JSON.parse(JSON.stringify(g)) as Record<string, unknown>;
      mutate(x);
      try {
        validateLargeScaleGenome(x);
      } catch (err) {
        return err as ValidationError;
      }
      throw new Error('expected a validation error');
    };
    expect(bad((x) => (x.kind = 'nasnet')).location.field).toBe('kind');
    expect(bad((x) => (x.learningRate = -1)).location.field).toBe('learningRate');
    expect(bad((x) => (x.layers = [{ kind: 'conv', id: 1, filters: 4, kernel: [2, 3], stride: 1 }])).location.field).toBe('layers[0].kernel[0]');
    expect(bad((x) => (x.skips = [{ id: 999, from: 5, to: 5 }])).message).toMatch(/skips\[0\]/);
    expect(bad((x) => (x.lineage = 'xyz')).accepted).toMatch(/hex/);
  });

  it('is loaded by name from search-spaces/ and samples the initial individual', () => {
    const space = loadSpace('large-scale') as LargeScaleSpace;
    expect(space.type).toBe('large-scale');
    const g = space.sample(Rng.seeded(1));
    expect(g.layers).toEqual([]);
    expect(g.learningRate).toBe(space.config.initialLearningRate);
    expect(space.decode(space.encode(g)).layers).toEqual([]);
    expect(space.describe()).toMatch(/insert-convolution/);
    expect(canApply(g, 'remove-convolution', space.config)).toBe(false);
    expect(() => space.validate({ ...largeScaleToJSON(grown(8, 5)), layers: [{ kind: 'conv', id: 1, filters: 9999, kernel: [3, 3], stride: 1 }] })).toThrow(/maxChannels|filters/);
  });
});

describe('large-scale space bounds', () => {
  it('every child and every decoded vector stays inside a narrow space', () => {
    const space = new LargeScaleSpace({ maxKernel: 1, strides: [2], maxChannels: 4, initialChannels: 2, maxLayers: 3 });
    const rng = Rng.seeded(12);
    let g = space.sample(rng);
    for (let i = 0; i < 200; i++) {
      g = space.mutate(g, rng);
      expect(space.validate(largeScaleToJSON(g))).toEqual(g);
    }
    for (let i = 0; i < 50; i++) {
      const v = space.dims().map(() => rng.next());
      const d = space.decode(v);
      expect(space.validate(largeScaleToJSON(d))).toEqual(d);
    }
  });
});

describe('large-scale JSON form', () => {
  it('carries a readable arch summary that validation ignores', () => {
    const rng = Rng.seeded(9);
    let g = initialLargeScale(rng);
    expect(largeScaleToJSON(g).arch).toBe('no layers lr 0.1');
    for (const m of ['insert-convolution', 'insert-convolution', 'add-skip'] as const) g = applyLargeScaleMutation(g, m, rng).genome;
    const json = largeScaleToJSON(g);
    expect(json.arch).toMatch(/^conv3x3\/1:16,conv3x3\/1:16 skips \d>\d lr 0\.1$/);
    expect(validateLargeScaleGenome({ ...json, arch: 'anything' })).toEqual(g);
  });
});
