/**
 * Options shared by the commands that run a search (`nas evolve`, `nas search`): the run directory,
 * resume, budget, seed, workers, evaluator and its metrics, size limits, and how evaluations execute.
 * Options that decide results have no yargs default, so that a resume can tell which ones the user
 * gave (and refuse those that differ from the run's); `runDefaults` fills them for a new run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Argv } from 'yargs';
import { FileFormatError, OptionError, ValidationError, withStorage } from '../core/errors.ts';
import { parseDatasetSpec } from '../data/spec.ts';
import type { RunConfig } from '../run/config.ts';
import type { RuntimeOptions } from '../run/session.ts';
import { parseGpus } from '../workers/gpus.ts';
import { checkQueueName, parseQueueUrl } from '../workers/queue-url.ts';
import { numeric } from './numeric.ts';

/** Parsed shared options. */
export interface RunArgs {
  space?: string;
  budget?: number;
  seed?: number;
  workers?: number;
  evaluator?: string;
  metric?: string;
  report?: string;
  'max-params'?: number;
  'max-madds'?: number;
  epochs?: number;
  dataset?: string;
  experiment?: string;
  'run-dir'?: string;
  resume?: string;
  json: boolean;
  executor?: 'process' | 'inline';
  'recycle-after'?: number;
  'snapshot-every'?: number;
  timeout?: number;
  'worker-memory'?: number;
  'force-workers'?: boolean;
  'median-stop'?: boolean;
  'median-stop-min'?: number;
  queue?: string;
  'queue-name'?: string;
  ordered?: boolean;
  gpus?: string;
}

/** Adds the shared options to a command's builder. */
export function withRunOptions<T>(y: Argv<T>): Argv<T & RunArgs> {
  return y
    .option('space', { type: 'string', describe: 'search space: a name from search-spaces/ or a .json file [default: nasnet-cell]' })
    .option('budget', numeric('budget', 'children to evaluate; duplicates and rejected children do not count [default: 100]'))
    .option('seed', numeric('seed', 'run seed; 0 draws one, prints it and stores it [default: 0]'))
    .option('workers', numeric('workers', 'children evaluated at once, K [default: 1]'))
    .option('evaluator', { type: 'string', describe: 'table:<csv> (a tabular benchmark) or train (tfjs training) [default: train]' })
    .option('metric', { type: 'string', describe: 'the search signal (table column, e.g. valid_12) [default: the evaluator\'s]' })
    .option('report', { type: 'string', describe: 'metric recorded but never used to choose (e.g. test_200) [default: the evaluator\'s]' })
    .option('max-params', numeric('max-params', 'reject children with more parameters before training'))
    .option('max-madds', numeric('max-madds', 'reject children with more multiply-adds before training'))
    .option('epochs', numeric('epochs', 'training epochs per child (train evaluator)'))
    .option('dataset', { type: 'string', describe: 'dataset of the train evaluator, e.g. cifar10:data/datasets/cifar-10-batches-bin' })
    .option('experiment', { type: 'string', describe: 'a JSON file of evaluator options (experiments/*.json); flags override it' })
    .option('run-dir', { type: 'string', describe: 'directory of a new run [default: runs/<space>-<strategy>-<seed>]' })
    .option('resume', { type: 'string', describe: 'continue the run in this directory exactly where it stopped' })
    .option('json', { type: 'boolean', default: false, describe: 'print a JSON summary as the last line of stdout' })
    .option('executor', { choices: ['process', 'inline'] as const, describe: 'evaluate in worker processes or in this process [default: process]' })
    .option('recycle-after', numeric('recycle-after', 'evaluations per worker process before a fresh one replaces it [default: 50]'))
    .option('snapshot-every', numeric('snapshot-every', 'outcomes between snapshots [default: 25]'))
    .option('timeout', numeric('timeout', 'seconds a child may take in a worker before it fails with timeout'))
    .option('worker-memory', numeric('worker-memory', 'heap limit of each worker process in MiB'))
    .option('force-workers', { type: 'boolean', describe: `allow more --workers than ${workerCap()} (twice this machine's CPU cores)` })
    .option('median-stop', { type: 'boolean', describe: 'stop a child after an epoch where its validation score is below the population\'s median then (train and curves evaluators)' })
    .option('median-stop-min', numeric('median-stop-min', 'children that must have reached an epoch before the median rule applies there [default: 5]'))
    .option('queue', { type: 'string', describe: 'send children to this queue, served by `nas worker` processes on any machine: redis://HOST:PORT[/DB]' })
    .option('queue-name', { type: 'string', describe: 'name of the queue on that Redis [default: nas]' })
    .option('ordered', { type: 'boolean', describe: 'tell results in the order children were sent out, so the run depends on --seed and --workers alone [default: false]' })
    .option('gpus', { type: 'string', describe: 'give each worker process one GPU in turn: all, or a list such as 0,1' }) as unknown as Argv<T & RunArgs>;
}

/** The most workers a run gets without --force-workers: twice the CPU cores (each worker is a process). */
export function workerCap(): number {
  return 2 * availableParallelism();
}

/** Options that only the process executor reads. */
const PROCESS_ONLY = ['recycle-after', 'worker-memory', 'timeout'] as const;

/**
 * Refuses options that contradict each other or the machine: `--resume` with `--run-dir` (a resume
 * continues the run where it is), process-pool options with `--executor inline` or `--queue` (a queue's
 * workers take theirs from `nas worker`), and more workers than the machine can sensibly run unless
 * forced (a queue run's workers are on other machines, so the cap does not apply to it).
 */
export function checkRunArgs(args: RunArgs): void {
  if (args.resume !== undefined && args['run-dir'] !== undefined) {
    throw new OptionError(`--resume ${args.resume} and --run-dir ${args['run-dir']} contradict each other: a resume continues the run in its own directory; give only --resume`);
  }
  if (args.executor === 'inline') {
    const given = [...PROCESS_ONLY, 'gpus' as const].filter((o) => args[o] !== undefined);
    if (given.length) throw new OptionError(`${given.map((o) => `--${o}`).join(', ')} only apply to worker processes, not to --executor inline; drop ${given.length > 1 ? 'them' : 'it'} or use --executor process`);
  }
  if (args.queue !== undefined) checkQueueArgs(args);
  else if (args['queue-name'] !== undefined) throw new OptionError('--queue-name names a queue on the Redis of --queue; give --queue redis://HOST:PORT too');
  const cap = workerCap();
  if (args.queue === undefined && args.workers !== undefined && args.workers > cap && args['force-workers'] !== true) {
    throw new OptionError(`--workers ${args.workers}: this machine has ${availableParallelism()} CPU cores, and each worker is a process of its own; accepted: at most ${cap} (twice the cores), or more with --force-workers`);
  }
}

/** With --queue: the evaluations run on `nas worker` processes, which take the pool's options themselves. */
function checkQueueArgs(args: RunArgs): void {
  parseQueueUrl(args.queue as string);
  if (args['queue-name'] !== undefined) checkQueueName(args['queue-name']);
  if (args.executor === 'inline') throw new OptionError('--executor inline evaluates in this process and --queue on the workers of a queue; give one of them');
  const given = [...PROCESS_ONLY, 'gpus' as const].filter((o) => args[o] !== undefined);
  if (given.length) throw new OptionError(`${given.map((o) => `--${o}`).join(', ')} apply to this machine's worker processes, and with --queue the children run on \`nas worker\` processes: give ${given.length > 1 ? 'them' : 'it'} to nas worker`);
}

/**
 * Reads an experiment file: a JSON object of the train evaluator's options, each checked here so that
 * an error names the file and the field (`experiments/x.json, field 'batchSize': got -3; accepted: ...`).
 */
export async function readExperiment(file: string, trains: boolean): Promise<Record<string, unknown>> {
  if (!existsSync(file)) throw new FileFormatError(file, 'no such experiment file');
  let value: unknown;
  try {
    value = JSON.parse(withStorage('read', file, () => readFileSync(file, 'utf8')));
  } catch (err) {
    if (err instanceof FileFormatError) throw err;
    throw new FileFormatError(file, `not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FileFormatError(file, `got ${JSON.stringify(value)}; accepted: a JSON object of training options such as {"epochs": 1, "dataset": "fashion-mnist-mini"}`);
  }
  const options = value as Record<string, unknown>;
  if (trains) {
    const { trainSettings } = await import('../evaluators/train.ts');
    try {
      trainSettings(options);
    } catch (err) {
      throw err instanceof ValidationError ? err.inFile(file) : err;
    }
  }
  return options;
}

/** Evaluator options from --experiment, --epochs and --dataset (flags win over the file). */
export async function evaluatorOptionsOf(args: RunArgs): Promise<Record<string, unknown> | undefined> {
  let out: Record<string, unknown> | undefined;
  if (args.experiment !== undefined) out = await readExperiment(args.experiment, (args.evaluator ?? 'train') === 'train');
  if (args.epochs !== undefined) out = { ...out, epochs: args.epochs };
  if (args.dataset !== undefined) {
    parseDatasetSpec(args.dataset, '--dataset');
    out = { ...out, dataset: args.dataset };
  }
  return out;
}

/** The result-deciding options the user gave (for a resume's comparison), strategy options apart. */
export async function givenConfig(args: RunArgs, command: string, strategy: string | undefined, strategyOptions: Record<string, unknown>): Promise<Partial<RunConfig>> {
  checkRunArgs(args);
  const given: Partial<RunConfig> = {
    command, space: args.space, strategy, budget: args.budget, seed: args.seed, workers: args.workers, ordered: args.ordered,
    evaluator: args.evaluator, metric: args.metric, report: args.report, maxParams: args['max-params'], maxMadds: args['max-madds'],
    evaluatorOptions: await evaluatorOptionsOf(args),
  };
  if (args['median-stop'] === true) given.medianStop = { minCount: args['median-stop-min'] ?? 5 };
  else if (args['median-stop-min'] !== undefined) throw new OptionError('--median-stop-min is given without --median-stop; give --median-stop with it, or leave it out');
  if (Object.values(strategyOptions).some((v) => v !== undefined)) given.strategyOptions = strategyOptions;
  return given;
}

/** How the run executes (never stored: it does not change results). */
export function runtimeOf(args: RunArgs): RuntimeOptions {
  return {
    executor: args.executor, recycleAfter: args['recycle-after'], snapshotEvery: args['snapshot-every'],
    timeoutSeconds: args.timeout, maxOldSpaceMb: args['worker-memory'], queue: args.queue, queueName: args['queue-name'],
    ...(args.gpus !== undefined ? { gpus: parseGpus(args.gpus) } : {}),
  };
}

/** The flag a new run's configuration field (or strategy option) is given by. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  space: 'space', strategy: 'strategy', budget: 'budget', evaluator: 'evaluator', metric: 'metric', report: 'report',
  population: 'population', sample: 'sample', eta: 'eta', minBudget: 'min-fidelity', maxBudget: 'max-fidelity',
  'median-stop': 'median-stop',
};

/**
 * Runs `start` (a new run's start, or a resume) and, for a new run, names the command-line option behind
 * a {@link ValidationError} located at a bare field: `--space`, `--sample`, ..., or `--options` for a
 * strategy option given in that JSON object. Such an error is then a usage error (exit code 2) and reads
 * `field '--sample': ...`. Errors of a resume come from the run's own files and are left as they are.
 */
export async function namingFlags<T>(args: RunArgs & { options?: string }, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if (args.resume !== undefined || !(err instanceof ValidationError)) throw err;
    const { file, field } = err.location;
    if (file !== undefined || field === undefined || field.startsWith('--')) throw err;
    const key = field.startsWith('options.') ? field.slice('options.'.length) : field;
    const flag = FLAG_OF_FIELD[key];
    const given = (args as unknown as Readonly<Record<string, unknown>>)[flag ?? ''];
    if (flag !== undefined && given !== undefined) throw new ValidationError(err.problem, { field: `--${flag}` }, err.accepted);
    if (typeof args.options === 'string' && optionKeys(args.options).includes(key)) {
      throw new ValidationError(err.problem, { field: '--options' }, err.accepted);
    }
    throw err;
  }
}

/** The keys of a JSON object given as text (none when it does not parse). */
function optionKeys(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? Object.keys(value) : [];
  } catch {
    return [];
  }
}
