/**
 * Successive halving (Jamieson & Talwalkar 2016; Li et al. 2018): the promotion rule, bracket plans
 * (how many configurations run at which budget in each rung) and the Hyperband schedule of brackets.
 * Pure functions: the bookkeeping that runs brackets lives in hyperband.ts.
 */
import { ValidationError } from '../core/errors.ts';

/** A finished trial of one rung, as the promotion rule sees it. */
export interface RungResult {
  id: number;
  /** Only `ok` trials can be promoted. */
  status: 'ok' | 'failed' | 'pending';
  score?: number;
}

/** The promotion rule: ids of the best `k` successful trials by score (ties: lower id); failed never promoted. */
export function promote(results: readonly RungResult[], k: number): number[] {
  const ok = results.filter((r) => r.status === 'ok').sort((a, b) => (b.score as number) - (a.score as number) || a.id - b.id);
  return ok.slice(0, Math.max(0, k)).map((r) => r.id);
}

/** One rung of a bracket: `n` configurations evaluated at `budget`. */
export interface Rung {
  n: number;
  budget: number;
}

/** A bracket: its index s (s + 1 rungs) and its rungs, lowest budget first. */
export interface BracketPlan {
  s: number;
  rungs: Rung[];
}

/** Budget limits and the reduction factor shared by successive halving and Hyperband. */
export interface FidelityOptions {
  /** Smallest budget (e.g. epochs). Default 1. */
  minBudget: number;
  /** Largest budget. Default 27. */
  maxBudget: number;
  /** Reduction factor: a rung keeps 1/eta of its configurations and gives them eta times the budget. Default 3. */
  eta: number;
}

/** s_max = floor(log_eta(maxBudget / minBudget)). */
export function maxBracketIndex(o: FidelityOptions): number {
  return Math.floor(Math.log(o.maxBudget / o.minBudget) / Math.log(o.eta) + 1e-9);
}

/** Budget of rung i of bracket s: maxBudget eta^-(s - i); rounded when both limits are integers. */
function rungBudget(o: FidelityOptions, s: number, i: number): number {
  const b = o.maxBudget / o.eta ** (s - i);
  return Number.isInteger(o.minBudget) && Number.isInteger(o.maxBudget) ? Math.max(o.minBudget, Math.round(b)) : b;
}

/** Bracket s with `n` configurations in its first rung: rung i runs floor(n eta^-i) (at least 1). */
export function bracketPlan(o: FidelityOptions, s: number, n: number): BracketPlan {
  const rungs: Rung[] = [];
  for (let i = 0; i <= s; i++) rungs.push({ n: Math.max(1, Math.floor(n / o.eta ** i + 1e-9)), budget: rungBudget(o, s, i) });
  return { s, rungs };
}

/**
 * Hyperband's brackets s = s_max .. 0 (Li et al. 2018, Algorithm 1): bracket s starts
 * n = ceil((s_max + 1) / (s + 1) eta^s) configurations at budget maxBudget eta^-s.
 */
export function hyperbandBrackets(o: FidelityOptions): BracketPlan[] {
  const sMax = maxBracketIndex(o);
  const out: BracketPlan[] = [];
  for (let s = sMax; s >= 0; s--) out.push(bracketPlan(o, s, Math.ceil(((sMax + 1) / (s + 1)) * o.eta ** s - 1e-9)));
  return out;
}

/** Checks budget limits and eta; errors name the option and what is accepted. */
export function checkFidelity(o: FidelityOptions): FidelityOptions {
  if (!(o.minBudget > 0)) throw new ValidationError(`minBudget is ${o.minBudget}`, { field: 'options.minBudget' }, 'a number > 0');
  if (!(o.maxBudget >= o.minBudget)) {
    throw new ValidationError(`maxBudget ${o.maxBudget} is below minBudget ${o.minBudget}`, { field: 'options.maxBudget' }, `a number >= ${o.minBudget}`);
  }
  if (!(o.eta > 1)) throw new ValidationError(`eta is ${o.eta}`, { field: 'options.eta' }, 'a number > 1');
  return o;
}
