/**
 * What `nas status` reports about a run, read without locking the writer: the journal up to its last
 * complete line and the atomically replaced snapshot. The population comes from replaying the
 * strategy (snapshot + journal tail), so it is exact even between snapshots.
 */
import { checkpointsDirOf, DirectoryCheckpointStore } from '../core/checkpoint-dir.ts';
import type { WorkerIdentity } from '../core/trial.ts';
import type { Strategy } from '../search/strategy.ts';
import type { SearchSpace } from '../spaces/space.ts';
import type { JournalEvent } from '../store/journal.ts';
import type { RunSnapshot } from '../store/snapshot.ts';
import { TrialBook, type TrialRecord } from './book.ts';
import type { RunConfig } from './config.ts';
import { applyAt, replayStrategy } from './replay.ts';
import { spaceOf, strategyOf } from './session.ts';
import { loadStoredRun, scanStoredRun } from './stored-run.ts';

/** A child as status shows it. */
export interface ChildView {
  id: number;
  hash: string;
  score?: number;
  report?: number;
  config: unknown;
  /** Fidelity (epochs) it was evaluated at, when the run has one. */
  fidelity?: number;
  /** The median rule stopped it after this epoch. */
  stoppedAt?: number;
}

/** A run's state. */
export interface RunStatus {
  runDir: string;
  config: RunConfig;
  evaluations: number;
  /** Evaluations with an outcome. */
  evaluated: number;
  children: number;
  duplicates: number;
  failed: number;
  rejected: number;
  /** Children the median rule stopped early. */
  stoppedEarly: number;
  /** Epochs trained by all evaluations so far (evaluators that train epochs). */
  epochs: number;
  /** Checkpoints on disk (children a later one may continue). */
  checkpoints: number;
  inFlight: number[];
  /** Children in flight and where each runs (host, pid, GPU), when a worker has said so. */
  running: Array<{ id: number; where?: WorkerIdentity }>;
  /** The last failed children (duplicates and rejected ones apart), latest last, with the reason. */
  failures: Array<{ id: number; failure: string; error?: string; where?: WorkerIdentity }>;
  resumes: number;
  /** Time of the last journal event (ms since the epoch), if any. */
  lastEventAt?: number;
  best: ChildView | null;
  /** The best `top` finished children (duplicates excluded), best first. */
  top: ChildView[];
  /** The strategy's population, oldest first (empty when it keeps none). */
  population: ChildView[];
  /** Why the population could not be rebuilt, when it could not. */
  populationNote?: string;
}

const view = (t: TrialRecord): ChildView => ({
  id: t.id, hash: t.hash, score: t.score, report: t.report, config: t.config,
  ...(t.fidelity !== undefined ? { fidelity: t.fidelity } : {}), ...(t.stoppedAt !== undefined ? { stoppedAt: t.stoppedAt } : {}),
});

/** Reads a run's status; `top` is how many of the best children to list (default 5), `failuresShown` how many of the last failures (default 5). Never takes the run's lock. */
export function runStatus(runDir: string, top = 5, failuresShown = 5): RunStatus {
  const stored = loadStoredRun(runDir);
  const { config, paths, snapshot } = stored;
  const book = new TrialBook({ keepAll: true });
  const replay = strategyReplay(config, snapshot);
  let last: number | undefined;
  scanStoredRun(stored, book, (event, line) => {
    applyAt(book, event, paths.journal, line);
    replay.apply(event, line, paths.journal);
    last = event.t;
  });
  const finished = book.trials.filter((t) => t.state === 'finished' && t.duplicateOf === undefined);
  finished.sort((a, b) => (b.score as number) - (a.score as number) || a.id - b.id);
  const { population, note } = replay.result();
  return {
    runDir, config, evaluations: book.evaluations, evaluated: book.evaluated,
    children: book.children, duplicates: book.duplicates, failed: book.failed - book.rejected, rejected: book.rejected,
    stoppedEarly: book.stoppedEarly, epochs: book.epochsTrained, checkpoints: new DirectoryCheckpointStore(checkpointsDirOf(runDir)).list().length,
    inFlight: book.unfinished().map((t) => t.id), resumes: book.resumes, lastEventAt: last,
    running: book.unfinished().map((t) => ({ id: t.id, ...(t.where ? { where: t.where } : {}) })),
    failures: book.trials.filter((t) => t.state === 'failed' && t.duplicateOf === undefined && t.failure !== 'rejected').slice(-failuresShown)
      .map((t) => ({ id: t.id, failure: t.failure ?? 'crash', ...(t.error !== undefined ? { error: t.error } : {}), ...(t.where ? { where: t.where } : {}) })),
    best: book.best ? view(book.best) : null, top: finished.slice(0, top).map(view),
    population: population.map((p) => ({ ...view(book.trials[p.id]), score: p.score })),
    ...(note ? { populationNote: note } : {}),
  };
}

/** A strategy rebuilt alongside a journal scan (see {@link strategyReplay}). */
export interface StrategyReplay {
  /** Feeds journal line `line` of `file` to the strategy (lines the snapshot covers are skipped). */
  apply(event: JournalEvent, line: number, file: string): void;
  /** The population after the lines applied, or the snapshot's and why the strategy could not be rebuilt. */
  result(): { population: Array<{ id: number; score: number }>; note?: string };
}

/**
 * The strategy rebuilt alongside the journal scan (snapshot, then the lines after it), for its
 * population; when it cannot be rebuilt, the snapshot's population and why. Also read by src/report.
 */
export function strategyReplay(config: RunConfig, snapshot: RunSnapshot | undefined): StrategyReplay {
  let strategy: Strategy<unknown> | undefined;
  let space: SearchSpace<unknown> | undefined;
  let failure: string | undefined;
  const from = snapshot?.journalLines ?? 0;
  try {
    space = spaceOf(config);
    strategy = strategyOf(config, space);
    if (snapshot) strategy.loadState(snapshot.strategyState);
  } catch (err) {
    failure = (err as Error).message;
  }
  return {
    apply(event: JournalEvent, line: number, file: string): void {
      if (failure !== undefined || !strategy || !space || line <= from) return;
      try {
        replayStrategy(strategy, space, [event], 0, file, line - 1);
      } catch (err) {
        failure = (err as Error).message;
      }
    },
    result(): { population: Array<{ id: number; score: number }>; note?: string } {
      if (failure === undefined && strategy) return { population: [...(strategy.population?.() ?? [])] };
      return { population: snapshot?.population ?? [], note: `population from the last snapshot: ${failure ?? 'no strategy'}` };
    },
  };
}
