import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import { hparamsSpaceFromJSON } from '../src/spaces/hparams.ts';
import { parseHparamsSpec, specToJSON } from '../src/spaces/hparams-spec.ts';
import { branin, hartmann6, SYNTHETIC_OBJECTIVES, createSyntheticEvaluator } from '../src/evaluators/synthetic.ts';

const FILE = 'my-space.json';

function loadError(json: unknown): ValidationError {
  try {
    hparamsSpaceFromJSON(json, { file: FILE });
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

const base = (param: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown => ({
  type: 'hparams',
  parameters: { a: { kind: 'categorical', choices: ['x', 'y'] }, p: param, ...extra },
});

describe('hparams space files', () => {
  it.each([
    ['low >= high', { kind: 'float', low: 1, high: 1 }, 'parameters.p.low', /low < high/],
    ['log with low <= 0', { kind: 'float', low: 0, high: 1, log: true }, 'parameters.p.low', /low > 0/],
    ['unknown kind', { kind: 'double', low: 0, high: 1 }, 'parameters.p.kind', /float, int, categorical/],
    ['missing kind', { low: 0, high: 1 }, 'parameters.p.kind', /float, int, categorical/],
    ['missing high', { kind: 'int', low: 0 }, 'parameters.p.high', /integer/],
    ['non-integer int bound', { kind: 'int', low: 0, high: 2.5 }, 'parameters.p.high', /integer/],
    ['negative grid size', { kind: 'float', low: 0, high: 1, points: -3 }, 'parameters.p.points', />= 1/],
    ['empty choices', { kind: 'categorical', choices: [] }, 'parameters.p.choices', /non-empty/],
    ['repeated choice', { kind: 'categorical', choices: [1, 1] }, 'parameters.p.choices[1]', /distinct/],
    ['unknown field', { kind: 'float', low: 0, high: 1, step: 0.1 }, 'parameters.p.step', /low, high, log/],
    ['unknown parent', { kind: 'float', low: 0, high: 1, when: { b: ['x'] } }, 'parameters.p.when.b', /a, p/],
    ['bad parent value', { kind: 'float', low: 0, high: 1, when: { a: ['z'] } }, 'parameters.p.when.a', /"x", "y"/],
  ])('rejects %s naming the file and field', (_what, param, field, accepted) => {
    const err = loadError(base(param));
    expect(err.location.file).toBe(FILE);
    expect(err.location.field).toBe(field);
    expect(err.message).toContain(FILE);
    expect(err.accepted ?? '').toMatch(accepted);
  });

  it('rejects a missing parameters object, a wrong type and a cycle', () => {
    expect(loadError({ type: 'hparams' }).location.field).toBe('parameters');
    expect(loadError({ type: 'joint', parameters: {} }).location.field).toBe('type');
    const cyc = loadError({
      parameters: {
        a: { kind: 'categorical', choices: ['x'], when: { b: ['y'] } },
        b: { kind: 'categorical', choices: ['y'], when: { a: ['x'] } },
      },
    });
    expect(cyc.message).toMatch(/cycle/);
  });

  it('accepts parents declared after their children and round-trips through its file form', () => {
    const json = {
      type: 'hparams',
      name: 'late',
      parameters: {
        mom: { kind: 'float', low: 0, high: 1, when: { opt: ['sgd'] } },
        opt: { kind: 'categorical', choices: ['sgd', 'adam'] },
      },
    };
    const space = hparamsSpaceFromJSON(json);
    expect(space.order).toEqual(['opt', 'mom']);
    expect(space.names).toEqual(['mom', 'opt']);
    const again = hparamsSpaceFromJSON(JSON.parse(JSON.stringify(specToJSON(parseHparamsSpec(json)))));
    const rng = Rng.seeded(1);
    for (let i = 0; i < 20; i++) {
      const v = space.sample(rng);
      expect(again.validate(v)).toEqual(v);
    }
  });

  it.each(['hparams-example', 'branin', 'hartmann6'])('loads search-spaces/%s.json', (name) => {
    const json: unknown = JSON.parse(readFileSync(new URL(`../search-spaces/${name}.json`, import.meta.url), 'utf8'));
    const space = hparamsSpaceFromJSON(json, { file: `${name}.json` });
    expect(space.name).toBe(name);
  });
});

describe('synthetic objectives', () => {
  it('reach their known optima at the known minimisers', () => {
    expect(branin(-Math.PI, 12.275)).toBeCloseTo(0.397887, 5);
    expect(branin(Math.PI, 2.275)).toBeCloseTo(0.397887, 5);
    expect(branin(9.42478, 2.475)).toBeCloseTo(0.397887, 5);
    expect(hartmann6([0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573])).toBeCloseTo(-3.32237, 4);
  });

  it('are not below the optimum anywhere on a random sample of their domains', () => {
    const rng = Rng.seeded(7);
    for (const name of ['branin', 'hartmann6']) {
      const space = hparamsSpaceFromJSON(JSON.parse(readFileSync(new URL(`../search-spaces/${name}.json`, import.meta.url), 'utf8')));
      const objective = SYNTHETIC_OBJECTIVES[name];
      for (let i = 0; i < 2000; i++) {
        const v = space.sample(rng);
        expect(objective.value(objective.bounds.map((_, j) => v[`x${j + 1}`] as number))).toBeGreaterThan(objective.optimum - 1e-6);
      }
    }
  });

  it('evaluate to a score to maximise (the negated value) with the regret as a metric', async () => {
    const ev = createSyntheticEvaluator('branin');
    const res = await ev.evaluate({ trialId: 3, config: { x1: Math.PI, x2: 2.275 }, seed: 1 });
    expect(res.status).toBe('ok');
    expect(res.score).toBeCloseTo(-0.397887, 5);
    expect(res.metrics?.regret).toBeCloseTo(0, 5);
    const bad = await ev.evaluate({ trialId: 4, config: { x1: 11, x2: 2 }, seed: 1 });
    expect(bad.status).toBe('failed');
    expect(bad.error).toMatch(/x1.*\[-5, 10\]/);
    expect(() => createSyntheticEvaluator('rosenbrock')).toThrow(/branin, hartmann6/);
  });
});
