/**
 * Parents for the predictor-guided strategies that do not all sit in one basin: results are taken
 * best first, but one within `spacing` mutations of a parent already taken is skipped (and used only
 * if too few remain), so a run whose best results crowd around one cell also mutates the best of the
 * other regions it has seen. A clearing rule in the manner of niching evolutionary algorithms.
 *
 * Distance counts the space's single mutations (`SearchSpace.neighbours`, compared by canonical hash):
 * two values are within r mutations when their neighbourhoods of radius ceil(r/2) and floor(r/2) meet,
 * so a spacing of 2 costs one neighbour list per value (about 200 on NASNet cells), never the
 * neighbours of neighbours. Spaces that list no neighbours (hyperparameters, large-scale networks)
 * keep the plain ranking. Imports only the space interface.
 */
import type { SearchSpace } from '../spaces/space.ts';

/** Most neighbourhoods kept (the cache is cleared when it grows past this; it holds no state of the run). */
const BALL_LIMIT = 10_000;

export class SpacedParents<C> {
  private readonly space: SearchSpace<C>;
  private readonly spacing: number;
  /** Hashes within a radius of a value, keyed by radius and hash (a run's results repeat across asks); at most BALL_LIMIT. */
  private readonly balls = new Map<string, ReadonlySet<string>>();

  /** `spacing`: the fewest mutations between two parents (0: the plain ranking). */
  constructor(space: SearchSpace<C>, spacing: number) {
    this.space = space;
    this.spacing = spacing;
  }

  /**
   * The first `count` of `ranked` (best first) that are more than `spacing` mutations from every one
   * taken before, then, while fewer than `count`, the skipped ones in rank order.
   */
  pick(ranked: readonly C[], count: number): C[] {
    if (this.spacing === 0 || !this.space.neighbours) return ranked.slice(0, count);
    const taken: C[] = [];
    const skipped: C[] = [];
    for (const v of ranked) {
      if (taken.length === count) break;
      if (taken.some((t) => this.within(t, v))) skipped.push(v);
      else taken.push(v);
    }
    for (const v of skipped) if (taken.length < count) taken.push(v);
    return taken;
  }

  /** Whether `b` is within `spacing` mutations of `a` (see the file comment). */
  within(a: C, b: C): boolean {
    const near = this.ball(a, Math.ceil(this.spacing / 2));
    for (const h of this.ball(b, Math.floor(this.spacing / 2))) if (near.has(h)) return true;
    return false;
  }

  /** Hashes within `radius` mutations of `value`, itself included. */
  private ball(value: C, radius: number): ReadonlySet<string> {
    const h = this.space.hash(value);
    const key = `${radius}:${h}`;
    const cached = this.balls.get(key);
    if (cached) return cached;
    const out = new Set<string>([h]);
    let frontier = [value];
    for (let r = 0; r < radius; r++) {
      const next: C[] = [];
      for (const f of frontier) {
        for (const n of this.space.neighbours?.(f) ?? []) {
          const hn = this.space.hash(n);
          if (!out.has(hn)) {
            out.add(hn);
            next.push(n);
          }
        }
      }
      frontier = next;
    }
    if (this.balls.size >= BALL_LIMIT) this.balls.clear();
    this.balls.set(key, out);
    return out;
  }
}
