/**
 * ASHA (asynchronous successive halving, with Hyperband-style brackets) and PBT: their promotion and
 * exploit/explore rules, the checkpoints their suggestions continue and keep, and which checkpoints they
 * still need. The conformance suite (strategy-conformance.test.ts) checks the ask/tell contract.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import '../src/search/all.ts';
import { ashaBrackets } from '../src/search/asha.ts';
import { Rung } from '../src/search/asha-rungs.ts';
import { createStrategy } from '../src/search/registry.ts';
import type { Strategy, Suggestion } from '../src/search/strategy.ts';
import { hparamsSpaceFromJSON } from '../src/spaces/hparams.ts';
import type { JointValue } from '../src/spaces/joint.ts';
import { loadSpace } from '../src/spaces/load.ts';
import type { SearchSpace } from '../src/spaces/space.ts';

const hparams = hparamsSpaceFromJSON(JSON.parse(readFileSync(new URL('../search-spaces/hparams-example.json', import.meta.url), 'utf8'))) as SearchSpace<unknown>;

function make(name: string, options: Record<string, unknown>, space: SearchSpace<unknown> = hparams, seed = 1): Strategy<unknown> {
  return createStrategy(name, { space, rng: Rng.seeded(seed).split(name), budget: 0, options });
}

function ask(s: Strategy<unknown>): Suggestion<unknown> {
  const r = s.ask();
  if (r.kind !== 'suggestion') throw new Error(`expected a suggestion, got ${r.kind}`);
  return r.suggestion;
}

describe('asha', () => {
  it('promotes the best of every three at a rung, continuing its checkpoint, and never waits', () => {
    const s = make('asha', { minBudget: 1, maxBudget: 9, eta: 3 });
    const first = [ask(s), ask(s), ask(s)];
    expect(first.map((x) => [x.fidelity, x.checkpoint, x.horizon, x.continueFrom])).toEqual([[1, true, 9, undefined], [1, true, 9, undefined], [1, true, 9, undefined]]);
    // Nothing told yet: ASHA starts more configurations instead of waiting.
    const more = Array.from({ length: 10 }, () => ask(s));
    expect(more.every((x) => x.fidelity === 1)).toBe(true);
    s.tell(0, { status: 'ok', score: 0.2 });
    s.tell(1, { status: 'ok', score: 0.7 });
    expect(ask(s).fidelity).toBe(1); // 2 results: the top third is empty
    s.tell(2, { status: 'ok', score: 0.5 });
    const promoted = ask(s);
    expect(promoted).toMatchObject({ fidelity: 3, continueFrom: 1, parentId: 1, checkpoint: true, horizon: 9 });
    expect(ask(s).fidelity).toBe(1); // trial 1 is promoted once only
    s.tell(promoted.id, { status: 'ok', score: 0.8 });
    for (let i = 3; i < 9; i++) s.tell(i, { status: i === 4 ? 'failed' : 'ok', score: 0.1 * (i % 4) });
    // Rung 0 now holds 9 results: its top 3 may be promoted (trial 1 was).
    const next = ask(s);
    expect(next.fidelity).toBe(3);
    expect(next.continueFrom).toBe(2);
  });

  it('keeps only the checkpoints a promotion can still use', () => {
    const s = make('asha', { minBudget: 1, maxBudget: 9, eta: 3 });
    for (let i = 0; i < 6; i++) ask(s);
    [0.9, 0.5, 0.1, 0.3, 0.2, 0.05].forEach((score, id) => s.tell(id, { status: 'ok', score }));
    const p = ask(s);
    expect(p.continueFrom).toBe(0);
    // With no trials to come, rung 0 can promote its top floor(6 / 3) = 2: trial 0 (whose continuation is pending) and 1.
    expect(s.continuable?.(0)).toEqual([0, 1]);
    // With three more to come, up to 3 can be promoted.
    expect(s.continuable?.(3)).toEqual([0, 1, 3]);
    expect(s.continuable?.(100)).toEqual([0, 1, 2, 3, 4, 5]);
    s.tell(p.id, { status: 'ok', score: 0.95 });
    // Trial 0's continuation is told: its own checkpoint is no longer needed; trial 6 (rung 1) may still rise.
    expect(s.continuable?.(0)).toEqual([1]);
    expect(s.continuable?.(4)).toContain(6);
  });

  it('runs brackets with early-stopping rates 0.. weighted like Hyperband, and refuses model options without the kde sampler', () => {
    expect(ashaBrackets({ minBudget: 1, maxBudget: 9, eta: 3 }, 3)).toEqual({ brackets: [[1, 3, 9], [3, 9], [9]], weights: [9, 5, 3] });
    const s = make('asha', { minBudget: 1, maxBudget: 9, eta: 3, brackets: 3 });
    const fidelities = Array.from({ length: 60 }, () => ask(s).fidelity);
    expect(new Set(fidelities)).toEqual(new Set([1, 3, 9]));
    expect(() => make('asha', { topNPercent: 20 })).toThrow(/'topNPercent' is read by the kde sampler only/);
    expect(() => make('asha', { brackets: 9, maxBudget: 9 })).toThrow(ValidationError);
  });

  it("proposes new configurations from BOHB's model with sampler kde", () => {
    const distance = (name: string, options: Record<string, unknown>): { later: number; modelBased?: number } => {
      const s = make(name, { minBudget: 1, maxBudget: 3, eta: 3, ...options });
      let later = 0;
      for (let i = 0; i < 80; i++) {
        const x = ask(s);
        const d = Math.abs(Math.log10((x.config as Record<string, number>).learning_rate) + 2);
        if (i >= 40) later += d / 40;
        s.tell(x.id, { status: 'ok', score: -d });
      }
      return { later, modelBased: (s.saveState() as { generator: { modelBased?: number } }).generator.modelBased };
    };
    const kde = distance('asha', { sampler: 'kde', randomFraction: 0 });
    const random = distance('asha', {});
    expect(kde.modelBased).toBeGreaterThan(20);
    expect(random.modelBased).toBeUndefined();
    // Scores reward learning rates near 1e-2: the model's proposals land closer to it than random ones.
    expect(kde.later).toBeLessThan(random.later);
  });

  it('ranks with failed trials counted but never promoted', () => {
    const rung = new Rung();
    rung.add(1, 0.5);
    rung.add(2, undefined);
    rung.add(3, 0.7);
    expect(rung.top(3, 0)).toEqual([3]);
    expect(rung.top(3, 3)).toEqual([3, 1]);
    expect(rung.nextPromotion(3)).toBe(3);
    rung.promoted.add(3);
    expect(rung.nextPromotion(3)).toBeUndefined();
    const failed = new Rung();
    for (const id of [1, 2, 3]) failed.add(id, undefined);
    expect(failed.top(3, 0)).toEqual([]);
  });
});

describe('pbt', () => {
  const options = { population: 4, interval: 1, maxBudget: 3, quantile: 0.25 };

  it('starts P members, then the worst copies a top member\'s checkpoint and explores while the others go on', () => {
    const s = make('pbt', options);
    const start = [ask(s), ask(s), ask(s), ask(s)];
    expect(start.map((x) => [x.fidelity, x.continueFrom, x.checkpoint, x.horizon])).toEqual(Array(4).fill([1, undefined, true, 3]));
    expect(s.ask()).toEqual({ kind: 'wait' });
    [0.1, 0.2, 0.3, 0.4].forEach((score, id) => s.tell(id, { status: 'ok', score }));
    const worst = ask(s); // member 0 finished first and ranks last
    expect(worst.continueFrom).toBe(3);
    expect(worst.fidelity).toBe(2);
    expect(hparams.hash(worst.config)).not.toBe(hparams.hash(start[3].config));
    expect(() => hparams.validate(worst.config)).not.toThrow();
    const second = ask(s); // member 1 is not in the bottom quarter: it goes on with its own weights
    expect(second).toMatchObject({ continueFrom: 1, fidelity: 2 });
    expect(hparams.hash(second.config)).toBe(hparams.hash(start[1].config));
    expect(s.continuable?.(0)).toEqual([1, 2, 3]);
  });

  it('finishes every member at maxBudget and then needs no checkpoint', () => {
    const s = make('pbt', options);
    let told = 0;
    for (let guard = 0; guard < 100; guard++) {
      const r = s.ask();
      if (r.kind === 'done') break;
      if (r.kind !== 'suggestion') throw new Error('pbt waited with nothing pending');
      expect(r.suggestion.checkpoint === true).toBe((r.suggestion.fidelity as number) < 3);
      s.tell(r.suggestion.id, { status: 'ok', score: Math.sin(r.suggestion.id) });
      told++;
    }
    expect(told).toBe(12);
    expect(s.ask().kind).toBe('done');
    expect(s.continuable?.(0)).toEqual([]);
    expect(s.population?.()).toHaveLength(4);
  });

  it('a member whose step failed exploits, or restarts from scratch when nobody can be copied', () => {
    const s = make('pbt', { ...options, population: 2 });
    const a = ask(s);
    const b = ask(s);
    s.tell(a.id, { status: 'failed' });
    const restart = ask(s);
    expect(restart.continueFrom).toBeUndefined();
    expect(restart.fidelity).toBe(1);
    s.tell(b.id, { status: 'ok', score: 0.5 });
    s.tell(restart.id, { status: 'failed' });
    const exploit = ask(s); // member 1 goes on (first ready), then member 0 copies it
    const copy = ask(s);
    expect([exploit.continueFrom, copy.continueFrom]).toEqual([b.id, b.id]);
  });

  it('keeps a joint configuration\'s architecture when it explores its hyperparameters', () => {
    const joint = loadSpace('joint-example');
    const s = make('pbt', options, joint, 4);
    const start = [ask(s), ask(s), ask(s), ask(s)];
    [0.4, 0.3, 0.2, 0.1].forEach((score, id) => s.tell(id, { status: 'ok', score }));
    for (let i = 0; i < 4; i++) {
      const x = ask(s);
      const donor = start[x.continueFrom as number].config as JointValue<unknown>;
      expect(joint.hash({ ...(x.config as JointValue<unknown>), hparams: donor.hparams })).toBe(joint.hash(donor));
    }
  });

  it('refuses an architecture-only space and bad options, naming them', () => {
    expect(() => make('pbt', {}, loadSpace('nas-bench-201'))).toThrow(/pbt explores hyperparameters, and space 'nas-bench-201'/);
    expect(() => make('pbt', { population: 1 })).toThrow(/options\.population/);
    expect(() => make('pbt', { interval: 30, maxBudget: 27 })).toThrow(/options\.interval/);
  });
});
