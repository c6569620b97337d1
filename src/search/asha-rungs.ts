/**
 * ASHA's promotion rule (Li et al. 2020): a configuration can be promoted from a rung while it is among
 * the best floor(n / eta) of the n results seen at that rung. Pure functions over a rung's ledger.
 */

/** What ASHA knows about one rung of a bracket. */
export interface RungLedger {
  /** Told trials; `score` is undefined for failed ones (never promoted, but counted in n). */
  told: Array<{ id: number; score?: number }>;
  /** Trials asked at this rung and not yet told. */
  pending: number;
  /** Trials of this rung already promoted to the next. */
  promoted: number;
}

/**
 * Ids of the successful trials in the top floor((n + future) / eta) of the rung, best first (ties: lower
 * id), where n counts its told trials. With `future` 0 this is the set ASHA promotes from now; with the
 * most results that can still arrive, it bounds every trial that can ever be promoted.
 */
export function promotableIds(rung: RungLedger, eta: number, future: number): number[] {
  const k = Math.floor((rung.told.length + future) / eta + 1e-9);
  if (k <= 0) return [];
  const ok = rung.told.filter((t) => t.score !== undefined) as Array<{ id: number; score: number }>;
  ok.sort((a, b) => b.score - a.score || a.id - b.id);
  return ok.slice(0, k).map((t) => t.id);
}
