/**
 * ASHA's promotion rule (Li et al. 2020): a configuration can be promoted from a rung while it is among
 * the best floor(n / eta) of the n results seen at that rung. A rung keeps its successful results sorted,
 * so a promotion costs a scan of the top of one list, not a sort of every result.
 */

/** The results of one rung of one bracket. */
export class Rung {
  /** Successful results, best first (ties: lower id first). */
  private readonly ok: Array<{ id: number; score: number }> = [];
  /** Results told (failed ones count in n but are never promoted). */
  told = 0;
  /** Trials asked at this rung and not yet told. */
  pending = 0;
  /** Trials of this rung already promoted to the next. */
  readonly promoted = new Set<number>();

  /** Adds a told result (score undefined: failed). */
  add(id: number, score: number | undefined): void {
    this.told++;
    if (score === undefined) return;
    let lo = 0;
    let hi = this.ok.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.ok[mid];
      if (m.score > score || (m.score === score && m.id < id)) lo = mid + 1;
      else hi = mid;
    }
    this.ok.splice(lo, 0, { id, score });
  }

  /**
   * Ids of the successful results in the top floor((n + future) / eta), best first. With `future` 0 these
   * may be promoted now; with the most results that can still arrive, no other can ever be.
   */
  top(eta: number, future: number): number[] {
    const k = Math.floor((this.told + future) / eta + 1e-9);
    return this.ok.slice(0, Math.max(0, k)).map((r) => r.id);
  }

  /** The best result in the top floor(n / eta) not yet promoted, if any. */
  nextPromotion(eta: number): number | undefined {
    const k = Math.min(this.ok.length, Math.floor(this.told / eta + 1e-9));
    for (let i = 0; i < k; i++) if (!this.promoted.has(this.ok[i].id)) return this.ok[i].id;
    return undefined;
  }
}
