/**
 * Everything the report and the dashboard show about one run, read from its directory alone
 * (config.json, journal.jsonl up to its last complete line, snapshot.pb), never written, so a run can
 * be watched while it goes on.
 */
import { basename, resolve } from 'node:path';
import type { FailureKind } from '../core/trial.ts';
import { networkCost } from '../genome/cost.ts';
import { validateGenome } from '../genome/genome.ts';
import { mutationBetween, type Change } from '../genome/notation.ts';
import type { CellGenome } from '../genome/types.ts';
import type { NetworkConfig } from '../genome/network/network.ts';
import { TrialBook } from '../run/book.ts';
import type { RunConfig } from '../run/config.ts';
import { applyAt, replayOne } from '../run/replay.ts';
import { spaceOf, strategyOf } from '../run/session.ts';
import { strategyReplay } from '../run/status.ts';
import { loadStoredRun, scanStoredRun } from '../run/stored-run.ts';
import type { SearchSpace } from '../spaces/space.ts';
import type { JournalEvent } from '../store/journal.ts';
import { isMultiFidelity } from '../run/fidelity.ts';

/** One child of a run, with its times. */
export interface ChildRow {
  id: number;
  hash: string;
  config: unknown;
  parentId?: number;
  /** Fidelity the journal records (the evaluator honoured it). */
  fidelity?: number;
  /** Fidelity the strategy proposed where the evaluator ignored it (replayed from the journal). */
  proposedFidelity?: number;
  state: 'asked' | 'running' | 'finished' | 'failed';
  score?: number;
  report?: number;
  failure?: FailureKind;
  error?: string;
  metrics?: Record<string, number>;
  seconds?: number;
  duplicateOf?: number;
  worker?: number;
  /** When it was asked, started and had its outcome (ms since the epoch). */
  askedAt: number;
  startedAt?: number;
  endedAt?: number;
  /** Parameters and multiply-adds: the evaluator's, else computed from the genome. */
  params?: number;
  madds?: number;
  /** What the mutation from its parent changed. */
  change?: Change[];
}

/** A run as the report sees it. */
export interface RunData {
  dir: string;
  /** Short name: the directory's base name. */
  label: string;
  config: RunConfig;
  children: ChildRow[];
  /** Finished originals in the order their outcomes were recorded (evaluation order). */
  evaluated: ChildRow[];
  best?: ChildRow;
  /** The strategy's population at the end, oldest first (empty when it keeps none). */
  population: Array<{ id: number; score: number }>;
  resumes: number;
  /** First and last event times (ms since the epoch). */
  firstEventAt?: number;
  lastEventAt?: number;
  /** What could not be computed, and why. */
  notes: string[];
  /** How parameters and multiply-adds were obtained, when computed here. */
  costNote?: string;
}

/** Reads a run directory (read-only), with the checks every reader of a run makes (src/run/stored-run.ts). */
export function loadRunData(dir: string): RunData {
  const stored = loadStoredRun(dir);
  const { config, paths, snapshot } = stored;
  const book = new TrialBook({ keepAll: true });
  const rows: ChildRow[] = [];
  const evaluated: ChildRow[] = [];
  const notes: string[] = [];
  const space = trySpace(config, notes);
  const replay = strategyReplay(config, snapshot);
  const proposals = space && isMultiFidelity(config.strategy) ? proposedFidelities(config, space, rows, notes) : undefined;
  let first: number | undefined;
  let last: number | undefined;
  scanStoredRun(stored, book, (event, line) => {
    applyAt(book, event, paths.journal, line);
    replay.apply(event, line, paths.journal);
    track(event, book, rows, evaluated);
    proposals?.(event, line, paths.journal);
    first ??= event.t;
    last = event.t;
  });
  const { population, note } = replay.result();
  if (note) notes.push(note);
  if (rows.some((r) => r.fidelity !== undefined)) for (const r of rows) delete r.proposedFidelity;
  for (const r of rows) if (r.parentId !== undefined && rows[r.parentId]) r.change = mutationBetween(rows[r.parentId].config, r.config);
  const costNote = addCosts(rows, space, notes);
  const best = book.best ? rows[book.best.id] : undefined;
  return {
    dir: resolve(dir), label: basename(resolve(dir)), config, children: rows, evaluated, best, population, resumes: book.resumes,
    firstEventAt: first, lastEventAt: last, notes, ...(costNote ? { costNote } : {}),
  };
}

/** Mirrors one journal event into the rows (the book has already applied it). */
function track(e: JournalEvent, book: TrialBook, rows: ChildRow[], evaluated: ChildRow[]): void {
  // Where a child runs (host, pid, GPU) is for `nas status`; the views do not show it.
  if (e.e === 'created' || e.e === 'running') return;
  if (e.e === 'resumed') {
    // Children that were running when the run stopped are asked again.
    for (const r of rows) if (r.state === 'running') r.state = 'asked';
    return;
  }
  if (e.e === 'asked') {
    const t = book.trials[e.id];
    rows.push({ id: t.id, hash: t.hash, config: t.config, state: 'asked', askedAt: e.t, ...(t.parentId !== undefined ? { parentId: t.parentId } : {}), ...(t.fidelity !== undefined ? { fidelity: t.fidelity } : {}), ...(t.duplicateOf !== undefined ? { duplicateOf: t.duplicateOf } : {}) });
    return;
  }
  const row = rows[e.id];
  const t = book.trials[e.id];
  row.state = t.state;
  if (e.e === 'started') {
    row.startedAt = e.t;
    row.worker = e.worker;
    return;
  }
  row.endedAt = e.t;
  Object.assign(row, { score: t.score, report: t.report, failure: t.failure, error: t.error, metrics: t.metrics, seconds: t.seconds });
  if (e.e === 'finished' && t.duplicateOf === undefined) evaluated.push(row);
}

function trySpace(config: RunConfig, notes: string[]): SearchSpace<unknown> | undefined {
  try {
    return spaceOf(config);
  } catch (err) {
    notes.push(`the run's space '${config.space}' could not be loaded (${(err as Error).message}); views that need it are left out`);
    return undefined;
  }
}

/**
 * A multi-fidelity strategy replayed from the journal's first line, alongside the scan, to learn the
 * fidelity it proposed for each child (the journal holds none where the evaluator ignores fidelity).
 */
function proposedFidelities(config: RunConfig, space: SearchSpace<unknown>, rows: ChildRow[], notes: string[]): (event: JournalEvent, line: number, file: string) => void {
  const strategy = strategyOf(config, space);
  let failed = false;
  return (event, line, file) => {
    if (failed) return;
    try {
      const s = replayOne(strategy, space, event, file, line);
      if (s?.fidelity !== undefined && rows[s.id]) rows[s.id].proposedFidelity = s.fidelity;
    } catch (err) {
      failed = true;
      notes.push(`the rungs could not be rebuilt: ${(err as Error).message}`);
    }
  };
}

/** The cell genome inside a configuration (a joint configuration's architecture part), if any. */
function genomeOf(config: unknown): CellGenome | undefined {
  const c = config as { kind?: unknown; arch?: unknown; hparams?: unknown } | null;
  const value = c && typeof c === 'object' && 'hparams' in c ? c.arch : config;
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'nasnet' || kind === 'nb201' ? validateGenome(value) : undefined;
}

/** The macro skeleton a space wraps its cells in (a joint space's architecture part). */
function macroOf(space: SearchSpace<unknown>): Record<string, number | undefined> {
  const arch = (space as { arch?: SearchSpace<unknown> }).arch ?? space;
  return ((arch as { config?: Record<string, number | undefined> }).config ?? {});
}

/**
 * Parameters and multiply-adds of every child: the evaluator's figures where it recorded them (training
 * runs), else computed from the genome in the space's skeleton for 32x32x3 images and 10 classes (the
 * NAS-Bench-201 and CIFAR-10 setting a table run stands for). Returns a note when any were computed.
 */
function addCosts(rows: ChildRow[], space: SearchSpace<unknown> | undefined, notes: string[]): string | undefined {
  const cache = new Map<string, { params: number; madds: number } | undefined>();
  let computed = 0;
  for (const r of rows) {
    if (r.metrics?.params !== undefined) {
      r.params = r.metrics.params;
      r.madds = r.metrics.madds;
      continue;
    }
    if (!space) continue;
    if (!cache.has(r.hash)) cache.set(r.hash, costOf(r.config, space, notes));
    const c = cache.get(r.hash);
    if (c) {
      Object.assign(r, c);
      computed++;
    }
  }
  return computed > 0 ? 'parameters and multiply-adds computed from each genome in the space\'s network for 32x32x3 images and 10 classes' : undefined;
}

function costOf(config: unknown, space: SearchSpace<unknown>, notes: string[]): { params: number; madds: number } | undefined {
  try {
    const genome = genomeOf(config);
    if (!genome) return undefined;
    const m = macroOf(space);
    const network: NetworkConfig = genome.kind === 'nb201'
      ? { inputShape: [32, 32, 3], numClasses: 10, channels: m.initialFilters, cellsPerStage: m.cellsPerStack, stages: m.stacks }
      : { inputShape: [32, 32, 3], numClasses: 10, cellsPerStack: m.cellsPerStack ?? 2, stacks: m.stacks ?? 3, initialFilters: m.initialFilters ?? 16 };
    const { params, madds } = networkCost(genome, network);
    return { params, madds };
  } catch (err) {
    if (notes.length < 20) notes.push(`cost of a child not computed: ${(err as Error).message}`);
    return undefined;
  }
}
