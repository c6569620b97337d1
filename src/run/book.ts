/**
 * The run's trial records, built from journal events alone (live, or read back on resume and by
 * `nas status`), so that what a run knows is always exactly what its journal says.
 *
 * Duplicates: a child whose canonical hash equals an earlier child's is a duplicate of the FIRST child
 * with that hash (its original); it is never evaluated and gets the original's outcome. This depends
 * only on the order of `asked` events, so a resumed run classifies every child as the first run did.
 * A child asked at a fidelity (multi-fidelity strategies with an evaluator that honours it) duplicates
 * only an earlier child with the same hash AND the same fidelity: a configuration promoted to more
 * epochs is evaluated again, and one that continues a checkpoint duplicates only a child that continued
 * the same checkpoint (its original's).
 *
 * Cost: a running search keeps the records of the children in flight, the best child, counters, and
 * one small outcome per distinct evaluation (what a later duplicate copies), so each child costs the
 * same time however long the run, and memory grows only with distinct evaluations. Readers that list
 * children (status, export) ask for every record with `keepAll`.
 *
 * Every event is checked against what came before (children asked in order, outcomes only for children
 * asked and only once, no more children running at once than the run has workers); a journal that
 * breaks these rules was edited or spliced, and the error says what was expected.
 */
import { NasError } from '../core/errors.ts';
import type { FailureKind, WorkerIdentity } from '../core/trial.ts';
import type { JournalEvent } from '../store/journal.ts';

/** Everything known about one child. */
export interface TrialRecord {
  id: number;
  hash: string;
  seed: number;
  config: unknown;
  parentId?: number;
  fidelity?: number;
  /** Trial whose checkpoint it continues. */
  continueFrom?: number;
  /** The schedule's horizon (largest fidelity of its strategy). */
  horizon?: number;
  /** It keeps a checkpoint. */
  checkpoint?: boolean;
  /** Score after each epoch, when measured. */
  curve?: number[];
  /** The median rule stopped it after this epoch. */
  stoppedAt?: number;
  /** Epochs its evaluation trained. */
  epochsTrained?: number;
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
  /** The process that evaluates (or last evaluated) it: host, pid and GPU. */
  where?: WorkerIdentity;
}

/** The outcome of an original (a distinct evaluation), which its duplicates copy. */
export interface OriginalOutcome {
  id: number;
  state: TrialRecord['state'];
  score?: number;
  report?: number;
  failure?: FailureKind;
}

/** A journal event that contradicts the events before it. */
export class JournalOrderError extends NasError {}

/**
 * What makes two children the same evaluation: the canonical hash, the fidelity when one is given, and the
 * checkpoint it continues (by its original) when it continues one.
 */
export function dedupKey(hash: string, fidelity: number | undefined, continueFrom?: number): string {
  const key = fidelity === undefined ? hash : `${hash}@${fidelity}`;
  return continueFrom === undefined ? key : `${key}<${continueFrom}`;
}

/** Options of a TrialBook. */
export interface TrialBookOptions {
  /** Keep every child's full record in `trials` (status, export, tests). Default false. */
  keepAll?: boolean;
  /** Most children evaluated at once (the run's workers); more running at once is an error. Default: no check. */
  maxRunning?: number;
  /** Keep every finished original's per-epoch curve (the median rule reads them). Default false. */
  keepCurves?: boolean;
}

export class TrialBook {
  /** Every child's record, by id; filled only with `keepAll`. */
  readonly trials: TrialRecord[] = [];
  private readonly keepAll: boolean;
  private readonly maxRunning: number;
  /** Children asked and without an outcome, by id. */
  private readonly live = new Map<number, TrialRecord>();
  /** Originals by dedup key. */
  private readonly originals = new Map<string, OriginalOutcome>();
  private readonly keyOf = new Map<number, string>();
  /** Children asked with a checkpoint that duplicate an earlier child: the original that holds the checkpoint. */
  private readonly checkpointAlias = new Map<number, number>();
  private readonly keepCurves: boolean;
  /** Finished originals' per-epoch curves, with `keepCurves`. */
  readonly curves = new Map<number, number[]>();
  /** Finished duplicates' originals, with `keepCurves` (their curve is the original's). */
  private readonly curveAlias = new Map<number, number>();
  private running = 0;
  /** Children asked so far. */
  children = 0;
  /** Children evaluated or being evaluated (not duplicates, not rejected). */
  evaluations = 0;
  /** Children whose outcome is known (finished or failed). */
  done = 0;
  /** Originals with an outcome, rejected ones excluded (what the progress bar counts). */
  evaluated = 0;
  /** Children that duplicate an earlier one. */
  duplicates = 0;
  /** Children that failed (rejected ones and duplicates of failed ones included). */
  failed = 0;
  /** Children rejected before evaluation (too large), duplicates of rejected ones included. */
  rejected = 0;
  /** Outcomes in a row that were duplicates or rejected children (what tells a strategy that proposes nothing new). */
  idleStreak = 0;
  /** The best finished child (highest score; the lowest id on ties). */
  best: TrialRecord | undefined;
  /** Number of times the run was resumed. */
  resumes = 0;
  /** Children the median rule stopped early. */
  stoppedEarly = 0;
  /** Epochs trained by every evaluation told so far (evaluators that report them). */
  epochsTrained = 0;

  constructor(options: TrialBookOptions = {}) {
    this.keepAll = options.keepAll ?? false;
    this.maxRunning = options.maxRunning ?? Number.POSITIVE_INFINITY;
    this.keepCurves = options.keepCurves ?? false;
  }

  /** Applies one journal event. Events must come in journal order; one that cannot follow throws a JournalOrderError. */
  apply(event: JournalEvent): void {
    switch (event.e) {
      case 'created':
        if (this.children > 0 || this.resumes > 0) throw new JournalOrderError("a 'created' event after the start of the run (it can only be the first line)");
        return;
      case 'resumed':
        this.resumes++;
        for (const t of this.live.values()) if (t.state === 'running') t.state = 'asked';
        this.running = 0;
        return;
      case 'asked':
        this.ask(event);
        return;
      default:
        this.outcomeOrStart(event);
    }
  }

  private ask(event: Extract<JournalEvent, { e: 'asked' }>): void {
    if (event.id !== this.children) {
      throw new JournalOrderError(`'asked' event for child ${event.id}, expected child ${this.children} (children are asked in order 0, 1, 2, ...)`);
    }
    if (this.running >= this.maxRunning) {
      throw new JournalOrderError(`child ${event.id} asked while ${this.running} child(ren) run without an outcome; with ${this.maxRunning} worker(s) a child is asked only when one is free, so an outcome line is missing`);
    }
    const from = event.continueFrom === undefined ? undefined : this.checkpointOf(event.continueFrom);
    const key = dedupKey(event.hash, event.fidelity, from);
    const first = this.originals.get(key);
    const { id, hash, seed, config, parentId, fidelity, continueFrom, horizon, checkpoint } = event;
    const trial: TrialRecord = {
      id, hash, seed, config, parentId, fidelity, state: 'asked', ...(first !== undefined ? { duplicateOf: first.id } : {}),
      ...(continueFrom !== undefined ? { continueFrom } : {}), ...(horizon !== undefined ? { horizon } : {}), ...(checkpoint ? { checkpoint } : {}),
    };
    if (first !== undefined && checkpoint) this.checkpointAlias.set(id, first.id);
    this.children++;
    if (first === undefined) {
      this.originals.set(key, { id, state: 'asked' });
      this.evaluations++;
    } else {
      this.duplicates++;
    }
    this.keyOf.set(id, key);
    this.live.set(id, trial);
    if (this.keepAll) this.trials.push(trial);
  }

  private outcomeOrStart(event: Exclude<JournalEvent, { e: 'asked' | 'created' | 'resumed' }>): void {
    const trial = this.live.get(event.id);
    if (!trial) {
      const why = event.id < this.children ? 'which already has an outcome' : 'which was never asked';
      throw new JournalOrderError(`'${event.e}' event for child ${event.id}, ${why}`);
    }
    if (event.e === 'started') {
      if (trial.state !== 'running' && ++this.running > this.maxRunning) {
        throw new JournalOrderError(`child ${event.id} started while ${this.running - 1} other(s) run without an outcome; the run has ${this.maxRunning} worker(s), so an outcome line is missing`);
      }
      trial.state = 'running';
      trial.worker = event.worker;
      return;
    }
    if (event.e === 'running') {
      trial.where = { host: event.host, pid: event.pid, ...(event.gpu !== undefined ? { gpu: event.gpu } : {}) };
      return;
    }
    if (trial.state === 'running') this.running--;
    this.live.delete(event.id);
    this.done++;
    const key = this.keyOf.get(event.id) as string;
    this.keyOf.delete(event.id);
    const original = trial.duplicateOf === undefined ? this.originals.get(key) : undefined;
    const idle = original === undefined || (event.e === 'failed' && event.failure === 'rejected');
    this.idleStreak = idle ? this.idleStreak + 1 : 0;
    if (event.e === 'finished') {
      Object.assign(trial, { state: 'finished', score: event.score, report: event.report, metrics: event.metrics, seconds: event.seconds });
      this.epochDetails(trial, event);
      if (this.keepCurves && original && event.curve) this.curves.set(trial.id, event.curve);
      if (this.keepCurves && event.duplicateOf !== undefined) this.curveAlias.set(trial.id, event.duplicateOf);
      if (!this.best || event.score > (this.best.score as number)) this.best = trial;
      if (original) Object.assign(original, { state: 'finished', score: event.score, report: event.report });
      if (original) this.evaluated++;
      return;
    }
    Object.assign(trial, { state: 'failed', failure: event.failure, error: event.error });
    this.failed++;
    if (event.failure === 'rejected') {
      this.rejected++;
      if (original) this.evaluations--;
    } else if (original) {
      this.evaluated++;
    }
    if (original) Object.assign(original, { state: 'failed', failure: event.failure });
  }

  /** The record of a child: any child with `keepAll`, else one in flight (or the best). */
  get(id: number): TrialRecord | undefined {
    return this.live.get(id) ?? this.trials[id] ?? (this.best?.id === id ? this.best : undefined);
  }

  /** Records a finished child's curve, early stop and epochs trained. */
  private epochDetails(trial: TrialRecord, event: Extract<JournalEvent, { e: 'finished' }>): void {
    if (event.curve !== undefined) trial.curve = event.curve;
    if (event.stoppedAt !== undefined) {
      trial.stoppedAt = event.stoppedAt;
      this.stoppedEarly++;
    }
    if (event.epochsTrained !== undefined) {
      trial.epochsTrained = event.epochsTrained;
      this.epochsTrained += event.epochsTrained;
    }
  }

  /** The per-epoch curve of a finished child (its original's for a duplicate), with `keepCurves`. */
  curveOf(id: number): number[] | undefined {
    return this.curves.get(this.curveAlias.get(id) ?? id);
  }

  /** The child whose checkpoint child `id`'s checkpoint is: its original when it duplicated one, else itself. */
  checkpointOf(id: number): number {
    return this.checkpointAlias.get(id) ?? id;
  }

  /** The original of a duplicate child, or undefined for an original. */
  originalOf(id: number): number | undefined {
    return this.get(id)?.duplicateOf;
  }

  /** The outcome (so far) of the original that child `id` is or duplicates. */
  originalOutcome(id: number): OriginalOutcome | undefined {
    const key = this.keyOf.get(id);
    if (key !== undefined) return this.originals.get(key);
    const t = this.trials[id];
    return t ? this.originals.get(dedupKey(t.hash, t.fidelity)) : undefined;
  }

  /** Children asked but without an outcome, in id order (in flight when the run stopped). */
  unfinished(): TrialRecord[] {
    return [...this.live.values()].sort((a, b) => a.id - b.id);
  }
}
