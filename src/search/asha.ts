/**
 * ASHA, asynchronous successive halving (Li et al. 2020, "A System for Massively Parallel Hyperparameter
 * Tuning", Algorithm 2), and asynchronous Hyperband over it: a set of ASHA brackets with early-stopping
 * rates s = 0, 1, ..., each new configuration joining one of them.
 *
 * Rung k of bracket s evaluates at minBudget * eta^(k + s) (the top rung at maxBudget). Whenever a worker
 * asks, the highest rung holding a configuration that is in the top 1/eta of the results seen at that
 * rung and not yet promoted promotes it to the next rung; otherwise a new configuration starts at the
 * bottom rung. `ask` never answers `wait`, so no worker ever waits for a rung to fill. Promotions
 * continue the promoted trial's checkpoint (`continuePromotions: false`: from scratch).
 *
 * New configurations come from a ConfigGenerator: uniform random (`sampler: 'random'`) or BOHB's KDE
 * model (`sampler: 'kde'`, with BOHB's options), observed at every rung.
 */
import { UsageError, ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import type { RngState } from '../core/rng.ts';
import type { SearchSpace } from '../spaces/space.ts';
import { KdeGenerator, KDE_OPTIONS, parseKdeOptions } from './bohb.ts';
import { booleanOption, choiceOption, numberOption } from './gp/options.ts';
import { FIDELITY_OPTIONS, parseFidelity, RandomGenerator, type ConfigGenerator } from './hyperband.ts';
import { registerStrategy, type StrategyContext } from './registry.ts';
import type { AskResult, Outcome, Strategy } from './strategy.ts';
import { bracketPlan, hyperbandBrackets, maxBracketIndex, type FidelityOptions } from './successive-halving.ts';
import { Rung } from './asha-rungs.ts';

/** One ASHA trial. */
interface AshaTrial<C> {
  id: number;
  bracket: number;
  rung: number;
  config: C;
  status: 'pending' | 'ok' | 'failed';
  score?: number;
  parentId?: number;
}

/** Options of ASHA. */
export interface AshaOptions {
  /** Budgets of each bracket's rungs, lowest first (bracket b has early-stopping rate b). */
  brackets: number[][];
  /** Share of each bracket among new configurations (Hyperband's bracket sizes). */
  weights: number[];
  /** Reduction factor. */
  eta: number;
  /** Promotions continue their parent's checkpoint. Default true. */
  continuePromotions: boolean;
}

/** JSON state of ASHA. */
interface AshaState {
  version: 1;
  nextId: number;
  rng: RngState;
  trials: Array<Omit<AshaTrial<unknown>, 'config'> & { config: unknown }>;
  generator: unknown;
}

export class Asha<C> implements Strategy<C> {
  readonly name = 'asha';
  private nextId = 0;
  private trials = new Map<number, AshaTrial<C>>();
  /** rungs[bracket][rung]: the results there, kept in step with `trials`. */
  private rungs: Rung[][];

  constructor(
    private readonly space: SearchSpace<C>,
    private readonly generator: ConfigGenerator<C>,
    /** Draws the bracket of each new configuration. */
    private rng: Rng,
    private readonly o: AshaOptions,
  ) {
    this.rungs = this.emptyRungs();
  }

  ask(): AskResult<C> {
    for (const rungs of this.rungs) {
      for (let k = rungs.length - 2; k >= 0; k--) {
        const best = rungs[k].nextPromotion(this.o.eta);
        if (best !== undefined) return this.promote(this.trials.get(best) as AshaTrial<C>);
      }
    }
    const bracket = this.o.brackets.length === 1 ? 0 : this.drawBracket();
    return this.issue(bracket, 0, this.generator.propose(this.o.brackets[bracket][0]));
  }

  tell(id: number, outcome: Outcome): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.nextId) throw new UsageError(`asha: tell for trial ${id}, which was never asked`);
    const t = this.trials.get(id) as AshaTrial<C>;
    if (t.status !== 'pending') throw new UsageError(`asha: trial ${id} was already told`);
    if (outcome.status === 'ok') {
      if (typeof outcome.score !== 'number' || Number.isNaN(outcome.score)) {
        throw new UsageError(`asha: trial ${id} is 'ok' but its score is ${String(outcome.score)}; a number is required`);
      }
      t.status = 'ok';
      t.score = outcome.score;
    } else t.status = 'failed';
    const rung = this.rungs[t.bracket][t.rung];
    rung.pending--;
    rung.add(id, t.score);
    this.generator.observe(t.config, this.o.brackets[t.bracket][t.rung], outcome);
  }

  /**
   * Trials a later promotion may continue: in every rung below the top, each told trial that is not yet
   * promoted and could still reach the top 1/eta if every result still to come at its rung (pending ones,
   * promotions into it, and at most `remaining` new trials) scored below it; and the parents of
   * continuations not yet told.
   */
  continuable(remaining: number): number[] {
    if (!this.o.continuePromotions) return [];
    const out = new Set<number>();
    for (const rungs of this.rungs) {
      let future = remaining + rungs[0].pending;
      for (let k = 0; k < rungs.length - 1; k++) {
        for (const id of rungs[k].top(this.o.eta, future)) if (!rungs[k].promoted.has(id)) out.add(id);
        const more = Math.max(0, Math.floor((rungs[k].told + future) / this.o.eta + 1e-9) - rungs[k].promoted.size);
        future = rungs[k + 1].pending + Math.min(remaining, more);
      }
    }
    for (const t of this.trials.values()) if (t.status === 'pending' && t.parentId !== undefined) out.add(t.parentId);
    return [...out].sort((x, y) => x - y);
  }

  saveState(): AshaState {
    return {
      version: 1, nextId: this.nextId, rng: this.rng.state(), generator: this.generator.saveState(),
      trials: [...this.trials.values()].map((t) => ({ ...t, config: this.space.toJSON(t.config) })),
    };
  }

  loadState(state: unknown): void {
    const s = state as AshaState;
    if (!s || s.version !== 1 || !Array.isArray(s.trials)) {
      throw new ValidationError('not an asha strategy state', { field: 'strategy' }, 'an object saved by asha.saveState() (version 1)');
    }
    this.nextId = s.nextId;
    this.rng = Rng.fromState(s.rng);
    this.trials = new Map(s.trials.map((t) => [t.id, { ...t, config: this.space.validate(t.config) }]));
    this.generator.loadState(s.generator);
    this.rungs = this.emptyRungs();
    for (const t of [...this.trials.values()].sort((a, b) => a.id - b.id)) {
      const rung = this.rungs[t.bracket][t.rung];
      if (t.status === 'pending') rung.pending++;
      else rung.add(t.id, t.score);
      if (t.parentId !== undefined) this.rungs[t.bracket][t.rung - 1].promoted.add(t.parentId);
    }
  }

  private emptyRungs(): Rung[][] {
    return this.o.brackets.map((budgets) => budgets.map(() => new Rung()));
  }

  private promote(parent: AshaTrial<C>): AskResult<C> {
    this.rungs[parent.bracket][parent.rung].promoted.add(parent.id);
    return this.issue(parent.bracket, parent.rung + 1, parent.config, parent.id);
  }

  private issue(bracket: number, rung: number, config: C, parentId?: number): AskResult<C> {
    const id = this.nextId++;
    const budgets = this.o.brackets[bracket];
    this.trials.set(id, { id, bracket, rung, config, status: 'pending', ...(parentId !== undefined ? { parentId } : {}) });
    this.rungs[bracket][rung].pending++;
    const fidelity = budgets[rung];
    if (!this.o.continuePromotions) return { kind: 'suggestion', suggestion: { id, config, fidelity, ...(parentId !== undefined ? { parentId } : {}) } };
    const horizon = Math.max(...this.o.brackets.map((r) => r[r.length - 1]));
    return {
      kind: 'suggestion',
      suggestion: {
        id, config, fidelity, horizon, ...(rung < budgets.length - 1 ? { checkpoint: true } : {}),
        ...(parentId !== undefined ? { parentId, continueFrom: parentId } : {}),
      },
    };
  }

  private drawBracket(): number {
    const total = this.o.weights.reduce((a, b) => a + b, 0);
    let u = this.rng.next() * total;
    for (let b = 0; b < this.o.weights.length; b++) {
      u -= this.o.weights[b];
      if (u < 0) return b;
    }
    return this.o.weights.length - 1;
  }
}

/** ASHA's brackets: early-stopping rates 0 .. n-1, each weighted by the size of Hyperband's matching bracket. */
export function ashaBrackets(fid: FidelityOptions, count: number): { brackets: number[][]; weights: number[] } {
  const sMax = maxBracketIndex(fid);
  const hyperband = hyperbandBrackets(fid);
  const brackets: number[][] = [];
  const weights: number[] = [];
  for (let s = 0; s < count; s++) {
    brackets.push(bracketPlan(fid, sMax - s, 1).rungs.map((r) => r.budget));
    weights.push(hyperband[s].rungs[0].n);
  }
  return { brackets, weights };
}

/** Builds `asha` from strategy options. */
export function createAsha(ctx: StrategyContext): Asha<unknown> {
  const fid = parseFidelity(ctx.options);
  const sMax = maxBracketIndex(fid);
  const count = numberOption(ctx.options, 'brackets', 1, { integer: true, min: 1, max: sMax + 1 });
  const sampler = choiceOption(ctx.options, 'sampler', 'random', ['random', 'kde'] as const);
  const kdeGiven = KDE_OPTIONS.filter((k) => ctx.options[k] !== undefined);
  if (sampler !== 'kde' && kdeGiven.length > 0) {
    throw new ValidationError(`option '${kdeGiven[0]}' is read by the kde sampler only`, { field: `options.${kdeGiven[0]}` }, "sampler 'kde' with it, or leave it out");
  }
  const generator: ConfigGenerator<unknown> = sampler === 'kde'
    ? new KdeGenerator(ctx.space, ctx.rng, parseKdeOptions(ctx.options, ctx.space.dims().length))
    : new RandomGenerator(ctx.space, ctx.rng);
  return new Asha(ctx.space, generator, ctx.rng.split('brackets'), {
    ...ashaBrackets(fid, count), eta: fid.eta, continuePromotions: booleanOption(ctx.options, 'continuePromotions', true),
  });
}

registerStrategy('asha', createAsha, [...FIDELITY_OPTIONS, 'brackets', 'sampler', 'continuePromotions', ...KDE_OPTIONS]);
