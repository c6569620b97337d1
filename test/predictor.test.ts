/**
 * The predictors of the predictor-guided strategies: the MLP fits what it is shown, the ensemble's
 * members disagree where data are missing, the feature GP interpolates and is unsure far from its
 * data, the copula transform keeps only the order of the scores, and the features of every kind of
 * space are the path encoding (cells) or the encoding (hyperparameters).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { nb201FromArch } from '../src/genome/nb201.ts';
import { MlpEnsemble } from '../src/search/predictor/ensemble.ts';
import { FeatureGp, sparseDistance2 } from '../src/search/predictor/feature-gp.ts';
import { FeatureEncoder } from '../src/search/predictor/features.ts';
import { Mlp, type SparseRow } from '../src/search/predictor/mlp.ts';
import { copulaTargets, Predictor } from '../src/search/predictor/surrogate.ts';
import { loadSpace } from '../src/spaces/load.ts';
import { Nb201Space } from '../src/spaces/nas-bench-201.ts';
import type { SearchSpace } from '../src/spaces/space.ts';

/** Rows of `d` features, each with two to four ones, and a target that adds feature weights plus one interaction. */
function problem(n: number, d: number, seed: number): { rows: SparseRow[]; y: number[] } {
  const rng = Rng.seeded(seed);
  const weights = Array.from({ length: d }, (_, j) => Math.sin(j + 1));
  const rows: SparseRow[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = 2 + rng.int(3);
    const index = Int32Array.from(rng.sampleIndices(d, k).sort((a, b) => a - b));
    rows.push({ index, value: new Float64Array(k).fill(1) });
    const has = (j: number): boolean => index.includes(j);
    y.push(index.reduce((s, j) => s + weights[j], 0) + (has(0) && has(1) ? 2 : 0));
  }
  return { rows, y };
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let [ma, mb] = [0, 0];
  for (let i = 0; i < n; i++) [ma, mb] = [ma + a[i] / n, mb + b[i] / n];
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('Mlp', () => {
  it('fits sparse rows with an interaction, and predicts held-out rows', () => {
    const { rows, y } = problem(400, 12, 1);
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    const target = y.map((v) => v - mean);
    const mlp = new Mlp(12, Rng.seeded(2), { steps: 1500 });
    const before = correlation(mlp.predictAll(rows.slice(300)), target.slice(300));
    mlp.fit(rows.slice(0, 300), target.slice(0, 300), Rng.seeded(3));
    const after = correlation(mlp.predictAll(rows.slice(300)), target.slice(300));
    expect(after).toBeGreaterThan(0.95);
    expect(after).toBeGreaterThan(before);
  });

  it('is a function of its seeds: the same seeds give the same weights', () => {
    const { rows, y } = problem(50, 8, 4);
    const fit = (): Float64Array => {
      const mlp = new Mlp(8, Rng.seeded(5), { steps: 50 });
      mlp.fit(rows, y, Rng.seeded(6));
      return mlp.predictAll(rows);
    };
    expect(Array.from(fit())).toEqual(Array.from(fit()));
  });
});

describe('MlpEnsemble', () => {
  it('predicts in the targets units and its members disagree more on rows unlike the training rows', () => {
    const { rows, y } = problem(200, 10, 7);
    const big = y.map((v) => 1000 + 50 * v);
    const ensemble = new MlpEnsemble(rows, big, 12, Rng.seeded(8), { members: 5, steps: 400 });
    const seen = ensemble.predict(rows);
    expect(correlation(seen.mean, big)).toBeGreaterThan(0.95);
    expect(seen.perMember).toHaveLength(5);
    // Features 10 and 11 never occur in training: their first-layer weights stay at their random start.
    const novel: SparseRow[] = Array.from({ length: 20 }, () => ({ index: Int32Array.from([10, 11]), value: Float64Array.from([3, 3]) }));
    const avg = (a: Float64Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(avg(ensemble.predict(novel).std)).toBeGreaterThan(avg(seen.std));
  });
});

describe('FeatureGp', () => {
  it('measures distances between sparse rows', () => {
    const a = { index: Int32Array.from([0, 3]), value: Float64Array.from([1, 2]) };
    const b = { index: Int32Array.from([3, 5]), value: Float64Array.from([1, 1]) };
    expect(sparseDistance2(a, b)).toBe(1 + 1 + 1);
    expect(sparseDistance2(a, a)).toBe(0);
  });

  it('interpolates its data, predicts held-out rows, and is unsure far away', () => {
    const { rows, y } = problem(300, 12, 9);
    const gp = new FeatureGp(rows.slice(0, 200), y.slice(0, 200));
    const train = gp.predict(rows.slice(0, 200));
    expect(correlation(train.mean, y.slice(0, 200))).toBeGreaterThan(0.99);
    expect(correlation(gp.predict(rows.slice(200)).mean, y.slice(200))).toBeGreaterThan(0.8);
    const far = gp.predict([{ index: Int32Array.from([0, 1, 2, 3, 4, 5]), value: new Float64Array(6).fill(5) }]);
    const maxTrainStd = Math.max(...train.std);
    expect(far.std[0]).toBeGreaterThan(maxTrainStd);
  });
});

describe('copulaTargets', () => {
  it('keeps the order, forgets the scale and shares ties', () => {
    const a = copulaTargets([10, 0.5, 99, 3, 3]);
    expect(a[2]).toBeGreaterThan(a[0]);
    expect(a[0]).toBeGreaterThan(a[3]);
    expect(a[3]).toBe(a[4]);
    expect(a[1]).toBeLessThan(a[3]);
    expect(copulaTargets([1, 2, 3])).toEqual(copulaTargets([-1000, 5, 1e9]));
    expect(copulaTargets([1, 2, 3]).reduce((s, v) => s + v, 0)).toBeCloseTo(0, 6);
  });
});

describe('features and Predictor', () => {
  it('encode cells by their paths and hyperparameters by their encoding', () => {
    const cells = new FeatureEncoder(new Nb201Space());
    // Node 2 receives nothing, so its edge to the output is dead and adds no path.
    const g = nb201FromArch('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|');
    expect([...cells.named(g).keys()].sort()).toEqual(['path0:in>nor_conv_3x3>nor_conv_1x1', 'path0:in>skip_connect']);
    const hp = new FeatureEncoder(loadSpace('hparams-example') as SearchSpace<unknown>);
    const v = loadSpace('hparams-example').sample(Rng.seeded(1));
    const names = [...hp.named(v).keys()];
    expect(names.some((n) => n.includes('='))).toBe(true);
    expect(names.some((n) => n.endsWith('?'))).toBe(true);
  });

  it('reuses the last vocabulary when the names are the same, and re-encodes rows when they change', () => {
    const space = new Nb201Space();
    const encoder = new FeatureEncoder(space);
    const a = nb201FromArch('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|');
    const b = nb201FromArch('|avg_pool_3x3~0|+|nor_conv_1x1~0|none~1|+|none~0|none~1|nor_conv_3x3~2|');
    const small = encoder.vocabulary([a]);
    expect(encoder.vocabulary([a, a])).toBe(small);
    const rowSmall = encoder.row(b, small);
    expect(rowSmall.index).toHaveLength(0);
    const large = encoder.vocabulary([a, b]);
    expect(large).not.toBe(small);
    const rowLarge = encoder.row(b, large);
    expect(rowLarge.index.length).toBeGreaterThan(0);
    expect(encoder.row(b, large)).toBe(rowLarge);
    expect(Array.from(encoder.row(b, small).index)).toEqual([]);
  });

  it.each(['gp', 'mlp'] as const)('%s ranks NAS-Bench-201 cells by a score it was shown', (predictor) => {
    const space = new Nb201Space();
    const rng = Rng.seeded(12);
    const score = (c: ReturnType<Nb201Space['sample']>): number => c.edges.filter((op) => op === 'nor_conv_3x3').length + 0.5 * c.edges.filter((op) => op === 'skip_connect').length;
    const train = Array.from({ length: 80 }, () => space.sample(rng));
    const test = Array.from({ length: 80 }, () => space.sample(rng));
    const fitted = new Predictor(space, { predictor, members: 3, steps: 300 }).fit(train, train.map(score), 13);
    expect(fitted.targets).toHaveLength(80);
    expect(correlation(fitted.predict(test).mean, test.map(score))).toBeGreaterThan(0.6);
  });
});
