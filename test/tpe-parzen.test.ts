import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { logGaussMass, logNdtr, ndtr, ndtri, sampleTruncNormal } from '../src/search/normal.ts';
import { bandwidths, defaultWeights, ParzenEstimator } from '../src/search/parzen.ts';
import { defaultGamma, parzenDim } from '../src/search/tpe.ts';

describe('normal distribution helpers', () => {
  it('match reference values (to the erfc fit\'s ~1e-7 relative accuracy)', () => {
    expect(ndtr(0)).toBeCloseTo(0.5, 7);
    expect(ndtr(1.959963984540054)).toBeCloseTo(0.975, 7);
    expect(ndtri(0.975)).toBeCloseTo(1.959963984540054, 6);
    expect(ndtri(1e-10)).toBeCloseTo(-6.361340902404056, 5);
    expect(logNdtr(-30)).toBeCloseTo(-454.3212440, 4);
    expect(logGaussMass(-1, 1)).toBeCloseTo(Math.log(0.6826894921370859), 7);
    // Far right tail: Phi(-9) - Phi(-10) computed without cancellation.
    expect(logGaussMass(9, 10)).toBeCloseTo(Math.log(1.1285884059538324e-19 - 7.619853024160527e-24), 5);
    expect(logGaussMass(1, 1)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('sample a truncated normal with the right mean', () => {
    const rng = Rng.seeded(1);
    const n = 40_000;
    const xs = Array.from({ length: n }, () => sampleTruncNormal(rng, 0.9, 0.3, 0, 1));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(1);
    const sum = xs.reduce((a, b) => a + b, 0);
    const phi = (z: number): number => Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
    const a = -0.9 / 0.3;
    const b = 0.1 / 0.3;
    const expected = 0.9 + (0.3 * (phi(a) - phi(b))) / (ndtr(b) - ndtr(a));
    expect(sum / n).toBeCloseTo(expected, 2);
  });
});

describe("optuna's TPE rules", () => {
  it('gamma and weights', () => {
    expect([0, 1, 9, 10, 11, 49, 250, 251, 1000].map(defaultGamma)).toEqual([0, 1, 1, 1, 2, 5, 25, 25, 25]);
    expect(defaultWeights(3)).toEqual([1, 1, 1]);
    const w = defaultWeights(30);
    expect(w.length).toBe(30);
    expect(w[0]).toBeCloseTo(1 / 30, 12);
    expect(w[4]).toBeCloseTo(1, 12);
    expect(w.slice(5).every((v) => v === 1)).toBe(true);
    expect(w[1] - w[0]).toBeCloseTo(w[2] - w[1], 12);
  });

  it('bandwidths: larger neighbour gap, inner gap at the ends, magic clip', () => {
    // sorted with bounds: 0 | .1 .2 .8 | 1; ends use the inner gap; clip to [1/5, 1].
    const s = bandwidths([0.8, 0.1, 0.2], 0, 1);
    expect(s[0]).toBeCloseTo(0.6, 12);
    expect(s[1]).toBeCloseTo(0.2, 12);
    expect(s[2]).toBeCloseTo(0.6, 12);
    expect(bandwidths([0.5], 0, 1)).toEqual([0.5]);
    const unclipped = bandwidths([0.1, 0.2, 0.8], 0, 1, { considerMagicClip: false, considerEndpoints: true });
    expect(unclipped[0]).toBeCloseTo(0.1, 12);
  });
});

describe('Parzen estimator', () => {
  const rng = Rng.seeded(3);

  it('a continuous mixture is a density on its domain; samples follow it', () => {
    const p = new ParzenEstimator([{ kind: 'numeric', low: 0, high: 1 }], [[0.1], [0.2], [0.8]], [1, 1, 1]);
    expect(p.weights).toEqual([0.25, 0.25, 0.25, 0.25]);
    const m = 20_000;
    let integral = 0;
    let mean = 0;
    for (let i = 0; i < m; i++) {
      const x = (i + 0.5) / m;
      const d = Math.exp(p.logPdf([x]));
      integral += d / m;
      mean += (x * d) / m;
    }
    expect(integral).toBeCloseTo(1, 5);
    const samples = p.sample(rng, 20_000).map((r) => r[0]);
    expect(samples.reduce((a, b) => a + b, 0) / samples.length).toBeCloseTo(mean, 2);
  });

  it('discrete and categorical dimensions carry probability masses summing to one', () => {
    const int = parzenDim({ kind: 'int', name: 'k', low: 1, high: 5 });
    const logInt = parzenDim({ kind: 'int', name: 'b', low: 16, high: 256, log: true });
    const cat = parzenDim({ kind: 'categorical', name: 'c', choices: ['a', 'b', 'c'] });
    const at = (v: number): number => (Math.log(v) - Math.log(16)) / (Math.log(256) - Math.log(16));
    const p = new ParzenEstimator([int, logInt, cat], [[0.25, at(32), 2], [1, at(200), 0]], [1, 1]);
    let total = 0;
    for (let k = 0; k < 5; k++) {
      for (let b = 16; b <= 256; b++) for (let c = 0; c < 3; c++) total += Math.exp(p.logPdf([k / 4, at(b), c]));
    }
    expect(total).toBeCloseTo(1, 6);
    for (const row of p.sample(rng, 500)) {
      expect(row[0] * 4).toBeCloseTo(Math.round(row[0] * 4), 9);
      const b = Math.exp(Math.log(16) + row[1] * (Math.log(256) - Math.log(16)));
      expect(b).toBeCloseTo(Math.round(b), 6);
      expect([0, 1, 2]).toContain(row[2]);
    }
  });

  it('with no observations is the prior alone (uniform choices, one wide kernel)', () => {
    const p = new ParzenEstimator([{ kind: 'categorical', choices: 4 }], [], []);
    expect(p.weights).toEqual([1]);
    expect(Math.exp(p.logPdf([2]))).toBeCloseTo(0.25, 12);
  });

  it('categorical kernels put priorWeight/(n+1) on each choice plus one on their own', () => {
    const p = new ParzenEstimator([{ kind: 'categorical', choices: 2 }], [[0]], [1]);
    // kernels: obs [1/2+1, 1/2]/2 = [.75,.25]; prior [.5,.5]; mixture weights [.5,.5].
    expect(Math.exp(p.logPdf([0]))).toBeCloseTo(0.625, 12);
  });
});
