import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import { cloneNasnet, mutateNasnet, sampleNasnet, validateNasnetGenome } from '../src/genome/nasnet.ts';
import { canonicalNasnet, hashNasnet } from '../src/genome/nasnet-canonical.ts';
import { NASNET_OPS } from '../src/genome/types.ts';
import type { NasnetCell, NasnetGenome } from '../src/genome/types.ts';

const B = 5;
const sample = (seed: number): NasnetGenome => sampleNasnet(Rng.seeded(seed), { blocks: B, ops: NASNET_OPS });

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

/** Relabels a cell's blocks by a random data-flow order and swaps random input pairs. */
function scramble(cell: NasnetCell, rng: Rng): NasnetCell {
  const n = cell.blocks.length;
  const placed = new Map<number, number>([[0, 0], [1, 1]]);
  const order: number[] = [];
  while (order.length < n) {
    const ready = cell.blocks.map((b, i) => i).filter((i) => !order.includes(i) && cell.blocks[i].inputs.every((h) => placed.has(h)));
    const pick = rng.choice(ready);
    placed.set(2 + pick, 2 + order.length);
    order.push(pick);
  }
  return {
    blocks: order.map((old) => {
      const b = cell.blocks[old];
      const inputs: [number, number] = [placed.get(b.inputs[0]) ?? -1, placed.get(b.inputs[1]) ?? -1];
      const ops: [(typeof b.ops)[0], (typeof b.ops)[1]] = [b.ops[0], b.ops[1]];
      return rng.next() < 0.5 ? { inputs, ops } : { inputs: [inputs[1], inputs[0]], ops: [ops[1], ops[0]] };
    }),
  };
}

describe('NASNet genome validation', () => {
  it('accepts a sampled genome and returns an equal typed value', () => {
    const g = sample(1);
    expect(validateNasnetGenome(JSON.parse(JSON.stringify(g)), { blocks: B })).toEqual(g);
  });

  it('names the field and the accepted range of a bad input index', () => {
    const g = JSON.parse(JSON.stringify(sample(2)));
    g.normal.blocks[2].inputs[1] = 4;
    const err = errorOf(() => validateNasnetGenome(g, { blocks: B }));
    expect(err.location.field).toBe('normal.blocks[2].inputs[1]');
    expect(err.accepted).toBe('an integer in [0, 3]');
  });

  it('lists the ops a restricted space accepts', () => {
    const ops = ['identity', 'sep_conv_3x3'] as const;
    const g = JSON.parse(JSON.stringify(sampleNasnet(Rng.seeded(3), { blocks: B, ops })));
    g.reduction.blocks[3].ops[0] = 'max_pool_3x3';
    const err = errorOf(() => validateNasnetGenome(g, { ops }));
    expect(err.location.field).toBe('reduction.blocks[3].ops[0]');
    expect(err.accepted).toBe('one of identity, sep_conv_3x3');
    const bad = JSON.parse(JSON.stringify(sample(3)));
    bad.normal.blocks[4].ops[1] = 'conv_9x9';
    expect(errorOf(() => validateNasnetGenome(bad)).message).toContain("field 'normal.blocks[4].ops[1]'");
  });

  it('rejects a wrong block count, a missing cell, an unknown field and a wrong kind', () => {
    const g = JSON.parse(JSON.stringify(sample(4)));
    g.normal.blocks.pop();
    expect(errorOf(() => validateNasnetGenome(g, { blocks: B })).location.field).toBe('normal.blocks');
    expect(errorOf(() => validateNasnetGenome({ kind: 'nasnet', normal: sample(4).normal })).location.field).toBe('reduction');
    expect(errorOf(() => validateNasnetGenome({ ...sample(4), extra: 1 })).location.field).toBe('extra');
    expect(errorOf(() => validateNasnetGenome({ ...sample(4), kind: 'nb201' })).location.field).toBe('kind');
    expect(errorOf(() => validateNasnetGenome({ ...sample(4), normal: { blocks: [{ inputs: [0], ops: ['identity', 'identity'] }] } })).location.field).toBe('normal.blocks[0].inputs');
  });
});

describe('NASNet canonical hash', () => {
  it('is unchanged by 1,000 random input-pair swaps and data-flow relabellings', () => {
    const rng = Rng.seeded('perm');
    for (const seed of [11, 12, 13]) {
      const g = sample(seed);
      const h = hashNasnet(g);
      expect(h).toMatch(/^[0-9a-f]{16}$/);
      for (let i = 0; i < 1000; i++) {
        const p: NasnetGenome = { kind: 'nasnet', normal: scramble(g.normal, rng), reduction: scramble(g.reduction, rng) };
        expect(validateNasnetGenome(p, { blocks: B })).toEqual(p);
        expect(hashNasnet(p)).toBe(h);
      }
    }
  });

  it('relabels a chain whose independent blocks are listed in another order', () => {
    const cell = (first: NasnetCell['blocks'][number], second: NasnetCell['blocks'][number]): NasnetCell => ({
      blocks: [first, second, { inputs: [2, 3], ops: ['identity', 'identity'] }],
    });
    const a: NasnetBlock = { inputs: [0, 1], ops: ['sep_conv_3x3', 'max_pool_3x3'] };
    const b: NasnetBlock = { inputs: [1, 1], ops: ['avg_pool_3x3', 'sep_conv_5x5'] };
    const g1: NasnetGenome = { kind: 'nasnet', normal: cell(a, b), reduction: cell(a, a) };
    const g2: NasnetGenome = { kind: 'nasnet', normal: cell(b, a), reduction: cell(a, a) };
    expect(hashNasnet(g1)).toBe(hashNasnet(g2));
    expect(canonicalNasnet(g1)).toEqual(canonicalNasnet(g2));
  });

  it('tells apart a known pair that builds different networks', () => {
    // Same blocks, but the second block reads the cell input 0 instead of block 0's output.
    const base: NasnetGenome = {
      kind: 'nasnet',
      normal: { blocks: [{ inputs: [0, 1], ops: ['sep_conv_3x3', 'identity'] }, { inputs: [2, 1], ops: ['avg_pool_3x3', 'identity'] }] },
      reduction: { blocks: [{ inputs: [0, 1], ops: ['max_pool_3x3', 'identity'] }, { inputs: [0, 2], ops: ['identity', 'identity'] }] },
    };
    const other = cloneNasnet(base);
    other.normal.blocks[1].inputs[0] = 0;
    expect(hashNasnet(other)).not.toBe(hashNasnet(base));
    // Swapping the normal and reduction cells is a different network too.
    expect(hashNasnet({ kind: 'nasnet', normal: base.reduction, reduction: base.normal })).not.toBe(hashNasnet(base));
    // The two cell inputs are not interchangeable.
    const swapped = cloneNasnet(base);
    swapped.normal.blocks[0].ops = ['identity', 'sep_conv_3x3'];
    expect(hashNasnet(swapped)).not.toBe(hashNasnet(base));
  });

  it('agrees with a brute-force isomorphism check on small cells', () => {
    const ops = ['identity', 'max_pool_3x3'] as const;
    const rng = Rng.seeded('iso');
    const cells = Array.from({ length: 200 }, () => sampleNasnet(rng, { blocks: 3, ops }).normal);
    const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    const pairKey = (h: number, op: string): string => `${h}:${op}`;
    const blockKey = (b: NasnetBlock, label: (h: number) => number): string =>
      [pairKey(label(b.inputs[0]), b.ops[0]), pairKey(label(b.inputs[1]), b.ops[1])].sort().join(',');
    // x and y are isomorphic when some bijection p (block i of x is block p[i] of y) maps every
    // block of x, with its inputs relabelled, onto its image in y.
    const isomorphic = (x: NasnetCell, y: NasnetCell): boolean =>
      perms.some((p) => {
        const label = (h: number): number => (h < 2 ? h : 2 + p[h - 2]);
        return x.blocks.every((b, i) => blockKey(b, label) === blockKey(y.blocks[p[i]], (h) => h));
      });
    const key = (c: NasnetCell): string => JSON.stringify(canonicalNasnet({ kind: 'nasnet', normal: c, reduction: c }).normal);
    let equalPairs = 0;
    for (let i = 0; i < cells.length; i++) {
      for (let j = i + 1; j < cells.length; j++) {
        const same = key(cells[i]) === key(cells[j]);
        expect(same).toBe(isomorphic(cells[i], cells[j]));
        if (same) equalPairs++;
      }
    }
    expect(equalPairs).toBeGreaterThan(0);
  });

  it('recognises relabelled copies of cells with identical blocks, and finishes on 16 of them', () => {
    const rng = Rng.seeded('twins');
    // Three blocks reading the same inputs, each read by a block of its own: 3! equivalent orders.
    const twins: NasnetCell = {
      blocks: [
        ...[0, 1, 2].map((): NasnetBlock => ({ inputs: [0, 1], ops: ['identity', 'identity'] })),
        ...[0, 1, 2].map((k): NasnetBlock => ({ inputs: [2 + k, 0], ops: ['sep_conv_3x3', NASNET_OPS[k]] })),
      ],
    };
    const g: NasnetGenome = { kind: 'nasnet', normal: twins, reduction: twins };
    for (let i = 0; i < 200; i++) {
      expect(hashNasnet({ kind: 'nasnet', normal: scramble(twins, rng), reduction: scramble(twins, rng) })).toBe(hashNasnet(g));
    }
    const same: NasnetCell = { blocks: Array.from({ length: 16 }, (): NasnetBlock => ({ inputs: [0, 0], ops: ['identity', 'identity'] })) };
    const chain: NasnetCell = {
      blocks: [
        ...Array.from({ length: 8 }, (): NasnetBlock => ({ inputs: [0, 1], ops: ['identity', 'max_pool_3x3'] })),
        ...Array.from({ length: 8 }, (_, k): NasnetBlock => ({ inputs: [2 + k, 1], ops: ['sep_conv_3x3', 'identity'] })),
      ],
    };
    const big: NasnetGenome = { kind: 'nasnet', normal: same, reduction: chain };
    const h = hashNasnet(big);
    // Swapping input pairs never changes the hash, whatever the cell.
    const swapped = cloneNasnet(big);
    for (const b of swapped.reduction.blocks) [b.inputs, b.ops] = [[b.inputs[1], b.inputs[0]], [b.ops[1], b.ops[0]]];
    expect(hashNasnet(swapped)).toBe(h);
    expect(canonicalNasnet(big).normal).toEqual(same);
  });

  it('gives distinct hashes to many random genomes', () => {
    const hashes = new Set(Array.from({ length: 500 }, (_, i) => hashNasnet(sample(1000 + i))));
    expect(hashes.size).toBe(500);
  });
});

describe('NASNet sampling and mutation', () => {
  it('samples valid genomes, the same for the same seed', () => {
    expect(sample(5)).toEqual(sample(5));
    expect(sample(5)).not.toEqual(sample(6));
    for (let s = 0; s < 50; s++) validateNasnetGenome(sample(s), { blocks: B });
    const ops = ['identity', 'max_pool_3x3'] as const;
    const g = sampleNasnet(Rng.seeded(1), { blocks: 3, ops });
    expect(validateNasnetGenome(g, { blocks: 3, ops })).toEqual(g);
  });

  it('hidden-state mutation re-wires exactly one input to another earlier hidden state', () => {
    const rng = Rng.seeded('hs');
    for (let i = 0; i < 300; i++) {
      const parent = sample(i);
      const copy = cloneNasnet(parent);
      const m = mutateNasnet(parent, rng, { weights: { hiddenState: 1, op: 0, identity: 0 } });
      expect(parent).toEqual(copy);
      expect(m.type).toBe('hidden_state');
      const cell = m.cell ?? 'normal', b = m.block ?? -1, slot = m.slot ?? 0;
      expect(m.genome[cell].blocks[b].inputs[slot]).toBe(m.to);
      expect(m.to).not.toBe(m.from);
      expect(m.to).toBeLessThan(2 + b);
      m.genome[cell].blocks[b].inputs[slot] = parent[cell].blocks[b].inputs[slot];
      expect(m.genome).toEqual(parent);
    }
  });

  it('op mutation replaces exactly one op by a different allowed op', () => {
    const rng = Rng.seeded('op');
    const ops = ['identity', 'sep_conv_3x3', 'avg_pool_3x3'] as const;
    for (let i = 0; i < 300; i++) {
      const parent = sampleNasnet(Rng.seeded(i), { blocks: B, ops });
      const m = mutateNasnet(parent, rng, { ops, weights: { hiddenState: 0, op: 1, identity: 0 } });
      expect(m.type).toBe('op');
      const cell = m.cell ?? 'normal', b = m.block ?? -1, slot = m.slot ?? 0;
      expect(m.to).not.toBe(m.from);
      expect(ops).toContain(m.to);
      m.genome[cell].blocks[b].ops[slot] = parent[cell].blocks[b].ops[slot];
      expect(m.genome).toEqual(parent);
    }
  });

  it('chooses mutations with the configured weights, identity included', () => {
    const rng = Rng.seeded('w');
    const counts = { hidden_state: 0, op: 0, identity: 0 };
    const parent = sample(9);
    for (let i = 0; i < 4000; i++) counts[mutateNasnet(parent, rng, { weights: { hiddenState: 2, op: 1, identity: 1 } }).type]++;
    expect(counts.hidden_state / 4000).toBeCloseTo(0.5, 1);
    expect(counts.op / 4000).toBeCloseTo(0.25, 1);
    expect(counts.identity / 4000).toBeCloseTo(0.25, 1);
    expect(mutateNasnet(parent, rng, { weights: { hiddenState: 0, op: 0, identity: 1 } }).genome).toEqual(parent);
  });

  it('falls back to hidden-state mutation when only one op is allowed, and repeats for a seed', () => {
    const ops = ['identity'] as const;
    const parent = sampleNasnet(Rng.seeded(1), { blocks: B, ops });
    expect(mutateNasnet(parent, Rng.seeded(2), { ops }).type).toBe('hidden_state');
    expect(mutateNasnet(sample(3), Rng.seeded(4))).toEqual(mutateNasnet(sample(3), Rng.seeded(4)));
  });
});

type NasnetBlock = NasnetCell['blocks'][number];
