/**
 * A discretised grid over a hyperparameter space: every categorical choice, floats at k points
 * (log-aware), ints at every value when there are at most k of them, else at k points. Conditional
 * parameters appear only in the assignments where they are active.
 */
import { ValidationError } from '../core/errors.ts';
import { type ChoiceValue, type HparamAssignment, type HparamsSpace, type ParamSpec, denormalise } from './hparams.ts';

/** Options of `hparamsGrid`. */
export interface HparamsGridOptions {
  /** Points per float (and per int with more values than this). A parameter's own `points` wins. Default 5. */
  points?: number;
  /** The most assignments the grid may hold; a larger grid is a ValidationError. Default 1,000,000. */
  maxSize?: number;
}

/** The grid values of one parameter, in increasing order (choice order for categoricals). */
export function gridValues(p: ParamSpec, points: number): ChoiceValue[] {
  if (p.kind === 'categorical') return [...p.choices];
  const k = p.points ?? points;
  if (p.kind === 'int' && p.high - p.low + 1 <= k) return Array.from({ length: p.high - p.low + 1 }, (_, i) => p.low + i);
  if (k === 1) return [denormalise(p, 0.5)];
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const v = denormalise(p, i / (k - 1));
    if (out[out.length - 1] !== v) out.push(v);
  }
  return out;
}

/** Number of grid assignments (conditional-aware), without building them. */
export function hparamsGridSize(space: HparamsSpace, options: HparamsGridOptions = {}): number {
  const points = options.points ?? 5;
  const count = (i: number, fixed: HparamAssignment): number => {
    if (i >= space.order.length) return 1;
    const name = space.order[i];
    if (!space.isActive(name, fixed)) return count(i + 1, fixed);
    const values = gridValues(space.param(name), points);
    if (!space.parents().has(name)) return values.length * count(i + 1, fixed);
    return values.reduce<number>((sum, v) => sum + count(i + 1, { ...fixed, [name]: v }), 0);
  };
  return count(0, {});
}

/**
 * Every grid assignment in a deterministic order (the first parameter in declaration order varies
 * slowest). Throws a ValidationError when the grid holds more than `maxSize` assignments.
 */
export function hparamsGrid(space: HparamsSpace, options: HparamsGridOptions = {}): HparamAssignment[] {
  const points = options.points ?? 5;
  const maxSize = options.maxSize ?? 1_000_000;
  const size = hparamsGridSize(space, { points });
  if (size > maxSize) {
    throw new ValidationError(`the grid of '${space.name}' has ${size} points, more than ${maxSize}`, { field: 'points' }, 'fewer points per parameter');
  }
  let partial: HparamAssignment[] = [{}];
  for (const name of space.order) {
    const values = gridValues(space.param(name), points);
    const next: HparamAssignment[] = [];
    for (const a of partial) {
      if (!space.isActive(name, a)) next.push(a);
      else for (const v of values) next.push({ ...a, [name]: v });
    }
    partial = next;
  }
  // Sort into declaration order so the first declared parameter varies slowest.
  const keyOf = (a: HparamAssignment): number[] =>
    space.names.map((n) => (n in a ? gridValues(space.param(n), points).indexOf(a[n]) : -1));
  const keyed = partial.map((a) => ({ a: space.validate(a), k: keyOf(a) }));
  keyed.sort((x, y) => {
    for (let i = 0; i < x.k.length; i++) if (x.k[i] !== y.k[i]) return x.k[i] - y.k[i];
    return 0;
  });
  return keyed.map((e) => e.a);
}
