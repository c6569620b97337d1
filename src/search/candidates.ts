/**
 * Candidate architectures for the predictor-guided strategies, never one already known: every
 * helper skips values whose canonical hash is in `known` (asked before, pending included) and
 * returns each network once.
 *
 * - neighbours: the space's own list of values one mutation away (`SearchSpace.neighbours`, e.g. the
 *   24 single-edge changes of a NAS-Bench-201 cell), or `samples` draws of `space.mutate` where the
 *   space lists none (hyperparameters, large-scale networks);
 * - two-step neighbours: the listed neighbours of a value's listed neighbours;
 * - mutants: values a few mutations away from given parents;
 * - fresh: uniform draws from the space.
 */
import type { Rng } from '../core/rng.ts';
import type { SearchSpace } from '../spaces/space.ts';

/** Collects values with new hashes, in insertion order. */
export class CandidateSet<C> {
  private readonly space: SearchSpace<C>;
  private readonly known: ReadonlySet<string>;
  private readonly items = new Map<string, C>();

  constructor(space: SearchSpace<C>, known: ReadonlySet<string>) {
    this.space = space;
    this.known = known;
  }

  /** Adds `value` unless it is known or already collected; true when added. */
  add(value: C): boolean {
    const h = this.space.hash(value);
    if (this.known.has(h) || this.items.has(h)) return false;
    this.items.set(h, value);
    return true;
  }

  /** Adds every unknown neighbour of `value` (see the file comment). */
  addNeighbours(value: C, rng: Rng, samples: number): void {
    const listed = this.space.neighbours?.(value);
    if (listed) {
      for (const v of listed) this.add(v);
      return;
    }
    for (let i = 0; i < samples; i++) this.add(this.space.mutate(value, rng));
  }

  /**
   * Adds every unknown value two listed-neighbour steps from `value` (its neighbours' neighbours) when
   * there are at most `limit` such paths; else all neighbours of ceil(limit / neighbours) of its
   * neighbours drawn uniformly. Nothing where the space lists no neighbours.
   */
  addTwoStepNeighbours(value: C, rng: Rng, limit: number): void {
    const first = this.space.neighbours?.(value);
    if (!first || first.length === 0) return;
    const via = first.length * first.length <= limit ? first : rng.sampleIndices(first.length, Math.ceil(limit / first.length)).map((i) => first[i]);
    for (const q of via) for (const r of this.space.neighbours?.(q) ?? []) this.add(r);
  }

  /** Adds up to `count` values made by `steps` mutations of parents drawn uniformly from `parents`. */
  addMutants(parents: readonly C[], count: number, steps: number, rng: Rng): void {
    if (parents.length === 0) return;
    for (let i = 0; i < count; i++) {
      let v = parents[rng.int(parents.length)];
      for (let s = 0; s < steps; s++) v = this.space.mutate(v, rng);
      this.add(v);
    }
  }

  /** Adds up to `count` uniform draws (fewer when draws repeat known values). */
  addFresh(count: number, rng: Rng): void {
    for (let i = 0; i < count; i++) this.add(this.space.sample(rng));
  }

  get size(): number {
    return this.items.size;
  }

  values(): C[] {
    return [...this.items.values()];
  }
}

/**
 * One uniform draw whose hash is unknown, or undefined after `tries` draws that were all known (a
 * small or nearly exhausted space).
 */
export function freshValue<C>(space: SearchSpace<C>, known: ReadonlySet<string>, rng: Rng, tries = 200): C | undefined {
  for (let i = 0; i < tries; i++) {
    const v = space.sample(rng);
    if (!known.has(space.hash(v))) return v;
  }
  return undefined;
}
