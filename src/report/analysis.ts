/**
 * Figures the views plot, computed from a RunData: best so far, the population's score distribution
 * over the run, Pareto fronts, failures by reason, ancestry, rungs and promotions, worker utilisation,
 * groups of runs that differ only by seed. Pure functions of the data.
 */
import type { ChildRow, RunData } from './run-data.ts';

/** One point of a best-so-far curve. */
export interface BestPoint {
  /** Evaluations done (outcomes of distinct children). */
  evaluation: number;
  /** Seconds since the run's first event. */
  seconds: number;
  best: number;
  /** The child that holds the best score at this point. */
  id: number;
}

/** Best score after each evaluation, in the order outcomes were recorded. */
export function bestSoFar(run: RunData): BestPoint[] {
  const t0 = run.firstEventAt ?? 0;
  const out: BestPoint[] = [];
  let best = -Infinity;
  let id = -1;
  run.evaluated.forEach((c, i) => {
    if ((c.score as number) > best) [best, id] = [c.score as number, c.id];
    out.push({ evaluation: i + 1, seconds: ((c.endedAt ?? t0) - t0) / 1000, best, id });
  });
  return out;
}

/** A quantile of sorted values (linear interpolation). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** Score quantiles of the population at one point of the run. */
export interface Spread {
  evaluation: number;
  q10: number;
  q25: number;
  median: number;
  q75: number;
  q90: number;
}

/**
 * The population's score distribution along the run: at about `points` evaluation counts, quantiles of
 * the last `window` scores (the population of aging evolution is exactly its last P children; for
 * other strategies the window stands for the recent proposals). `window` defaults to the strategy's
 * population size, else a twentieth of the run (at least 10).
 */
export function populationSpread(run: RunData, points = 60): { window: number; spread: Spread[] } {
  const scores = run.evaluated.map((c) => c.score as number);
  const p = run.config.strategyOptions.population;
  const window = typeof p === 'number' && p > 1 ? p : Math.max(10, Math.ceil(scores.length / 20));
  const step = Math.max(1, Math.ceil(scores.length / points));
  const ends: number[] = [];
  for (let end = step; end < scores.length; end += step) ends.push(end);
  if (scores.length > 0) ends.push(scores.length);
  const spread: Spread[] = [];
  for (const end of ends) {
    const recent = scores.slice(Math.max(0, end - window), end).sort((a, b) => a - b);
    spread.push({ evaluation: end, q10: quantile(recent, 0.1), q25: quantile(recent, 0.25), median: quantile(recent, 0.5), q75: quantile(recent, 0.75), q90: quantile(recent, 0.9) });
  }
  return { window, spread };
}

/** Children on the Pareto front of highest score and lowest `cost` (ties in cost keep the best score). */
export function paretoFront(children: readonly ChildRow[], cost: 'params' | 'madds'): ChildRow[] {
  const scored = children.filter((c) => c.score !== undefined && c[cost] !== undefined && c.duplicateOf === undefined);
  scored.sort((a, b) => (a[cost] as number) - (b[cost] as number) || (b.score as number) - (a.score as number));
  const front: ChildRow[] = [];
  let best = -Infinity;
  for (const c of scored) {
    if ((c.score as number) > best) {
      front.push(c);
      best = c.score as number;
    }
  }
  return front;
}

/** Failed children (duplicates not counted again) by reason, most frequent first. */
export function failuresByReason(run: RunData): Array<{ reason: string; count: number; example?: string }> {
  const counts = new Map<string, { count: number; example?: string }>();
  for (const c of run.children) {
    if (c.state !== 'failed' || c.duplicateOf !== undefined) continue;
    const key = c.failure ?? 'unknown';
    const entry = counts.get(key) ?? { count: 0, example: c.error };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts].map(([reason, v]) => ({ reason, ...v })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

/** A child's ancestry, oldest first, ending with the child. */
export function ancestry(run: RunData, id: number): ChildRow[] {
  const out: ChildRow[] = [];
  const seen = new Set<number>();
  let c: ChildRow | undefined = run.children[id];
  while (c && !seen.has(c.id)) {
    out.unshift(c);
    seen.add(c.id);
    c = c.parentId !== undefined ? run.children[c.parentId] : undefined;
  }
  return out;
}

/** The best `n` finished originals, best first (lowest id on ties). */
export function topChildren(run: RunData, n: number): ChildRow[] {
  return [...run.evaluated].sort((a, b) => (b.score as number) - (a.score as number) || a.id - b.id).slice(0, n);
}

/** The fidelity a child ran at: recorded, else proposed. */
export const fidelityOf = (c: ChildRow): number | undefined => c.fidelity ?? c.proposedFidelity;

/** Children per rung (fidelity) and how many of them were promoted from the rung below. */
export function rungs(run: RunData): Array<{ fidelity: number; children: number; promoted: number; best: number }> {
  const by = new Map<number, { children: number; promoted: number; best: number }>();
  for (const c of run.children) {
    const f = fidelityOf(c);
    if (f === undefined) continue;
    const r = by.get(f) ?? { children: 0, promoted: 0, best: -Infinity };
    r.children++;
    if (c.parentId !== undefined) r.promoted++;
    if (c.score !== undefined) r.best = Math.max(r.best, c.score);
    by.set(f, r);
  }
  return [...by].map(([fidelity, r]) => ({ fidelity, ...r })).sort((a, b) => a.fidelity - b.fidelity);
}

/** Busy worker slots as a fraction of all slots, in `bins` equal stretches of the run's wall time. */
export function utilisation(run: RunData, bins = 60): Array<{ seconds: number; busy: number }> {
  const spans = run.children.filter((c) => c.startedAt !== undefined).map((c) => [c.startedAt as number, c.endedAt ?? run.lastEventAt ?? (c.startedAt as number)]);
  if (spans.length === 0 || run.firstEventAt === undefined || run.lastEventAt === undefined) return [];
  const t0 = run.firstEventAt;
  const width = Math.max(1, (run.lastEventAt - t0) / bins);
  const slots = Math.max(1, run.config.workers);
  const busy = new Array<number>(bins).fill(0);
  for (const [a, b] of spans) {
    for (let i = Math.max(0, Math.floor((a - t0) / width)); i < bins && t0 + i * width < b; i++) {
      const lo = Math.max(a, t0 + i * width);
      const hi = Math.min(b, t0 + (i + 1) * width);
      if (hi > lo) busy[i] += hi - lo;
    }
  }
  return busy.map((ms, i) => ({ seconds: ((i + 0.5) * width) / 1000, busy: Math.min(1, ms / (width * slots)) }));
}

/** Keys of a run's configuration that do not change what is compared (the seed, where it ran, its id on a queue). */
const NOT_COMPARED = new Set(['seed', 'baseDir', 'command', 'format', 'runId']);

/** A label that names what a run is (strategy, space, evaluator, options), the same for runs that differ only by seed. */
export function groupKey(run: RunData): string {
  const c = run.config as unknown as Record<string, unknown>;
  // `ordered: false` is what runs made before the option existed do.
  const compared = (k: string): boolean => !NOT_COMPARED.has(k) && !(k === 'ordered' && c[k] !== true);
  return JSON.stringify(Object.keys(c).filter(compared).sort().map((k) => [k, c[k]]));
}

/** Mean and spread of best-so-far curves of runs that differ only by seed. */
export interface SeedGroup {
  label: string;
  runs: RunData[];
  /** At each evaluation count that every run reached: mean, standard deviation, min and max of the best score. */
  curve: Array<{ evaluation: number; mean: number; std: number; min: number; max: number }>;
}

/** Groups runs that differ only by seed and averages their best-so-far curves. */
export function seedGroups(runs: readonly RunData[], labelOf: (run: RunData) => string): SeedGroup[] {
  const groups = new Map<string, RunData[]>();
  for (const r of runs) groups.set(groupKey(r), [...(groups.get(groupKey(r)) ?? []), r]);
  return [...groups.values()].map((members) => {
    const curves = members.map((m) => bestSoFar(m).map((p) => p.best));
    const n = Math.min(...curves.map((c) => c.length));
    const curve = Array.from({ length: Math.max(0, n) }, (_, i) => {
      const v = curves.map((c) => c[i]);
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, v.length - 1));
      return { evaluation: i + 1, mean, std: v.length > 1 ? std : 0, min: Math.min(...v), max: Math.max(...v) };
    });
    return { label: labelOf(members[0]), runs: members, curve };
  });
}
