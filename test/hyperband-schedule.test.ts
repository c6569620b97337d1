import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import '../src/search/hyperband.ts';
import { createStrategy } from '../src/search/registry.ts';
import type { Strategy, Suggestion } from '../src/search/strategy.ts';
import { hyperbandBrackets, promote } from '../src/search/successive-halving.ts';
import { boxSpace, braninValue, insideBox } from './gp-box-space.ts';
import type { BoxValue } from './gp-box-space.ts';

const space = boxSpace({ bounds: [[-5, 10], [0, 15]] });

function build(name: string, options: Record<string, unknown>, seed = 1, budget = 0): Strategy<BoxValue> {
  return createStrategy(name, { space, rng: Rng.seeded(seed), budget, options }) as Strategy<BoxValue>;
}

/** Runs sequentially to `done` (or `limit` asks); the score is -branin, optionally failing some trials. */
function run(s: Strategy<BoxValue>, limit = 10_000, fails: (id: number) => boolean = () => false): Suggestion<BoxValue>[] {
  const out: Suggestion<BoxValue>[] = [];
  for (let i = 0; i < limit; i++) {
    const a = s.ask();
    if (a.kind === 'done') break;
    if (a.kind === 'wait') throw new Error('sequential run must never wait');
    out.push(a.suggestion);
    const id = a.suggestion.id;
    s.tell(id, fails(id) ? { status: 'failed' } : { status: 'ok', score: -braninValue(a.suggestion.config as number[]) });
  }
  return out;
}

describe('successive halving promotion rule', () => {
  it('keeps the best k by score, ties by id, never a failed trial', () => {
    const rung = [
      { id: 4, status: 'ok' as const, score: 0.5 },
      { id: 1, status: 'failed' as const },
      { id: 2, status: 'ok' as const, score: 0.9 },
      { id: 3, status: 'ok' as const, score: 0.5 },
    ];
    expect(promote(rung, 2)).toEqual([2, 3]);
    expect(promote(rung, 10)).toEqual([2, 3, 4]);
    expect(promote([{ id: 0, status: 'failed' }], 1)).toEqual([]);
  });
});

describe('Hyperband schedule', () => {
  it('matches the paper table for min 1, max 27, eta 3', () => {
    const table = hyperbandBrackets({ minBudget: 1, maxBudget: 27, eta: 3 }).map((b) => b.rungs.map((r) => [r.n, r.budget]));
    expect(table).toEqual([
      [[27, 1], [9, 3], [3, 9], [1, 27]],
      [[12, 3], [4, 9], [1, 27]],
      [[6, 9], [2, 27]],
      [[4, 27]],
    ]);
  });

  it('matches the paper table for R = 81 (n_i, r_i of Li et al. 2018, Table 1)', () => {
    const table = hyperbandBrackets({ minBudget: 1, maxBudget: 81, eta: 3 }).map((b) => b.rungs.map((r) => [r.n, r.budget]));
    expect(table[0]).toEqual([[81, 1], [27, 3], [9, 9], [3, 27], [1, 81]]);
    expect(table[1]).toEqual([[34, 3], [11, 9], [3, 27], [1, 81]]);
    expect(table[2]).toEqual([[15, 9], [5, 27], [1, 81]]);
    expect(table[3]).toEqual([[8, 27], [2, 81]]);
    expect(table[4]).toEqual([[5, 81]]);
  });
});

describe('hyperband strategy', () => {
  it('runs every bracket once with iterations 1: fidelities, promotions, parents, done', () => {
    const s = build('hyperband', { iterations: 1 });
    const trials = run(s);
    expect(trials.length).toBe(27 + 9 + 3 + 1 + 12 + 4 + 1 + 6 + 2 + 4);
    expect(trials.slice(0, 27).every((t) => t.fidelity === 1 && t.parentId === undefined)).toBe(true);
    expect(trials.slice(27, 36).every((t) => t.fidelity === 3 && t.parentId !== undefined)).toBe(true);
    // The nine promoted from the first rung are its nine best, with the parents' configurations.
    const scores = new Map(trials.map((t) => [t.id, -braninValue(t.config as number[])]));
    const best9 = trials.slice(0, 27).map((t) => t.id).sort((a, b) => (scores.get(b) as number) - (scores.get(a) as number)).slice(0, 9);
    expect(trials.slice(27, 36).map((t) => t.parentId).sort((a, b) => (a as number) - (b as number))).toEqual(best9.sort((a, b) => a - b));
    for (const t of trials.slice(27, 36)) expect(t.config).toEqual(trials[t.parentId as number].config);
    expect(trials.every((t) => insideBox(space, t.config))).toBe(true);
    expect(s.ask()).toEqual({ kind: 'done' });
    // Finished brackets leave nothing behind in the state.
    expect((s.saveState() as { trials: unknown[] }).trials).toEqual([]);
  });

  it('waits for a rung to complete before promoting (parallel asks)', () => {
    const s = build('sh', {});
    const first = Array.from({ length: 27 }, () => s.ask());
    expect(first.every((a) => a.kind === 'suggestion')).toBe(true);
    expect(s.ask()).toEqual({ kind: 'wait' });
    for (const a of first.slice(0, 26)) if (a.kind === 'suggestion') s.tell(a.suggestion.id, { status: 'ok', score: a.suggestion.id });
    expect(s.ask()).toEqual({ kind: 'wait' });
    const last = first[26];
    if (last.kind === 'suggestion') s.tell(last.suggestion.id, { status: 'ok', score: -1 });
    const next = s.ask();
    expect(next.kind === 'suggestion' && next.suggestion.fidelity).toBe(3);
    expect(next.kind === 'suggestion' && next.suggestion.parentId).toBe(25);
  });

  it('never promotes failed trials; a rung with no success ends the bracket', () => {
    const trials = run(build('sh', { iterations: 1 }), 10_000, (id) => id % 2 === 1);
    const promotedFrom = trials.filter((t) => t.parentId !== undefined).map((t) => t.parentId as number);
    expect(promotedFrom.every((p) => p % 2 === 0)).toBe(true);
    const allFail = run(build('sh', { iterations: 1 }), 10_000, () => true);
    expect(allFail.length).toBe(27);
  });

  it('stops at the run budget and rejects bad tells', () => {
    const s = build('hyperband', {}, 3, 30);
    expect(run(s).length).toBe(30);
    expect(() => s.tell(29, { status: 'ok', score: 0 })).toThrow(UsageError);
    expect(() => s.tell(99, { status: 'ok', score: 0 })).toThrow(UsageError);
  });

  it('continues exactly after saveState/loadState in the middle of a rung', () => {
    const a = build('hyperband', {}, 5);
    run(a, 31);
    const pending = a.ask();
    const b = build('hyperband', {}, 5);
    b.loadState(JSON.parse(JSON.stringify(a.saveState())));
    if (pending.kind !== 'suggestion') throw new Error('expected a suggestion');
    for (const s of [a, b]) s.tell(pending.suggestion.id, { status: 'ok', score: 1 });
    expect(run(b, 60)).toEqual(run(a, 60));
  });

  it('rejects bad options with the option named', () => {
    expect(() => build('hyperband', { eta: 1 })).toThrow(/options\.eta/);
    expect(() => build('hyperband', { minBudget: 10, maxBudget: 5 })).toThrow(/options\.maxBudget/);
  });
});

describe('promotions that continue checkpoints', () => {
  it('continue the promoted trial, keep checkpoints below the top rung, and release them when a rung closes', () => {
    const s = build('sh', { minBudget: 1, maxBudget: 9, eta: 3, iterations: 1 });
    const rung0 = Array.from({ length: 9 }, () => s.ask()).map((a) => (a.kind === 'suggestion' ? a.suggestion : undefined)) as Suggestion<BoxValue>[];
    expect(rung0.every((x) => x.fidelity === 1 && x.checkpoint === true && x.horizon === 9 && x.continueFrom === undefined)).toBe(true);
    expect(s.ask().kind).toBe('wait');
    rung0.forEach((x) => s.tell(x.id, { status: 'ok', score: x.id % 4 }));
    // The rung closes at the next ask: until then any of its trials may be promoted.
    expect(s.continuable?.(0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const promoted = [s.ask(), s.ask(), s.ask()].map((a) => (a.kind === 'suggestion' ? a.suggestion : undefined)) as Suggestion<BoxValue>[];
    expect(promoted.map((p) => [p.fidelity, p.continueFrom, p.parentId, p.checkpoint])).toEqual([[3, 3, 3, true], [3, 7, 7, true], [3, 2, 2, true]]);
    // The promoted parents are needed until their continuations are told; the new rung's trials may be promoted.
    expect(s.continuable?.(0)).toEqual([2, 3, 7, 9, 10, 11]);
    promoted.forEach((p, i) => s.tell(p.id, { status: 'ok', score: i }));
    const top = s.ask();
    expect(top.kind === 'suggestion' && [top.suggestion.fidelity, top.suggestion.continueFrom, top.suggestion.checkpoint]).toEqual([9, 11, undefined]);
    expect(s.continuable?.(0)).toEqual([11]);
    if (top.kind === 'suggestion') s.tell(top.suggestion.id, { status: 'ok', score: 1 });
    expect(s.continuable?.(0)).toEqual([]);
  });

  it('train from scratch with continuePromotions false, as before', () => {
    const plain = run(build('hyperband', { minBudget: 1, maxBudget: 9, continuePromotions: false }), 30);
    expect(plain.some((x) => x.continueFrom !== undefined || x.checkpoint !== undefined || x.horizon !== undefined)).toBe(false);
    expect(plain.some((x) => x.parentId !== undefined)).toBe(true);
    expect(() => build('hyperband', { continuePromotions: 'yes' })).toThrow(/options\.continuePromotions.*true or false/);
  });
});
