/**
 * Joint Thompson sampling (acquisition `thompson-joint`): each model's joint posterior agrees with its
 * marginal predictions, one draw is coherent across the candidates (values the model cannot tell apart
 * draw the same number, close values draw close numbers), draws follow the covariance, the mixture and
 * the ensemble draw one of their members, and bananas with joint draws finds the optimum of a smooth
 * objective.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import type { Nb201Genome } from '../src/genome/types.ts';
import { Bananas } from '../src/search/bananas.ts';
import { FeatureGp } from '../src/search/predictor/feature-gp.ts';
import { acquisitionPick, averagePosterior, jointDraw, Predictor, type PredictorKind } from '../src/search/predictor/surrogate.ts';
import { WlEncoder, WlGp } from '../src/search/predictor/wl-gp.ts';
import { Nb201Space } from '../src/spaces/nas-bench-201.ts';

const space = new Nb201Space();
const convs = (c: Nb201Genome): number => c.edges.filter((op) => op === 'nor_conv_3x3').length + 0.5 * c.edges.filter((op) => op === 'nor_conv_1x1').length;

function cells(n: number, seed: number): Nb201Genome[] {
  const rng = Rng.seeded(seed);
  return Array.from({ length: n }, () => space.sample(rng));
}

/** Checks that a joint prediction's diagonal is the marginal variance and the matrix is symmetric. */
function expectConsistent(joint: { mean: Float64Array; cov: { n: number; data: Float64Array } }, marginal: { mean: Float64Array; std: Float64Array }): void {
  const m = marginal.mean.length;
  expect(joint.cov.n).toBe(m);
  for (let i = 0; i < m; i++) {
    expect(joint.mean[i]).toBeCloseTo(marginal.mean[i], 12);
    expect(joint.cov.data[i * m + i]).toBeCloseTo(marginal.std[i] ** 2, 12);
    for (let j = 0; j < i; j++) {
      expect(joint.cov.data[i * m + j]).toBe(joint.cov.data[j * m + i]);
      // A correlation, at most 1 in size.
      expect(Math.abs(joint.cov.data[i * m + j])).toBeLessThanOrEqual(marginal.std[i] * marginal.std[j] * (1 + 1e-9) + 1e-12);
    }
  }
}

describe('joint posteriors', () => {
  const train = cells(40, 1);
  const test = cells(30, 2);
  // The first test cell twice: the second copy is a distinct object with the same features.
  const withCopy = [...test, structuredClone(test[0])];

  it('the path GP: marginals agree with predict, and a copy draws what its original draws', () => {
    const gp = new FeatureGp(train.map(oneHot), train.map(convs));
    expectConsistent(gp.predictJoint(test.map(oneHot)), gp.predict(test.map(oneHot)));
    const p = new Predictor(space, { predictor: 'gp', members: 1, steps: 1 }).fit(train, train.map(convs), 1).predict(withCopy);
    const draw = (p.sample as (rng: Rng) => Float64Array)(Rng.seeded(4));
    expect(draw[withCopy.length - 1]).toBeCloseTo(draw[0], 4);
  });

  it('the WL GP: marginals agree with predict, and a copy draws what its original draws', () => {
    const encoder = new WlEncoder(space);
    const gp = new WlGp(train.map((c) => encoder.row(c)), train.map(convs));
    const rows = withCopy.map((c) => encoder.row(c));
    const joint = gp.predictJoint(rows);
    expectConsistent(joint, gp.predict(rows));
    const draw = jointDraw(joint, Rng.seeded(5));
    expect(draw[withCopy.length - 1]).toBeCloseTo(draw[0], 4);
  });

  it('draws follow the covariance: the sample covariance of many draws is close to it', () => {
    const mean = Float64Array.from([1, -1, 0]);
    const cov = { n: 3, data: Float64Array.from([1, 0.8, 0, 0.8, 1, -0.5, 0, -0.5, 1]) };
    const rng = Rng.seeded(6);
    const draws = Array.from({ length: 4000 }, () => jointDraw({ mean, cov }, rng));
    for (let i = 0; i < 3; i++) {
      const mi = draws.reduce((s, d) => s + d[i], 0) / draws.length;
      expect(mi).toBeCloseTo(mean[i], 1);
      for (let j = 0; j <= i; j++) {
        const mj = draws.reduce((s, d) => s + d[j], 0) / draws.length;
        const c = draws.reduce((s, d) => s + (d[i] - mi) * (d[j] - mj), 0) / (draws.length - 1);
        expect(Math.abs(c - cov.data[i * 3 + j])).toBeLessThan(0.08);
      }
    }
  });
});

/** A one-hot encoding of the edges: what a feature GP sees of a cell, in its simplest form. */
function oneHot(c: Nb201Genome): { index: Int32Array; value: Float64Array } {
  const ops = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];
  return { index: Int32Array.from(c.edges, (op, e) => e * ops.length + ops.indexOf(op)), value: new Float64Array(c.edges.length).fill(1) };
}

describe('thompson-joint', () => {
  // Few noisy results: the models are unsure, so draws disagree on the best candidate.
  const train = cells(12, 7);
  const noise = Rng.seeded(12);
  const y = train.map((c) => convs(c) + noise.normal(0, 1));
  const test = cells(25, 8);

  it.each(['gp', 'wl-gp', 'gp-wl', 'mlp'] as PredictorKind[])('%s: picks the best of one joint draw, a different one from draw to draw', (predictor) => {
    const p = new Predictor(space, { predictor, members: 3, steps: 50 }).fit(train, y, 3).predict(test);
    expect(p.sample).toBeDefined();
    const rng = Rng.seeded(9);
    const picks = Array.from({ length: 40 }, () => acquisitionPick(p, 0, { acquisition: 'thompson-joint', kappa: 2 }, rng));
    expect(picks.every((i) => i >= 0 && i < test.length)).toBe(true);
    expect(new Set(picks).size).toBeGreaterThan(1);
  });

  it('the mixture draws one of its two members, chosen by the rng', () => {
    const a = { mean: Float64Array.from([0, 0]), std: Float64Array.from([1, 1]), sample: () => Float64Array.from([1, 2]) };
    const b = { mean: Float64Array.from([0, 0]), std: Float64Array.from([1, 1]), sample: () => Float64Array.from([3, 4]) };
    const mix = averagePosterior(a, b);
    const rng = Rng.seeded(10);
    const seen = new Set(Array.from({ length: 30 }, () => Array.from((mix.sample as (r: Rng) => Float64Array)(rng)).join(',')));
    expect([...seen].sort()).toEqual(['1,2', '3,4']);
  });

  it('without joint draws (a prediction with no sampler) falls back to independent draws', () => {
    const p = { mean: Float64Array.from([1, 0.8, 0]), std: Float64Array.from([0.01, 0.5, 2]) };
    const rng = Rng.seeded(11);
    const picks = new Set(Array.from({ length: 50 }, () => acquisitionPick(p, 1, { acquisition: 'thompson-joint', kappa: 2 }, rng)));
    expect(picks.size).toBeGreaterThan(1);
  });

  it('bananas with joint draws finds the optimum of a smooth objective within 100 evaluations', () => {
    const target: Nb201Genome['edges'] = ['nor_conv_3x3', 'nor_conv_3x3', 'nor_conv_1x1', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3'];
    const score = (g: Nb201Genome): number => g.edges.reduce((s, op, i) => s + (op === target[i] ? 1 + i / 20 : 0), 0);
    const optimum = score({ kind: 'nb201', edges: target });
    for (const seed of [1, 2, 3]) {
      const s = new Bananas(space, Rng.seeded(seed), { acquisition: 'thompson-joint' }, 100);
      let found = false;
      for (let k = 0; k < 100 && !found; k++) {
        const r = s.ask();
        if (r.kind !== 'suggestion') break;
        const y = score(r.suggestion.config);
        found = y === optimum;
        s.tell(r.suggestion.id, { status: 'ok', score: y });
      }
      expect(found).toBe(true);
    }
  });
});
