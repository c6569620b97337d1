/**
 * The search loop: ask the strategy, evaluate on an executor, tell the strategy, journal every event.
 *
 * src/run is the wiring layer beside src/cli: it is the one place (with cli/) that imports search,
 * store and workers together. Strategies stay pure ask/tell, the store stays a file format, executors
 * stay unaware of strategies; `nas evolve` and `nas search` both drive this loop.
 *
 * Order and exactness: every event is journalled (fsynced) before the run acts on it, and the strategy
 * only changes state in `ask` and `tell`, whose order the journal records. A resume rebuilds the
 * strategy by replaying those asks and tells in journal order (from the last snapshot on), re-submits
 * the children that were in flight with their recorded seeds, and carries on. With one worker the
 * sequence of events, and so every result, is a function of the seed alone: a run killed at any point
 * and resumed ends exactly as an uninterrupted one. With K worker processes the order of tells follows
 * completion times, so two runs with one seed may differ; a resume still restores the strategy exactly
 * as the journal left it and re-runs the children in flight with their seeds, and only the order in
 * which those finish may differ from what the killed process would have seen. (The inline executor
 * completes children in submission order, so there K > 1 is reproducible too.)
 *
 * Checkpoints: a child whose suggestion continues an earlier trial is sent with that trial's id (its
 * original's, when it was a duplicate), and the evaluator writes the checkpoints the strategy asks for.
 * The run owns them: after every outcome it deletes each checkpoint no later suggestion can continue
 * (Strategy.continuable) that no child in flight is writing, at the start of a run or resume it sweeps
 * what a killed process left, and at the end of the run it deletes them all.
 *
 * Ordered mode (`ordered`): results reach the strategy in the order the children were sent out, whatever
 * order they finish in, so a run with K children in flight is a function of the seed and K alone, on
 * any executor and any number of worker processes or machines, and a resume ends as an uninterrupted
 * run. A child that finishes early waits (in memory, not journalled) for those sent before it.
 */
import type { CheckpointStore } from '../core/checkpoint.ts';
import { deriveSeed } from '../core/rng.ts';
import { UsageError } from '../core/errors.ts';
import type { EvalRequest, EvalResult, WorkerIdentity } from '../core/trial.ts';
import type { Strategy } from '../search/strategy.ts';
import type { SearchSpace } from '../spaces/space.ts';
import type { JournalEvent } from '../store/journal.ts';
import type { Executor } from '../workers/executor.ts';
import { TrialBook, type OriginalOutcome, type TrialRecord } from './book.ts';
import { populationMedians, type MedianStopOptions } from './median-stop.ts';
import { applyAt, replayStrategy } from './replay.ts';

/** Where events go (a journal file, or nowhere for in-memory benchmark runs). */
export interface EventSink {
  append(event: JournalEvent): void;
}

/** What a snapshot holds: the strategy's state after the first `lines` journal events. */
export interface SnapshotData {
  lines: number;
  strategyState: unknown;
  book: TrialBook;
  strategy: Strategy<unknown>;
}

/** Collaborators and settings of a run. */
export interface RunnerOptions {
  strategy: Strategy<unknown>;
  space: SearchSpace<unknown>;
  executor: Executor;
  /** Children to evaluate (duplicates and children rejected before training do not count). */
  budget: number;
  /** The run seed; child i is evaluated with deriveSeed(seed, 'child', i). */
  seed: number;
  /** Where events go. Default: nowhere. */
  sink?: EventSink;
  /** Returns why a child must not be trained (too many parameters, ...), or undefined. Default: none. */
  reject?: (config: unknown) => string | undefined;
  /** Stop asking after this many children, duplicates included. Default: no limit. */
  maxChildren?: number;
  /**
   * Stop when this many outcomes in a row were duplicates or rejected children: the strategy proposes
   * nothing new the budget can count. Default 1000.
   */
  maxIdleStreak?: number;
  /**
   * Stop when the first this many evaluations of this process all failed and no child of the run has
   * a score: the evaluator cannot score anything. Default 10.
   */
  maxFailuresWithoutScore?: number;
  /** Called with a snapshot every `snapshotEvery` outcomes and at the end. Default: none. */
  snapshot?: (data: SnapshotData) => void;
  /** Outcomes between snapshots. Default 25. */
  snapshotEvery?: number;
  /** Called after every event (progress display). */
  onEvent?: (event: JournalEvent, book: TrialBook) => void;
  /** Clock for event times (ms). Default Date.now. */
  now?: () => number;
  /**
   * The evaluator ignores fidelity (a table, a synthetic function): children are asked, journalled and
   * deduplicated without the strategy's fidelity, so a configuration promoted to a higher rung is a
   * duplicate and costs no evaluation. Default false (fidelity is journalled and sent, e.g. as epochs).
   */
  ignoreFidelity?: boolean;
  /** Where the evaluator keeps checkpoints, so the run can delete those no child will continue. Default: none. */
  checkpoints?: RunCheckpoints;
  /** The median stopping rule: medians sent with every request. Default: off. */
  medianStop?: MedianStopOptions;
  /** Tell results in the order children were sent out (see above). Default false: in the order they finish. */
  ordered?: boolean;
}

/** A run's checkpoint store; `sweep` (a directory's) also removes what interrupted writes left. */
export interface RunCheckpoints extends CheckpointStore {
  sweep?(keep: ReadonlySet<number>): number[];
}

export class Runner {
  readonly book: TrialBook;
  /** Why the run stopped before its budget, when it did (see maxIdleStreak, maxFailuresWithoutScore). */
  stopReason: string | undefined;
  private readonly o: RunnerOptions;
  private failuresHere = 0;
  private scoredHere = 0;
  private lines = 0;
  private sinceSnapshot = 0;
  private exhausted = false;
  private readonly submitted = new Map<number, number>();
  private readonly waiters = new Map<number, number[]>();
  private readonly completed: EvalResult[] = [];
  /** Ordered mode: ids of the children sent out, in sending order, whose results have not been told. */
  private readonly sendOrder: number[] = [];
  private wake: (() => void) | undefined;
  private fatal: Error | undefined;
  private firstError: string | undefined;

  constructor(options: RunnerOptions) {
    this.o = options;
    this.book = new TrialBook({ maxRunning: options.executor.capacity, keepCurves: options.medianStop !== undefined });
  }

  /**
   * Rebuilds the run from its journal: the book from every event, the strategy from `fromLine` on
   * (0 without a snapshot; the snapshot's line count after `strategy.loadState(snapshot)`).
   */
  restore(events: readonly JournalEvent[], fromLine = 0, file = 'journal'): void {
    events.forEach((event, i) => this.restoreEvent(event, i + 1, fromLine, file));
  }

  /**
   * Applies journal line `line` (1-based) while reading a journal back: to the book always, to the
   * strategy from `fromLine` on. A line that contradicts the ones before is a FileFormatError naming it.
   */
  restoreEvent(event: JournalEvent, line: number, fromLine: number, file: string): void {
    applyAt(this.book, event, file, line);
    if (line > fromLine) replayStrategy(this.o.strategy, this.o.space, [event], 0, file, line - 1);
    this.lines = line;
  }

  /** Journals that a new process took the run over (after `restore`, before `run`). */
  markResumed(): void {
    this.record({ e: 'resumed', pid: process.pid, t: this.now() });
  }

  /** Runs until the budget is spent and nothing is in flight. Returns the book. */
  async run(): Promise<TrialBook> {
    const store = this.o.checkpoints;
    if (store?.sweep) store.sweep(this.keptCheckpoints());
    for (const trial of this.book.unfinished()) this.dispatch(trial);
    for (;;) {
      this.fill();
      if (this.submitted.size === 0) break;
      const result = await this.nextCompletion();
      this.complete(result);
    }
    this.takeSnapshot();
    // The budget is spent (or the run stops for good): no child will continue anything.
    if (store?.sweep) store.sweep(new Set());
    else if (store) for (const id of store.list()) store.remove(id);
    return this.book;
  }

  /** Trials whose checkpoints must stay: those a later suggestion may continue, and those being written. */
  private keptCheckpoints(): Set<number> {
    const remaining = Math.max(0, this.o.budget - this.book.evaluations);
    const keep = new Set<number>();
    for (const id of this.o.strategy.continuable?.(remaining) ?? []) keep.add(this.book.checkpointOf(id));
    for (const t of this.book.unfinished()) keep.add(t.id);
    return keep;
  }

  /** Deletes the checkpoints no later child can continue. */
  private pruneCheckpoints(): void {
    const store = this.o.checkpoints;
    if (!store) return;
    const keep = this.keptCheckpoints();
    for (const id of store.list()) if (!keep.has(id)) store.remove(id);
  }

  private record(event: JournalEvent): void {
    this.o.sink?.append(event);
    this.lines++;
    this.book.apply(event);
    this.o.onEvent?.(event, this.book);
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private canAsk(): boolean {
    if (this.exhausted || this.stopReason !== undefined || this.book.evaluations >= this.o.budget) return false;
    if (this.o.maxChildren !== undefined && this.book.children >= this.o.maxChildren) return false;
    const idle = this.o.maxIdleStreak ?? 1000;
    if (this.book.idleStreak >= idle) {
      this.stopReason = `the strategy proposed only children already evaluated (or rejected) for the last ${idle} children; ${this.book.evaluations} of ${this.o.budget} evaluations were reached, so the space (or what the strategy explores of it) holds fewer distinct children than the budget`;
      return false;
    }
    const failures = this.o.maxFailuresWithoutScore ?? 10;
    if (this.failuresHere >= failures && this.scoredHere === 0 && this.book.best === undefined) {
      this.stopReason = `the evaluator scored none of the ${this.failuresHere} children it evaluated (${this.firstError ?? 'no error given'}); nothing suggests the next ones would fare better`;
      return false;
    }
    return true;
  }

  private fill(): void {
    while (this.submitted.size < this.o.executor.capacity && this.canAsk()) {
      const r = this.o.strategy.ask();
      if (r.kind === 'done') this.exhausted = true;
      if (r.kind === 'wait' && this.submitted.size === 0) {
        throw new UsageError(`strategy '${this.o.strategy.name}' waits although no child is being evaluated`);
      }
      if (r.kind !== 'suggestion') return;
      const { id, config, parentId } = r.suggestion;
      const fidelity = this.o.ignoreFidelity ? undefined : r.suggestion.fidelity;
      // Without fidelity there is nothing to continue: a promotion is then a free duplicate.
      const { continueFrom, horizon, checkpoint } = this.o.ignoreFidelity ? {} : r.suggestion;
      const event: JournalEvent = {
        e: 'asked', id, hash: this.o.space.hash(config), seed: deriveSeed(this.o.seed, 'child', id),
        config: this.o.space.toJSON(config), t: this.now(),
        ...(parentId !== undefined ? { parentId } : {}), ...(fidelity !== undefined ? { fidelity } : {}),
        ...(continueFrom !== undefined ? { continueFrom } : {}), ...(horizon !== undefined ? { horizon } : {}), ...(checkpoint ? { checkpoint } : {}),
      };
      this.record(event);
      this.dispatch(this.book.get(id) as TrialRecord);
      // An ask may close a rung (Hyperband promotes lazily): its other checkpoints go at once.
      if (continueFrom !== undefined) this.pruneCheckpoints();
    }
  }

  /** Sends a child to the executor, or settles it at once (duplicate, rejected). */
  private dispatch(trial: TrialRecord): void {
    if (trial.duplicateOf !== undefined) {
      const o = this.book.originalOutcome(trial.id) as OriginalOutcome;
      if (o.state === 'finished' || o.state === 'failed') this.settleDuplicate(trial.id, o);
      else this.waiters.set(o.id, [...(this.waiters.get(o.id) ?? []), trial.id]);
      return;
    }
    const reason = this.o.reject?.(trial.config);
    if (reason !== undefined) {
      this.settle({ trialId: trial.id, status: 'failed', failure: 'rejected', error: reason });
      return;
    }
    const worker = this.freeSlot();
    this.record({ e: 'started', id: trial.id, worker, t: this.now() });
    this.submitted.set(trial.id, worker);
    if (this.o.ordered) this.sendOrder.push(trial.id);
    const onRunning = (where: WorkerIdentity): void => this.running(trial.id, where);
    this.o.executor.submit(this.requestOf(trial), { onRunning }).then(
      (result) => this.arrive({ ...result, trialId: trial.id }),
      (err: unknown) => this.fail(err),
    );
  }

  /** Journals where a child in flight runs (called by the executor, between the run's own steps). */
  private running(id: number, where: WorkerIdentity): void {
    if (!this.submitted.has(id) || this.fatal) return;
    try {
      this.record({ e: 'running', id, host: where.host, pid: where.pid, ...(where.gpu !== undefined ? { gpu: where.gpu } : {}), t: this.now() });
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    this.fatal ??= err instanceof Error ? err : new Error(String(err));
    this.wake?.();
  }

  /** What the executor gets for a child: its record, the checkpoint it continues (by original), the medians. */
  private requestOf(trial: TrialRecord): EvalRequest {
    const from = trial.continueFrom === undefined ? undefined : this.book.checkpointOf(trial.continueFrom);
    return {
      trialId: trial.id, config: trial.config, seed: trial.seed,
      ...(trial.fidelity !== undefined ? { fidelity: trial.fidelity } : {}), ...(trial.parentId !== undefined ? { parentId: trial.parentId } : {}),
      ...(from !== undefined ? { continueFrom: from } : {}), ...(trial.horizon !== undefined ? { horizon: trial.horizon } : {}),
      ...(trial.checkpoint ? { checkpoint: true } : {}),
      ...(this.o.medianStop ? { medianStop: populationMedians(this.book, this.o.strategy.population?.(), this.o.medianStop) } : {}),
    };
  }

  private freeSlot(): number {
    const used = new Set(this.submitted.values());
    let slot = 0;
    while (used.has(slot)) slot++;
    return slot;
  }

  private arrive(result: EvalResult): void {
    this.completed.push(result);
    this.wake?.();
  }

  /** The result to tell next, if it has arrived: the first to arrive, or in ordered mode the first sent out. */
  private takeReady(): EvalResult | undefined {
    if (!this.o.ordered) return this.completed.shift();
    const at = this.completed.findIndex((r) => r.trialId === this.sendOrder[0]);
    if (at < 0) return undefined;
    this.sendOrder.shift();
    return this.completed.splice(at, 1)[0];
  }

  /** The next result to tell; rejects when the executor itself failed (not an evaluation). */
  private nextCompletion(): Promise<EvalResult> {
    if (this.fatal) return Promise.reject(this.fatal);
    const ready = this.takeReady();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      this.wake = () => {
        if (this.fatal) {
          this.wake = undefined;
          reject(this.fatal);
          return;
        }
        const next = this.takeReady();
        if (!next) return;
        this.wake = undefined;
        resolve(next);
      };
    });
  }

  private complete(result: EvalResult): void {
    this.submitted.delete(result.trialId);
    const outcome = this.book.originalOutcome(result.trialId) as OriginalOutcome;
    this.settle(result);
    if (result.status === 'ok') this.scoredHere++;
    else if (result.failure !== 'rejected') {
      this.failuresHere++;
      this.firstError ??= result.error ? `first error: ${result.error.split('\n')[0]}` : `first failure: ${result.failure ?? 'crash'}`;
    }
    this.o.executor.acknowledge?.(result.trialId);
    const dups = this.waiters.get(result.trialId) ?? [];
    this.waiters.delete(result.trialId);
    for (const id of dups) this.settleDuplicate(id, outcome);
  }

  private settle(result: EvalResult): void {
    const t = this.now();
    if (result.status === 'ok') {
      const { trialId: id, score, report, metrics, seconds, curve, stoppedAt, epochsTrained } = result;
      this.record({
        e: 'finished', id, score: score as number, t, ...(report !== undefined ? { report } : {}), ...(metrics ? { metrics } : {}), ...(seconds !== undefined ? { seconds } : {}),
        ...(curve !== undefined ? { curve } : {}), ...(stoppedAt !== undefined ? { stoppedAt } : {}), ...(epochsTrained !== undefined ? { epochsTrained } : {}),
      });
      this.o.strategy.tell(id, { status: 'ok', score });
    } else {
      this.record({ e: 'failed', id: result.trialId, failure: result.failure ?? 'crash', t, ...(result.error !== undefined ? { error: result.error } : {}) });
      this.o.strategy.tell(result.trialId, { status: 'failed' });
    }
    this.afterOutcome();
  }

  private settleDuplicate(id: number, original: OriginalOutcome): void {
    const t = this.now();
    if (original.state === 'finished') {
      const score = original.score as number;
      this.record({ e: 'finished', id, score, duplicateOf: original.id, t, ...(original.report !== undefined ? { report: original.report } : {}) });
      this.o.strategy.tell(id, { status: 'ok', score });
    } else {
      this.record({ e: 'failed', id, failure: original.failure ?? 'crash', duplicateOf: original.id, t, error: `same architecture as child ${original.id}` });
      this.o.strategy.tell(id, { status: 'failed' });
    }
    this.afterOutcome();
  }

  private afterOutcome(): void {
    if (++this.sinceSnapshot >= (this.o.snapshotEvery ?? 25)) this.takeSnapshot();
    this.pruneCheckpoints();
  }

  private takeSnapshot(): void {
    this.sinceSnapshot = 0;
    this.o.snapshot?.({ lines: this.lines, strategyState: this.o.strategy.saveState(), book: this.book, strategy: this.o.strategy });
  }
}
