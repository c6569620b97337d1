/**
 * Hyperband (Li et al. 2018) and successive halving (`sh`) as ask/tell strategies. A bracket schedule
 * runs rungs of configurations at growing fidelity; promotions wait until a rung is complete (`ask`
 * answers `wait` meanwhile). New configurations come from a ConfigGenerator: random sampling here, a
 * KDE model in BOHB (composition: bohb.ts passes its own generator). Promoted configurations are new
 * trials at a higher fidelity whose `parentId` is the trial they were promoted from; by default they
 * also continue its checkpoint (`continueFrom`), so a promotion from r to R epochs trains R - r epochs
 * under a schedule over the largest fidelity (`continuePromotions: false` trains them from scratch).
 */
import { UsageError, ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import type { RngState } from '../core/rng.ts';
import type { SearchSpace } from '../spaces/space.ts';
import { booleanOption, numberOption } from './gp/options.ts';
import { registerStrategy } from './registry.ts';
import type { StrategyContext } from './registry.ts';
import type { AskResult, Outcome, Strategy } from './strategy.ts';
import { bracketPlan, checkFidelity, hyperbandBrackets, maxBracketIndex, promote } from './successive-halving.ts';
import type { BracketPlan, FidelityOptions } from './successive-halving.ts';

/** Where new first-rung configurations come from. */
export interface ConfigGenerator<C> {
  /** A new configuration to evaluate at `budget`. */
  propose(budget: number): C;
  /** A finished evaluation of `config` at `budget`. */
  observe(config: C, budget: number, outcome: Outcome): void;
  saveState(): unknown;
  loadState(state: unknown): void;
}

/** Uniform random configurations from the space. */
export class RandomGenerator<C> implements ConfigGenerator<C> {
  constructor(
    private readonly space: SearchSpace<C>,
    private rng: Rng,
  ) {}
  propose(): C {
    return this.space.sample(this.rng);
  }
  observe(): void {}
  saveState(): { rng: RngState } {
    return { rng: this.rng.state() };
  }
  loadState(state: unknown): void {
    this.rng = Rng.fromState((state as { rng: RngState }).rng);
  }
}

interface TrialEntry<C> {
  id: number;
  rung: number;
  budget: number;
  config: C;
  status: 'pending' | 'ok' | 'failed';
  score?: number;
  parentId?: number;
}

/** The bracket being run: its plan, its current rung, the trial ids of each rung, the promotions left to issue. */
interface ActiveBracket {
  plan: number;
  rung: number;
  ids: number[][];
  /** Parent trial ids still to be issued in the current rung (rung > 0). */
  queue: number[];
}

/** JSON state of a MultiFidelity strategy. */
interface MultiFidelityState {
  version: 1;
  name: string;
  nextId: number;
  started: number;
  active: ActiveBracket | null;
  trials: Array<{ id: number; rung: number; budget: number; config: unknown; status: TrialEntry<unknown>['status']; score?: number; parentId?: number }>;
  generator: unknown;
}

/** Options of the multi-fidelity runner. */
export interface MultiFidelityOptions {
  /** The brackets to run, in order; the cycle repeats. */
  plans: BracketPlan[];
  /** Full passes over `plans` before `done`; 0 repeats until `maxTrials`. Default 0. */
  iterations: number;
  /** Trials to ask in all before `done` (the run's budget); 0 for no limit. */
  maxTrials: number;
  /** Promotions continue their parent's checkpoint instead of training from scratch. Default true. */
  continuePromotions?: boolean;
}

/** Runs bracket plans one after the other with a config generator. */
export class MultiFidelity<C> implements Strategy<C> {
  private nextId = 0;
  private started = 0;
  private active: ActiveBracket | null = null;
  private trials = new Map<number, TrialEntry<C>>();

  constructor(
    readonly name: string,
    private readonly space: SearchSpace<C>,
    private readonly generator: ConfigGenerator<C>,
    private readonly o: MultiFidelityOptions,
  ) {}

  /** The bracket plans this strategy runs (for inspection). */
  plans(): BracketPlan[] {
    return this.o.plans;
  }

  ask(): AskResult<C> {
    if (this.o.maxTrials > 0 && this.nextId >= this.o.maxTrials) return { kind: 'done' };
    for (;;) {
      if (!this.active) {
        if (this.o.iterations > 0 && this.started >= this.o.iterations * this.o.plans.length) return { kind: 'done' };
        this.active = { plan: this.started % this.o.plans.length, rung: 0, ids: [[]], queue: [] };
        this.started++;
      }
      const b = this.active;
      const plan = this.o.plans[b.plan];
      const rung = plan.rungs[b.rung];
      const ids = b.ids[b.rung];
      if (b.rung === 0 && ids.length < rung.n) return this.issue(b, this.generator.propose(rung.budget));
      if (b.rung > 0 && b.queue.length > 0) {
        const parent = b.queue.shift() as number;
        return this.issue(b, (this.trials.get(parent) as TrialEntry<C>).config, parent);
      }
      if (ids.some((id) => this.trials.get(id)?.status === 'pending')) return { kind: 'wait' };
      this.advance(b, plan);
    }
  }

  /** Closes the complete current rung: promotes its best into the next rung, or ends the bracket. */
  private advance(b: ActiveBracket, plan: BracketPlan): void {
    const results = b.ids[b.rung].map((id) => this.trials.get(id) as TrialEntry<C>);
    const next = b.rung + 1;
    const promoted = next < plan.rungs.length ? promote(results, plan.rungs[next].n) : [];
    // Drop the closed rung and the parents of its trials: only the new parents are still needed.
    for (const [id, t] of this.trials) if (t.rung <= b.rung) this.trials.delete(id);
    if (promoted.length === 0) {
      this.active = null;
      return;
    }
    // Keep the promoted configurations (their trial records were just dropped) as parents.
    for (const r of results) if (promoted.includes(r.id)) this.trials.set(r.id, r);
    b.rung = next;
    b.ids.push([]);
    b.queue = promoted;
  }

  private issue(b: ActiveBracket, config: C, parentId?: number): AskResult<C> {
    const id = this.nextId++;
    const rungs = this.o.plans[b.plan].rungs;
    const rung = rungs[b.rung];
    this.trials.set(id, { id, rung: b.rung, budget: rung.budget, config, status: 'pending', ...(parentId !== undefined ? { parentId } : {}) });
    b.ids[b.rung].push(id);
    const continued = this.o.continuePromotions !== false;
    const suggestion = {
      id, config, fidelity: rung.budget, ...(parentId !== undefined ? { parentId } : {}),
      ...(continued ? { horizon: this.horizon(), ...(b.rung < rungs.length - 1 ? { checkpoint: true } : {}), ...(parentId !== undefined ? { continueFrom: parentId } : {}) } : {}),
    };
    return { kind: 'suggestion', suggestion };
  }

  /** The largest fidelity of any bracket: the horizon of continued trials' schedules. */
  private horizon(): number {
    return Math.max(...this.o.plans.map((p) => p.rungs[p.rungs.length - 1].budget));
  }

  /**
   * Trials a later promotion may continue: every trial of the open rung (until it closes, any may be
   * promoted) unless it is the bracket's last, and the promoted parents whose continuation is not yet told.
   */
  continuable(): number[] {
    const b = this.active;
    if (!b || this.o.continuePromotions === false) return [];
    const last = this.o.plans[b.plan].rungs.length - 1;
    const current = b.ids[b.rung].map((id) => this.trials.get(id) as TrialEntry<C>);
    const waiting = new Set([...b.queue, ...current.filter((t) => t.status === 'pending' && t.parentId !== undefined).map((t) => t.parentId as number)]);
    const out = [...waiting];
    if (b.rung < last) out.push(...current.filter((t) => t.status !== 'failed').map((t) => t.id));
    return out.sort((x, y) => x - y);
  }

  tell(id: number, outcome: Outcome): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.nextId) throw new UsageError(`${this.name}: tell for trial ${id}, which was never asked`);
    const t = this.trials.get(id);
    if (!t || t.status !== 'pending') throw new UsageError(`${this.name}: trial ${id} was already told`);
    if (outcome.status === 'ok') {
      if (typeof outcome.score !== 'number' || Number.isNaN(outcome.score)) {
        throw new UsageError(`${this.name}: trial ${id} is 'ok' but its score is ${String(outcome.score)}; a number is required`);
      }
      t.status = 'ok';
      t.score = outcome.score;
    } else t.status = 'failed';
    this.generator.observe(t.config, t.budget, outcome);
  }

  saveState(): MultiFidelityState {
    return {
      version: 1,
      name: this.name,
      nextId: this.nextId,
      started: this.started,
      active: this.active ? JSON.parse(JSON.stringify(this.active)) : null,
      trials: [...this.trials.values()].map((t) => ({ ...t, config: this.space.toJSON(t.config) })),
      generator: this.generator.saveState(),
    };
  }

  loadState(state: unknown): void {
    const s = state as MultiFidelityState;
    if (!s || s.version !== 1 || s.name !== this.name || !Array.isArray(s.trials)) {
      throw new ValidationError(`not a ${this.name} strategy state`, { field: 'strategy' }, `an object saved by ${this.name}.saveState() (version 1)`);
    }
    this.nextId = s.nextId;
    this.started = s.started;
    this.active = s.active ? JSON.parse(JSON.stringify(s.active)) : null;
    this.trials = new Map(s.trials.map((t) => [t.id, { ...t, config: this.space.validate(t.config) }]));
    this.generator.loadState(s.generator);
  }
}

/** The fidelity options every multi-fidelity strategy reads. */
export const FIDELITY_OPTIONS: readonly string[] = ['minBudget', 'maxBudget', 'eta'];
/** The options `hyperband` reads (bohb adds its model's). */
export const HYPERBAND_OPTIONS: readonly string[] = [...FIDELITY_OPTIONS, 'iterations', 'continuePromotions'];

/** Reads minBudget, maxBudget and eta from strategy options. */
export function parseFidelity(options: Readonly<Record<string, unknown>>): FidelityOptions {
  return checkFidelity({
    minBudget: numberOption(options, 'minBudget', 1, { min: 0, exclusiveMin: true }),
    maxBudget: numberOption(options, 'maxBudget', 27, { min: 0, exclusiveMin: true }),
    eta: numberOption(options, 'eta', 3, { min: 1, exclusiveMin: true }),
  });
}

/** Hyperband over `ctx.space` with the given generator (random for `hyperband`, KDE for `bohb`). */
export function hyperbandWith<C>(name: string, ctx: StrategyContext, generator: ConfigGenerator<C>): MultiFidelity<C> {
  const fid = parseFidelity(ctx.options);
  return new MultiFidelity(name, ctx.space as SearchSpace<C>, generator, {
    plans: hyperbandBrackets(fid),
    iterations: numberOption(ctx.options, 'iterations', 0, { integer: true, min: 0 }),
    maxTrials: Number.isFinite(ctx.budget) && ctx.budget > 0 ? ctx.budget : 0,
    continuePromotions: booleanOption(ctx.options, 'continuePromotions', true),
  });
}

/** Successive halving: one bracket (the most aggressive, s = s_max, unless `n` says how many to start). */
export function successiveHalving(ctx: StrategyContext): MultiFidelity<unknown> {
  const fid = parseFidelity(ctx.options);
  const s = maxBracketIndex(fid);
  const n = numberOption(ctx.options, 'n', Math.round(fid.eta ** s), { integer: true, min: 1 });
  return new MultiFidelity('sh', ctx.space, new RandomGenerator(ctx.space, ctx.rng), {
    plans: [bracketPlan(fid, s, n)],
    iterations: numberOption(ctx.options, 'iterations', 0, { integer: true, min: 0 }),
    maxTrials: Number.isFinite(ctx.budget) && ctx.budget > 0 ? ctx.budget : 0,
    continuePromotions: booleanOption(ctx.options, 'continuePromotions', true),
  });
}

registerStrategy('hyperband', (ctx) => hyperbandWith('hyperband', ctx, new RandomGenerator(ctx.space, ctx.rng)), HYPERBAND_OPTIONS);
registerStrategy('sh', successiveHalving, [...FIDELITY_OPTIONS, 'n', 'iterations', 'continuePromotions']);
