import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError, ValidationError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import { GridSearch, pointsForBudget } from '../src/search/grid.ts';
import { FeistelPermutation } from '../src/search/permutation.ts';
import { RandomSampler, RandomSearch } from '../src/search/random.ts';
import type { Strategy } from '../src/search/strategy.ts';
import { HparamsSpace, hparamsSpaceFromJSON } from '../src/spaces/hparams.ts';
import { hparamsGrid } from '../src/spaces/hparams-grid.ts';
import { loadSpace } from '../src/spaces/load.ts';
import type { SearchSpace } from '../src/spaces/space.ts';

const branin = hparamsSpaceFromJSON(JSON.parse(readFileSync(new URL('../search-spaces/branin.json', import.meta.url), 'utf8')));
const discrete = new HparamsSpace({
  name: 'discrete',
  parameters: {
    opt: { kind: 'categorical', choices: ['sgd', 'adam'] },
    mom: { kind: 'categorical', choices: [0.8, 0.9], when: { opt: ['sgd'] } },
    depth: { kind: 'int', low: 1, high: 3 },
  },
});

/** Every suggestion until `done` (telling each at once). */
function drain<C>(s: Strategy<C>, limit = 100_000): C[] {
  const out: C[] = [];
  for (let i = 0; i < limit; i++) {
    const r = s.ask();
    if (r.kind === 'done') return out;
    if (r.kind === 'wait') throw new Error('grid never waits');
    out.push(r.suggestion.config);
    s.tell(r.suggestion.id, { status: 'ok', score: 0 });
  }
  throw new Error('not done');
}

describe('grid search', () => {
  it('visits every point of a discrete hyperparameter space once, in the grid order, then is done', () => {
    const grid = new GridSearch(discrete, Rng.seeded(1), 100);
    const seen = drain(grid);
    expect(seen.length).toBe(discrete.size());
    expect(seen.length).toBe((2 + 1) * 3);
    expect(seen).toEqual(hparamsGrid(discrete, { points: grid.points }));
    expect(seen[0]).toEqual({ opt: 'sgd', mom: 0.8, depth: 1 });
    expect(drain(new GridSearch(discrete, Rng.seeded(2), 100))).toEqual(seen);
  });

  it('shuffles the same points in a seeded order', () => {
    const plain = drain(new GridSearch(branin, Rng.seeded(1), 100, { points: 9 }));
    const a = drain(new GridSearch(branin, Rng.seeded(1), 100, { points: 9, shuffle: true }));
    const b = drain(new GridSearch(branin, Rng.seeded(1), 100, { points: 9, shuffle: true }));
    const c = drain(new GridSearch(branin, Rng.seeded(2), 100, { points: 9, shuffle: true }));
    const key = (v: Record<string, unknown>): string => branin.hash(v as Record<string, number>);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a).not.toEqual(plain);
    expect(new Set(a.map(key))).toEqual(new Set(plain.map(key)));
    expect(plain.length).toBe(81);
  });

  it('discretises continuous parameters to fit the budget by default', () => {
    expect(pointsForBudget(branin as SearchSpace<unknown>, 50)).toBe(7);
    const g = new GridSearch(branin, Rng.seeded(1), 50);
    expect(g.points).toBe(7);
    const xs = drain(g).map((v) => v.x1 as number);
    expect(xs.length).toBe(49);
    expect(Math.min(...xs)).toBe(-5);
    expect(Math.max(...xs)).toBe(10);
  });

  it('enumerates an architecture space through its encoding, each canonical architecture once', () => {
    const space = loadSpace('nas-bench-201');
    const all = drain(new GridSearch(space, Rng.seeded(1), 100, { shuffle: true }));
    const hashes = all.map((g) => space.hash(g));
    expect(new Set(hashes).size).toBe(all.length);
    // Independently: the distinct canonical hashes of all 5^6 cells.
    const ops = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];
    const distinct = new Set<string>();
    for (let i = 0; i < 5 ** 6; i++) {
      const edges = Array.from({ length: 6 }, (_, e) => ops[Math.floor(i / 5 ** (5 - e)) % 5]);
      distinct.add(space.hash(space.validate({ kind: 'nb201', edges })));
    }
    expect(new Set(hashes)).toEqual(distinct);
  });

  it('refuses to resume a different grid and rejects bad options', () => {
    const a = new GridSearch(branin, Rng.seeded(1), 50);
    a.ask();
    const state = a.saveState();
    expect(() => new GridSearch(branin, Rng.seeded(1), 50, { points: 4 }).loadState(state)).toThrow(UsageError);
    expect(() => new GridSearch(branin, Rng.seeded(1), 50, { points: 4 }).loadState({ version: 9 })).toThrow(UsageError);
    expect(() => new GridSearch(branin, Rng.seeded(1), 1e9, { points: 2000, maxSize: 1000 })).toThrow(ValidationError);
  });
});

describe('seeded Feistel permutation', () => {
  it.each([1, 2, 3, 17, 1000, 4097])('is a bijection of [0, %i)', (n) => {
    const p = FeistelPermutation.random(n, Rng.seeded(n));
    const image = Array.from({ length: n }, (_, i) => p.at(i));
    expect(new Set(image).size).toBe(n);
    expect(Math.min(...image)).toBe(0);
    expect(Math.max(...image)).toBe(n - 1);
  });

  it('depends on its keys', () => {
    const a = FeistelPermutation.random(1000, Rng.seeded(1));
    const b = FeistelPermutation.random(1000, Rng.seeded(2));
    const same = Array.from({ length: 1000 }, (_, i) => a.at(i) === b.at(i)).filter(Boolean).length;
    expect(same).toBeLessThan(20);
    expect(new FeistelPermutation(1000, a.keys).at(123)).toBe(a.at(123));
  });
});

describe('random search', () => {
  it('draws independent uniform members of the space, held by RandomSampler', () => {
    const s = new RandomSearch(branin, Rng.seeded(4));
    const sampler = new RandomSampler(branin, Rng.seeded(4));
    const xs: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const r = s.ask();
      if (r.kind !== 'suggestion') throw new Error('random always suggests');
      expect(r.suggestion.id).toBe(i);
      expect(r.suggestion.config).toEqual(sampler.sample());
      xs.push(r.suggestion.config.x1 as number);
      if (i % 3 === 0) s.tell(i, { status: i % 2 ? 'failed' : 'ok', score: 1 });
    }
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeGreaterThan(2.5 - 0.3);
    expect(mean).toBeLessThan(2.5 + 0.3);
    expect(xs.filter((x) => x < 0).length / xs.length).toBeCloseTo(1 / 3, 1);
  });

  it('rejects an ok outcome without a finite score', () => {
    const s = new RandomSearch(branin, Rng.seeded(4));
    s.ask();
    expect(() => s.tell(0, { status: 'ok' })).toThrow(UsageError);
    expect(() => s.tell(0, { status: 'ok', score: Number.NaN })).toThrow(UsageError);
    s.tell(0, { status: 'ok', score: -1 });
  });
});
