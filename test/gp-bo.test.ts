import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import { BayesianOptimization } from '../src/search/bo.ts';
import { createStrategy } from '../src/search/registry.ts';
import type { Strategy, Suggestion } from '../src/search/strategy.ts';
import { boxSpace, braninValue, insideBox } from './gp-box-space.ts';
import type { BoxValue } from './gp-box-space.ts';

const branin = boxSpace({ bounds: [[-5, 10], [0, 15]] });
const mixed = boxSpace({ bounds: [[0, 1], [0, 1]], intHigh: 4, choices: ['a', 'b', 'c'] });
const mixedValue = (x: BoxValue) =>
  ((x[0] as number) - 0.3) ** 2 + ((x[1] as number) - 0.6) ** 2 + 0.1 * Math.abs((x[2] as number) - 3) + (x[3] === 'c' ? 0 : 0.5);

const fast = { candidates: 300, localStarts: 3, observedStarts: 2 };

function run(s: Strategy<BoxValue>, n: number, f: (x: BoxValue) => number): Suggestion<BoxValue>[] {
  const out: Suggestion<BoxValue>[] = [];
  for (let i = 0; i < n; i++) {
    const a = s.ask();
    if (a.kind !== 'suggestion') throw new Error(`expected a suggestion, got ${a.kind}`);
    out.push(a.suggestion);
    s.tell(a.suggestion.id, { status: 'ok', score: -f(a.suggestion.config) });
  }
  return out;
}

describe('bo strategy', () => {
  it('finds the Branin minimum closely within 30 evaluations', () => {
    const trials = run(new BayesianOptimization(branin, Rng.seeded(1), { candidates: 2000, localStarts: 5 }), 30, (x) => braninValue(x as number[]));
    const best = Math.min(...trials.map((t) => braninValue(t.config as number[])));
    expect(best - 0.397887).toBeLessThan(0.05);
    expect(trials.every((t) => insideBox(branin, t.config))).toBe(true);
  });

  it('searches int and categorical dimensions through the encoding and stays inside the space', () => {
    const trials = run(new BayesianOptimization(mixed, Rng.seeded(2), fast), 25, mixedValue);
    expect(trials.every((t) => insideBox(mixed, t.config))).toBe(true);
    const later = trials.slice(15);
    expect(later.filter((t) => t.config[3] === 'c').length).toBeGreaterThan(5);
    const keys = new Set(trials.map((t) => JSON.stringify(t.config)));
    expect(keys.size).toBe(trials.length);
  });

  it('repeats a sequence for a seed, differs for another, and is registered as bo', async () => {
    await import('../src/search/bo.ts');
    const make = (seed: number) =>
      createStrategy('bo', { space: mixed, rng: Rng.seeded(seed), budget: 12, options: fast }) as Strategy<BoxValue>;
    const a = run(make(3), 12, mixedValue);
    expect(run(make(3), 12, mixedValue)).toEqual(a);
    expect(run(make(4), 12, mixedValue)).not.toEqual(a);
  });

  it('continues exactly after saveState/loadState, with a trial still pending', () => {
    const a = new BayesianOptimization(mixed, Rng.seeded(5), fast);
    run(a, 9, mixedValue);
    const pending = a.ask();
    const b = new BayesianOptimization(mixed, Rng.seeded(99), fast);
    b.loadState(JSON.parse(JSON.stringify(a.saveState())));
    if (pending.kind !== 'suggestion') throw new Error('expected a suggestion');
    for (const s of [a, b]) s.tell(pending.suggestion.id, { status: 'ok', score: -mixedValue(pending.suggestion.config) });
    expect(run(b, 6, mixedValue)).toEqual(run(a, 6, mixedValue));
  });

  it('asks a Latin hypercube first (one point per stratum of each numeric dimension) and restores mid-design', () => {
    const a = new BayesianOptimization(branin, Rng.seeded(6), { ...fast, initialPoints: 6 });
    const first = run(a, 2, (x) => braninValue(x as number[]));
    const b = new BayesianOptimization(branin, Rng.seeded(98), { ...fast, initialPoints: 6 });
    b.loadState(JSON.parse(JSON.stringify(a.saveState())));
    const rest = run(b, 4, (x) => braninValue(x as number[]));
    expect(run(a, 4, (x) => braninValue(x as number[]))).toEqual(rest);
    const design = [...first, ...rest].map((t) => branin.encode(t.config));
    for (let j = 0; j < 2; j++) {
      const strata = design.map((p) => Math.floor(p[j] * 6)).sort((u, v) => u - v);
      expect(strata).toEqual([0, 1, 2, 3, 4, 5]);
    }
  });

  it('throws on a second tell or a tell for an unknown id, and ignores failed trials in the model', () => {
    const s = new BayesianOptimization(branin, Rng.seeded(6), fast);
    const a = s.ask();
    if (a.kind !== 'suggestion') throw new Error('expected a suggestion');
    s.tell(a.suggestion.id, { status: 'failed' });
    expect(() => s.tell(a.suggestion.id, { status: 'ok', score: 1 })).toThrow(UsageError);
    expect(() => s.tell(42, { status: 'ok', score: 1 })).toThrow(UsageError);
    const rest = run(s, 10, (x) => braninValue(x as number[]));
    expect(rest.every((t) => insideBox(branin, t.config))).toBe(true);
  });

  it('rejects bad options with the option named', () => {
    expect(() => new BayesianOptimization(branin, Rng.seeded(1), { candidates: 0 })).toThrow(/options\.candidates/);
  });
});
