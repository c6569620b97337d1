/**
 * The run's trial records, built from journal events alone (live, or read back on resume and by
 * `nas status`), so that what a run knows is always exactly what its journal says.
 *
 * Duplicates: a child whose canonical hash equals an earlier child's is a duplicate of the FIRST child
 * with that hash (its original); it is never evaluated and gets the original's outcome. This depends
 * only on the order of `asked` events, so a resumed run classifies every child as the first run did.
 * A child asked at a fidelity (multi-fidelity strategies with an evaluator that honours it) duplicates
 * only an earlier child with the same hash AND the same fidelity: a configuration promoted to more
 * epochs is evaluated again.
 */
import type { FailureKind } from '../core/trial.ts';
import type { JournalEvent } from '../store/journal.ts';

/** Everything known about one child. */
export interface TrialRecord {
  id: number;
  hash: string;
  seed: number;
  config: unknown;
  parentId?: number;
  fidelity?: number;
  state: 'asked' | 'running' | 'finished' | 'failed';
  score?: number;
  report?: number;
  failure?: FailureKind;
  error?: string;
  metrics?: Record<string, number>;
  seconds?: number;
  /** The original this child duplicates (same canonical hash), if any. */
  duplicateOf?: number;
  /** Worker slot that ran it. */
  worker?: number;
}

/** What makes two children the same evaluation: the canonical hash, and the fidelity when one is given. */
export function dedupKey(hash: string, fidelity: number | undefined): string {
  return fidelity === undefined ? hash : `${hash}@${fidelity}`;
}

export class TrialBook {
  readonly trials: TrialRecord[] = [];
  private readonly firstByHash = new Map<string, number>();
  /** Children evaluated or being evaluated (not duplicates, not rejected). */
  evaluations = 0;
  /** Children whose outcome is known (finished or failed). */
  done = 0;
  /** The best finished child (highest score; the lowest id on ties). */
  best: TrialRecord | undefined;
  /** Number of times the run was resumed. */
  resumes = 0;

  /** Applies one journal event. Events must come in journal order. */
  apply(event: JournalEvent): void {
    if (event.e === 'resumed') {
      this.resumes++;
      return;
    }
    if (event.e === 'asked') {
      if (event.id !== this.trials.length) throw new Error(`asked event for child ${event.id}, expected ${this.trials.length}`);
      const key = dedupKey(event.hash, event.fidelity);
      const first = this.firstByHash.get(key);
      if (first === undefined) {
        this.firstByHash.set(key, event.id);
        this.evaluations++;
      }
      const { id, hash, seed, config, parentId, fidelity } = event;
      this.trials.push({ id, hash, seed, config, parentId, fidelity, state: 'asked', ...(first !== undefined ? { duplicateOf: first } : {}) });
      return;
    }
    const trial = this.trials[event.id];
    if (!trial) throw new Error(`${event.e} event for child ${event.id}, which was never asked`);
    if (event.e === 'started') {
      trial.state = 'running';
      trial.worker = event.worker;
      return;
    }
    if (trial.state === 'finished' || trial.state === 'failed') throw new Error(`second outcome for child ${event.id}`);
    this.done++;
    if (event.e === 'finished') {
      Object.assign(trial, { state: 'finished', score: event.score, report: event.report, metrics: event.metrics, seconds: event.seconds });
      if (!this.best || event.score > (this.best.score as number)) this.best = trial;
    } else {
      Object.assign(trial, { state: 'failed', failure: event.failure, error: event.error });
      if (event.failure === 'rejected' && trial.duplicateOf === undefined) this.evaluations--;
    }
  }

  /** The original of a duplicate child, or undefined for an original. */
  originalOf(id: number): number | undefined {
    return this.trials[id]?.duplicateOf;
  }

  /** Children asked but without an outcome, in id order (in flight when the run stopped). */
  unfinished(): TrialRecord[] {
    return this.trials.filter((t) => t.state === 'asked' || t.state === 'running');
  }

  /** Children asked so far. */
  get children(): number {
    return this.trials.length;
  }
}
