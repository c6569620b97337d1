import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { expectedImprovement, normalCdf } from '../src/search/gp/acquisition.ts';
import { ModelEncoding } from '../src/search/gp/encoding.ts';
import { GaussianProcess, fitHyperparameters, negLogMarginalLikelihood } from '../src/search/gp/gp.ts';
import { minimizeBox } from '../src/search/gp/lbfgs.ts';
import { cholInverse, cholSolve, cholesky, matMul, transpose } from '../src/search/linalg.ts';
import type { Matrix } from '../src/search/linalg.ts';

function randomSpd(n: number, rng: Rng): Matrix {
  const B: Matrix = { n, data: Float64Array.from({ length: n * n }, () => rng.normal()) };
  const A = matMul(B, transpose(B));
  for (let i = 0; i < n; i++) A.data[i * n + i] += 0.1;
  return A;
}

describe('Cholesky', () => {
  it('reconstructs SPD matrices, solves and inverts them', () => {
    const rng = Rng.seeded(1);
    for (const n of [1, 3, 17, 40]) {
      const A = randomSpd(n, rng);
      const L = cholesky(A) as Matrix;
      const LLt = matMul(L, transpose(L));
      for (let i = 0; i < n * n; i++) expect(LLt.data[i]).toBeCloseTo(A.data[i], 8);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(L.data[i * n + j]).toBe(0);
      const b = Array.from({ length: n }, () => rng.normal());
      const x = cholSolve(L, b);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += A.data[i * n + j] * x[j];
        expect(s).toBeCloseTo(b[i], 6);
      }
      const I = matMul(A, cholInverse(L));
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(I.data[i * n + j]).toBeCloseTo(i === j ? 1 : 0, 6);
    }
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(cholesky({ n: 2, data: Float64Array.of(1, 2, 2, 1) })).toBeNull();
  });
});

describe('box-constrained L-BFGS', () => {
  it('finds the Rosenbrock minimum and a minimum on the boundary', () => {
    const rosen = (x: Float64Array, g: Float64Array) => {
      g[0] = -2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] * x[0]);
      g[1] = 200 * (x[1] - x[0] * x[0]);
      return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] * x[0]) ** 2;
    };
    const r = minimizeBox(rosen, [-1.2, 1], [-2, -2], [2, 2], { maxIter: 500, gradTol: 1e-9 });
    expect(r.x[0]).toBeCloseTo(1, 4);
    expect(r.x[1]).toBeCloseTo(1, 4);
    const bounded = minimizeBox(rosen, [0, 0], [-2, -2], [0.5, 2], { maxIter: 500 });
    expect(bounded.x[0]).toBe(0.5);
    expect(bounded.x[1]).toBeCloseTo(0.25, 4);
  });
});

const toy = (x: number) => Math.sin(6 * x) + 0.5 * x;

describe('Gaussian process', () => {
  const xs = [0.05, 0.2, 0.35, 0.5, 0.7, 0.9];
  const X = Float64Array.from(xs);
  const y = xs.map(toy);

  it('interpolates the data and its variance shrinks at observed points', () => {
    const gp = GaussianProcess.fit(X, y, 1, Rng.seeded(2));
    xs.forEach((x, i) => {
      const p = gp.predict([x]);
      expect(p.mean * gp.yStd + gp.yMean).toBeCloseTo(y[i], 2);
      expect(p.sd).toBeLessThan(0.01);
    });
    const between = gp.predict([0.6]);
    expect(between.sd).toBeGreaterThan(10 * gp.predict([0.5]).sd);
    expect(Math.abs(between.mean * gp.yStd + gp.yMean - toy(0.6))).toBeLessThan(0.3);
    expect(gp.predict([3]).sd).toBeGreaterThan(between.sd);
  });

  it('reverts to the median of skewed targets far from the data, not to their mean', () => {
    const targets = [0, 0.1, 0.05, 0.2, 3, 3.2];
    const gp = new GaussianProcess(X, targets, [Math.log(0.1), 0, Math.log(1e-6)]);
    expect(gp.yMean).toBeCloseTo(0.15, 12);
    expect(gp.predict([50]).mean * gp.yStd + gp.yMean).toBeCloseTo(0.15, 6);
  });

  it('has a log-marginal-likelihood gradient that matches finite differences', () => {
    const rng = Rng.seeded(3);
    const d = 3;
    const n = 12;
    const Xd = Float64Array.from({ length: n * d }, () => rng.next());
    const yd = Float64Array.from({ length: n }, (_, i) => Math.sin(3 * Xd[i * d]) + Xd[i * d + 1] ** 2);
    const theta = [Math.log(0.4), Math.log(0.7), Math.log(1.3), Math.log(0.8), Math.log(1e-3)];
    const grad = new Float64Array(theta.length);
    negLogMarginalLikelihood(Xd, yd, theta, grad);
    for (let j = 0; j < theta.length; j++) {
      const h = 1e-5;
      const up = theta.slice();
      const down = theta.slice();
      up[j] += h;
      down[j] -= h;
      const fd = (negLogMarginalLikelihood(Xd, yd, up) - negLogMarginalLikelihood(Xd, yd, down)) / (2 * h);
      expect(grad[j]).toBeCloseTo(fd, 4);
    }
  });

  it('fits a long length scale to a dimension the function ignores', () => {
    const rng = Rng.seeded(4);
    const n = 40;
    const Xd = Float64Array.from({ length: n * 2 }, () => rng.next());
    const yd = Float64Array.from({ length: n }, (_, i) => Math.sin(5 * Xd[i * 2]));
    const theta = fitHyperparameters(Xd, yd, 2, Rng.seeded(5), undefined);
    const [l0, l1] = [Math.exp(theta[0]), Math.exp(theta[1])];
    expect(l1).toBeGreaterThan(5 * l0);
    expect(l1).toBeGreaterThan(1);
  });

  it('gives input gradients of the mean and sd that match finite differences', () => {
    const gp = GaussianProcess.fit(X, y, 1, Rng.seeded(6));
    const p = gp.predict([0.42], true);
    const h = 1e-6;
    const up = gp.predict([0.42 + h]);
    const down = gp.predict([0.42 - h]);
    expect(p.dMean![0]).toBeCloseTo((up.mean - down.mean) / (2 * h), 4);
    expect(p.dSd![0]).toBeCloseTo((up.sd - down.sd) / (2 * h), 4);
  });
});

describe('expected improvement', () => {
  it('is 0 without variance unless the mean improves, and grows with mean and uncertainty', () => {
    expect(expectedImprovement(0.5, 0, 1, 0.01)).toBe(0);
    expect(expectedImprovement(1, 0, 1, 0.01)).toBe(0);
    expect(expectedImprovement(2, 0, 1, 0)).toBe(1);
    expect(expectedImprovement(1.2, 0.1, 1)).toBeGreaterThan(expectedImprovement(0.8, 0.1, 1));
    expect(expectedImprovement(0.8, 0.5, 1)).toBeGreaterThan(expectedImprovement(0.8, 0.1, 1));
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
  });

  it('vanishes at observed points of a fitted GP and is largest near the promising gap', () => {
    const xs = [0.05, 0.2, 0.35, 0.5, 0.7, 0.9];
    const gp = GaussianProcess.fit(Float64Array.from(xs), xs.map(toy), 1, Rng.seeded(7));
    const best = Math.max(...gp.y);
    const ei = (x: number) => {
      const p = gp.predict([x]);
      return expectedImprovement(p.mean, p.sd, best, 0.01);
    };
    for (const x of xs) expect(ei(x)).toBeLessThan(1e-6);
    // The maximum of sin(6x) + x/2 is near x = 0.27, between the two best observations.
    expect(ei(0.27)).toBeGreaterThan(ei(0.8));
    expect(ei(0.27)).toBeGreaterThan(1e-4);
  });
});

describe('model encoding', () => {
  it('one-hot encodes categoricals, marks inactive values and decodes by argmax', () => {
    const enc = new ModelEncoding([
      { kind: 'float', name: 'a', low: 0, high: 1 },
      { kind: 'categorical', name: 'c', choices: ['x', 'y', 'z'] },
      { kind: 'int', name: 'n', low: 1, high: 5 },
    ]);
    expect(enc.width).toBe(5);
    expect(Array.from(enc.toModel([0.25, 2, 0.5]))).toEqual([0.25, 0, 0, 1, 0.5]);
    expect(Array.from(enc.toModel([NaN, NaN, 0.5]))).toEqual([-1, 0, 0, 0, 0.5]);
    expect(enc.fromModel([1.2, 0.1, 0.7, 0.3, -0.1])).toEqual([1, 1, 0]);
  });
});
