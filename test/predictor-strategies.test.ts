/**
 * Behaviour of the predictor-guided strategies beyond the conformance suite: local-search climbs by
 * first improvement and its predictor saves evaluations, screened-aging keeps an aging population and
 * its screening saves evaluations, bananas widens its mutants when the best stalls, no strategy ever proposes a known
 * network (not even when the space runs out, where they answer `done`), parallel asks stay distinct,
 * bananas resumes exactly from its saved state, and bad options are refused with the option's name.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import { Bananas, resultsSinceBest } from '../src/search/bananas.ts';
import { CandidateSet } from '../src/search/candidates.ts';
import { LocalSearch } from '../src/search/local-search.ts';
import { ScreenedAging } from '../src/search/screened-aging.ts';
import type { Strategy, Suggestion } from '../src/search/strategy.ts';
import { Nb201Space } from '../src/spaces/nas-bench-201.ts';
import { NB201_OPS, type Nb201Genome } from '../src/genome/types.ts';

const space = new Nb201Space();
const TARGET: Nb201Genome['edges'] = ['nor_conv_3x3', 'nor_conv_3x3', 'nor_conv_1x1', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3'];
/** A smooth toy objective: how many edges carry the target's op, with a small weight per edge. */
const score = (g: Nb201Genome): number => g.edges.reduce((s, op, i) => s + (op === TARGET[i] ? 1 + i / 20 : 0), 0);
const OPTIMUM = score({ kind: 'nb201', edges: TARGET });

/** Asks and tells one trial at a time until `budget` suggestions or `done`; returns the suggestions. */
function drive(s: Strategy<Nb201Genome>, budget: number): Array<Suggestion<Nb201Genome>> {
  const out: Array<Suggestion<Nb201Genome>> = [];
  while (out.length < budget) {
    const r = s.ask();
    if (r.kind === 'done') break;
    if (r.kind === 'wait') throw new Error('waits with nothing pending');
    out.push(r.suggestion);
    s.tell(r.suggestion.id, { status: 'ok', score: score(r.suggestion.config) });
  }
  return out;
}

const differ = (a: Nb201Genome, b: Nb201Genome): number => a.edges.filter((op, i) => op !== b.edges[i]).length;

describe('local-search', () => {
  it('moves to the first neighbour that improves and then evaluates that one\u2019s neighbours', () => {
    const s = new LocalSearch(space, Rng.seeded(1), { initial: 5, order: 'random' });
    const asked = drive(s, 40);
    const best: Array<Suggestion<Nb201Genome>> = [asked.slice(0, 5).reduce((a, b) => (score(b.config) > score(a.config) ? b : a))];
    for (const t of asked.slice(5)) {
      const current = best[best.length - 1];
      if (differ(t.config, current.config) !== 1) break; // a restart after a local optimum
      if (score(t.config) > score(current.config)) best.push(t);
    }
    expect(best.length).toBeGreaterThan(2);
    for (let i = 1; i < best.length; i++) expect(score(best[i].config)).toBeGreaterThan(score(best[i - 1].config));
  });

  it('finds the optimum of a smooth objective, in fewer evaluations with the predictor than in random order', () => {
    const evaluationsToOptimum = (order: 'predictor' | 'random', seed: number): number => {
      const asked = drive(new LocalSearch(space, Rng.seeded(seed), { order }), 150);
      const at = asked.findIndex((t) => score(t.config) === OPTIMUM);
      expect(at).toBeGreaterThanOrEqual(0);
      return at + 1;
    };
    const seeds = [1, 2, 3, 4, 5, 6];
    const mean = (order: 'predictor' | 'random'): number => seeds.reduce((s, k) => s + evaluationsToOptimum(order, k), 0) / seeds.length;
    expect(mean('predictor')).toBeLessThan(mean('random'));
  });
});

describe.each([
  ['local-search', (seed: number, ops?: Nb201Space): Strategy<Nb201Genome> => new LocalSearch(ops ?? space, Rng.seeded(seed), {})],
  ['bananas', (seed: number, ops?: Nb201Space): Strategy<Nb201Genome> => new Bananas(ops ?? space, Rng.seeded(seed), { predictor: 'gp' })],
  ['screened-aging', (seed: number, ops?: Nb201Space): Strategy<Nb201Genome> => new ScreenedAging(ops ?? space, Rng.seeded(seed), {})],
])('%s', (_name, make) => {
  it('never proposes a network twice in 200 evaluations', () => {
    const asked = drive(make(3), 200);
    expect(asked).toHaveLength(200);
    expect(new Set(asked.map((t) => space.hash(t.config))).size).toBe(200);
  });

  it('answers done, never a duplicate, once every network of a small space is known', () => {
    // none and nor_conv_3x3 only: 64 cells, fewer networks once dead edges are ignored.
    const tiny = new Nb201Space({ ops: ['none', 'nor_conv_3x3'] });
    const asked = drive(make(4, tiny), 1000);
    const hashes = new Set(asked.map((t) => tiny.hash(t.config)));
    expect(hashes.size).toBe(asked.length);
    expect(asked.length).toBe(tiny.distinctNetworks());
  });

  it('hands out distinct networks to parallel asks', () => {
    const s = make(5);
    drive(s, 20);
    const batch: Array<Suggestion<Nb201Genome>> = [];
    for (let k = 0; k < 4; k++) {
      const r = s.ask();
      if (r.kind === 'suggestion') batch.push(r.suggestion);
    }
    expect(batch.length).toBeGreaterThan(0);
    expect(new Set(batch.map((t) => space.hash(t.config))).size).toBe(batch.length);
  });
});

describe('bananas', () => {
  it('refuses a bad option, naming it', () => {
    expect(() => new Bananas(space, Rng.seeded(1), { predictor: 'forest' })).toThrow(ValidationError);
    expect(() => new Bananas(space, Rng.seeded(1), { predictor: 'forest' })).toThrow(/options.predictor.*'gp', 'mlp'/);
    expect(() => new Bananas(space, Rng.seeded(1), { exploit: 1.5 })).toThrow(/options.exploit.*<= 1/);
    expect(() => new LocalSearch(space, Rng.seeded(1), { initial: 0 })).toThrow(/options.initial/);
  });

  const evaluationsToOptimum = (options: Record<string, unknown>, seed: number, budget: number): number => {
    const asked = drive(new Bananas(space, Rng.seeded(seed), options, budget), budget);
    const at = asked.findIndex((t) => score(t.config) === OPTIMUM);
    return at < 0 ? budget + 1 : at + 1;
  };
  const seeds = [1, 2, 3, 4, 5, 6];
  const meanTo = (options: Record<string, unknown>, budget: number): number => seeds.reduce((s, k) => s + evaluationsToOptimum(options, k, budget), 0) / seeds.length;

  it('finds the optimum of a smooth objective in far fewer evaluations than random search would (15,625 cells)', () => {
    for (const seed of seeds) expect(evaluationsToOptimum({}, seed, 100)).toBeLessThanOrEqual(100);
    expect(meanTo({}, 100)).toBeLessThan(60);
  });

  it('exploits at the end of its budget: its last picks score higher than Thompson draws would', () => {
    const lastScores = (exploit: number): number => {
      let sum = 0;
      for (const seed of seeds) {
        const asked = drive(new Bananas(space, Rng.seeded(seed), { exploit }, 40), 40);
        for (const t of asked.slice(30)) sum += score(t.config);
      }
      return sum;
    };
    expect(lastScores(0.25)).toBeGreaterThan(lastScores(0));
  });
});

describe('bananas resume', () => {
  // Cells with dead edges come in several forms of one network; the WL features of each form are its own,
  // whichever form the run met first, so a restored run continues as the uninterrupted one.
  const OP: Record<string, number> = { none: 0, skip_connect: 0.5, nor_conv_1x1: 1, nor_conv_3x3: 2, avg_pool_3x3: 0.2 };
  const opScore = (g: Nb201Genome): number => g.edges.reduce((s, op, i) => s + OP[op] * (1 + i / 10), 0);
  const step = (s: Strategy<Nb201Genome>, pending: Array<Suggestion<Nb201Genome>>, trace: string[]): void => {
    const r = s.ask();
    if (r.kind !== 'suggestion') throw new Error(r.kind);
    trace.push(space.hash(r.suggestion.config));
    pending.push(r.suggestion);
    if (pending.length < 2) return;
    const t = pending.shift() as Suggestion<Nb201Genome>;
    s.tell(t.id, t.id % 7 === 3 ? { status: 'failed' } : { status: 'ok', score: opScore(t.config) });
  };

  it.each([3, 6, 8])('continues exactly from its saved state (seed %i, one trial pending)', (seed) => {
    const a = new Bananas(space, Rng.seeded(seed), {}, 60);
    const [pa, ta]: [Array<Suggestion<Nb201Genome>>, string[]] = [[], []];
    for (let k = 0; k < 25; k++) step(a, pa, ta);
    const b = new Bananas(space, Rng.seeded(seed), {}, 60);
    b.loadState(JSON.parse(JSON.stringify(a.saveState())));
    const [pb, tb]: [Array<Suggestion<Nb201Genome>>, string[]] = [[...pa], []];
    for (let k = 0; k < 20; k++) {
      step(a, pa, ta);
      step(b, pb, tb);
    }
    expect(tb).toEqual(ta.slice(25));
  });
});

describe('two-step neighbourhoods', () => {
  const centre: Nb201Genome = { kind: 'nb201', edges: ['nor_conv_3x3', 'skip_connect', 'nor_conv_1x1', 'avg_pool_3x3', 'nor_conv_3x3', 'nor_conv_1x1'] };
  /** Every cell whose edges differ from the centre's in at most two places, by hash. */
  const withinTwo = (): Set<string> => {
    const out = new Set<string>();
    const visit = (edges: Nb201Genome['edges'], from: number, changes: number): void => {
      out.add(space.hash({ kind: 'nb201', edges }));
      if (changes === 2) return;
      for (let e = from; e < edges.length; e++) {
        for (const op of NB201_OPS) if (op !== edges[e]) visit(edges.map((x, i) => (i === e ? op : x)) as Nb201Genome['edges'], e + 1, changes + 1);
      }
    };
    visit(centre.edges, 0, 0);
    return out;
  };

  it('holds every unknown cell within two edge changes of a NAS-Bench-201 cell, and nothing else', () => {
    const known = new Set([space.hash(centre), space.hash(space.neighbours(centre)[0])]);
    const set = new CandidateSet(space, known);
    set.addTwoStepNeighbours(centre, Rng.seeded(1), 600);
    const expected = [...withinTwo()].filter((h) => !known.has(h));
    expect(expected.length).toBeGreaterThan(200);
    expect(new Set(set.values().map((v) => space.hash(v)))).toEqual(new Set(expected));
  });

  it('past its limit, enters the neighbourhood through enough neighbours drawn at random', () => {
    const set = new CandidateSet(space, new Set([space.hash(centre)]));
    set.addTwoStepNeighbours(centre, Rng.seeded(1), 100);
    const all = withinTwo();
    expect(set.size).toBeGreaterThan(24);
    expect(set.size).toBeLessThanOrEqual(5 * 24);
    for (const v of set.values()) expect(all.has(space.hash(v))).toBe(true);
  });

  it('lets bananas propose cells two edges from its best when its other candidates are one edge away', () => {
    const gaps = (twoStep?: number): number[] => {
      const options = { parents: 1, mutants: 0, randomCandidates: 0, ...(twoStep === undefined ? {} : { twoStep }) };
      const s = new Bananas(space, Rng.seeded(3), options, 0);
      const out: number[] = [];
      let best: Nb201Genome | undefined;
      for (let k = 0; k < 30; k++) {
        const r = s.ask();
        if (r.kind !== 'suggestion') throw new Error(`expected a suggestion, got ${r.kind}`);
        if (k >= 10 && best) out.push(differ(r.suggestion.config, best));
        if (!best || score(r.suggestion.config) > score(best)) best = r.suggestion.config;
        s.tell(r.suggestion.id, { status: 'ok', score: score(r.suggestion.config) });
      }
      return out;
    };
    expect(Math.max(...gaps(0))).toBe(1);
    const wide = gaps(1);
    expect(Math.max(...wide)).toBe(2);
    expect(Math.min(...wide)).toBeGreaterThanOrEqual(1);
    // The default ranks the two-step neighbourhood too.
    expect(Math.max(...gaps())).toBe(2);
  });
});

describe('bananas exploration', () => {
  it('counts the results told since the best so far', () => {
    expect(resultsSinceBest([1, 3, 2, 2])).toBe(2);
    expect(resultsSinceBest([1, 2, 3])).toBe(0);
    expect(resultsSinceBest([5, 5, 1])).toBe(2);
  });

  it('with explore, changes its picks only once the best stalls, and still finds the optimum of a smooth objective', () => {
    // The first result is the best of the run: every ask after the first result is made while the best stalls.
    const run = (explore: number): string[] => {
      const s = new Bananas(space, Rng.seeded(3), { explore, initial: 3 }, 0);
      const hashes: string[] = [];
      for (let k = 0; k < 25; k++) {
        const r = s.ask();
        if (r.kind !== 'suggestion') throw new Error(r.kind);
        hashes.push(space.hash(r.suggestion.config));
        s.tell(r.suggestion.id, { status: 'ok', score: k === 0 ? 100 : score(r.suggestion.config) });
      }
      return hashes;
    };
    const [plain, exploring] = [run(0), run(2)];
    expect(exploring.slice(0, 3)).toEqual(plain.slice(0, 3));
    expect(exploring).not.toEqual(plain);
    const asked = drive(new Bananas(space, Rng.seeded(2), { explore: 0.2 }, 150), 150);
    expect(asked.findIndex((t) => score(t.config) === OPTIMUM)).toBeGreaterThanOrEqual(0);
  });
});

describe('screened-aging', () => {
  it('keeps the last `population` results as its population and proposes one mutation of a member', () => {
    const s = new ScreenedAging(space, Rng.seeded(7), { initial: 6, population: 8, sample: 3 });
    const told: Array<Suggestion<Nb201Genome>> = [];
    for (let k = 0; k < 30; k++) {
      const r = s.ask();
      if (r.kind !== 'suggestion') throw new Error(`ask ${k}: ${r.kind}`);
      if (k >= 6) {
        const members = s.populationIds().map((id) => told[id].config);
        expect(members.some((m) => differ(m, r.suggestion.config) === 1)).toBe(true);
      }
      told.push(r.suggestion);
      s.tell(r.suggestion.id, { status: 'ok', score: score(r.suggestion.config) });
      expect(s.populationIds()).toEqual(told.slice(-8).map((t) => t.id));
    }
  });

  it('refuses a tournament larger than the population, naming the option', () => {
    expect(() => new ScreenedAging(space, Rng.seeded(1), { population: 4, sample: 5 })).toThrow(/options.sample/);
    expect(() => new ScreenedAging(space, Rng.seeded(1), { children: 0 })).toThrow(/options.children/);
  });

  it('finds the optimum of a smooth objective in fewer evaluations when the predictor screens 20 mutations than with one', () => {
    const evaluationsToOptimum = (children: number, seed: number): number => {
      const asked = drive(new ScreenedAging(space, Rng.seeded(seed), { children }, 150), 150);
      const at = asked.findIndex((t) => score(t.config) === OPTIMUM);
      return at < 0 ? 151 : at + 1;
    };
    const seeds = [1, 2, 3, 4, 5, 6];
    const mean = (children: number): number => seeds.reduce((s, k) => s + evaluationsToOptimum(children, k), 0) / seeds.length;
    expect(mean(20)).toBeLessThan(mean(1));
  });
});
