/**
 * What `nas status` reports about a run, read without locking the writer: the journal up to its last
 * complete line and the atomically replaced snapshot. The population comes from replaying the
 * strategy (snapshot + journal tail), so it is exact even between snapshots.
 */
import { readJournal } from '../store/journal.ts';
import { readRunConfig, runPaths } from '../store/run-dir.ts';
import { readSnapshot } from '../store/snapshot.ts';
import { TrialBook, type TrialRecord } from './book.ts';
import { parseRunConfig, type RunConfig } from './config.ts';
import { replayStrategy } from './replay.ts';
import { spaceOf, strategyOf } from './session.ts';

/** A child as status shows it. */
export interface ChildView {
  id: number;
  hash: string;
  score?: number;
  report?: number;
  config: unknown;
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
  inFlight: number[];
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

const view = (t: TrialRecord): ChildView => ({ id: t.id, hash: t.hash, score: t.score, report: t.report, config: t.config });

/** Reads a run's status; `top` is how many of the best children to list (default 5). */
export function runStatus(runDir: string, top = 5): RunStatus {
  const paths = runPaths(runDir);
  const config = parseRunConfig(readRunConfig(runDir), paths.config);
  const { events } = readJournal(paths.journal);
  const book = new TrialBook();
  for (const e of events) book.apply(e);
  const finished = book.trials.filter((t) => t.state === 'finished' && t.duplicateOf === undefined);
  finished.sort((a, b) => (b.score as number) - (a.score as number) || a.id - b.id);
  const { population, note } = populationOf(config, paths, events);
  const last = events[events.length - 1];
  return {
    runDir, config, evaluations: book.evaluations,
    evaluated: book.trials.filter((t) => (t.state === 'finished' || t.state === 'failed') && t.duplicateOf === undefined && t.failure !== 'rejected').length,
    children: book.children, duplicates: book.trials.filter((t) => t.duplicateOf !== undefined).length,
    failed: book.trials.filter((t) => t.state === 'failed' && t.failure !== 'rejected').length,
    rejected: book.trials.filter((t) => t.failure === 'rejected').length,
    inFlight: book.unfinished().map((t) => t.id), resumes: book.resumes, lastEventAt: last?.t,
    best: book.best ? view(book.best) : null, top: finished.slice(0, top).map(view),
    population: population.map((p) => ({ ...view(book.trials[p.id]), score: p.score })),
    ...(note ? { populationNote: note } : {}),
  };
}

function populationOf(config: RunConfig, paths: ReturnType<typeof runPaths>, events: ReturnType<typeof readJournal>['events']): { population: Array<{ id: number; score: number }>; note?: string } {
  try {
    const space = spaceOf(config);
    const strategy = strategyOf(config, space);
    const snapshot = readSnapshot(paths.snapshot);
    let from = 0;
    if (snapshot && snapshot.journalLines <= events.length) {
      strategy.loadState(snapshot.strategyState);
      from = snapshot.journalLines;
    }
    replayStrategy(strategy, space, events, from, paths.journal);
    return { population: [...(strategy.population?.() ?? [])] };
  } catch (err) {
    const snapshot = (() => {
      try {
        return readSnapshot(paths.snapshot);
      } catch {
        return undefined;
      }
    })();
    return { population: snapshot?.population ?? [], note: `population from the last snapshot: ${(err as Error).message}` };
  }
}
