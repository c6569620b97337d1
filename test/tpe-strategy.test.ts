import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import { RandomSampler, RandomSearch } from '../src/search/random.ts';
import type { Strategy } from '../src/search/strategy.ts';
import { Tpe, parseTpeOptions, type TpeOptions } from '../src/search/tpe.ts';
import { type HparamAssignment, HparamsSpace, hparamsSpaceFromJSON } from '../src/spaces/hparams.ts';
import { SYNTHETIC_OBJECTIVES, syntheticPoint } from '../src/evaluators/synthetic.ts';

const readSpace = (name: string): HparamsSpace =>
  hparamsSpaceFromJSON(JSON.parse(readFileSync(new URL(`../search-spaces/${name}.json`, import.meta.url), 'utf8')));

const line = new HparamsSpace({ name: 'line', parameters: { x: { kind: 'float', low: 0, high: 1 } } });

/** Sequential ask/tell for `n` evaluations; returns the configurations in order. */
function run(s: Strategy<HparamAssignment>, score: (c: HparamAssignment) => number, n: number): HparamAssignment[] {
  const out: HparamAssignment[] = [];
  for (let i = 0; i < n; i++) {
    const r = s.ask();
    if (r.kind !== 'suggestion') throw new Error(`unexpected ${r.kind}`);
    out.push(r.suggestion.config);
    s.tell(r.suggestion.id, { status: 'ok', score: score(r.suggestion.config) });
  }
  return out;
}

describe('TPE', () => {
  it('starts with the held random sampler for nStartupTrials completed trials', () => {
    const rng = Rng.seeded(8);
    const tpe = new Tpe(line, rng, { nStartupTrials: 5 });
    const random = new RandomSampler(line, Rng.seeded(8).split('startup'));
    const seen = run(tpe, (c) => -Math.abs((c.x as number) - 0.3), 6);
    expect(seen.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => random.sample()));
    expect(seen[5]).not.toEqual(random.sample());
  });

  it('does not count failed trials as start-up trials and survives a run of failures', () => {
    const tpe = new Tpe(line, Rng.seeded(1), { nStartupTrials: 3 });
    const random = new RandomSampler(line, Rng.seeded(1).split('startup'));
    for (let i = 0; i < 10; i++) {
      const r = tpe.ask();
      if (r.kind !== 'suggestion') throw new Error('tpe never waits');
      expect(r.suggestion.config).toEqual(random.sample());
      tpe.tell(r.suggestion.id, { status: 'failed' });
    }
  });

  it('concentrates its proposals near the optimum of a 1-D function, unlike random search', () => {
    const score = (c: HparamAssignment): number => -(((c.x as number) - 0.73) ** 2);
    const dist = (cs: HparamAssignment[]): number => {
      const d = cs.map((c) => Math.abs((c.x as number) - 0.73)).sort((a, b) => a - b);
      return d[Math.floor(d.length / 2)];
    };
    const tpe = run(new Tpe(line, Rng.seeded(2)), score, 60).slice(40);
    const rnd = run(new RandomSearch(line, Rng.seeded(2)), score, 60).slice(40);
    expect(dist(tpe)).toBeLessThan(0.1);
    expect(dist(tpe)).toBeLessThan(dist(rnd) / 2);
  });

  it.each<[string, TpeOptions]>([
    ['multivariate (default)', {}],
    ['univariate', { multivariate: false }],
  ])('beats random search on Branin over 8 seeds, %s', (_label, options) => {
    const space = readSpace('branin');
    const objective = SYNTHETIC_OBJECTIVES.branin;
    const value = (c: HparamAssignment): number => objective.value(syntheticPoint(objective, c));
    const regret = (s: Strategy<HparamAssignment>): number => Math.min(...run(s, (c) => -value(c), 50).map(value)) - objective.optimum;
    let tpe = 0;
    let rnd = 0;
    for (let seed = 1; seed <= 8; seed++) {
      tpe += regret(new Tpe(space, Rng.seeded(seed), options)) / 8;
      rnd += regret(new RandomSearch(space, Rng.seeded(seed))) / 8;
    }
    expect(tpe).toBeLessThan(rnd / 2);
  });

  it('learns which branch of a conditional space is better and fits conditional dims where active', () => {
    const space = readSpace('hparams-example');
    const score = (c: HparamAssignment): number =>
      c.optimizer === 'sgd' ? 2 - 4 * Math.abs((c.momentum as number) - 0.9) - Math.abs(Math.log10(c.learning_rate as number) + 2) : -Math.abs(Math.log10(c.learning_rate as number) + 2);
    const seen = run(new Tpe(space, Rng.seeded(5)), score, 60);
    for (const c of seen) expect(space.validate(c)).toEqual(c);
    const late = seen.slice(40);
    expect(late.filter((c) => c.optimizer === 'sgd').length).toBeGreaterThanOrEqual(15);
    const moms = late.filter((c) => c.optimizer === 'sgd').map((c) => Math.abs((c.momentum as number) - 0.9));
    expect(moms.sort((a, b) => a - b)[Math.floor(moms.length / 2)]).toBeLessThan(0.08);
  });

  it('proposes different points while earlier ones are pending (constant liar)', () => {
    const tpe = new Tpe(line, Rng.seeded(3), { nStartupTrials: 4 });
    run(tpe, (c) => -Math.abs((c.x as number) - 0.5), 12);
    const pending: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = tpe.ask();
      if (r.kind !== 'suggestion') throw new Error('tpe never waits');
      pending.push(r.suggestion.config.x as number);
    }
    expect(new Set(pending).size).toBe(5);
  });

  it('rejects unknown and malformed options, naming them', () => {
    expect(() => parseTpeOptions({ nStartup: 3 })).toThrow(/unknown TPE option 'nStartup'/);
    expect(() => parseTpeOptions({ nEiCandidates: 0 })).toThrow(ValidationError);
    expect(() => parseTpeOptions({ priorWeight: -1 })).toThrow(/priorWeight/);
    expect(parseTpeOptions({})).toEqual({
      nStartupTrials: 10,
      nEiCandidates: 24,
      priorWeight: 1,
      considerMagicClip: true,
      considerEndpoints: false,
      multivariate: true,
      constantLiar: true,
    });
  });
});
