import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { KdeGenerator, parseKdeOptions } from '../src/search/bohb.ts';
import { ProductKde, normalReferenceBandwidths, truncatedNormal } from '../src/search/kde.ts';
import { hyperbandWith } from '../src/search/hyperband.ts';
import { createStrategy } from '../src/search/registry.ts';
import type { Strategy } from '../src/search/strategy.ts';
import { boxSpace, braninValue, insideBox } from './gp-box-space.ts';
import type { BoxValue } from './gp-box-space.ts';

describe('product KDE', () => {
  it('uses statsmodels normal-reference bandwidths 1.06 sd n^(-1/(4+d)), clipped below', () => {
    const rows = [0, 0.25, 0.5, 0.75, 1].map((v) => Float64Array.of(v, 0.5));
    const bw = normalReferenceBandwidths(rows, 1e-3);
    expect(bw[0]).toBeCloseTo(1.06 * Math.sqrt(0.125) * 5 ** (-1 / 6), 12);
    expect(bw[1]).toBe(1e-3);
  });

  it('is a density: integrates to 1 over a continuous column and sums to 1 over a categorical one', () => {
    const rows = [0.2, 0.3, 0.7].map((v, i) => Float64Array.of(v, i % 3));
    const kde = new ProductKde(rows, [{ kind: 'continuous' }, { kind: 'categorical', k: 3 }], 1e-3);
    let total = 0;
    const step = 0.001;
    for (let x = -3; x < 4; x += step) for (let c = 0; c < 3; c++) total += kde.pdf([x, c]) * step;
    expect(total).toBeCloseTo(1, 3);
    expect(kde.pdf([0.25, 0])).toBeGreaterThan(kde.pdf([0.9, 0]));
  });

  it('draws truncated normals inside the bounds', () => {
    const rng = Rng.seeded(1);
    const draws = Array.from({ length: 500 }, () => truncatedNormal(rng, 0.02, 0.5, 0, 1));
    expect(draws.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});

describe('BOHB config generator', () => {
  const space = boxSpace({ bounds: [[0, 1], [0, 1]], choices: ['a', 'b', 'c'] });
  const value = (x: BoxValue) => ((x[0] as number) - 0.3) ** 2 + ((x[1] as number) - 0.7) ** 2 + (x[2] === 'b' ? 0 : 0.5);

  it('has the paper defaults', () => {
    expect(parseKdeOptions({}, 3)).toEqual({
      topNPercent: 15,
      numSamples: 64,
      randomFraction: 1 / 3,
      bandwidthFactor: 3,
      minPointsInModel: 4,
      minBandwidth: 1e-3,
    });
  });

  it('proposes from the KDE only once enough points exist on a budget', () => {
    const gen = new KdeGenerator(space, Rng.seeded(2), parseKdeOptions({ randomFraction: 0 }, 3));
    // d = 3: models need d + 1 = 4 good points and more than 3 bad ones, so 8 observations.
    for (let i = 0; i < 7; i++) {
      const c = gen.propose();
      expect(gen.modelBased).toBe(0);
      gen.observe(c, 1, { status: 'ok', score: -value(c) });
    }
    expect(gen.model()).toBeNull();
    gen.observe(gen.propose(), 1, { status: 'failed' });
    expect(gen.model()?.budget).toBe(1);
    gen.propose();
    expect(gen.modelBased).toBe(1);
  });

  it('uses the largest budget with a model and concentrates on the good region', () => {
    const gen = new KdeGenerator(space, Rng.seeded(3), parseKdeOptions({ randomFraction: 0 }, 3));
    const rng = Rng.seeded(4);
    for (let i = 0; i < 40; i++) {
      const c = space.sample(rng);
      gen.observe(c, 1, { status: 'ok', score: -value(c) });
      if (i < 5) gen.observe(c, 9, { status: 'ok', score: -value(c) });
    }
    expect(gen.model()?.budget).toBe(1);
    for (let i = 0; i < 10; i++) {
      const c = space.sample(rng);
      gen.observe(c, 9, { status: 'ok', score: -value(c) });
    }
    expect(gen.model()?.budget).toBe(9);
    const proposed = Array.from({ length: 40 }, () => gen.propose());
    const random = Array.from({ length: 40 }, () => space.sample(rng));
    const mean = (xs: BoxValue[]) => xs.reduce((s, x) => s + value(x), 0) / xs.length;
    expect(mean(proposed)).toBeLessThan(0.6 * mean(random));
    expect(proposed.every((x) => insideBox(space, x))).toBe(true);
  });
});

describe('bohb strategy', () => {
  it('is registered and runs Hyperband brackets inside the space', async () => {
    await import('../src/search/bohb.ts');
    const space = boxSpace({ bounds: [[-5, 10], [0, 15]] });
    const s = createStrategy('bohb', { space, rng: Rng.seeded(7), budget: 60, options: {} }) as Strategy<BoxValue>;
    const fidelities: number[] = [];
    for (;;) {
      const a = s.ask();
      if (a.kind !== 'suggestion') break;
      expect(insideBox(space, a.suggestion.config)).toBe(true);
      fidelities.push(a.suggestion.fidelity as number);
      s.tell(a.suggestion.id, { status: 'ok', score: -braninValue(a.suggestion.config as number[]) });
    }
    expect(fidelities.length).toBe(60);
    expect(fidelities.slice(0, 41)).toEqual([...Array(27).fill(1), ...Array(9).fill(3), 9, 9, 9, 27, 3]);
  });

  it('composes the Hyperband runner with the KDE generator, which takes over once models exist', () => {
    const space = boxSpace({ bounds: [[-5, 10], [0, 15]] });
    const gen = new KdeGenerator(space, Rng.seeded(8), parseKdeOptions({}, 2));
    const s = hyperbandWith('bohb', { space, rng: Rng.seeded(8), budget: 143, options: {} }, gen);
    for (;;) {
      const a = s.ask();
      if (a.kind !== 'suggestion') break;
      // d = 2: a model needs 3 good and 3 bad observations, so the first six are random.
      if (a.suggestion.id <= 5) expect(gen.modelBased).toBe(0);
      s.tell(a.suggestion.id, { status: 'ok', score: -braninValue(a.suggestion.config as number[]) });
    }
    // About two thirds of the new configurations after the first six come from the model.
    expect(gen.modelBased).toBeGreaterThan(30);
  });
});
