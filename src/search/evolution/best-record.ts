/**
 * The bounded record of the best individuals ever seen, kept apart from the population (which forgets).
 */

/** Something with a trial id and a score (higher is better). */
export interface Scored {
  id: number;
  score: number;
}

/** A member of an evolution strategy's population (or of its best-ever record). */
export interface Individual<C> extends Scored {
  /** Its configuration (genome). */
  config: C;
}

/**
 * Adds `item` to `best` (sorted best first, ties by earlier id) unless the record is full and `item` is no
 * better than its worst; trims the record to `limit`. Mutates and returns `best`.
 */
export function recordBest<T extends Scored>(best: T[], item: T, limit: number): T[] {
  const worst = best[best.length - 1];
  if (best.length >= limit && worst && item.score <= worst.score) return best;
  best.push(item);
  best.sort((a, b) => b.score - a.score || a.id - b.id);
  if (best.length > limit) best.length = limit;
  return best;
}
