/**
 * Starting and resuming runs on disk: builds the space, strategy and executor a RunConfig names,
 * creates or reopens the run directory, restores from the snapshot and journal, and drives the Runner.
 */
import { basename, join } from 'node:path';
import { checkpointsDirOf, DirectoryCheckpointStore } from '../core/checkpoint-dir.ts';
import { FileFormatError, OptionError, RunStoppedError, ValidationError } from '../core/errors.ts';
import { Rng, resolveSeed } from '../core/rng.ts';
import '../search/all.ts';
import { checkStrategyOptions, createStrategy } from '../search/registry.ts';
import type { Strategy } from '../search/strategy.ts';
import { loadSpace } from '../spaces/load.ts';
import type { SearchSpace } from '../spaces/space.ts';
import type { JournalEvent } from '../store/journal.ts';
import { createRunDir, createdEvent, reopenRunDir, type OpenRun } from '../store/run-dir.ts';
import { findRngStates, writeSnapshot, type RunSnapshot } from '../store/snapshot.ts';
import type { Executor } from '../workers/executor.ts';
import { executorOf, fromBase, newRunId, type ExecutionOptions } from './executors.ts';
import type { TrialBook } from './book.ts';
import { checkResumeOptions, type RunConfig } from './config.ts';
import { honoursFidelity, strategyBudget } from './fidelity.ts';
import { costRejecter } from './reject.ts';
import { Runner, type SnapshotData } from './runner.ts';
import { loadStoredRun, scanStoredRun } from './stored-run.ts';

/** How a run executes; none of this changes its results with one worker (or in ordered mode). */
export interface RuntimeOptions extends ExecutionOptions {
  /** Outcomes between snapshots. Default 25. */
  snapshotEvery?: number;
  /** fsync every journal line. Default true. */
  fsync?: boolean;
  /** Called after every event (progress display). */
  onEvent?: (event: JournalEvent, book: TrialBook) => void;
  /** Called once the run's configuration is known (new or stored), before the first evaluation. */
  onStart?: (config: RunConfig) => void;
}

/** What a finished (or resumed and finished) run reports. */
export interface RunSummary {
  runDir: string;
  seed: number;
  evaluations: number;
  children: number;
  failed: number;
  duplicates: number;
  resumes: number;
  best: { id: number; hash: string; score: number; report?: number; config: unknown } | null;
  /** Epochs trained by all evaluations (evaluators that train epochs; 0 for others). */
  epochs: number;
  /** Children the median rule stopped early. */
  stoppedEarly: number;
}

/** The space a configuration names. */
export function spaceOf(config: RunConfig): SearchSpace<unknown> {
  return loadSpace(fromBase(config, config.space));
}

/** A fresh strategy for a configuration (its rng is split from the run seed). */
export function strategyOf(config: RunConfig, space: SearchSpace<unknown>): Strategy<unknown> {
  const rng = Rng.seeded(config.seed).split('strategy');
  return createStrategy(config.strategy, { space, rng, budget: strategyBudget(config), options: config.strategyOptions });
}

/** The configuration of a new run: fills the base directory and draws a seed for 0. */
export function newRunConfig(fields: Omit<RunConfig, 'format' | 'baseDir' | 'runId'>, log: (line: string) => void): RunConfig {
  // New runs only: a stored run resumes with the options it was created with.
  checkStrategyOptions(fields.strategy, fields.strategyOptions);
  if (fields.medianStop !== undefined && !honoursFidelity(fields.evaluator)) {
    throw new ValidationError(`the median rule needs an evaluator that trains epochs, not '${fields.evaluator}'`, { field: 'median-stop' }, 'the train or curves evaluator');
  }
  const seed = resolveSeed(fields.seed);
  if (fields.seed === 0 || fields.seed === undefined) log(`seed 0: drew seed ${seed} (stored in config.json)`);
  return { format: 1, ...fields, seed, baseDir: process.cwd(), ordered: fields.ordered ?? false, runId: newRunId() };
}

/** What a command asks for: a new run from options, or the resume of a run directory. */
export interface RunRequest {
  /** Result-deciding options the user gave (undefined fields were not given). */
  given: Partial<RunConfig>;
  /** Values for options not given, for a new run. */
  defaults: { space: string; strategy: string; strategyOptions: Record<string, unknown> };
  /** Resume this run directory instead of starting a new run. */
  resume?: string;
  /** Directory of a new run. Default runs/<space>-<strategy>-<seed>. */
  runDir?: string;
  runtime?: RuntimeOptions;
}

/** Starts or resumes a run as requested; the one call `nas evolve` and `nas search` make. */
export async function executeRun(request: RunRequest): Promise<RunSummary> {
  const runtime = request.runtime ?? {};
  if (request.resume !== undefined) return resumeRun(request.resume, request.given, runtime);
  const fields = mergeDefaults(request.given, request.defaults);
  // A drawn seed is reported once it is stored: after the run directory exists, not before a check fails.
  const lines: string[] = [];
  const config = newRunConfig(fields, (line) => lines.push(line));
  const log = runtime.log ?? defaultLog;
  const onStart = (c: RunConfig): void => {
    for (const line of lines) log(line);
    runtime.onStart?.(c);
  };
  return startRun(config, request.runDir ?? defaultRunDir(config), { ...runtime, onStart });
}

/** Where a new run goes without --run-dir: runs/<space>-<strategy>-<seed>. */
export function defaultRunDir(config: Pick<RunConfig, 'space' | 'strategy' | 'seed'>): string {
  return join('runs', `${basename(config.space, '.json')}-${config.strategy}-${config.seed}`);
}

/** A new run's configuration fields: the given options over the defaults. */
export function mergeDefaults(given: Partial<RunConfig>, defaults: RunRequest['defaults']): Omit<RunConfig, 'format' | 'baseDir' | 'runId'> {
  const strategyOptions = { ...defaults.strategyOptions };
  for (const [k, v] of Object.entries(given.strategyOptions ?? {})) if (v !== undefined) strategyOptions[k] = v;
  return {
    command: given.command ?? 'search', space: given.space ?? defaults.space, strategy: given.strategy ?? defaults.strategy,
    strategyOptions, budget: given.budget ?? 100, seed: given.seed ?? 0, evaluator: given.evaluator ?? 'train',
    metric: given.metric, report: given.report, maxParams: given.maxParams, maxMadds: given.maxMadds,
    workers: given.workers ?? 1, evaluatorOptions: given.evaluatorOptions ?? {}, ordered: given.ordered ?? false,
    ...(given.medianStop !== undefined ? { medianStop: given.medianStop } : {}),
  };
}

/**
 * Refuses a budget no run could reach: above the number of distinct children of the space (duplicates
 * are never evaluated twice). Applies where children are deduplicated by hash alone (the evaluator
 * ignores fidelity, or the strategy asks for none).
 */
export function checkBudgetReachable(config: RunConfig, space: SearchSpace<unknown>): void {
  if (honoursFidelity(config.evaluator) && strategyBudget(config) === 0) return;
  const distinct = space.distinctSize?.() ?? space.size();
  if (config.budget > distinct) {
    throw new OptionError(`--budget ${config.budget}: the space '${space.name}' holds only ${distinct} distinct children (those equal up to their canonical hash count once, and none is evaluated twice); accepted: a budget from 1 to ${distinct}`);
  }
}

/** Starts a new run in `runDir` and runs it to the end of its budget. */
export async function startRun(config: RunConfig, runDir: string, runtime: RuntimeOptions = {}): Promise<RunSummary> {
  const space = spaceOf(config);
  checkBudgetReachable(config, space);
  const strategy = strategyOf(config, space);
  const executor = await executorOf(config, space, runtime, runDir);
  let run: OpenRun;
  try {
    run = createRunDir(runDir, config as unknown as Record<string, unknown>, { fsync: runtime.fsync });
  } catch (err) {
    await executor.close();
    throw err;
  }
  runtime.onStart?.(config);
  const runner = runnerOf(config, run, space, strategy, executor, runtime);
  runner.restoreEvent(createdEvent(config as unknown as Record<string, unknown>), 1, 0, run.paths.journal);
  return drive(config, run, runner, executor);
}

/**
 * Continues the run in `runDir` exactly where it stopped. `given` holds the options the user gave on
 * the command line; any that differ from the stored ones make the resume fail, naming them. The run
 * directory's lock is taken before anything is read, so two processes never continue one run.
 */
export async function resumeRun(runDir: string, given: Partial<RunConfig>, runtime: RuntimeOptions = {}): Promise<RunSummary> {
  const run = reopenRunDir(runDir, () => {
    const stored = loadStoredRun(runDir);
    // Runs made before the ordered mode existed are unordered.
    stored.config.ordered ??= false;
    checkResumeOptions(runDir, stored.config, given);
    return stored;
  }, { fsync: runtime.fsync });
  let executor: Executor | undefined;
  try {
    const stored = run.checked;
    const { config, snapshot } = stored;
    const space = spaceOf(config);
    const strategy = strategyOf(config, space);
    let fromLine = 0;
    if (snapshot) {
      if (snapshot.strategy !== config.strategy) throw new FileFormatError(run.paths.snapshot, `holds strategy '${snapshot.strategy}', the run uses '${config.strategy}'`);
      strategy.loadState(snapshot.strategyState);
      fromLine = snapshot.journalLines;
    }
    executor = await executorOf(config, space, runtime, runDir);
    const runner = runnerOf(config, run, space, strategy, executor, runtime);
    const file = run.paths.journal;
    const lines = scanStoredRun(stored, runner.book, (event, line) => runner.restoreEvent(event, line, fromLine, file));
    if (lines === 0) {
      // Killed before its first line: the journal starts now, with the configuration's checksum.
      const created = createdEvent(config as unknown as Record<string, unknown>);
      run.journal.append(created);
      runner.restoreEvent(created, 1, 0, file);
    } else {
      runner.markResumed();
      (runtime.log ?? defaultLog)(`resuming ${run.paths.dir}: ${runner.book.done} children done, ${runner.book.unfinished().length} in flight`);
    }
    runtime.onStart?.(config);
    return await drive(config, run, runner, executor);
  } catch (err) {
    run.close();
    await executor?.close();
    throw err;
  }
}

function runnerOf(config: RunConfig, run: OpenRun, space: SearchSpace<unknown>, strategy: Strategy<unknown>, executor: Executor, runtime: RuntimeOptions): Runner {
  const honours = honoursFidelity(config.evaluator);
  return new Runner({
    strategy, space, executor, budget: config.budget, seed: config.seed, sink: run.journal,
    reject: costRejecter(config, space), snapshotEvery: runtime.snapshotEvery, onEvent: runtime.onEvent,
    ignoreFidelity: !honours, ordered: config.ordered === true, ...(honours ? { checkpoints: new DirectoryCheckpointStore(checkpointsDirOf(run.paths.dir)) } : {}),
    ...(config.medianStop ? { medianStop: config.medianStop } : {}),
    snapshot: (data) => writeSnapshot(run.paths.snapshot, snapshotOf(config, space, data)),
  });
}

/** Runs to the end, then releases the run directory; a run that stopped short throws a RunStoppedError. */
async function drive(config: RunConfig, run: OpenRun, runner: Runner, executor: Executor): Promise<RunSummary> {
  try {
    const book = await runner.run();
    const summary = summarise(run.paths.dir, config.seed, book);
    if (runner.stopReason !== undefined) {
      throw new RunStoppedError(`${run.paths.dir}: stopped after ${summary.evaluations} of ${config.budget} evaluations (${summary.children} children): ${runner.stopReason}. What it computed is kept (nas status ${run.paths.dir}).`);
    }
    if (summary.best === null && summary.evaluations > 0) {
      throw new RunStoppedError(`${run.paths.dir}: no child could be scored (${summary.failed} failed); check the evaluator (nas status ${run.paths.dir} lists the failures)`);
    }
    return summary;
  } finally {
    run.close();
    await executor.close();
  }
}

function defaultLog(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The canonical hash of a population member (members that carry their configuration), else ''. */
function hashOfMember(space: SearchSpace<unknown>, member: { id: number }): string {
  const config = (member as { config?: unknown }).config;
  return config === undefined ? '' : space.hash(config);
}

/** The snapshot a run writes: the strategy's state after `data.lines` journal lines, its population and rng states. */
export function snapshotOf(config: RunConfig, space: SearchSpace<unknown>, data: SnapshotData): RunSnapshot {
  const population = (data.strategy.population?.() ?? []).map((m) => ({ id: m.id, score: m.score, hash: hashOfMember(space, m) }));
  return {
    journalLines: data.lines, strategy: config.strategy, strategyState: data.strategyState, population,
    rngs: findRngStates(data.strategyState), evaluations: data.book.evaluations, children: data.book.children, writtenAtMs: Date.now(),
  };
}

/** The summary of a run's book. */
export function summarise(runDir: string, seed: number, book: TrialBook): RunSummary {
  const best = book.best;
  return {
    runDir, seed, evaluations: book.evaluations, children: book.children,
    failed: book.failed, duplicates: book.duplicates, resumes: book.resumes, epochs: book.epochsTrained, stoppedEarly: book.stoppedEarly,
    best: best ? { id: best.id, hash: best.hash, score: best.score as number, ...(best.report !== undefined ? { report: best.report } : {}), config: best.config } : null,
  };
}
