import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import type { Nb201Genome } from '../src/genome/types.ts';
import { AgingEvolution } from '../src/search/evolution/aging.ts';
import '../src/search/all.ts';
import { createStrategy } from '../src/search/registry.ts';
import type { Suggestion } from '../src/search/strategy.ts';
import { Nb201Space } from '../src/spaces/nas-bench-201.ts';

const space = new Nb201Space();
/** A score with a clear optimum: the number of 3x3 convolutions plus a little per-edge detail. */
const score = (g: Nb201Genome): number => g.edges.reduce((s, op, i) => s + (op === 'nor_conv_3x3' ? 10 : op === 'none' ? 0 : i % 3), 0);

function make(seed: number, population = 10, sample = 3): AgingEvolution<Nb201Genome> {
  return new AgingEvolution(space, Rng.seeded(seed), { population, sample });
}

function next(s: AgingEvolution<Nb201Genome>): Suggestion<Nb201Genome> {
  const r = s.ask();
  if (r.kind !== 'suggestion') throw new Error(`expected a suggestion, got ${r.kind}`);
  return r.suggestion;
}

/** Runs n synchronous cycles (ask, tell); returns the hashes asked. */
function cycles(s: AgingEvolution<Nb201Genome>, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = next(s);
    out.push(`${c.id}:${space.hash(c.config)}:${c.parentId ?? '-'}`);
    s.tell(c.id, { status: 'ok', score: score(c.config) });
  }
  return out;
}

describe('AgingEvolution', () => {
  it('asks P random individuals first, then mutates parents from the population', () => {
    const s = make(1, 6, 2);
    const first = Array.from({ length: 6 }, () => next(s));
    expect(first.every((c) => c.parentId === undefined)).toBe(true);
    first.forEach((c) => s.tell(c.id, { status: 'ok', score: score(c.config) }));
    for (let i = 0; i < 20; i++) {
      const c = next(s);
      const members = s.population().map((m) => m.id);
      expect(members).toContain(c.parentId);
      s.tell(c.id, { status: 'ok', score: score(c.config) });
    }
  });

  it('replaces the oldest member: the population is the last P children told', () => {
    const s = make(2, 5, 2);
    cycles(s, 17);
    expect(s.population().map((m) => m.id)).toEqual([12, 13, 14, 15, 16]);
  });

  it('takes as parent the best of S uniform draws from the population', () => {
    const s = make(3, 8, 3);
    cycles(s, 20);
    for (let i = 0; i < 30; i++) {
      const members = s.population();
      const shadow = Rng.fromState((s.saveState() as { rng: ReturnType<Rng['state']> }).rng);
      // The ring buffer order is the strategy's internal slot order: rebuild it from the saved state.
      const slots = (s.saveState() as { population: Array<{ id: number; score: number }> }).population;
      const draws = Array.from({ length: 3 }, () => slots[shadow.int(slots.length)]);
      const best = draws.reduce((a, b) => (b.score > a.score ? b : a));
      const c = next(s);
      expect(c.parentId).toBe(best.id);
      expect(members.map((m) => m.id)).toContain(best.id);
      s.tell(c.id, { status: 'ok', score: score(c.config) });
    }
  });

  it('waits while all P initial children are pending, then breeds from those told', () => {
    const s = make(4, 4, 2);
    const initial = Array.from({ length: 4 }, () => next(s));
    expect(s.ask()).toEqual({ kind: 'wait' });
    s.tell(initial[2].id, { status: 'ok', score: 5 });
    const child = next(s);
    expect(child.parentId).toBe(initial[2].id);
  });

  it('keeps failed children out of the population and samples again when all initial ones failed', () => {
    const s = make(5, 3, 2);
    for (let i = 0; i < 3; i++) s.tell(next(s).id, { status: 'failed' });
    expect(s.population()).toEqual([]);
    const c = next(s);
    expect(c.parentId).toBeUndefined();
    s.tell(c.id, { status: 'ok', score: 1 });
    expect(s.population().map((m) => m.id)).toEqual([3]);
  });

  it('keeps a bounded record of the best ever, best first', () => {
    const s = new AgingEvolution(space, Rng.seeded(6), { population: 5, sample: 2, historySize: 4 });
    cycles(s, 60);
    const best = s.bestEver();
    expect(best).toHaveLength(4);
    expect(best.map((b) => b.score)).toEqual([...best.map((b) => b.score)].sort((a, b) => b - a));
    expect(best[0].score).toBeGreaterThanOrEqual(Math.max(...s.population().map((m) => m.score)));
  });

  it('improves on random sampling of the same score', () => {
    const s = make(7, 10, 3);
    cycles(s, 150);
    const randomBest = Math.max(...Array.from({ length: 150 }, (_, i) => score(space.sample(Rng.seeded(`r${i}`)))));
    expect(s.bestEver()[0].score).toBeGreaterThanOrEqual(randomBest);
    expect(s.bestEver()[0].score).toBeGreaterThanOrEqual(50);
  });

  it('repeats for a seed and differs for another', () => {
    expect(cycles(make(8), 40)).toEqual(cycles(make(8), 40));
    expect(cycles(make(8), 40)).not.toEqual(cycles(make(9), 40));
  });

  it('throws on a second tell and on a tell for an unknown id', () => {
    const s = make(10);
    const c = next(s);
    s.tell(c.id, { status: 'ok', score: 1 });
    expect(() => s.tell(c.id, { status: 'ok', score: 1 })).toThrow(UsageError);
    expect(() => s.tell(99, { status: 'ok', score: 1 })).toThrow(/never asked/);
    const d = next(s);
    expect(() => s.tell(d.id, { status: 'ok' })).toThrow(UsageError);
  });

  it('continues exactly after saveState / loadState through JSON, with children pending', () => {
    const a = make(11, 6, 3);
    cycles(a, 25);
    const pending = [next(a), next(a)];
    const saved = JSON.parse(JSON.stringify(a.saveState()));
    const b = make(999, 6, 3);
    b.loadState(saved);
    for (const s of [a, b]) pending.forEach((p, i) => s.tell(p.id, { status: 'ok', score: i }));
    expect(cycles(b, 30)).toEqual(cycles(a, 30));
    expect(b.population()).toEqual(a.population());
    expect(b.bestEver()).toEqual(a.bestEver());
  });

  it('is registered as aging and rejects a sample larger than the population', () => {
    const s = createStrategy('aging', { space, rng: Rng.seeded(1), budget: 10, options: { population: 4, sample: 2 } });
    expect(s.name).toBe('aging');
    expect(() => createStrategy('aging', { space, rng: Rng.seeded(1), budget: 10, options: { population: 4, sample: 5 } })).toThrow(/sample/);
  });
});
