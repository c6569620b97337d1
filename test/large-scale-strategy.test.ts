import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import type { LargeScaleGenome } from '../src/genome/large-scale.ts';
import { LargeScaleEvolution } from '../src/search/evolution/large-scale.ts';
import '../src/search/all.ts';
import { createStrategy } from '../src/search/registry.ts';
import type { Suggestion } from '../src/search/strategy.ts';
import { LargeScaleSpace } from '../src/spaces/large-scale.ts';

const space = new LargeScaleSpace();
/** A score that rewards convolutions and a learning rate near 0.05. */
const score = (g: LargeScaleGenome): number =>
  g.layers.filter((l) => l.kind === 'conv').length - Math.abs(Math.log(g.learningRate / 0.05));

const make = (seed: number, population = 6): LargeScaleEvolution<LargeScaleGenome> => new LargeScaleEvolution(space, Rng.seeded(seed), { population });

function next(s: LargeScaleEvolution<LargeScaleGenome>): Suggestion<LargeScaleGenome> {
  const r = s.ask();
  if (r.kind !== 'suggestion') throw new Error(`expected a suggestion, got ${r.kind}`);
  return r.suggestion;
}

function cycles(s: LargeScaleEvolution<LargeScaleGenome>, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = next(s);
    out.push(`${c.id}:${space.hash(c.config)}:${c.parentId ?? '-'}`);
    s.tell(c.id, { status: 'ok', score: score(c.config) });
  }
  return out;
}

describe('LargeScaleEvolution', () => {
  it('asks P initial individuals, then pairs: the worse is removed, the better mutated with parentId', () => {
    const s = make(1);
    const first = Array.from({ length: 6 }, () => next(s));
    expect(first.every((c) => c.parentId === undefined && c.config.layers.length === 0)).toBe(true);
    first.forEach((c, i) => s.tell(c.id, { status: 'ok', score: i }));
    for (let k = 0; k < 30; k++) {
      const before = s.population();
      const c = next(s);
      const after = s.population();
      expect(after.length).toBe(before.length - 1);
      const removed = before.find((m) => !after.some((a) => a.id === m.id));
      const parent = before.find((m) => m.id === c.parentId);
      expect(removed).toBeDefined();
      expect(parent).toBeDefined();
      expect(after.some((m) => m.id === c.parentId)).toBe(true);
      expect((parent as { score: number }).score).toBeGreaterThanOrEqual((removed as { score: number }).score);
      s.tell(c.id, { status: 'ok', score: score(c.config) });
      expect(s.population().length).toBe(before.length);
    }
  });

  it('improves the score over generations', () => {
    const s = make(2, 10);
    cycles(s, 300);
    const best = s.bestEver()[0];
    expect(best.score).toBeGreaterThan(3);
  });

  it('same seed, same sequence; another seed, another', () => {
    expect(cycles(make(3), 40)).toEqual(cycles(make(3), 40));
    expect(cycles(make(3), 40)).not.toEqual(cycles(make(4), 40));
  });

  it('is asynchronous: waits with fewer than two members while children are pending', () => {
    const s = make(5, 2);
    const a = next(s);
    const b = next(s);
    expect(s.ask().kind).toBe('wait');
    s.tell(a.id, { status: 'ok', score: 1 });
    expect(s.ask().kind).toBe('wait');
    s.tell(b.id, { status: 'ok', score: 2 });
    const c = next(s);
    expect(c.parentId).toBe(b.id);
    expect(s.population().map((m) => m.id)).toEqual([b.id]);
    expect(s.ask().kind).toBe('wait');
    // A failed child undoes its tournament: the individual it displaced returns.
    s.tell(c.id, { status: 'failed' });
    expect(s.population().map((m) => m.id).sort()).toEqual([a.id, b.id]);
    expect(s.removed).toBe(0);
    expect(next(s).parentId).toBe(b.id);
  });

  it('with one survivor and nothing pending it mutates the survivor; with none it starts afresh', () => {
    const s = make(9, 1);
    const a = next(s);
    expect(s.ask().kind).toBe('wait');
    s.tell(a.id, { status: 'ok', score: 1 });
    const b = next(s);
    expect(b.parentId).toBe(a.id);
    s.tell(b.id, { status: 'ok', score: 2 });
    const c = next(s);
    expect(c.parentId).toBe(b.id);
    expect(s.population().map((m) => m.id)).toEqual([b.id]);
    const t = make(10, 1);
    const x = next(t);
    t.tell(x.id, { status: 'failed' });
    const y = next(t);
    expect(y.parentId).toBeUndefined();
    expect(y.config.layers).toEqual([]);
  });

  it('misuse of tell throws a UsageError', () => {
    const s = make(6);
    const c = next(s);
    expect(() => s.tell(99, { status: 'ok', score: 1 })).toThrow(UsageError);
    s.tell(c.id, { status: 'ok', score: 1 });
    expect(() => s.tell(c.id, { status: 'ok', score: 1 })).toThrow(/already told/);
    expect(() => s.tell(next(s).id, { status: 'ok' })).toThrow(UsageError);
  });

  it('save then restore (through JSON, with pending children) continues exactly', () => {
    const a = make(7);
    cycles(a, 25);
    const pending = [next(a), next(a)];
    const saved = JSON.parse(JSON.stringify(a.saveState())) as unknown;
    const b = make(7);
    b.loadState(saved);
    for (const s of [a, b]) pending.forEach((p, i) => s.tell(p.id, i === 0 ? { status: 'failed' } : { status: 'ok', score: score(p.config) }));
    expect(b.population()).toEqual(a.population());
    expect(cycles(b, 30)).toEqual(cycles(a, 30));
    expect(() => make(7).loadState({ version: 1, strategy: 'aging' })).toThrow(UsageError);
  });

  it('is registered as large-scale', () => {
    const s = createStrategy('large-scale', { space, rng: Rng.seeded(1), budget: 10, options: { population: 3 } });
    expect(s.name).toBe('large-scale');
  });
});
