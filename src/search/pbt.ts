/**
 * Population-based training (Jaderberg et al. 2017, "Population Based Training of Neural Networks"),
 * asynchronous, behind the ask/tell interface. P members train side by side in steps of `interval`
 * fidelity units (epochs); each step is one trial that continues the member's checkpoint. When a member
 * finishes a step it is ranked among the members' latest scores: in the bottom `quantile` it exploits
 * (copies the weights, i.e. continues the checkpoint, and the configuration of a member drawn from the top
 * `quantile`) and explores (perturbs each hyperparameter by a factor 0.8 or 1.2, a categorical to a
 * neighbouring choice, or with probability `resampleProbability` draws it afresh); otherwise it goes on
 * with its own weights and configuration. A member whose step failed exploits, or restarts from a new
 * random configuration when no member can be copied. Members stop at `maxBudget`.
 *
 * Spaces: hyperparameter spaces, and joint spaces, whose architecture a member keeps (its weights belong
 * to it) while the hyperparameters are explored. An architecture-only space has nothing to explore and
 * is refused.
 */
import { UsageError, ValidationError } from '../core/errors.ts';
import { Rng, type RngState } from '../core/rng.ts';
import { HparamsSpace, sampleParam, type HparamAssignment } from '../spaces/hparams.ts';
import { JointSpace, type JointValue } from '../spaces/joint.ts';
import type { SearchSpace } from '../spaces/space.ts';
import { numberOption } from './gp/options.ts';
import { registerStrategy, type StrategyContext } from './registry.ts';
import type { AskResult, Outcome, Strategy } from './strategy.ts';

/** Options of PBT. */
export interface PbtOptions {
  /** Members P. Default 8. */
  population: number;
  /** Fidelity units (epochs) each step trains before the member is ranked again. Default 3. */
  interval: number;
  /** Fidelity every member trains to. Default 27. */
  maxBudget: number;
  /** Fraction of the ranked members in the bottom (exploit) and top (donor) sets. Default 0.25. */
  quantile: number;
  /** Probability that explore draws a hyperparameter afresh instead of perturbing it. Default 0.25. */
  resampleProbability: number;
  /** Factors a positive numeric hyperparameter is multiplied by when perturbed (one drawn at random). Default [0.8, 1.2]. */
  perturbFactors: [number, number];
}

/** One member: its configuration, how far its weights are trained and which trial holds them. */
interface Member {
  config: unknown;
  /** Fidelity its weights reached. */
  epoch: number;
  /** Trial whose checkpoint holds its weights (its own, or the member's it copied). */
  weights?: number;
  /** Its latest score (undefined before the first or after a failed step). */
  score?: number;
  failed: boolean;
  /** Its trial in flight. */
  pending?: number;
}

interface PbtState {
  version: 1;
  nextId: number;
  rng: RngState;
  members: Member[];
  ready: number[];
  pending: Array<{ id: number; member: number; fidelity: number; continueFrom?: number }>;
}

type Explore = (config: unknown, rng: Rng) => unknown;

export class Pbt implements Strategy<unknown> {
  readonly name = 'pbt';
  private nextId = 0;
  private members: Member[] = [];
  /** Members that finished a step and wait for their next one, in the order they finished. */
  private ready: number[] = [];
  private pending = new Map<number, { member: number; fidelity: number; continueFrom?: number }>();
  private readonly explore: Explore;

  constructor(
    private readonly space: SearchSpace<unknown>,
    private rng: Rng,
    private readonly o: PbtOptions,
  ) {
    this.explore = explorer(space, o);
  }

  ask(): AskResult<unknown> {
    if (this.members.length < this.o.population) {
      this.members.push({ config: this.space.sample(this.rng), epoch: 0, failed: false });
      return this.step(this.members.length - 1, undefined);
    }
    const index = this.ready.shift();
    if (index === undefined) return this.pending.size > 0 ? { kind: 'wait' } : { kind: 'done' };
    const m = this.members[index];
    const donor = this.exploitsFrom(index);
    if (donor !== undefined) {
      const d = this.members[donor];
      m.config = this.explore(d.config, this.rng);
      m.epoch = d.epoch;
      m.weights = d.weights;
    } else if (m.failed) {
      m.config = this.space.sample(this.rng);
      m.epoch = 0;
      m.weights = undefined;
    }
    return this.step(index, m.weights);
  }

  tell(id: number, outcome: Outcome): void {
    const t = this.pending.get(id);
    if (!t) throw new UsageError(Number.isInteger(id) && id >= 0 && id < this.nextId ? `pbt: trial ${id} was already told` : `pbt: trial ${id} was never asked`);
    if (outcome.status === 'ok' && (typeof outcome.score !== 'number' || Number.isNaN(outcome.score))) {
      throw new UsageError(`pbt: trial ${id} is 'ok' but its score is ${String(outcome.score)}; a number is required`);
    }
    this.pending.delete(id);
    const m = this.members[t.member];
    m.pending = undefined;
    if (outcome.status === 'ok') Object.assign(m, { score: outcome.score, epoch: t.fidelity, weights: id, failed: false });
    else Object.assign(m, { score: undefined, failed: true });
    if (m.failed || m.epoch < this.o.maxBudget) this.ready.push(t.member);
  }

  /** Each member's latest trial, score and configuration (members that have a score), in member order. */
  population(): ReadonlyArray<{ id: number; score: number; config: unknown }> {
    return this.members.flatMap((m) => (m.score !== undefined && m.weights !== undefined ? [{ id: m.weights, score: m.score, config: m.config }] : []));
  }

  /** The weights of members still training, and the checkpoints trials in flight continue. */
  continuable(): number[] {
    const out = new Set<number>();
    for (const m of this.members) if (m.weights !== undefined && m.epoch < this.o.maxBudget) out.add(m.weights);
    for (const t of this.pending.values()) if (t.continueFrom !== undefined) out.add(t.continueFrom);
    return [...out].sort((a, b) => a - b);
  }

  saveState(): PbtState {
    return {
      version: 1, nextId: this.nextId, rng: this.rng.state(), ready: [...this.ready],
      members: this.members.map((m) => ({ ...m, config: this.space.toJSON(m.config) })),
      pending: [...this.pending].map(([id, t]) => ({ id, ...t })),
    };
  }

  loadState(state: unknown): void {
    const s = state as PbtState;
    if (!s || s.version !== 1 || !Array.isArray(s.members)) throw new ValidationError('not a pbt strategy state', { field: 'strategy' }, 'an object saved by pbt.saveState() (version 1)');
    this.nextId = s.nextId;
    this.rng = Rng.fromState(s.rng);
    this.ready = [...s.ready];
    this.members = s.members.map((m) => ({ ...m, config: this.space.validate(m.config) }));
    this.pending = new Map(s.pending.map(({ id, ...t }) => [id, t]));
  }

  /** The next step of member `index`, continuing the checkpoint `from` (none: from scratch). */
  private step(index: number, from: number | undefined): AskResult<unknown> {
    const m = this.members[index];
    const id = this.nextId++;
    const fidelity = Math.min(this.o.maxBudget, m.epoch + this.o.interval);
    m.pending = id;
    this.pending.set(id, { member: index, fidelity, ...(from !== undefined ? { continueFrom: from } : {}) });
    return {
      kind: 'suggestion',
      suggestion: {
        id, config: m.config, fidelity, horizon: this.o.maxBudget, ...(fidelity < this.o.maxBudget ? { checkpoint: true } : {}),
        ...(from !== undefined ? { continueFrom: from } : {}),
      },
    };
  }

  /** The member `index` copies, when it ranks in the bottom quantile (or failed) and a top member can be copied. */
  private exploitsFrom(index: number): number | undefined {
    const ranked = this.members.map((m, i) => ({ m, i })).filter(({ m }) => m.score !== undefined);
    ranked.sort((a, b) => (b.m.score as number) - (a.m.score as number) || a.i - b.i);
    const k = ranked.length >= 2 ? Math.max(1, Math.floor(ranked.length * this.o.quantile)) : 0;
    const failed = this.members[index].failed;
    if (!failed && !ranked.slice(ranked.length - k).some(({ i }) => i === index)) return undefined;
    // A failed member copies from the top even when too few members are ranked for a bottom set.
    const donors = ranked.slice(0, failed ? Math.max(1, k) : k).filter(({ m, i }) => i !== index && m.weights !== undefined && m.epoch < this.o.maxBudget);
    return donors.length > 0 ? this.rng.choice(donors).i : undefined;
  }
}

/** Explore for the space: hyperparameters perturbed or resampled; a joint space keeps its architecture. */
function explorer(space: SearchSpace<unknown>, o: PbtOptions): Explore {
  if (space instanceof HparamsSpace) return (c, rng) => perturb(space, c as HparamAssignment, rng, o);
  if (space instanceof JointSpace) {
    return (c, rng) => {
      const v = c as JointValue<unknown>;
      return { arch: v.arch, hparams: perturb(space.hparams, v.hparams, rng, o) };
    };
  }
  throw new ValidationError(`pbt explores hyperparameters, and space '${space.name}' (${space.type}) has none`, { field: 'space' }, 'an hparams or joint space');
}

/** One explore step over a hyperparameter assignment (conditional parameters kept consistent). */
export function perturb(space: HparamsSpace, value: HparamAssignment, rng: Rng, o: Pick<PbtOptions, 'resampleProbability' | 'perturbFactors'>): HparamAssignment {
  const out: HparamAssignment = { ...value };
  for (const name of space.order) {
    if (!space.isActive(name, out)) {
      delete out[name];
      continue;
    }
    const p = space.param(name);
    const v = out[name];
    if (v === undefined || rng.next() < o.resampleProbability) {
      out[name] = sampleParam(p, rng);
    } else if (p.kind === 'categorical') {
      const at = p.choices.indexOf(v);
      out[name] = p.choices[Math.min(p.choices.length - 1, Math.max(0, at + (rng.next() < 0.5 ? -1 : 1)))];
    } else {
      const up = rng.next() < 0.5;
      const x = v as number;
      // Positive ranges scale (as in the paper); a range reaching 0 or below moves by a fifth of its width.
      let next = p.low > 0 ? x * o.perturbFactors[up ? 1 : 0] : x + (up ? 0.2 : -0.2) * (p.high - p.low);
      next = Math.min(p.high, Math.max(p.low, next));
      if (p.kind === 'int') {
        next = Math.round(next);
        if (next === x) next = Math.min(p.high, Math.max(p.low, x + (up ? 1 : -1)));
      }
      out[name] = next;
    }
  }
  return space.validate(out);
}

/** Builds `pbt` from strategy options. */
export function createPbt(ctx: StrategyContext): Pbt {
  const o = ctx.options;
  const maxBudget = numberOption(o, 'maxBudget', 27, { min: 0, exclusiveMin: true });
  const low = numberOption(o, 'perturbLow', 0.8, { min: 0, exclusiveMin: true, max: 1 });
  return new Pbt(ctx.space, ctx.rng, {
    population: numberOption(o, 'population', 8, { integer: true, min: 2 }),
    interval: numberOption(o, 'interval', Math.min(3, maxBudget), { min: 0, exclusiveMin: true, max: maxBudget }),
    maxBudget,
    quantile: numberOption(o, 'quantile', 0.25, { min: 0, exclusiveMin: true, max: 0.5 }),
    resampleProbability: numberOption(o, 'resampleProbability', 0.25, { min: 0, max: 1 }),
    perturbFactors: [low, numberOption(o, 'perturbHigh', 1.2, { min: 1 })],
  });
}

registerStrategy('pbt', createPbt, ['population', 'interval', 'maxBudget', 'quantile', 'resampleProbability', 'perturbLow', 'perturbHigh']);
