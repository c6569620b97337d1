/**
 * `nas export`: picks a run's best child (or a named one) from its journal and exports it with
 * src/evaluators/export-child.ts, using the weights the run kept when there are any (large-scale evolution keeps
 * every child's under `weights/<id>/`; train runs keep their best children's there, evaluator option
 * `keepWeights`), else retraining it with its own seed on the run's dataset.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { NasError, ValidationError } from '../core/errors.ts';
import { selectBackend, BACKEND_NAMES, type BackendName } from '../backends/backend.ts';
import { exportChild } from '../evaluators/export-child.ts';
import type { ExportResult } from '../model/export.ts';
import { weightsDirOf } from '../evaluators/large-scale.ts';
import { DirectoryWeightStore } from '../model/weight-inheritance.ts';
import { DEFAULT_DATASET } from '../data/spec.ts';
import { TrialBook, type TrialRecord } from './book.ts';
import { applyAt } from './replay.ts';
import { loadStoredRun, scanStoredRun } from './stored-run.ts';
import { spaceOf } from './session.ts';

/** Options of `exportRun`. */
export interface ExportRunOptions {
  /** The run directory. */
  runDir: string;
  /** Directory to write the model, genome and diagrams to. */
  out: string;
  /** Child to export. Default: the run's best finished child. */
  id?: number;
  /** Epochs of a retrain (when the run kept no weights for the child). Default: the child's fidelity, else the run's `epochs`, else 1. */
  retrainEpochs?: number;
  /** tfjs backend. Default: the run's evaluator option `backend`, else auto. */
  backend?: BackendName;
  /** Retrain even when the run kept the child's weights. Default false. */
  retrain?: boolean;
  /** Dataset of a retrain (a spec such as cifar10:<dir>). Default: the run's dataset, else fashion-mnist-mini. */
  dataset?: string;
  /** Where notices go (which dataset a retrain uses when the run had none). Default: stderr. */
  log?: (line: string) => void;
}

/** What `exportRun` did. */
export interface ExportRunSummary extends ExportResult {
  runDir: string;
  id: number;
  hash: string;
  score: number;
  report?: number;
  backend: string;
  /** The dataset the child was evaluated (and, when retrained, trained) on. */
  dataset: string;
}

/** The finished child to export: `id`, or the best one. */
function pickChild(book: TrialBook, runDir: string, id: number | undefined): TrialRecord {
  if (id === undefined) {
    if (!book.best) throw new NasError(`${runDir} has no finished child to export yet`);
    return book.best;
  }
  const trial = book.trials[id];
  if (!trial) throw new ValidationError(`no child ${id} in ${runDir}`, { field: 'id' }, `a child id from 0 to ${book.trials.length - 1}`);
  if (trial.state !== 'finished') throw new ValidationError(`child ${id} is ${trial.state}, not finished`, { field: 'id' }, 'the id of a finished child (see nas status)');
  return trial;
}

/** Exports the best (or the named) child of the run in `o.runDir` to `o.out`. */
export async function exportRun(o: ExportRunOptions): Promise<ExportRunSummary> {
  if (existsSync(o.out) && !statSync(o.out).isDirectory()) {
    throw new NasError(`--out ${o.out} is a file; accepted: a directory (new, or one to write into)`);
  }
  const stored = loadStoredRun(o.runDir);
  const { config, paths } = stored;
  const book = new TrialBook({ keepAll: true });
  scanStoredRun(stored, book, (event, line) => applyAt(book, event, paths.journal, line));
  const child = pickChild(book, o.runDir, o.id);
  const source = child.duplicateOf ?? child.id;
  const store = new DirectoryWeightStore(weightsDirOf(o.runDir));
  const requested = o.backend ?? (config.evaluatorOptions.backend as BackendName | undefined) ?? 'auto';
  if (!BACKEND_NAMES.includes(requested)) throw new ValidationError(`unknown backend '${requested}'`, { field: 'backend' }, BACKEND_NAMES.join(', '));
  const backend = await selectBackend(requested);
  const kept = !o.retrain && store.has(source) ? store.trialDir(source) : undefined;
  const runDataset = config.evaluatorOptions.dataset as string | undefined;
  const dataset = o.dataset ?? runDataset ?? DEFAULT_DATASET;
  if (kept === undefined && o.dataset === undefined && runDataset === undefined && !config.evaluator.startsWith('train')) {
    (o.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(`nas: ${o.runDir} scored its children with ${config.evaluator} and trained nothing, so the child is trained now, on ${dataset} (the default dataset); --dataset <spec> picks another, e.g. cifar10:data/datasets/cifar-10-batches-bin`);
  }
  const result = await exportChild({
    space: spaceOf(config), config: child.config, seed: book.trials[source].seed, outDir: resolve(o.out), keptWeights: kept,
    retrainEpochs: o.retrainEpochs ?? child.fidelity, evaluatorOptions: { ...config.evaluatorOptions, dataset }, baseDir: o.dataset !== undefined ? process.cwd() : config.baseDir,
    meta: { runDir: resolve(o.runDir), id: child.id, hash: child.hash, score: child.score, ...(child.report !== undefined ? { report: child.report } : {}) },
  });
  return { ...result, runDir: o.runDir, id: child.id, hash: child.hash, score: child.score as number, ...(child.report !== undefined ? { report: child.report } : {}), backend: backend.backend, dataset };
}
