import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import '../src/search/all.ts';
import { createStrategy } from '../src/search/registry.ts';
import { HparamsSpace } from '../src/spaces/hparams.ts';
import { type JointSpace, type JointValue } from '../src/spaces/joint.ts';
import { loadSpace, spaceFromJSON } from '../src/spaces/load.ts';

const joint = loadSpace('joint-example') as JointSpace<unknown>;

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('joint space', () => {
  it('loads the example: NAS-Bench-201 with learning rate, weight decay and batch size', () => {
    expect(joint.type).toBe('joint');
    expect(joint.name).toBe('joint-example');
    expect(joint.arch.type).toBe('nas-bench-201');
    expect(joint.hparams).toBeInstanceOf(HparamsSpace);
    expect(joint.hparams.names).toEqual(['learning_rate', 'weight_decay', 'batch_size']);
    expect(joint.size()).toBe(Number.POSITIVE_INFINITY);
    expect(joint.describe()).toMatch(/architecture[\s\S]*hyperparameters:[\s\S]*learning_rate: float/);
  });

  it('samples, validates, encodes (arch dims then hparams dims) and decodes', () => {
    const rng = Rng.seeded(1);
    const dims = joint.dims();
    const archDims = joint.arch.dims().length;
    expect(dims.slice(0, archDims).every((d) => d.name.startsWith('arch.'))).toBe(true);
    expect(dims.slice(archDims).map((d) => d.name)).toEqual(['hparams.learning_rate', 'hparams.weight_decay', 'hparams.batch_size']);
    for (let i = 0; i < 100; i++) {
      const v = joint.sample(rng);
      expect(joint.validate(JSON.parse(JSON.stringify(joint.toJSON(v))))).toEqual(v);
      const x = joint.encode(v);
      expect(x.length).toBe(dims.length);
      expect(x.slice(0, archDims)).toEqual(joint.arch.encode(v.arch));
      expect(joint.hash(joint.decode(x))).toBe(joint.hash(v));
    }
  });

  it('hashes both parts: an equivalent architecture keeps the hash, another learning rate changes it', () => {
    const v = joint.validate({
      arch: { kind: 'nb201', edges: ['nor_conv_3x3', 'none', 'none', 'skip_connect', 'none', 'none'] },
      hparams: { learning_rate: 0.01, weight_decay: 0.0001, batch_size: 128 },
    }) as JointValue<unknown>;
    // Edge 2<-0 feeds node 2, whose only way out (3<-2) is 'none': dead either way.
    const same = joint.validate({ ...v, arch: { kind: 'nb201', edges: ['nor_conv_3x3', 'avg_pool_3x3', 'none', 'skip_connect', 'none', 'none'] } });
    expect(joint.arch.hash(same.arch)).toBe(joint.arch.hash(v.arch));
    expect(joint.hash(same)).toBe(joint.hash(v));
    expect(joint.hash({ ...v, hparams: { ...v.hparams, learning_rate: 0.02 } })).not.toBe(joint.hash(v));
  });

  it('mutates exactly one part', () => {
    const rng = Rng.seeded(2);
    let v = joint.sample(rng);
    let archChanges = 0;
    let hpChanges = 0;
    for (let i = 0; i < 300; i++) {
      const child = joint.mutate(v, rng);
      const archChanged = joint.arch.hash(child.arch) !== joint.arch.hash(v.arch);
      const hpChanged = joint.hparams.hash(child.hparams) !== joint.hparams.hash(v.hparams);
      expect(archChanged && hpChanged).toBe(false);
      if (archChanged) archChanges++;
      if (hpChanged) hpChanges++;
      v = child;
    }
    expect(archChanges).toBeGreaterThan(80);
    expect(hpChanges).toBeGreaterThan(80);
  });

  it('names arch. and hparams. fields in validation errors', () => {
    const good = joint.toJSON(joint.sample(Rng.seeded(3))) as { arch: { edges: string[] }; hparams: Record<string, unknown> };
    let err = errorOf(() => joint.validate({ ...good, hparams: { ...good.hparams, learning_rate: 5 } }));
    expect(err.location.field).toBe('hparams.learning_rate');
    err = errorOf(() => joint.validate({ ...good, arch: { ...good.arch, edges: ['conv_9x9', ...good.arch.edges.slice(1)] } }));
    expect(err.location.field?.startsWith('arch.')).toBe(true);
    expect(errorOf(() => joint.validate({ arch: good.arch })).location.field).toBe('hparams');
    expect(errorOf(() => joint.validate({ ...good, extra: 1 })).location.field).toBe('extra');
  });

  it('loads inline and file-relative architectures, and rejects bad parts naming file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'joint-'));
    writeFileSync(join(dir, 'arch.json'), JSON.stringify({ type: 'nas-bench-201', ops: ['none', 'nor_conv_3x3'], cellsPerStack: 1, stacks: 1, initialFilters: 8 }));
    const hp = { parameters: { lr: { kind: 'float', low: 0.001, high: 0.1, log: true } } };
    const file = join(dir, 'j.json');
    writeFileSync(file, JSON.stringify({ type: 'joint', architecture: './arch.json', hyperparameters: hp }));
    const fromFile = loadSpace(file) as JointSpace<unknown>;
    expect(fromFile.name).toBe('j');
    expect(fromFile.arch.size()).toBe(2 ** 6);
    const inline = spaceFromJSON({ type: 'joint', architecture: { type: 'nas-bench-201', ops: ['skip_connect', 'nor_conv_1x1'], cellsPerStack: 1, stacks: 1, initialFilters: 8 }, hyperparameters: hp }, 'inline.json');
    expect(inline.size()).toBe(Number.POSITIVE_INFINITY);
    let err = errorOf(() => spaceFromJSON({ type: 'joint', architecture: 'nas-bench-201', hyperparameters: { parameters: { lr: { kind: 'float', low: 1, high: 0 } } } }, 'x.json'));
    expect(err.location.file).toBe('x.json');
    expect(err.location.field).toBe('hyperparameters.parameters.lr.low');
    err = errorOf(() => spaceFromJSON({ type: 'joint', architecture: { type: 'nas-bench-201', ops: ['conv_9x9'], cellsPerStack: 1, stacks: 1, initialFilters: 8 }, hyperparameters: hp }, 'x.json'));
    expect(err.location.field?.startsWith('architecture.')).toBe(true);
    err = errorOf(() => spaceFromJSON({ type: 'joint', hyperparameters: hp }, 'x.json'));
    expect(err.location.field).toBe('architecture');
    err = errorOf(() => spaceFromJSON({ type: 'joint', architecture: 'branin', hyperparameters: hp }, 'x.json'));
    expect(err.message).toMatch(/an architecture space/);
    err = errorOf(() => spaceFromJSON({ type: 'joint', architecture: 'nas-bench-201', hyperparameters: hp, arch_mutation_probability: 2 }, 'x.json'));
    expect(err.location.field).toBe('arch_mutation_probability');
  });

  it('loads hparams files through the space loader', () => {
    const branin = loadSpace('branin');
    expect(branin).toBeInstanceOf(HparamsSpace);
    expect(branin.name).toBe('branin');
    const err = errorOf(() => spaceFromJSON({ type: 'hparams', parameters: { x: { kind: 'float', low: 0, high: 1, log: true } } }, 'h.json'));
    expect(err.message).toMatch(/^h\.json, field 'parameters\.x\.low'/);
  });

  it.each(['random', 'tpe', 'grid'])('is searched by %s', (name) => {
    const s = createStrategy(name, { space: joint as never, rng: Rng.seeded(4), budget: 30, options: {} });
    for (let i = 0; i < 30; i++) {
      const r = s.ask();
      if (r.kind !== 'suggestion') throw new Error(`unexpected ${r.kind}`);
      const v = joint.validate(r.suggestion.config);
      s.tell(r.suggestion.id, { status: 'ok', score: -Math.abs(Math.log10(v.hparams.learning_rate as number) + 2) });
    }
  });
});
