import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFormatError, ValidationError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import { NB201_OPS } from '../src/genome/types.ts';
import { SPACES_DIR, builtinSpaceNames, loadSpace, registerSpaceType, spaceFromJSON, spaceTypes } from '../src/spaces/load.ts';
import { Nb201Space } from '../src/spaces/nas-bench-201.ts';
import { NasnetCellSpace } from '../src/spaces/nasnet-cell.ts';
import type { SearchSpace } from '../src/spaces/space.ts';

const tmp = mkdtempSync(join(tmpdir(), 'nas-spaces-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeSpace(name: string, json: unknown): string {
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json));
  return file;
}

function shipped(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(SPACES_DIR, `${name}.json`), 'utf8'));
}

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe.each(['nasnet-cell', 'nas-bench-201'])('architecture space %s', (name) => {
  const space = loadSpace(name) as SearchSpace<unknown>;

  it('samples valid members, repeatably for a seed', () => {
    const a = Array.from({ length: 20 }, (_, i) => space.sample(Rng.seeded(i)));
    const b = Array.from({ length: 20 }, (_, i) => space.sample(Rng.seeded(i)));
    expect(a).toEqual(b);
    for (const g of a) expect(space.validate(JSON.parse(JSON.stringify(space.toJSON(g))))).toEqual(g);
    expect(new Set(a.map((g) => space.hash(g))).size).toBeGreaterThan(15);
  });

  it('mutates into a valid, different member without touching the parent', () => {
    const rng = Rng.seeded('m');
    for (let i = 0; i < 200; i++) {
      const parent = space.sample(rng);
      const copy = JSON.parse(JSON.stringify(parent));
      const child = space.mutate(parent, rng);
      expect(parent).toEqual(copy);
      expect(space.validate(child)).toEqual(child);
      expect(child).not.toEqual(parent);
    }
  });

  it('encodes to a fixed-length vector within its dims and decodes back', () => {
    const dims = space.dims();
    const rng = Rng.seeded('e');
    for (let i = 0; i < 100; i++) {
      const g = space.sample(rng);
      const v = space.encode(g);
      expect(v).toHaveLength(dims.length);
      v.forEach((x, d) => {
        const dim = dims[d];
        expect(dim.kind).toBe('categorical');
        if (dim.kind === 'categorical') expect(x >= 0 && x < dim.choices.length && Number.isInteger(x)).toBe(true);
      });
      expect(space.decode(v)).toEqual(g);
    }
    // Any vector of the right length decodes to a valid member.
    for (let i = 0; i < 100; i++) {
      const v = dims.map(() => rng.uniform(-3, 20));
      v[0] = NaN;
      space.validate(space.decode(v));
    }
  });

  it('describes itself with its size', () => {
    expect(space.type).toBe(name);
    expect(space.name).toBe(name);
    expect(space.describe()).toContain(name);
    expect(space.describe()).toContain('size');
    expect(space.size()).toBeGreaterThan(1000);
  });
});

describe('space sizes and configs', () => {
  it('has 15,625 NAS-Bench-201 cells and fewer distinct networks', () => {
    const space = loadSpace('nas-bench-201') as Nb201Space;
    expect(space.size()).toBe(15625);
    expect(space.distinctNetworks()).toBeLessThan(15625);
    expect(space.describe()).toContain('15,625 cells');
    expect(space.config).toMatchObject({ cellsPerStack: 5, stacks: 3, initialFilters: 16 });
  });

  it('counts NASNet genomes up to input order, from the config', () => {
    const space = loadSpace('nasnet-cell') as NasnetCellSpace;
    expect(space.config).toMatchObject({ blocks: 5, cellsPerStack: 2, stacks: 3, initialFilters: 16 });
    expect(space.config.ops).toHaveLength(8);
    // B = 1, two ops: one block choosing an unordered pair of 2 inputs x 2 ops = 4 items -> 10, per cell.
    expect(new NasnetCellSpace({ blocks: 1, ops: ['identity', 'max_pool_3x3'] }).size()).toBe(100);
    // B = 2, one op: block 0: 3 pairs of 2 items, block 1: 6 pairs of 3 items -> 18 per cell.
    expect(new NasnetCellSpace({ blocks: 2, ops: ['identity'] }).size()).toBe(324);
  });

  it('restricts ops and blocks as the file says', () => {
    const file = writeSpace('small', { ...shipped('nasnet-cell'), name: undefined, ops: ['identity', 'max_pool_3x3'], blocks: 2 });
    const space = loadSpace(file) as NasnetCellSpace;
    expect(space.name).toBe('small');
    const rng = Rng.seeded(1);
    for (let i = 0; i < 50; i++) {
      const g = space.sample(rng);
      expect(g.normal.blocks).toHaveLength(2);
      for (const b of [...g.normal.blocks, ...g.reduction.blocks]) expect(['identity', 'max_pool_3x3']).toEqual(expect.arrayContaining(b.ops));
    }
    const other = new NasnetCellSpace().sample(Rng.seeded(2));
    expect(() => space.validate(other)).toThrow(/field 'normal\.blocks'/);
    const nb = loadSpace(writeSpace('nb-small', { ...shipped('nas-bench-201'), ops: ['none', 'skip_connect'] })) as Nb201Space;
    expect(nb.size()).toBe(64);
    expect(() => nb.validate(space.sample(Rng.seeded(4)))).toThrow(/field 'kind': got "nasnet"; accepted: one of nb201/);
    expect(() => space.validate(nb.sample(Rng.seeded(4)))).toThrow(/field 'kind': got "nb201"; accepted: one of nasnet/);
    expect(nb.validate(nb.sample(Rng.seeded(3))).edges.every((op) => op === 'none' || op === 'skip_connect')).toBe(true);
  });
});

describe('loading space files', () => {
  it('finds shipped spaces by name and files by path; every shipped file has a type', () => {
    expect(builtinSpaceNames()).toEqual(expect.arrayContaining(['nasnet-cell', 'nas-bench-201']));
    for (const name of builtinSpaceNames()) expect(typeof shipped(name).type).toBe('string');
    expect(loadSpace(join(SPACES_DIR, 'nasnet-cell.json')).type).toBe('nasnet-cell');
    expect(() => loadSpace('no-such-space')).toThrow(/unknown space 'no-such-space'.*accepted: one of .*nasnet-cell/);
    expect(() => loadSpace(join(tmp, 'missing.json'))).toThrow(FileFormatError);
    expect(() => loadSpace(writeSpace('broken', '{"type": "nasnet-cell",'))).toThrow(/broken\.json: not valid JSON/);
  });

  it('names the file and the field of an unknown op', () => {
    const file = writeSpace('bad-op', { ...shipped('nasnet-cell'), ops: ['identity', 'sep_conv_9x9'] });
    const err = errorOf(() => loadSpace(file));
    expect(err.location).toEqual({ file, field: 'ops[1]' });
    expect(err.accepted).toContain('sep_conv_3x3');
    const nb = writeSpace('bad-nb-op', { ...shipped('nas-bench-201'), ops: ['none', 'conv'] });
    expect(errorOf(() => loadSpace(nb)).location).toEqual({ file: nb, field: 'ops[1]' });
  });

  it('names the file and the field of a negative or zero size', () => {
    for (const key of ['blocks', 'cellsPerStack', 'stacks', 'initialFilters']) {
      const file = writeSpace(`neg-${key}`, { ...shipped('nasnet-cell'), [key]: -1 });
      const err = errorOf(() => loadSpace(file));
      expect(err.location).toEqual({ file, field: key });
      expect(err.accepted).toMatch(/^an integer/);
    }
    const file = writeSpace('zero', { ...shipped('nas-bench-201'), cellsPerStack: 0 });
    expect(errorOf(() => loadSpace(file)).message).toBe(`${file}, field 'cellsPerStack': got 0; accepted: an integer >= 1`);
  });

  it('names the file and the field of a missing field, an unknown field and a bad mutation', () => {
    const { blocks: _b, ...noBlocks } = shipped('nasnet-cell');
    const f1 = writeSpace('no-blocks', noBlocks);
    expect(errorOf(() => loadSpace(f1)).location).toEqual({ file: f1, field: 'blocks' });
    const f2 = writeSpace('typo', { ...shipped('nasnet-cell'), block: 5 });
    expect(errorOf(() => loadSpace(f2)).location).toEqual({ file: f2, field: 'block' });
    const f3 = writeSpace('mut', { ...shipped('nasnet-cell'), mutation: { hiddenState: 0, op: 0, identity: 0 } });
    expect(errorOf(() => loadSpace(f3)).location).toEqual({ file: f3, field: 'mutation' });
    const f4 = writeSpace('empty-ops', { ...shipped('nas-bench-201'), ops: [] });
    expect(errorOf(() => loadSpace(f4)).location).toEqual({ file: f4, field: 'ops' });
  });

  it('names the file and lists the known types for a missing or unknown type', () => {
    const { type: _t, ...untyped } = shipped('nas-bench-201');
    const f1 = writeSpace('untyped', untyped);
    const e1 = errorOf(() => loadSpace(f1));
    expect(e1.location).toEqual({ file: f1, field: 'type' });
    expect(e1.accepted).toContain('nas-bench-201');
    const f2 = writeSpace('darts', { ...untyped, type: 'darts' });
    expect(errorOf(() => loadSpace(f2)).message).toMatch(/darts\.json, field 'type': unknown space type "darts"/);
  });

  it('builds types that other modules register', () => {
    const seen: Array<[unknown, string]> = [];
    const factory = (json: unknown, file: string): SearchSpace<unknown> => {
      seen.push([json, file]);
      return new Nb201Space({ name: 'custom', ops: ['none', 'skip_connect'] });
    };
    registerSpaceType('test-custom', factory);
    registerSpaceType('test-custom', factory);
    expect(() => registerSpaceType('test-custom', () => new Nb201Space())).toThrow(/already registered/);
    expect(spaceTypes()).toContain('test-custom');
    const file = writeSpace('custom', { type: 'test-custom', x: 1 });
    expect(loadSpace(file).size()).toBe(64);
    expect(seen).toEqual([[{ type: 'test-custom', x: 1 }, file]]);
    expect(spaceFromJSON({ type: 'test-custom' }, 'inline').name).toBe('custom');
  });

  it('keeps the shipped NAS-Bench-201 file equal to the benchmark space', () => {
    expect(shipped('nas-bench-201').ops).toEqual([...NB201_OPS]);
  });
});
