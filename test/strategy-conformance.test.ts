/**
 * One conformance suite over EVERY registered strategy (whatever src/search/all.ts registers) and
 * several spaces: suggestions stay inside the space; the same seed gives the same sequence and
 * another seed a different one; a second tell, or a tell for an unknown id, is a UsageError; save
 * then restore into a fresh strategy continues exactly as the uninterrupted run.
 *
 * Objectives run in-process: Branin on its domain, a smooth function of the example hyperparameter
 * space (with conditional parameters), a fixed score per NAS-Bench-201 edge op, a score of the ops
 * and inputs of NASNet cells, one of the layers of large-scale networks, and a joint
 * NAS-Bench-201 + training-hyperparameter space. Some trials fail
 * on purpose, and results are told with a delay so strategies see pending trials; a strategy that
 * answers `wait` gets the oldest pending result.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError, ValidationError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import '../src/search/all.ts';
import { createStrategy, strategyNames } from '../src/search/registry.ts';
import type { Strategy, Suggestion } from '../src/search/strategy.ts';
import { hparamsSpaceFromJSON } from '../src/spaces/hparams.ts';
import { loadSpace } from '../src/spaces/load.ts';
import type { SearchSpace } from '../src/spaces/space.ts';
import type { LargeScaleGenome } from '../src/genome/large-scale.ts';
import type { NasnetGenome } from '../src/genome/types.ts';
import { branin } from '../src/evaluators/synthetic.ts';

interface Case {
  name: string;
  space: SearchSpace<unknown>;
  /** Score to maximise. */
  score(config: unknown): number;
}

const readJSON = (name: string): unknown => JSON.parse(readFileSync(new URL(`../search-spaces/${name}.json`, import.meta.url), 'utf8'));

const CASES: Case[] = [
  {
    name: 'branin (hparams, continuous)',
    space: hparamsSpaceFromJSON(readJSON('branin')) as SearchSpace<unknown>,
    score: (c) => {
      const v = c as { x1: number; x2: number };
      return -branin(v.x1, v.x2);
    },
  },
  {
    name: 'hparams-example (conditional, log, int, categorical)',
    space: hparamsSpaceFromJSON(readJSON('hparams-example')) as SearchSpace<unknown>,
    score: (c) => {
      const v = c as Record<string, number | string | boolean>;
      const lr = Math.log10(v.learning_rate as number);
      const bonus = v.optimizer === 'sgd' ? 1 - Math.abs((v.momentum as number) - 0.9) : 0.8;
      return -((lr + 2) ** 2) + bonus - Math.abs((v.dropout as number) - 0.2) + (v.batch_size === 128 ? 0.3 : 0);
    },
  },
  {
    name: 'nas-bench-201 (architecture)',
    space: loadSpace('nas-bench-201'),
    score: (c) => {
      const OP_SCORE: Record<string, number> = { none: 0, skip_connect: 0.5, nor_conv_1x1: 1, nor_conv_3x3: 2, avg_pool_3x3: 0.2 };
      const edges = (c as { edges: string[] }).edges;
      return edges.reduce((s, op, i) => s + OP_SCORE[op] * (1 + i / 10), 0);
    },
  },
  {
    name: 'nasnet-cell (architecture)',
    space: loadSpace('nasnet-cell'),
    score: (c) => {
      const g = c as NasnetGenome;
      const blocks = [...g.normal.blocks, ...g.reduction.blocks];
      return blocks.reduce((s, b, i) => s + b.ops.filter((op) => op.startsWith('sep_conv')).length + (b.inputs.includes(i % 5 + 1) ? 0.3 : 0), 0);
    },
  },
  {
    name: 'large-scale (growing networks)',
    space: loadSpace('large-scale'),
    score: (c) => {
      const g = c as LargeScaleGenome;
      return g.layers.filter((l) => l.kind === 'conv').length - Math.abs(Math.log10(g.learningRate) + 1) + 0.1 * g.skips.length;
    },
  },
  {
    name: 'joint-example (architecture + hyperparameters)',
    space: loadSpace('joint-example'),
    score: (c) => {
      const v = c as { arch: { edges: string[] }; hparams: Record<string, number> };
      const convs = v.arch.edges.filter((op) => op === 'nor_conv_3x3').length;
      return convs - Math.abs(Math.log10(v.hparams.learning_rate) + 1.5) + (v.hparams.batch_size === 128 ? 0.5 : 0);
    },
  },
];

/**
 * Strategy options the suite passes: grid search is seed-independent unless shuffled; GP-EI gets a
 * lighter acquisition search and bananas smaller MLPs, screened-aging the WL GP with expected
 * improvement (the contract does not depend on them; this keeps
 * the suite fast).
 */
const OPTIONS: Record<string, Record<string, unknown>> = {
  grid: { shuffle: true },
  bo: { candidates: 200, localStarts: 2, observedStarts: 1, localIter: 10, restarts: 1, fitIter: 20 },
  bananas: { members: 2, steps: 30 },
  // The predictor-guided path (model fits between asks) is the one whose resume needs care.
  'local-search': { order: 'predictor', restart: 'predictor' },
  // bananas runs its default (the path GP, Thompson sampling); screened-aging the other GP and acquisition.
  'screened-aging': { predictor: 'wl-gp', acquisition: 'ei' },
};

const BUDGET = 60;
/** Results are told once this many trials are pending (so strategies see pending trials). */
const DELAY = 2;

function build(name: string, c: Case, seed: number): Strategy<unknown> {
  return createStrategy(name, { space: c.space, rng: Rng.seeded(seed).split(name), budget: BUDGET, options: OPTIONS[name] ?? {} });
}

/** Drives a strategy deterministically; the pending queue is part of the driver's state. */
class Driver {
  readonly trace: string[] = [];
  pending: Array<Suggestion<unknown>> = [];
  done = false;

  constructor(
    readonly strategy: Strategy<unknown>,
    readonly c: Case,
  ) {}

  /** Runs until `suggestions` more suggestions were made (or the strategy is done). */
  run(suggestions: number): void {
    let made = 0;
    let guard = 0;
    while (made < suggestions && !this.done) {
      if (++guard > 100 * suggestions + 100) throw new Error(`${this.strategy.name}: no progress`);
      const r = this.strategy.ask();
      if (r.kind === 'done') {
        this.done = true;
        break;
      }
      if (r.kind === 'wait') {
        if (this.pending.length === 0) throw new Error(`${this.strategy.name} answered wait with nothing pending`);
        this.tellOldest();
        continue;
      }
      const s = r.suggestion;
      this.trace.push(`${s.id}:${this.c.space.hash(s.config)}:${s.fidelity ?? ''}:${s.parentId ?? ''}`);
      this.pending.push(s);
      made++;
      if (this.pending.length >= DELAY) this.tellOldest();
    }
  }

  private tellOldest(): void {
    const s = this.pending.shift() as Suggestion<unknown>;
    if (s.id % 7 === 3) this.strategy.tell(s.id, { status: 'failed' });
    else this.strategy.tell(s.id, { status: 'ok', score: this.c.score(s.config) });
  }
}

/**
 * Strategy and space pairs that cannot work, each refused at construction with a ValidationError:
 * PBT explores hyperparameters (an architecture space has none); grid search enumerates the space
 * (NASNet cells have about 3e29 grid points).
 */
const REFUSES: Record<string, string[]> = {
  pbt: ['nas-bench-201 (architecture)', 'nasnet-cell (architecture)', 'large-scale (growing networks)'],
  grid: ['nasnet-cell (architecture)'],
};

describe.each(strategyNames())('strategy %s', (name) => {
  describe.each(CASES.filter((c) => REFUSES[name]?.includes(c.name)))('refuses $name', (c) => {
    it('with a ValidationError naming the space and what is accepted', () => {
      expect(() => build(name, c, 1)).toThrow(ValidationError);
      expect(() => build(name, c, 1)).toThrow(/'.*'.*accepted: /);
    });
  });

  describe.each(CASES.filter((c) => !REFUSES[name]?.includes(c.name)))('on $name', (c) => {
    it('suggests only members of the space', () => {
      const d = new Driver(build(name, c, 1), c);
      let checked = 0;
      const original = d.pending.push.bind(d.pending);
      d.pending.push = (...items: Array<Suggestion<unknown>>): number => {
        for (const s of items) {
          const back = c.space.validate(JSON.parse(JSON.stringify(c.space.toJSON(s.config))));
          expect(c.space.hash(back)).toBe(c.space.hash(s.config));
          checked++;
        }
        return original(...items);
      };
      d.run(45);
      expect(checked).toBeGreaterThan(0);
      expect(checked).toBe(d.trace.length);
    });

    it('repeats its sequence with the same seed and changes it with another', () => {
      const a = new Driver(build(name, c, 11), c);
      const b = new Driver(build(name, c, 11), c);
      const other = new Driver(build(name, c, 12), c);
      a.run(30);
      b.run(30);
      other.run(30);
      expect(b.trace).toEqual(a.trace);
      expect(other.trace).not.toEqual(a.trace);
    });

    it('throws a UsageError on a second tell and on a tell for an unknown id', () => {
      const s = build(name, c, 3);
      let r = s.ask();
      while (r.kind === 'wait') r = s.ask();
      expect(r.kind).toBe('suggestion');
      if (r.kind !== 'suggestion') return;
      const id = r.suggestion.id;
      s.tell(id, { status: 'ok', score: c.score(r.suggestion.config) });
      expect(() => s.tell(id, { status: 'ok', score: 1 })).toThrow(UsageError);
      expect(() => s.tell(id + 1000, { status: 'ok', score: 1 })).toThrow(UsageError);
      expect(() => s.tell(-1, { status: 'failed' })).toThrow(UsageError);
    });

    it.each([7, 25])('continues exactly after save at %i suggestions and restore into a fresh strategy', (at) => {
      const a = new Driver(build(name, c, 5), c);
      a.run(at);
      const saved: unknown = JSON.parse(JSON.stringify(a.strategy.saveState()));
      const fresh = build(name, c, 5);
      fresh.loadState(saved);
      const b = new Driver(fresh, c);
      b.pending = [...a.pending];
      b.done = a.done;
      const start = a.trace.length;
      a.run(20);
      b.run(20);
      expect(b.trace).toEqual(a.trace.slice(start));
      expect(b.trace.length).toBeGreaterThan(0);
    });
  });
});
