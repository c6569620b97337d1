/**
 * Training one child: build its network, train it with a seeded custom loop (not `model.fit`, whose
 * shuffle is unseeded), then measure validation (and optionally test) accuracy. Every random
 * thing (initializers, shuffles, augmentation, dropout masks) is drawn from the child's seed, so the
 * same seed on the same backend gives the same numbers. A NaN loss or an out-of-memory error ends the
 * child with status `failed` instead of throwing, and every tensor is released either way.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, Rng } from '../core/rng.ts';
import type { EvalResult } from '../core/trial.ts';
import { batchCount, batches } from '../data/batches.ts';
import type { AugmentOptions, Batch, ImageSet, Normalization } from '../data/types.ts';
import { planCost } from '../genome/cost.ts';
import type { NetworkCost } from '../genome/cost.ts';
import { networkPlan } from '../genome/network/network.ts';
import type { NetworkConfig } from '../genome/network/network.ts';
import type { CellGenome } from '../genome/types.ts';
import { buildModelFromPlan } from '../model/builder.ts';
import { ValidationError } from '../core/errors.ts';
import { classifyFailure, NonFiniteLossError, StepMemoryError } from './failures.ts';
import { createOptimizer, learningRateAt } from './optimizers.ts';
import { registerFastCpuKernels } from '../backends/cpu/kernels.ts';
import { capLayersGraphCache } from '../backends/graph-cache.ts';
import { registerPoolGradients } from '../backends/pool-grads.ts';
import { withWasmAbortGuard } from '../backends/wasm/abort.ts';
import { registerDilatedConvGradients } from '../backends/wasm/dilated-grads.ts';
import { planMicroBatches } from '../backends/wasm/memory-plan.ts';
import type { PlanOptions } from '../backends/wasm/memory-plan.ts';
import type { OptimizerName, ScheduleName } from './optimizers.ts';
import { accumulatedStep, trainStep } from './train-step.ts';
import { captureWeights, restoreWeights, trainableRefs } from './checkpoint.ts';
import { EpochScores, evaluateModel } from './evaluate.ts';
import type { OptimizerState, TrainCheckpoint } from '../core/checkpoint.ts';
import type { StepContext, StepFigures, TrainPlan } from './train-step.ts';

/** The images a child trains and is measured on (what `loadDataset` returns). */
export interface TrainData {
  /** Training images. */
  train: ImageSet;
  /** Validation images: the score. */
  val: ImageSet;
  /** Test images: measured only when `evaluateTest`, reported, never used to choose. */
  test?: ImageSet;
  /** Per-channel normalisation applied to every split. Default none (pixels / 255). */
  normalization?: Normalization;
  /** Training augmentation (random crop with padding, flip). Default none. */
  augment?: AugmentOptions | false;
}

/** Loss and accuracy of one finished epoch. */
export interface EpochStats {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss over the epoch's images (cross-entropy, without weight decay). */
  loss: number;
  /** Training accuracy over the epoch (with dropout and augmentation on). */
  accuracy: number;
  /** Learning rate of the epoch's last step. */
  lr: number;
  /** Wall-clock seconds of the epoch. */
  seconds: number;
}

/** Progress inside an epoch, after each step. */
export interface StepProgress {
  epoch: number;
  /** 1-based step within the epoch. */
  step: number;
  /** Steps in the epoch. */
  steps: number;
  /** Loss of this step's batch. */
  loss: number;
}

export type { TrainPlan } from './train-step.ts';

/** Options of `trainChild` and `trainModel`. */
export interface TrainOptions {
  /** Training epochs (passes over the training images). */
  epochs: number;
  /** Seed of everything random in this child. */
  seed: number;
  /** Images per step. Default 64. */
  batchSize?: number;
  /** `sgd` (Nesterov momentum 0.9) or `adam`. Default `sgd`. */
  optimizer?: OptimizerName;
  /** Initial learning rate. Default 0.05 for sgd, 0.001 for adam. */
  lr?: number;
  /** SGD momentum. Default 0.9. */
  momentum?: number;
  /** Learning-rate schedule over all steps. Default `cosine` (Real et al. 2019). */
  schedule?: ScheduleName;
  /**
   * Epochs the learning-rate schedule spans. Default `epochs`. A multi-fidelity run sets its largest
   * fidelity here, so a child trained to r epochs and later continued to R takes exactly the steps of a
   * child trained straight to R.
   */
  horizonEpochs?: number;
  /** Where training starts (epochs and steps already taken, optimiser state): a checkpoint's. Default: the beginning. */
  start?: TrainStart;
  /** Called after each epoch with its figures; returning true ends training there (the median rule). */
  afterEpoch?: (stats: EpochStats) => boolean | Promise<boolean>;
  /** `trainModel` returns the optimiser's state after the last step (for a checkpoint). Default false. */
  captureOptimizer?: boolean;
  /** L2 weight decay on convolution and dense kernels (added to the loss as wd/2 * sum of squares). Default 0. */
  weightDecay?: number;
  /** Also measure test accuracy (reported, never used to choose). Default false. */
  evaluateTest?: boolean;
  /** Trial id copied into the result. Default 0. */
  trialId?: number;
  /** Called after each epoch. */
  onEpoch?: (stats: EpochStats) => void;
  /** Called after each step (for a progress bar). */
  onStep?: (progress: StepProgress) => void;
  /**
   * `trainChild` only: called with the trained model and its score (validation accuracy) after evaluation
   * and before it is disposed (to save it, say). An error it throws fails the child with failure `crash`.
   */
  afterTraining?: (model: tf.LayersModel, evaluated: { score: number }) => Promise<void> | void;
  /**
   * Memory planning of training steps (`planMicroBatches`): a batch whose step would not fit is split into
   * micro-batches whose gradients are accumulated (weighted by micro-batch size, one optimizer step per
   * batch); a step that does not fit for one image fails the child with failure `oom`. Default: planned with
   * the planner's defaults (the 4 GiB heap) on the wasm backend, not planned on other backends. Options
   * plan on any backend; `false` never plans. Batch normalisation normalises each micro-batch by its own
   * statistics, as with any gradient accumulation.
   */
  memoryPlan?: PlanOptions | false;
  /**
   * `trainChild` only: continue this checkpoint (its weights, optimiser state, counters and seed: the data
   * order and dropout draws go on as in the run that wrote it) instead of starting from fresh weights.
   * `epochs` stays the epoch to train up to. Default: start from fresh seeded weights.
   */
  continueFrom?: TrainCheckpoint;
  /** `trainChild` only: receives the trained child's checkpoint, after evaluation. An error it throws fails the child. */
  saveCheckpoint?: (checkpoint: TrainCheckpoint) => Promise<void> | void;
  /**
   * `trainChild` only: measure validation accuracy after every epoch (the result's `curve`) and end training
   * early when `stop(epoch, accuracy)` returns true. Default: validation is measured once, at the end.
   */
  everyEpoch?: { stop?: (epoch: number, accuracy: number) => boolean };
}

/** Where `trainModel` starts: after `epoch` epochs and `step` steps, with this optimiser state. */
export interface TrainStart {
  epoch: number;
  step: number;
  optimizer?: OptimizerState;
}

/** What `trainModel` did. */
export interface TrainedModel {
  /** Figures of the epochs it trained (numbered from the start epoch on). */
  epochs: EpochStats[];
  trainSeconds: number;
  images: number;
  /** Steps taken in all, from the beginning of the lineage. */
  step: number;
  /** The optimiser's state after the last step, when `captureOptimizer` asked for it. */
  optimizer?: OptimizerState;
  /** The epoch after which `afterEpoch` ended training, when it did. */
  stoppedAt?: number;
}
/** What training a child gives: an EvalResult (score = validation accuracy) plus its figures. */
export interface TrainResult extends EvalResult {
  /** Validation accuracy in [0, 1]; absent when the child failed. */
  valAccuracy?: number;
  /** Validation loss; absent when the child failed. */
  valLoss?: number;
  /** Test accuracy, when asked for; never used to choose. */
  testAccuracy?: number;
  /** Seconds spent in training steps (not building or evaluating). */
  trainSeconds: number;
  /** Training images per second of `trainSeconds`. */
  imagesPerSecond: number;
  /** Parameters (as `countParams()` counts them) and multiply-adds per image. */
  params: number;
  madds: number;
  /** The tfjs backend that ran it. */
  backend: string;
  /** Per-epoch statistics of the epochs that finished. */
  epochs: EpochStats[];
}

/** A genome and the macro network to build around it. */
export interface ChildSpec {
  genome: CellGenome;
  network: NetworkConfig;
}

const DEFAULT_LR: Record<OptimizerName, number> = { sgd: 0.05, adam: 0.001 };

export { evaluateModel };

/** The kernels weight decay applies to (convolutions and dense layers; not batch norm or biases). */
function decayedWeights(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.filter((w) => /kernel$/.test(w.originalName)).map((w) => w.read() as tf.Variable);
}

/** The variables the optimiser updates. */
function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}


/**
 * The largest micro-batch a step of `model` may take, or undefined when batches are not split. Planned on
 * wasm (or wherever `options.memoryPlan` asks); a step that does not fit for one image throws StepMemoryError.
 */
function plannedMicroBatch(model: tf.LayersModel, batchSize: number, options: TrainOptions): number | undefined {
  const asked = options.memoryPlan;
  if (asked === false || (asked === undefined && tf.getBackend() !== 'wasm')) return undefined;
  if (!Number.isInteger(batchSize) || batchSize < 1) return undefined;
  try {
    const plan = planMicroBatches(model, batchSize, asked ?? {});
    return plan.steps > 1 ? plan.microBatch : undefined;
  } catch (err) {
    if (err instanceof ValidationError) throw new StepMemoryError(`batch size ${batchSize} refused: ${err.message}`);
    throw err;
  }
}

/**
 * Trains `model` (built from `plan`) in place. Throws NonFiniteLossError when the loss stops being
 * finite. The caller owns and disposes the model.
 */
export async function trainModel(model: tf.LayersModel, plan: TrainPlan, data: TrainData, options: TrainOptions): Promise<TrainedModel> {
  // tfjs-core has no gradient for dilated convolutions (dil_sep_conv_3x3); this adds one on every backend.
  registerDilatedConvGradients();
  registerFastCpuKernels();
  registerPoolGradients();
  capLayersGraphCache();
  const name = options.optimizer ?? 'sgd';
  const baseLr = options.lr ?? DEFAULT_LR[name];
  const batchSize = options.batchSize ?? 64;
  const micro = plannedMicroBatch(model, batchSize, options);
  const opt = createOptimizer({ name, lr: baseLr, momentum: options.momentum });
  const start = options.start ?? { epoch: 0, step: 0 };
  const ctx: StepContext = {
    features: tf.model({ inputs: model.inputs, outputs: model.getLayer(plan.features).output as tf.SymbolicTensor }),
    classifier: model.getLayer(plan.logits),
    plan,
    trainable: trainableVariables(model),
    decayed: decayedWeights(model),
    weightDecay: options.weightDecay ?? 0,
  };
  const onWasm = tf.getBackend() === 'wasm';
  const runStep = (batch: Batch, dropoutSeed: number): Promise<StepFigures> =>
    micro !== undefined && batch.size > micro ? accumulatedStep(ctx, opt, batch, micro, dropoutSeed) : trainStep(ctx, opt, batch, dropoutSeed);
  const dataRng = Rng.seeded(options.seed).split('data');
  const steps = batchCount(data.train.count, batchSize);
  const totalSteps = steps * (options.horizonEpochs ?? options.epochs);
  const epochs: EpochStats[] = [];
  let trainSeconds = 0;
  let images = 0;
  let step = start.step;
  let stoppedAt: number | undefined;
  try {
    if (start.optimizer) await opt.importState(start.optimizer, trainableRefs(model));
    for (let epoch = start.epoch + 1; epoch <= options.epochs; epoch++) {
      const start = performance.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let lr = baseLr;
      let s = 0;
      const source = batches(data.train, { batchSize, rng: dataRng.split(epoch), augment: data.augment, normalization: data.normalization });
      for (const batch of source) {
        // The schedule's position counts whole epochs, so it stays right if the batch size changes between runs.
        lr = learningRateAt(options.schedule ?? 'cosine', baseLr, (epoch - 1) * steps + s, totalSteps);
        opt.setLearningRate(lr);
        const dropoutSeed = deriveSeed(options.seed, 'dropout', step);
        const r = onWasm
          ? await withWasmAbortGuard(() => runStep(batch, dropoutSeed), { context: `training step ${step + 1} at batch size ${batch.size}${micro !== undefined ? ` (micro-batches of ${micro})` : ''}` })
          : await runStep(batch, dropoutSeed);
        step++;
        s++;
        if (!Number.isFinite(r.total)) throw new NonFiniteLossError(epoch, s, r.total);
        lossSum += r.loss * batch.size;
        correct += r.correct;
        seen += batch.size;
        options.onStep?.({ epoch, step: s, steps, loss: r.loss });
      }
      const seconds = (performance.now() - start) / 1000;
      trainSeconds += seconds;
      images += seen;
      const stats = { epoch, loss: seen > 0 ? lossSum / seen : 0, accuracy: seen > 0 ? correct / seen : 0, lr, seconds };
      epochs.push(stats);
      options.onEpoch?.(stats);
      const stop = await options.afterEpoch?.(stats);
      if (stop === true && epoch < options.epochs) {
        stoppedAt = epoch;
        break;
      }
    }
    const optimizer = options.captureOptimizer ? await opt.exportState(trainableRefs(model)) : undefined;
    return { epochs, trainSeconds, images, step, ...(optimizer ? { optimizer } : {}), ...(stoppedAt !== undefined ? { stoppedAt } : {}) };
  } finally {
    opt.dispose();
  }
}

function failedResult(
  trialId: number,
  err: unknown,
  cost: NetworkCost | undefined,
  partial: { epochs: EpochStats[]; trainSeconds: number; images: number },
  seconds: number,
): TrainResult {
  const { failure, error } = classifyFailure(err);
  return {
    trialId,
    status: 'failed',
    failure,
    error,
    seconds,
    trainSeconds: partial.trainSeconds,
    imagesPerSecond: partial.trainSeconds > 0 ? partial.images / partial.trainSeconds : 0,
    params: cost?.params ?? 0,
    madds: cost?.madds ?? 0,
    backend: tf.getBackend(),
    epochs: partial.epochs,
  };
}

/**
 * Builds, trains and evaluates one child. Never throws for the child's own failures: a NaN loss gives
 * `failure: 'nan'`, running out of memory `failure: 'oom'`, an invalid genome or config `invalid`,
 * anything else `crash`. Every tensor it created is disposed before it returns.
 */
export async function trainChild(child: ChildSpec, data: TrainData, options: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const trialId = options.trialId ?? 0;
  const partial = { epochs: [] as EpochStats[], trainSeconds: 0, images: 0 };
  const onEpoch = (stats: EpochStats): void => {
    partial.epochs.push(stats);
    partial.trainSeconds += stats.seconds;
    options.onEpoch?.(stats);
  };
  const from = options.continueFrom;
  // A continued child keeps its lineage's seed: data order, augmentation and dropout go on as before.
  const seed = from?.seed ?? options.seed;
  const horizon = options.horizonEpochs ?? from?.horizon ?? options.epochs;
  const measured = new EpochScores(from?.curve ?? []);
  let cost: NetworkCost | undefined;
  let model: tf.LayersModel | undefined;
  try {
    const plan = networkPlan(child.genome, child.network);
    cost = planCost(plan);
    model = buildModelFromPlan(plan, { seed: deriveSeed(options.seed, 'init') });
    if (from) restoreWeights(model, from.weights, `checkpoint of epoch ${from.epoch}`);
    const every = options.everyEpoch;
    const built = model;
    const afterEpoch = every ? async (stats: EpochStats): Promise<boolean> => {
      const v = measured.set(stats.epoch, await evaluateModel(built, data.val, { normalization: data.normalization }));
      return every.stop?.(stats.epoch, v.accuracy) ?? false;
    } : undefined;
    const trained = await trainModel(model, plan, data, {
      ...options, seed, onEpoch, horizonEpochs: horizon, afterEpoch, captureOptimizer: options.saveCheckpoint !== undefined,
      ...(from ? { start: { epoch: from.epoch, step: from.step, optimizer: from.optimizer } } : {}),
    });
    partial.images = trained.images;
    const endEpoch = trained.stoppedAt ?? Math.max(options.epochs, from?.epoch ?? 0);
    const val = measured.at(endEpoch) ?? await evaluateModel(model, data.val, { normalization: data.normalization });
    const test = options.evaluateTest && data.test ? await evaluateModel(model, data.test, { normalization: data.normalization }) : undefined;
    await options.afterTraining?.(model, { score: val.accuracy });
    if (options.saveCheckpoint) {
      await options.saveCheckpoint({
        format: 1, epoch: endEpoch, step: trained.step, seed, horizon, curve: measured.curve(), weights: await captureWeights(model),
        ...(trained.optimizer ? { optimizer: trained.optimizer } : {}),
      });
    }
    const imagesPerSecond = trained.trainSeconds > 0 ? trained.images / trained.trainSeconds : 0;
    const last = trained.epochs[trained.epochs.length - 1];
    return {
      trialId,
      status: 'ok',
      score: val.accuracy,
      ...(test ? { report: test.accuracy, testAccuracy: test.accuracy } : {}),
      metrics: {
        valAccuracy: val.accuracy,
        valLoss: val.loss,
        ...(last ? { trainLoss: last.loss, trainAccuracy: last.accuracy } : {}),
        params: cost.params,
        madds: cost.madds,
        trainSeconds: trained.trainSeconds,
        imagesPerSecond,
      },
      seconds: (performance.now() - started) / 1000,
      ...(every ? { curve: measured.curve() } : {}),
      ...(trained.stoppedAt !== undefined ? { stoppedAt: trained.stoppedAt } : {}),
      epochsTrained: trained.epochs.length,
      valAccuracy: val.accuracy,
      valLoss: val.loss,
      trainSeconds: trained.trainSeconds,
      imagesPerSecond,
      params: cost.params,
      madds: cost.madds,
      backend: tf.getBackend(),
      epochs: trained.epochs,
    };
  } catch (err) {
    return failedResult(trialId, err, cost, partial, (performance.now() - started) / 1000);
  } finally {
    model?.dispose();
  }
}
