/**
 * Training large-scale-evolution children with weight inheritance (Real et al. 2017): build the
 * child from its genome with fresh seeded weights, copy in its parent's trained weights wherever a
 * layer's name and shapes are unchanged (nothing after `reset-weights`), train it with the genome's
 * learning rate, measure validation accuracy, and keep its trained weights for its own children.
 *
 * In a run the weights live in `<run-dir>/weights/<trialId>/` (model.json + weights.bin, written
 * atomically), so a resumed run and `nas export` find them; tests may keep them in memory.
 */
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Evaluator, EvaluatorOptions } from '../core/evaluator.ts';
import { ValidationError } from '../core/errors.ts';
import { deriveSeed } from '../core/rng.ts';
import type { EvalRequest, EvalResult } from '../core/trial.ts';
import { loadDataset } from '../data/load.ts';
import type { LoadedDataset } from '../data/load.ts';
import { parseDatasetSpec, DEFAULT_DATASET } from '../data/spec.ts';
import { planCost } from '../genome/cost.ts';
import type { LargeScaleGenome } from '../genome/large-scale.ts';
import type { LargeScaleNetworkConfig } from '../genome/network/large-scale-plan.ts';
import type { SearchSpace } from '../spaces/space.ts';
import { classifyFailure } from '../train/failures.ts';
import { buildLargeScaleModel } from '../model/large-scale-builder.ts';
import { OPTIMIZER_NAMES, SCHEDULE_NAMES } from '../train/optimizers.ts';
import type { OptimizerName, ScheduleName } from '../train/optimizers.ts';
import { evaluateModel, trainModel } from '../train/trainer.ts';
import { TRAIN_PATH_OPTIONS, type TrainPathOption } from '../backends/native/graph/path.ts';
import type { TrainData } from '../train/trainer.ts';
import { DirectoryWeightStore, inheritWeights, MemoryWeightStore } from '../model/weight-inheritance.ts';
import { datasetFingerprint } from '../data/fingerprint.ts';
import { checkFingerprint } from './fingerprint.ts';
import type { InheritanceReport, WeightStore } from '../model/weight-inheritance.ts';

/** Training settings of a large-scale child (evaluator options `extra`, all optional). */
export interface LargeScaleTrainSettings {
  /** Dataset spec (`cifar10:<dir>`, `fashion-mnist-mini`, ...), relative to the run's base directory. Default fashion-mnist-mini. */
  dataset: string;
  /** Training images read (before the validation split). Default: all. */
  limit?: number;
  /** Share of the training images held out for validation. Default 0.1. */
  valFraction: number;
  /** Epochs per child (each child continues from its inherited weights). Default 1. */
  epochs: number;
  /** Images per step. Default 50 (the paper's). */
  batchSize: number;
  /** Optimiser. Default sgd (momentum 0.9, as in the paper). */
  optimizer: OptimizerName;
  /** Learning-rate schedule within a child's training. Default constant (the rate is the genome's). */
  schedule: ScheduleName;
  /** L2 weight decay on kernels. Default 0. */
  weightDecay: number;
  /** Also measure test accuracy (reported, never used to choose). Default false. */
  evaluateTest: boolean;
  /** Use the dataset's recommended augmentation (crop + flip for natural images). Default true. */
  augment: boolean;
  /** Children inherit their parent's trained weights. Default true; false trains every child from scratch (for comparison). */
  inherit: boolean;
  /** How steps run: `graph`, `eager` or `auto` (graph where the backend runs graphs). Default auto. */
  trainPath: TrainPathOption;
}

const DEFAULTS: LargeScaleTrainSettings = {
  dataset: DEFAULT_DATASET, valFraction: 0.1, epochs: 1, batchSize: 50, optimizer: 'sgd', schedule: 'constant',
  weightDecay: 0, evaluateTest: false, augment: true, inherit: true, trainPath: 'auto',
};

function pick<T>(extra: Record<string, unknown>, key: string, fallback: T, ok: (v: unknown) => boolean, accepted: string): T {
  const v = extra[key];
  if (v === undefined) return fallback;
  if (!ok(v)) throw new ValidationError(`got ${JSON.stringify(v)}`, { field: key }, accepted);
  return v as T;
}

/** Reads the training settings from evaluator options; errors name the option. */
export function largeScaleSettings(extra: Record<string, unknown> = {}): LargeScaleTrainSettings {
  const posInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
  const d = DEFAULTS;
  return {
    dataset: pick(extra, 'dataset', d.dataset, (v) => typeof v === 'string', 'a dataset spec'),
    limit: pick<number | undefined>(extra, 'limit', undefined, posInt, 'a positive integer'),
    valFraction: pick(extra, 'valFraction', d.valFraction, (v) => typeof v === 'number' && v > 0 && v < 1, 'a number in (0, 1)'),
    epochs: pick(extra, 'epochs', d.epochs, posInt, 'a positive integer'),
    batchSize: pick(extra, 'batchSize', d.batchSize, posInt, 'a positive integer'),
    optimizer: pick(extra, 'optimizer', d.optimizer, (v) => (OPTIMIZER_NAMES as readonly unknown[]).includes(v), OPTIMIZER_NAMES.join(', ')),
    schedule: pick(extra, 'schedule', d.schedule, (v) => (SCHEDULE_NAMES as readonly unknown[]).includes(v), SCHEDULE_NAMES.join(', ')),
    weightDecay: pick(extra, 'weightDecay', d.weightDecay, (v) => typeof v === 'number' && v >= 0, 'a number >= 0'),
    evaluateTest: pick(extra, 'evaluateTest', d.evaluateTest, (v) => typeof v === 'boolean', 'true or false'),
    augment: pick(extra, 'augment', d.augment, (v) => typeof v === 'boolean', 'true or false'),
    inherit: pick(extra, 'inherit', d.inherit, (v) => typeof v === 'boolean', 'true or false'),
    trainPath: pick(extra, 'trainPath', d.trainPath, (v) => (TRAIN_PATH_OPTIONS as readonly unknown[]).includes(v), TRAIN_PATH_OPTIONS.join(', ')),
  };
}

/** Loads the dataset the settings name, resolving a directory against `baseDir`. */
export async function loadSettingsData(settings: LargeScaleTrainSettings, baseDir: string = process.cwd()): Promise<LoadedDataset> {
  const spec = parseDatasetSpec(settings.dataset);
  const resolved = spec.dir !== undefined ? { ...spec, dir: resolve(baseDir, spec.dir) } : spec;
  return loadDataset(resolved, { limit: settings.limit, valFraction: settings.valFraction });
}

/** The trainer's view of a loaded dataset under these settings. */
export function trainDataOf(data: LoadedDataset, settings: LargeScaleTrainSettings): TrainData {
  return { train: data.train, val: data.val, test: data.test, normalization: data.info.normalization, augment: settings.augment ? data.info.augment : false };
}

/** What a large-scale evaluation needs. */
export interface LargeScaleEvaluatorContext {
  space: SearchSpace<unknown>;
  data: TrainData;
  network: LargeScaleNetworkConfig;
  settings: LargeScaleTrainSettings;
  weights: WeightStore;
}

/**
 * Builds the child with fresh seeded weights and gives it its parent's trained weights (none after
 * `reset-weights` or without a parent). Returns the untrained model (the caller disposes it) and what
 * was inherited.
 */
export async function prepareLargeScaleChild(ctx: LargeScaleEvaluatorContext, genome: LargeScaleGenome, request: EvalRequest): Promise<{ built: ReturnType<typeof buildLargeScaleModel>; report: InheritanceReport | undefined }> {
  const built = buildLargeScaleModel(genome, ctx.network, { seed: deriveSeed(request.seed, 'init') });
  if (request.parentId === undefined || genome.origin === 'reset-weights' || !ctx.settings.inherit) return { built, report: undefined };
  const parent = await ctx.weights.load(request.parentId);
  if (parent === undefined) return { built, report: undefined };
  try {
    return { built, report: inheritWeights(built.model, parent) };
  } finally {
    parent.dispose();
  }
}

/** Evaluates one large-scale child; never throws for the child's own failures. */
export async function evaluateLargeScale(ctx: LargeScaleEvaluatorContext, request: EvalRequest): Promise<EvalResult> {
  const started = performance.now();
  let model: tf.LayersModel | undefined;
  try {
    const genome = ctx.space.validate(request.config) as LargeScaleGenome;
    const { built, report } = await prepareLargeScaleChild(ctx, genome, request);
    model = built.model;
    const cost = planCost(built.plan);
    const s = ctx.settings;
    const trained = await trainModel(model, built.plan, ctx.data, {
      epochs: request.fidelity ?? s.epochs, seed: request.seed, batchSize: s.batchSize, optimizer: s.optimizer,
      lr: genome.learningRate, schedule: s.schedule, weightDecay: s.weightDecay, trainPath: s.trainPath,
    });
    const val = await evaluateModel(model, ctx.data.val, { normalization: ctx.data.normalization });
    const test = s.evaluateTest && ctx.data.test ? await evaluateModel(model, ctx.data.test, { normalization: ctx.data.normalization }) : undefined;
    await ctx.weights.save(request.trialId, model);
    return {
      trialId: request.trialId, status: 'ok', score: val.accuracy, ...(test ? { report: test.accuracy } : {}),
      metrics: {
        valAccuracy: val.accuracy, valLoss: val.loss, params: cost.params, madds: cost.madds, trainSeconds: trained.trainSeconds,
        imagesPerSecond: trained.trainSeconds > 0 ? trained.images / trained.trainSeconds : 0,
        inheritedLayers: report?.inherited.length ?? 0, freshLayers: report?.fresh.length ?? model.layers.filter((l) => l.weights.length > 0).length,
      },
      seconds: (performance.now() - started) / 1000,
    };
  } catch (err) {
    const { failure, error } = classifyFailure(err);
    return { trialId: request.trialId, status: 'failed', failure, error, seconds: (performance.now() - started) / 1000 };
  } finally {
    model?.dispose();
  }
}

/** The directory of a run's kept weights. */
export const weightsDirOf = (runDir: string): string => join(runDir, 'weights');

/**
 * An evaluator for a large-scale space: loads the dataset once, keeps weights in the run directory's
 * `weights/` (in memory when no run directory is given).
 */
export async function createLargeScaleEvaluator(space: SearchSpace<unknown>, options: EvaluatorOptions): Promise<Evaluator> {
  const settings = largeScaleSettings(options.extra);
  const loaded = await loadSettingsData(settings, options.baseDir);
  checkFingerprint(options, () => datasetFingerprint(loaded), `the dataset ${settings.dataset} (${loaded.info.dir})`);
  const ctx: LargeScaleEvaluatorContext = {
    space, settings, data: trainDataOf(loaded, settings),
    network: { inputShape: loaded.info.shape, numClasses: loaded.info.numClasses },
    weights: options.runDir !== undefined ? new DirectoryWeightStore(weightsDirOf(options.runDir)) : new MemoryWeightStore(),
  };
  return { evaluate: (request) => evaluateLargeScale(ctx, request) };
}
