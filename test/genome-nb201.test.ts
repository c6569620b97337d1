import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import {
  canonicalNb201,
  hashNb201,
  mutateNb201,
  nb201FromArch,
  nb201ToArch,
  sampleNb201,
  validateNb201Genome,
} from '../src/genome/nb201.ts';
import { NB201_EDGES, NB201_OPS } from '../src/genome/types.ts';
import type { Nb201Genome } from '../src/genome/types.ts';
import { allNb201Archs } from './helpers/fixtures.ts';
import { NB201_TABLE, skipWithoutShared } from './helpers/shared-data.ts';

const EXAMPLE = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

/** Edges that cannot carry a signal from node 0 to node 3, computed independently of the library. */
function structurallyDead(g: Nb201Genome): number[] {
  const on = (k: number): boolean => g.edges[k] !== 'none';
  const reach = (start: number, forward: boolean): Set<number> => {
    const seen = new Set([start]);
    for (let changed = true; changed; ) {
      changed = false;
      NB201_EDGES.forEach(([a, b], k) => {
        const [s, t] = forward ? [a, b] : [b, a];
        if (on(k) && seen.has(s) && !seen.has(t)) {
          seen.add(t);
          changed = true;
        }
      });
    }
    return seen;
  };
  const fromIn = reach(0, true), toOut = reach(3, false);
  return NB201_EDGES.flatMap(([a, b], k) => (!fromIn.has(a) || !toOut.has(b) ? [k] : []));
}

describe('NAS-Bench-201 architecture strings', () => {
  it('round-trips all 15,625 cell strings', () => {
    const archs = allNb201Archs();
    const seen = new Set<string>();
    for (const arch of archs) {
      const g = nb201FromArch(arch);
      expect(nb201ToArch(g)).toBe(arch);
      seen.add(g.edges.join(' '));
    }
    expect(seen.size).toBe(15625);
  });

  it.skipIf(skipWithoutShared(NB201_TABLE))('reads every string of the shared table, which holds each cell once', () => {
    const lines = readFileSync(NB201_TABLE, 'utf8').trim().split('\n');
    expect(lines[0].split(',').slice(0, 2)).toEqual(['index', 'arch']);
    const archs = lines.slice(1).map((row) => row.split(',')[1]);
    expect(archs).toHaveLength(15625);
    for (const arch of archs) expect(nb201ToArch(nb201FromArch(arch))).toBe(arch);
    expect(new Set(archs)).toEqual(new Set(allNb201Archs()));
  });

  it('reads the README example edge by edge', () => {
    expect(nb201FromArch(EXAMPLE).edges).toEqual(['nor_conv_3x3', 'nor_conv_3x3', 'avg_pool_3x3', 'skip_connect', 'nor_conv_3x3', 'skip_connect']);
  });

  it('rejects malformed strings, naming what is accepted', () => {
    expect(errorOf(() => nb201FromArch('|nor_conv_3x3~0|+|none~0|none~1|')).accepted).toMatch(/^3 nodes/);
    expect(errorOf(() => nb201FromArch(EXAMPLE.replace('avg_pool_3x3~1', 'avg_pool_3x3~2'))).accepted).toBe('op~1 (the edge from node 1)');
    expect(errorOf(() => nb201FromArch(EXAMPLE.replace('avg_pool_3x3', 'max_pool_3x3'))).accepted).toBe(`one of ${NB201_OPS.join(', ')}`);
    expect(errorOf(() => nb201FromArch(EXAMPLE.replace('|+|skip_connect~0|', '|+|'))).message).toContain('node 3');
    expect(() => nb201FromArch(` ${EXAMPLE}`)).toThrow(ValidationError);
  });
});

describe('NAS-Bench-201 validation', () => {
  it('accepts edges, arch, both or a bare string', () => {
    const g = nb201FromArch(EXAMPLE);
    expect(validateNb201Genome({ kind: 'nb201', edges: g.edges })).toEqual(g);
    expect(validateNb201Genome({ arch: EXAMPLE })).toEqual(g);
    expect(validateNb201Genome({ kind: 'nb201', arch: EXAMPLE, edges: g.edges })).toEqual(g);
    expect(validateNb201Genome(EXAMPLE)).toEqual(g);
  });

  it('names the bad field', () => {
    const edges = nb201FromArch(EXAMPLE).edges.slice() as string[];
    edges[4] = 'conv';
    const err = errorOf(() => validateNb201Genome({ edges }));
    expect(err.location.field).toBe('edges[4]');
    expect(err.accepted).toBe(`one of ${NB201_OPS.join(', ')}`);
    expect(errorOf(() => validateNb201Genome({ edges: ['none'] })).location.field).toBe('edges');
    expect(errorOf(() => validateNb201Genome({ kind: 'nb201' })).location.field).toBe('edges');
    expect(errorOf(() => validateNb201Genome({ arch: EXAMPLE, edges: NB201_EDGES.map(() => 'none') })).location.field).toBe('arch');
    expect(errorOf(() => validateNb201Genome({ arch: EXAMPLE, kind: 'nasnet' })).location.field).toBe('kind');
    expect(errorOf(() => validateNb201Genome({ edges: nb201FromArch(EXAMPLE).edges }, ['none', 'skip_connect'])).location.field).toBe('edges[0]');
  });
});

describe('NAS-Bench-201 canonical hash', () => {
  it('is unchanged by 1,000 random changes of dead edges', () => {
    const rng = Rng.seeded('dead');
    const starts = [
      '|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|avg_pool_3x3~2|', // node 1 and 2 dead ends
      '|none~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|none~0|none~1|nor_conv_3x3~2|', // node 1 unreachable
      '|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|none~2|', // output unreachable
    ];
    for (const arch of starts) {
      let g = nb201FromArch(arch);
      const h = hashNb201(g);
      let changedLive = 0;
      for (let i = 0; i < 1000; i++) {
        const dead = structurallyDead(g);
        expect(dead.length).toBeGreaterThan(0);
        const edges = g.edges.slice() as Nb201Genome['edges'];
        edges[rng.choice(dead)] = rng.choice(NB201_OPS);
        g = { kind: 'nb201', edges };
        expect(hashNb201(g)).toBe(h);
        if (nb201ToArch(g) !== arch) changedLive++;
      }
      expect(changedLive).toBeGreaterThan(0);
    }
  });

  it('maps a cell whose output is unreachable to the all-none cell', () => {
    const g = nb201FromArch('|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|none~1|none~2|');
    expect(canonicalNb201(g).edges.every((op) => op === 'none')).toBe(true);
  });

  it('tells apart known pairs that build different networks', () => {
    expect(hashNb201(nb201FromArch(EXAMPLE))).not.toBe(hashNb201(nb201FromArch(EXAMPLE.replace('skip_connect~2', 'nor_conv_1x1~2'))));
    // Live edge changed to none on a path that stays connected: a different network.
    expect(hashNb201(nb201FromArch(EXAMPLE))).not.toBe(hashNb201(nb201FromArch(EXAMPLE.replace('skip_connect~0', 'none~0'))));
    expect(hashNb201(nb201FromArch(EXAMPLE))).toMatch(/^[0-9a-f]{16}$/);
  });

  it('leaves live cells alone and counts the distinct classes of the whole space', () => {
    expect(canonicalNb201(nb201FromArch(EXAMPLE))).toEqual(nb201FromArch(EXAMPLE));
    const hashes = new Set<string>();
    const pruned = new Set<string>();
    const all = NB201_OPS.length ** 6;
    for (let code = 0; code < all; code++) {
      let c = code;
      const edges = NB201_EDGES.map(() => {
        const op = NB201_OPS[c % 5];
        c = Math.floor(c / 5);
        return op;
      }) as Nb201Genome['edges'];
      const g: Nb201Genome = { kind: 'nb201', edges };
      hashes.add(hashNb201(g));
      const dead = new Set(structurallyDead(g));
      pruned.add(edges.map((op, k) => (dead.has(k) ? 'none' : op)).join(' '));
    }
    // One hash per class of cells equal up to dead edges, as counted by the independent reachability.
    expect(hashes.size).toBe(pruned.size);
    expect(hashes.size).toBeLessThan(all);
  });
});

describe('NAS-Bench-201 sampling and mutation', () => {
  it('samples the same cell for the same seed and covers every op', () => {
    expect(sampleNb201(Rng.seeded(3))).toEqual(sampleNb201(Rng.seeded(3)));
    const rng = Rng.seeded(4);
    const ops = new Set(Array.from({ length: 50 }, () => sampleNb201(rng).edges).flat());
    expect(ops.size).toBe(5);
    const restricted = sampleNb201(Rng.seeded(5), ['none', 'skip_connect']);
    expect(restricted.edges.every((op) => op === 'none' || op === 'skip_connect')).toBe(true);
  });

  it('changes exactly one edge to a different allowed op', () => {
    const rng = Rng.seeded('mut');
    for (let i = 0; i < 500; i++) {
      const parent = sampleNb201(rng);
      const before = parent.edges.slice();
      const m = mutateNb201(parent, rng);
      expect(parent.edges).toEqual(before);
      const diff = m.genome.edges.flatMap((op, k) => (op !== parent.edges[k] ? [k] : []));
      expect(diff).toEqual([m.edge]);
      expect(m.genome.edges[m.edge ?? -1]).toBe(m.to);
    }
    const single = mutateNb201(sampleNb201(rng, ['none']), rng, ['none']);
    expect(single.edge).toBeUndefined();
  });
});
