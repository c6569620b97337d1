/**
 * The executor a run's configuration and runtime options ask for: in this process (`inline`), a local
 * pool of worker processes (`process`, the default, optionally one GPU per process), or a queue on Redis
 * served by `nas worker` processes on any number of machines (`--queue`).
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Evaluator, EvaluatorOptions } from '../core/evaluator.ts';
import type { EvalRequest } from '../core/trial.ts';
import { createEvaluator, fingerprint } from '../evaluators/all.ts';
import { checkDatasetDirectory } from '../evaluators/fingerprint.ts';
import { innerSpec, parseEvaluatorSpec } from '../evaluators/registry.ts';
import { resolveSpaceFile } from '../spaces/load.ts';
import type { SearchSpace } from '../spaces/space.ts';
import type { Executor } from '../workers/executor.ts';
import { InlineExecutor } from '../workers/inline.ts';
import { ProcessPool } from '../workers/pool.ts';
import { QueueExecutor } from '../workers/queue-executor.ts';
import type { TrialFileRef } from '../workers/queue-job.ts';
import type { RunConfig } from './config.ts';

/** The evaluator module every worker process loads. */
export const EVALUATOR_MODULE = new URL('../evaluators/all.ts', import.meta.url).href;

/** How a run's children execute (never stored: none of it changes results). */
export interface ExecutionOptions {
  /** `process`: a pool of worker processes (default); `inline`: evaluate in this process. Ignored with `queue`. */
  executor?: 'process' | 'inline';
  /** Send children to this queue (`redis://HOST:PORT[/DB]`), served by `nas worker` processes. Default: none. */
  queue?: string;
  /** Name of the queue. Default `nas`. */
  queueName?: string;
  /** Seconds between the queue executor's checks of the children in flight. Default 5. */
  queueCheckSeconds?: number;
  /** GPUs the local pool's processes take in turn. Default: none. */
  gpus?: readonly string[];
  /** Evaluations per worker process before it is replaced. Default 50. */
  recycleAfter?: number;
  /** Heap limit of each worker process in MiB. Node's default when absent. */
  maxOldSpaceMb?: number;
  /** Seconds an evaluation may take in a worker process. No limit by default. */
  timeoutSeconds?: number;
  /** Where notices go. Default: stderr. */
  log?: (line: string) => void;
}

/** A path given in a config (space file, table) resolved from the run's base directory. */
export function fromBase(config: RunConfig, ref: string): string {
  const isPath = ref.includes('/') || ref.includes('\\') || ref.endsWith('.json');
  return isPath ? resolve(config.baseDir, ref) : ref;
}

/** The options every evaluator of the run is built with. */
export function evaluatorOptions(config: RunConfig, runDir: string): EvaluatorOptions {
  return { space: fromBase(config, config.space), metric: config.metric, report: config.report, baseDir: config.baseDir, runDir: resolve(runDir), extra: config.evaluatorOptions };
}

/** A new run's id: 16 hex digits, drawn (an identity, not a source of results). */
export function newRunId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 16);
}

/** The run's id; a run made before ids existed gets one derived from its directory and seed. */
export function runIdOf(config: RunConfig, runDir: string): string {
  return config.runId ?? createHash('sha256').update(`${resolve(runDir)}\n${config.seed}\n${config.baseDir}`).digest('hex').slice(0, 16);
}

/** Builds the executor; a bad evaluator spec (or, for a queue, missing data) fails here, before any child. */
export async function executorOf(config: RunConfig, space: SearchSpace<unknown>, runtime: ExecutionOptions, runDir: string): Promise<Executor> {
  const options = evaluatorOptions(config, runDir);
  if (runtime.queue !== undefined) return queueExecutorOf(config, space, runtime, runDir);
  if (runtime.executor === 'inline') {
    const evaluator: Evaluator = await createEvaluator(config.evaluator, options);
    return new InlineExecutor(evaluator, config.workers);
  }
  // Build the evaluator spec once here too, so a bad spec fails before any worker starts; for training,
  // whose evaluator loads tfjs and the data, check that the dataset's directory is there.
  if (parseEvaluatorSpec(innerSpec(config.evaluator))[0] !== 'train') await createEvaluator(config.evaluator, options);
  else await checkDatasetDirectory(options);
  return new ProcessPool({
    evaluatorModule: EVALUATOR_MODULE, spec: config.evaluator, evaluatorOptions: options, workers: config.workers, gpus: runtime.gpus,
    recycleAfter: runtime.recycleAfter, maxOldSpaceMb: runtime.maxOldSpaceMb, timeoutSeconds: runtime.timeoutSeconds,
  });
}

/**
 * The queue executor of a run. Jobs carry the evaluator spec and options, the space file's text and the
 * fingerprint of the run's data (computed here, from the run's own files); a promoted child carries the
 * checkpoint it continues, a large-scale child its parent's kept weights.
 */
async function queueExecutorOf(config: RunConfig, space: SearchSpace<unknown>, runtime: ExecutionOptions, runDir: string): Promise<QueueExecutor> {
  const options = evaluatorOptions(config, runDir);
  // A bad option must stop the run here, not fail every child on the workers.
  if (parseEvaluatorSpec(innerSpec(config.evaluator))[0] !== 'train') await createEvaluator(config.evaluator, options);
  else (await import('../evaluators/train.ts')).trainSettings(config.evaluatorOptions);
  const print = await fingerprint(config.evaluator, options);
  const spaceFile = resolveSpaceFile(options.space);
  const { space: _space, runDir: _runDir, ...jobOptions } = options;
  // What a child needs on its worker: the checkpoint it continues, and a large-scale child its parent's weights.
  const inherits = space.type === 'large-scale';
  const needs = (r: EvalRequest): TrialFileRef[] => [
    ...(r.continueFrom !== undefined ? [{ kind: 'checkpoints', trialId: r.continueFrom }] : []),
    ...(inherits && r.parentId !== undefined ? [{ kind: 'weights', trialId: r.parentId }] : []),
  ];
  return QueueExecutor.open({
    url: runtime.queue as string, queueName: runtime.queueName, runId: runIdOf(config, runDir), capacity: config.workers,
    runDir: resolve(runDir), checkSeconds: runtime.queueCheckSeconds, log: runtime.log, needs,
    job: {
      evaluator: { spec: config.evaluator, options: { ...jobOptions, ...(print !== undefined ? { fingerprint: print } : {}) } },
      space: { name: basename(spaceFile, '.json'), text: readFileSync(spaceFile, 'utf8') },
    },
  });
}
