/**
 * The `pending` option of bo: trials asked but not yet told enter the GP as fantasy observations
 * (kriging believer or constant liar), so parallel asks spread out; sequential runs are unchanged.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import { BayesianOptimization, PENDING_MODES } from '../src/search/bo.ts';
import type { PendingMode } from '../src/search/bo.ts';
import { GaussianProcess } from '../src/search/gp/gp.ts';
import { createStrategy } from '../src/search/registry.ts';
import type { Strategy, Suggestion } from '../src/search/strategy.ts';
import { boxSpace, braninValue, insideBox } from './gp-box-space.ts';
import type { BoxValue } from './gp-box-space.ts';

const branin = boxSpace({ bounds: [[-5, 10], [0, 15]] });
const braninScore = (x: BoxValue) => -braninValue(x as number[]);
const mixed = boxSpace({ bounds: [[0, 1], [0, 1]], intHigh: 4, choices: ['a', 'b', 'c'] });
const mixedScore = (x: BoxValue) =>
  -(((x[0] as number) - 0.3) ** 2 + ((x[1] as number) - 0.6) ** 2 + 0.1 * Math.abs((x[2] as number) - 3) + (x[3] === 'c' ? 0 : 0.5));

const fast = { candidates: 300, localStarts: 3, observedStarts: 2 };

function ask<C>(s: Strategy<C>): Suggestion<C> {
  const a = s.ask();
  if (a.kind !== 'suggestion') throw new Error(`expected a suggestion, got ${a.kind}`);
  return a.suggestion;
}

/** n sequential asks, each told before the next. */
function sequential(s: Strategy<BoxValue>, n: number, score: (x: BoxValue) => number): Suggestion<BoxValue>[] {
  const out: Suggestion<BoxValue>[] = [];
  for (let i = 0; i < n; i++) {
    const q = ask(s);
    out.push(q);
    s.tell(q.id, { status: 'ok', score: score(q.config) });
  }
  return out;
}

/** Smallest distance between two of the points, in the space's unit-box encoding. */
function minPairwiseDistance(points: BoxValue[]): number {
  let min = Infinity;
  for (let i = 0; i < points.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = branin.encode(points[i]);
      const b = branin.encode(points[j]);
      min = Math.min(min, Math.hypot(...a.map((v, k) => v - b[k])));
    }
  }
  return min;
}

/** After the 5-point initial design is told, K asks in a row with none told. */
function parallelBatch(mode: PendingMode, seed: number, k: number): BoxValue[] {
  const s = new BayesianOptimization(branin, Rng.seeded(seed), { ...fast, pending: mode });
  sequential(s, 5, braninScore);
  return Array.from({ length: k }, () => ask(s).config);
}

describe('bo with pending trials', () => {
  it('gives bit-identical sequential runs in every mode (no trial is ever pending at an ask)', () => {
    for (const space of [branin, mixed]) {
      const score = space === branin ? braninScore : mixedScore;
      const runs = PENDING_MODES.map((pending) => {
        const s = new BayesianOptimization(space, Rng.seeded(11), { ...fast, pending });
        return { trials: sequential(s, 12, score), theta: s.fittedTheta(), state: JSON.stringify(s.saveState()) };
      });
      expect(runs[0].theta).toBeDefined();
      expect(runs[1]).toEqual(runs[0]);
      expect(runs[2]).toEqual(runs[0]);
    }
  });

  it('spreads four asks in a row where ignoring pending trials piles them up', () => {
    const seeds = [1, 2, 3];
    const mean = (mode: PendingMode) => seeds.reduce((s, seed) => s + minPairwiseDistance(parallelBatch(mode, seed, 4)), 0) / seeds.length;
    for (const seed of seeds) {
      for (const mode of ['believer', 'liar-min'] as const) expect(minPairwiseDistance(parallelBatch(mode, seed, 4))).toBeGreaterThan(0.1);
    }
    const ignore = mean('ignore');
    expect(ignore).toBeLessThan(0.05);
    expect(mean('believer')).toBeGreaterThan(8 * ignore);
    expect(mean('liar-min')).toBeGreaterThan(8 * ignore);
  });

  it('stays inside the space in every mode with many pending trials, mixed dimensions included', () => {
    for (const pending of PENDING_MODES) {
      const s = new BayesianOptimization(mixed, Rng.seeded(4), { ...fast, pending });
      const told = sequential(s, 6, mixedScore);
      const batch = Array.from({ length: 6 }, () => ask(s));
      for (const q of [...told, ...batch]) expect(insideBox(mixed, q.config)).toBe(true);
      const keys = new Set([...told, ...batch].map((q) => JSON.stringify(q.config)));
      expect(keys.size).toBe(12);
    }
  });

  it('continues exactly after saveState/loadState with several trials pending', () => {
    for (const pending of ['believer', 'liar-min'] as const) {
      const a = new BayesianOptimization(mixed, Rng.seeded(5), { ...fast, pending });
      sequential(a, 7, mixedScore);
      const open = [ask(a), ask(a), ask(a)];
      const b = new BayesianOptimization(mixed, Rng.seeded(77), { ...fast, pending });
      b.loadState(JSON.parse(JSON.stringify(a.saveState())));
      expect(ask(b)).toEqual(ask(a));
      for (const s of [a, b]) s.tell(open[1].id, { status: 'ok', score: mixedScore(open[1].config) });
      expect(ask(b)).toEqual(ask(a));
      expect(sequential(b, 4, mixedScore)).toEqual(sequential(a, 4, mixedScore));
    }
  });

  it('conditions fantasies without refitting: theta and target scaling kept, a believer leaves the mean unchanged', () => {
    const rng = Rng.seeded(8);
    const X = Float64Array.from({ length: 16 }, () => rng.next());
    const y = Array.from({ length: 8 }, (_, i) => Math.sin(6 * X[2 * i]) + X[2 * i + 1]);
    const gp = GaussianProcess.fit(X, y, 2, Rng.seeded(9));
    const x = Float64Array.of(0.4, 0.55);
    const probe = Float64Array.of(0.45, 0.5);
    const before = gp.predict(probe);
    const believer = gp.withObservations(x, [gp.yMean + gp.yStd * gp.predict(x).mean]);
    expect(Array.from(believer.theta)).toEqual(Array.from(gp.theta));
    expect([believer.yMean, believer.yStd, believer.n]).toEqual([gp.yMean, gp.yStd, 9]);
    expect(believer.predict(probe).mean).toBeCloseTo(before.mean, 8);
    expect(believer.predict(x).sd).toBeLessThan(0.1 * gp.predict(x).sd);
    const worst = Math.min(...y);
    const liar = gp.withObservations(x, [worst]);
    expect(gp.yMean + gp.yStd * liar.predict(x).mean).toBeCloseTo(worst, 2);
  });

  it('refuses a bad pending value, naming the option and the accepted values', () => {
    for (const bad of ['kriging', 3, '']) {
      const make = () => new BayesianOptimization(branin, Rng.seeded(1), { pending: bad as PendingMode });
      expect(make).toThrow(ValidationError);
      expect(make).toThrow(/options\.pending.*'believer', 'liar-min', 'ignore'/);
    }
    const viaRegistry = () => createStrategy('bo', { space: branin, rng: Rng.seeded(1), budget: 5, options: { pending: 'min' } });
    expect(viaRegistry).toThrow(/options\.pending/);
    expect(createStrategy('bo', { space: branin, rng: Rng.seeded(1), budget: 5, options: { pending: 'liar-min' } }).name).toBe('bo');
  });
});
