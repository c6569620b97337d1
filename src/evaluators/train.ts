/**
 * The `train` evaluator: builds each child (a NASNet or NAS-Bench-201 cell genome inside its space's
 * macro skeleton), trains it with the seeded tfjs loop (trainer.ts) on a dataset loaded once per
 * process, and scores it by validation accuracy. Settings come from evaluator options (`--epochs`,
 * `--dataset`, or an experiment file under experiments/). A request's fidelity, when given, is the
 * number of epochs. A joint configuration (architecture + hyperparameters) trains its architecture with
 * the learning rate, weight decay and batch size of its hyperparameters (see trainingHparams). In a run,
 * the trained weights of good children are kept under `<run-dir>/weights/<trialId>/` (option
 * `keepWeights`, keep-weights.ts) so that `nas export` needs no retraining.
 *
 * Multi-fidelity and PBT requests: a request that continues a trial restores its checkpoint (weights,
 * optimiser state, counters, seed) from `<run-dir>/checkpoints/` and trains only the epochs it lacks,
 * under a schedule over the request's horizon; one that asks for a checkpoint writes its own there. A
 * request with the median rule's medians measures validation after every epoch and stops below them.
 */
import { networkForSpace } from '../train/train-one.ts';
import { resolve } from 'node:path';
import type { Evaluator, EvaluatorOptions } from '../core/evaluator.ts';
import { ValidationError } from '../core/errors.ts';
import type { EvalRequest, EvalResult, MedianStop } from '../core/trial.ts';
import { checkpointsDirOf, DirectoryCheckpointStore } from '../core/checkpoint-dir.ts';
import { MemoryCheckpointStore, type CheckpointStore, type TrainCheckpoint } from '../core/checkpoint.ts';
import { loadDataset } from '../data/load.ts';
import { DEFAULT_DATASET, parseDatasetSpec } from '../data/spec.ts';
import { validateGenome } from '../genome/genome.ts';
import type { CellGenome } from '../genome/types.ts';
import { JointSpace } from '../spaces/joint.ts';
import { loadSpace } from '../spaces/load.ts';
import type { SearchSpace } from '../spaces/space.ts';
import { BACKEND_NAMES, selectBackend, type BackendName } from '../backends/backend.ts';
import { TRAIN_PATH_OPTIONS, type TrainPathOption } from '../backends/native/graph/path.ts';
import { keepWeightsOption, WeightKeeper, type KeepWeights } from '../model/keep-weights.ts';
import { createLargeScaleEvaluator, weightsDirOf } from './large-scale.ts';
import { OPTIMIZER_NAMES, SCHEDULE_NAMES, type OptimizerName, type ScheduleName } from '../train/optimizers.ts';
import { trainChild, type TrainData, type TrainOptions } from '../train/trainer.ts';
import { datasetFingerprint } from '../data/fingerprint.ts';
import { checkFingerprint } from './fingerprint.ts';

/** Training settings of the `train` evaluator (evaluator options; all optional). */
export interface TrainSettings {
  /** Dataset spec (`cifar10:<dir>`, `fashion-mnist-mini`, ...), relative to the run's base directory. Default fashion-mnist-mini. */
  dataset: string;
  /** Training images read before the validation split. Default: all. */
  limit?: number;
  /** Share of the training images held out for validation (the search signal). Default 0.1. */
  valFraction: number;
  /** Epochs per child. Default 1. */
  epochs: number;
  /** Images per step. Default 64. */
  batchSize: number;
  /** Optimiser. Default sgd (Nesterov momentum 0.9). */
  optimizer: OptimizerName;
  /** Initial learning rate. Default: the trainer's (0.05 sgd, 0.001 adam). */
  lr?: number;
  /** Learning-rate schedule. Default cosine. */
  schedule: ScheduleName;
  /** L2 weight decay on kernels. Default 0. */
  weightDecay: number;
  /** Also measure test accuracy as the report (never used to choose). Default false. */
  evaluateTest: boolean;
  /** Use the dataset's recommended augmentation. Default true. */
  augment: boolean;
  /** tfjs backend of the worker: auto, tensorflow, wasm or cpu. Default auto (the best that loads). */
  backend: BackendName;
  /**
   * Trained weights kept under `<run-dir>/weights/<trialId>/` for `nas export`: `best` (each worker keeps
   * the child that beats its best score so far and drops its previous one), `all` or `none`. Default best.
   */
  keepWeights: KeepWeights;
  /**
   * How steps run: `graph` (one TensorFlow graph per child; native TensorFlow only), `eager` or `auto`
   * (graph where the backend runs graphs). Default auto.
   */
  trainPath: TrainPathOption;
}

const DEFAULTS: TrainSettings = {
  dataset: DEFAULT_DATASET, valFraction: 0.1, epochs: 1, batchSize: 64, optimizer: 'sgd', schedule: 'cosine',
  weightDecay: 0, evaluateTest: false, augment: true, backend: 'auto', keepWeights: 'best', trainPath: 'auto',
};

const KNOWN = ['dataset', 'limit', 'valFraction', 'epochs', 'batchSize', 'optimizer', 'lr', 'schedule', 'weightDecay', 'evaluateTest', 'augment', 'backend', 'description', 'inputShape', 'numClasses', 'inherit', 'keepWeights', 'trainPath'];

/** Reads the settings from evaluator options; an unknown or bad field is an error naming it. */
export function trainSettings(extra: Record<string, unknown> = {}): TrainSettings {
  for (const key of Object.keys(extra)) {
    if (!KNOWN.includes(key)) throw new ValidationError(`unknown training option '${key}'`, { field: key }, KNOWN.join(', '));
  }
  const get = <T>(key: keyof TrainSettings, ok: (v: unknown) => boolean, accepted: string): T => {
    const v = extra[key];
    if (v === undefined) return DEFAULTS[key] as T;
    if (!ok(v)) throw new ValidationError(`got ${JSON.stringify(v)}`, { field: key }, accepted);
    return v as T;
  };
  const posInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
  const bool = (v: unknown): boolean => typeof v === 'boolean';
  return {
    dataset: get('dataset', (v) => typeof v === 'string', 'a dataset spec such as cifar10:<dir> or fashion-mnist-mini'),
    limit: get('limit', posInt, 'a positive integer'),
    valFraction: get('valFraction', (v) => typeof v === 'number' && v > 0 && v < 1, 'a number in (0, 1)'),
    epochs: get('epochs', posInt, 'a positive integer'),
    batchSize: get('batchSize', posInt, 'a positive integer'),
    optimizer: get('optimizer', (v) => (OPTIMIZER_NAMES as readonly unknown[]).includes(v), OPTIMIZER_NAMES.join(', ')),
    lr: get('lr', (v) => typeof v === 'number' && v > 0, 'a number > 0'),
    schedule: get('schedule', (v) => (SCHEDULE_NAMES as readonly unknown[]).includes(v), SCHEDULE_NAMES.join(', ')),
    weightDecay: get('weightDecay', (v) => typeof v === 'number' && v >= 0, 'a number >= 0'),
    evaluateTest: get('evaluateTest', bool, 'true or false'),
    augment: get('augment', bool, 'true or false'),
    backend: get('backend', (v) => (BACKEND_NAMES as readonly unknown[]).includes(v), BACKEND_NAMES.join(', ')),
    keepWeights: keepWeightsOption(extra.keepWeights),
    trainPath: get('trainPath', (v) => (TRAIN_PATH_OPTIONS as readonly unknown[]).includes(v), TRAIN_PATH_OPTIONS.join(', ')),
  };
}

/**
 * Training settings a joint configuration's hyperparameters override: `learning_rate` (or `lr`),
 * `weight_decay` and `batch_size` (other hyperparameters are searched but not used by the trainer).
 */
export function trainingHparams(hparams: Record<string, unknown>): Partial<TrainSettings> {
  const out: Partial<TrainSettings> = {};
  const num = (key: string): number | undefined => (typeof hparams[key] === 'number' ? (hparams[key] as number) : undefined);
  const lr = num('learning_rate') ?? num('lr');
  if (lr !== undefined) out.lr = lr;
  const wd = num('weight_decay');
  if (wd !== undefined) out.weightDecay = wd;
  const bs = num('batch_size');
  if (bs !== undefined) out.batchSize = Math.max(1, Math.round(bs));
  return out;
}

/** The macro network of a genome: the space's skeleton around it, sized for the data (one definition, in train-one.ts). */
export const networkFor = networkForSpace;

/** Builds a `train` evaluator: loads the space and the dataset once, then trains each child asked for. */
export async function createTrainEvaluator(_argument: string, options: EvaluatorOptions): Promise<Evaluator> {
  const settings = trainSettings(options.extra);
  const space = loadSpace(options.space);
  await selectBackend(settings.backend);
  // Large-scale evolution: children inherit their parent's trained weights (kept under the run directory).
  if (space.type === 'large-scale') return createLargeScaleEvaluator(space, options);
  const spec = parseDatasetSpec(settings.dataset);
  const loaded = await loadDataset(spec.dir !== undefined ? { ...spec, dir: resolve(options.baseDir ?? process.cwd(), spec.dir) } : spec, {
    limit: settings.limit, valFraction: settings.valFraction, includeTest: settings.evaluateTest,
  });
  checkFingerprint(options, () => datasetFingerprint(loaded), `the dataset ${settings.dataset} (${loaded.info.dir})`);
  const data: TrainData = {
    train: loaded.train, val: loaded.val, test: loaded.test, normalization: loaded.info.normalization,
    augment: settings.augment ? loaded.info.augment : false,
  };
  // A joint space (architecture + hyperparameters): the network comes from the architecture part.
  const archSpace = space instanceof JointSpace ? (space.arch as SearchSpace<unknown>) : space;
  const keeper = options.runDir !== undefined && settings.keepWeights !== 'none' ? new WeightKeeper(weightsDirOf(options.runDir), settings.keepWeights) : undefined;
  const checkpoints: CheckpointStore = options.runDir !== undefined ? new DirectoryCheckpointStore(checkpointsDirOf(options.runDir)) : new MemoryCheckpointStore();
  const evaluate = async (request: EvalRequest): Promise<EvalResult> => {
    let genome: CellGenome;
    let hp: Partial<TrainSettings>;
    let from: TrainCheckpoint | undefined;
    try {
      from = request.continueFrom !== undefined ? checkpoints.load(request.continueFrom) : undefined;
      const json = space.toJSON(space.validate(request.config));
      const joint = space instanceof JointSpace ? (json as { arch: unknown; hparams: Record<string, unknown> }) : undefined;
      genome = validateGenome(joint ? joint.arch : json);
      hp = joint ? trainingHparams(joint.hparams) : {};
    } catch (err) {
      return { trialId: request.trialId, status: 'failed', failure: 'invalid', error: (err as Error).message };
    }
    const s = { ...settings, ...hp };
    const train: TrainOptions = {
      epochs: request.fidelity ?? s.epochs, seed: request.seed, trialId: request.trialId, batchSize: s.batchSize,
      optimizer: s.optimizer, schedule: s.schedule, weightDecay: s.weightDecay, evaluateTest: s.evaluateTest, trainPath: s.trainPath,
      ...(s.lr !== undefined ? { lr: s.lr } : {}), ...(keeper ? { afterTraining: keeper.hook(request.trialId) } : {}),
      ...(request.horizon !== undefined ? { horizonEpochs: request.horizon } : {}), ...(from ? { continueFrom: from } : {}),
      ...(request.checkpoint ? { saveCheckpoint: (c: TrainCheckpoint) => checkpoints.save(request.trialId, c) } : {}),
      ...(request.medianStop ? { everyEpoch: { stop: medianRule(request.medianStop) } } : {}),
    };
    const r = await trainChild({ genome, network: networkFor(genome, archSpace, loaded.info.shape, loaded.info.numClasses) }, data, train);
    // Only the plain EvalResult fields travel back (per-epoch records stay out of the journal).
    const { trialId, status, score, report, failure, error, metrics, seconds, curve, stoppedAt, epochsTrained } = r;
    // The settings a child trained with, so that a joint search's hyperparameters show in the journal.
    const used = { epochs: train.epochs, batchSize: s.batchSize, weightDecay: s.weightDecay, ...(s.lr !== undefined ? { lr: s.lr } : {}), startEpoch: from?.epoch ?? 0 };
    return {
      trialId, status, score, report, failure, error, metrics: metrics ? { ...metrics, ...used } : metrics, seconds,
      ...(curve ? { curve } : {}), ...(stoppedAt !== undefined ? { stoppedAt } : {}), ...(epochsTrained !== undefined ? { epochsTrained } : {}),
    };
  };
  return { evaluate };
}

/** The median rule over the medians a request carries: stop after epoch e below the median at e. */
export function medianRule(rule: MedianStop): (epoch: number, accuracy: number) => boolean {
  return (epoch, accuracy) => {
    const median = rule.medians[epoch - 1];
    return typeof median === 'number' && accuracy < median;
  };
}
