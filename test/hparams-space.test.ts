import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import { type HparamAssignment, HparamsSpace, hparamsSpaceFromJSON } from '../src/spaces/hparams.ts';
import { hparamsGrid, hparamsGridSize } from '../src/spaces/hparams-grid.ts';

const exampleJSON = (): unknown => JSON.parse(readFileSync(new URL('../search-spaces/hparams-example.json', import.meta.url), 'utf8'));

const space = new HparamsSpace({
  name: 'small',
  parameters: {
    lr: { kind: 'float', low: 1e-4, high: 1, log: true },
    layers: { kind: 'int', low: 1, high: 4 },
    width: { kind: 'int', low: 8, high: 512, log: true },
    optimizer: { kind: 'categorical', choices: ['sgd', 'adam', 'rmsprop'] },
    momentum: { kind: 'float', low: 0.5, high: 0.99, when: { optimizer: ['sgd', 'rmsprop'] } },
    nesterov: { kind: 'categorical', choices: [true, false], when: { optimizer: ['sgd'] } },
    extra: { kind: 'categorical', choices: ['a', 'b'], when: { layers: [3, 4] } },
  },
});

export function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('hparams space: sample and validate', () => {
  it('samples valid assignments with conditional parameters present exactly when active', () => {
    const rng = Rng.seeded(1);
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const v = space.sample(rng);
      expect(space.validate(v)).toEqual(v);
      expect('momentum' in v).toBe(v.optimizer !== 'adam');
      expect('nesterov' in v).toBe(v.optimizer === 'sgd');
      expect('extra' in v).toBe((v.layers as number) >= 3);
      expect(Number.isInteger(v.width)).toBe(true);
      seen.add(String(v.optimizer));
    }
    expect(seen.size).toBe(3);
  });

  it('samples log parameters log-uniformly', () => {
    const rng = Rng.seeded(2);
    const n = 4000;
    let below = 0;
    for (let i = 0; i < n; i++) if ((space.sample(rng).lr as number) < 1e-2) below++;
    // Half of [1e-4, 1] in log space lies below 1e-2.
    expect(below / n).toBeGreaterThan(0.45);
    expect(below / n).toBeLessThan(0.55);
  });

  it('rejects unknown, missing, out-of-range and inactive-but-present parameters, naming them', () => {
    const good: HparamAssignment = { lr: 0.01, layers: 2, width: 64, optimizer: 'adam' };
    expect(space.validate(good)).toEqual(good);
    let err = errorOf(() => space.validate({ ...good, colour: 'red' }));
    expect(err.location.field).toBe('colour');
    expect(err.accepted).toContain('lr');
    err = errorOf(() => space.validate({ lr: 0.01, layers: 2, optimizer: 'adam' }));
    expect(err.location.field).toBe('width');
    expect(err.message).toMatch(/missing/);
    err = errorOf(() => space.validate({ ...good, lr: 2 }));
    expect(err.location.field).toBe('lr');
    expect(err.accepted).toMatch(/\[0.0001, 1\]/);
    err = errorOf(() => space.validate({ ...good, layers: 2.5 }));
    expect(err.location.field).toBe('layers');
    expect(err.accepted).toMatch(/integer/);
    err = errorOf(() => space.validate({ ...good, optimizer: 'lion' }));
    expect(err.accepted).toContain('"rmsprop"');
    err = errorOf(() => space.validate({ ...good, momentum: 0.9 }));
    expect(err.location.field).toBe('momentum');
    expect(err.message).toMatch(/inactive/);
    expect(err.accepted).toMatch(/optimizer is one of "sgd", "rmsprop"/);
    err = errorOf(() => space.validate({ ...good, optimizer: 'sgd', momentum: 0.9 }));
    expect(err.location.field).toBe('nesterov');
    expect(() => space.validate([1, 2])).toThrow(ValidationError);
  });
});

describe('hparams space: mutate', () => {
  it('changes exactly one parameter (plus conditional consequences) and stays valid', () => {
    const rng = Rng.seeded(3);
    let v = space.sample(rng);
    let changedTotal = 0;
    for (let i = 0; i < 500; i++) {
      const child = space.mutate(v, rng);
      expect(space.validate(child)).toEqual(child);
      const changed = Object.keys(space.spec.parameters).filter((k) => k in v && k in child && v[k] !== child[k]);
      expect(changed.length).toBeLessThanOrEqual(1);
      if (changed.length === 1) changedTotal++;
      const shared = ['lr', 'layers', 'width', 'optimizer'].filter((k) => v[k] !== child[k]);
      expect(shared.length).toBeLessThanOrEqual(1);
      v = child;
    }
    expect(changedTotal).toBeGreaterThan(400);
  });

  it('switching the parent categorical adds and drops its children', () => {
    const rng = Rng.seeded(4);
    const adam: HparamAssignment = { lr: 0.01, layers: 1, width: 64, optimizer: 'adam' };
    let sawSgd = false;
    for (let i = 0; i < 200 && !sawSgd; i++) {
      const child = space.mutate(adam, rng);
      if (child.optimizer === 'sgd') {
        sawSgd = true;
        expect(typeof child.momentum).toBe('number');
        expect(typeof child.nesterov).toBe('boolean');
      }
    }
    expect(sawSgd).toBe(true);
    const sgd = space.validate({ lr: 0.01, layers: 1, width: 64, optimizer: 'sgd', momentum: 0.9, nesterov: true });
    for (let i = 0; i < 200; i++) {
      const child = space.mutate(sgd, rng);
      if (child.optimizer === 'adam') {
        expect(child).not.toHaveProperty('momentum');
        expect(child).not.toHaveProperty('nesterov');
      }
    }
  });

  it('is deterministic given the rng', () => {
    const a = space.sample(Rng.seeded(9));
    expect(space.mutate(a, Rng.seeded(10))).toEqual(space.mutate(a, Rng.seeded(10)));
  });
});

describe('hparams space: hash, encode, decode', () => {
  it('hashes canonically: key order and float noise do not matter, values do', () => {
    const a = { lr: 0.1, layers: 2, width: 64, optimizer: 'adam' };
    const b = { optimizer: 'adam', width: 64, layers: 2, lr: 0.1 + 1e-17 };
    expect(space.hash(a)).toBe(space.hash(b));
    expect(space.hash(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(space.hash({ ...a, lr: 0.11 })).not.toBe(space.hash(a));
    expect(space.hash({ ...a, optimizer: 'sgd', momentum: 0.9, nesterov: false })).not.toBe(
      space.hash({ ...a, optimizer: 'sgd', momentum: 0.9, nesterov: true }),
    );
    expect(space.canonical(b)).toBe('layers=2;lr=0.1;optimizer="adam";width=64');
  });

  it('encodes to [0, 1] (log-aware), categoricals as index, inactive dims as NaN; decode inverts', () => {
    const v = space.validate({ lr: 0.01, layers: 4, width: 8, optimizer: 'rmsprop', momentum: 0.5, extra: 'b' });
    const x = space.encode(v);
    expect(space.dims().map((d) => d.kind)).toEqual(['float', 'int', 'int', 'categorical', 'float', 'categorical', 'categorical']);
    expect(x[0]).toBeCloseTo(0.5, 12);
    expect(x[1]).toBe(1);
    expect(x[2]).toBe(0);
    expect(x[3]).toBe(2);
    expect(x[4]).toBe(0);
    expect(x[5]).toBeNaN();
    expect(x[6]).toBe(1);
    expect(space.hash(space.decode(x))).toBe(space.hash(v));
    const rng = Rng.seeded(5);
    for (let i = 0; i < 200; i++) {
      const s = space.sample(rng);
      expect(space.hash(space.decode(space.encode(s)))).toBe(space.hash(s));
      const random = space.dims().map((d) => (d.kind === 'categorical' ? rng.int(d.choices.length) : rng.uniform(-0.2, 1.2)));
      expect(() => space.validate(space.decode(random))).not.toThrow();
    }
  });

  it('counts its size exactly, Infinity with a float, and describes itself', () => {
    const discrete = new HparamsSpace({
      name: 'discrete',
      parameters: {
        depth: { kind: 'int', low: 1, high: 10 },
        opt: { kind: 'categorical', choices: ['sgd', 'adam'] },
        mom: { kind: 'categorical', choices: [0.8, 0.9, 0.99], when: { opt: ['sgd'] } },
        wide: { kind: 'categorical', choices: ['x', 'y'], when: { depth: [1, 2] } },
      },
    });
    // depth: 8 values without 'wide' + 2 values x 2; opt: adam (1) or sgd (3).
    expect(discrete.size()).toBe((8 + 2 * 2) * (1 + 3));
    expect(space.size()).toBe(Number.POSITIVE_INFINITY);
    expect(discrete.describe()).toMatch(/mom: categorical, one of 0.8, 0.9, 0.99 {2}\(when opt is "sgd"\)/);
  });
});

describe('hparams grid', () => {
  it('enumerates a conditional-aware, log-aware discretised grid in a deterministic order', () => {
    const g = new HparamsSpace({
      name: 'g',
      parameters: {
        lr: { kind: 'float', low: 1e-3, high: 1e-1, log: true },
        opt: { kind: 'categorical', choices: ['sgd', 'adam'] },
        mom: { kind: 'float', low: 0, high: 1, when: { opt: ['sgd'] }, points: 2 },
        bs: { kind: 'int', low: 16, high: 256, log: true },
      },
    });
    const grid = hparamsGrid(g, { points: 3 });
    expect(grid.length).toBe(3 * (2 + 1) * 3);
    expect(hparamsGridSize(g, { points: 3 })).toBe(grid.length);
    expect(new Set(grid.map((a) => g.hash(a))).size).toBe(grid.length);
    const lrs = [...new Set(grid.map((a) => a.lr as number))];
    expect(lrs[0]).toBeCloseTo(1e-3, 12);
    expect(lrs[1]).toBeCloseTo(1e-2, 12);
    expect(lrs[2]).toBeCloseTo(1e-1, 12);
    expect([...new Set(grid.map((a) => a.bs))]).toEqual([16, 64, 256]);
    expect(grid[0]).toEqual({ lr: 1e-3, opt: 'sgd', mom: 0, bs: 16 });
    expect(grid.filter((a) => a.opt === 'adam').every((a) => !('mom' in a))).toBe(true);
    expect(hparamsGrid(g, { points: 3 })).toEqual(grid);
    expect(() => hparamsGrid(g, { points: 3, maxSize: 10 })).toThrow(/27 points, more than 10/);
  });

  it('takes every int when there are few of them', () => {
    const g = new HparamsSpace({ name: 'i', parameters: { k: { kind: 'int', low: 1, high: 4 } } });
    expect(hparamsGrid(g, { points: 5 }).map((a) => a.k)).toEqual([1, 2, 3, 4]);
    expect(hparamsGrid(g, { points: 2 }).map((a) => a.k)).toEqual([1, 4]);
  });
});

describe('hparams example file', () => {
  it('loads and samples', () => {
    const s = hparamsSpaceFromJSON(exampleJSON(), { file: 'hparams-example.json' });
    expect(s.name).toBe('hparams-example');
    expect(s.describe()).toMatch(/momentum: float/);
    const v = s.sample(Rng.seeded(1));
    expect(s.validate(JSON.parse(JSON.stringify(s.toJSON(v))))).toEqual(v);
  });
});
