/**
 * Spaced parents (src/search/spaced-parents.ts): results are taken best first, one within the spacing
 * of a parent already taken is skipped and used only when too few remain; distance counts the
 * space's single mutations; spaces without neighbour lists keep the plain ranking; bananas spaces its
 * parents more than one mutation apart unless told otherwise.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { Bananas } from '../src/search/bananas.ts';
import { SpacedParents } from '../src/search/spaced-parents.ts';
import { loadSpace } from '../src/spaces/load.ts';
import { Nb201Space } from '../src/spaces/nas-bench-201.ts';
import type { Nb201Genome, Nb201Op } from '../src/genome/types.ts';

const space = new Nb201Space();
/** A cell with every edge live (no `none`), so each edge change is one mutation and a new hash. */
const cell = (...edges: Nb201Op[]): Nb201Genome => ({ kind: 'nb201', edges: edges as Nb201Genome['edges'] });
const C3 = 'nor_conv_3x3';
const C1 = 'nor_conv_1x1';
const SK = 'skip_connect';
const AP = 'avg_pool_3x3';
const a = cell(C3, C3, C3, C3, C3, C3);
const a1 = cell(C1, C3, C3, C3, C3, C3);
const a2 = cell(C1, C1, C3, C3, C3, C3);
const a3 = cell(C1, C1, C1, C3, C3, C3);
const b = cell(SK, SK, SK, AP, AP, AP);
const b1 = cell(SK, SK, SK, AP, AP, C1);

describe('spaced parents', () => {
  it('counts single mutations: two cells are within the spacing when they differ in at most that many edges', () => {
    for (const spacing of [1, 2, 3]) {
      const s = new SpacedParents(space, spacing);
      expect([a1, a2, a3].map((v) => s.within(a, v))).toEqual([1, 2, 3].map((k) => k <= spacing));
      expect([a1, a2, a3].map((v) => s.within(v, a))).toEqual([1, 2, 3].map((k) => k <= spacing));
      expect(s.within(a, b)).toBe(false);
    }
  });

  it('skips results within the spacing of a parent already taken, then fills up with them in rank order', () => {
    const ranked = [a, a1, a2, b1, b, a3];
    expect(new SpacedParents(space, 0).pick(ranked, 3)).toEqual([a, a1, a2]);
    expect(new SpacedParents(space, 1).pick(ranked, 3)).toEqual([a, a2, b1]);
    expect(new SpacedParents(space, 2).pick(ranked, 3)).toEqual([a, b1, a3]);
    // Too few spaced results: the skipped ones follow, best first.
    expect(new SpacedParents(space, 2).pick(ranked, 5)).toEqual([a, b1, a3, a1, a2]);
    expect(new SpacedParents(space, 2).pick(ranked, 10)).toHaveLength(6);
  });

  it('keeps the plain ranking on a space that lists no neighbours', () => {
    const hartmann = loadSpace('hartmann6');
    const rng = Rng.seeded(4);
    const values = Array.from({ length: 8 }, () => hartmann.sample(rng));
    expect(new SpacedParents(hartmann, 2).pick(values, 5)).toEqual(values.slice(0, 5));
  });

  it('is bananas\u2019s default (parentSpacing 1), and 0 restores the best results as parents', () => {
    const score = (g: Nb201Genome): number => g.edges.filter((op) => op === C3).length + (g.edges[0] === SK ? 0.5 : 0);
    const picks = (options: Record<string, unknown>): string[] => {
      const s = new Bananas(space, Rng.seeded(7), { initial: 5, ...options }, 0);
      const out: string[] = [];
      for (let k = 0; k < 30; k++) {
        const r = s.ask();
        if (r.kind !== 'suggestion') throw new Error(r.kind);
        out.push(space.hash(r.suggestion.config));
        s.tell(r.suggestion.id, { status: 'ok', score: score(r.suggestion.config) });
      }
      return out;
    };
    const plain = picks({ parentSpacing: 0 });
    expect(picks({})).toEqual(picks({ parentSpacing: 1 }));
    expect(picks({})).not.toEqual(plain);
    expect(() => new Bananas(space, Rng.seeded(1), { parentSpacing: -1 })).toThrow(/options.parentSpacing/);
  });
});
