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

const toTensors = (batch: Batch): { x: tf.Tensor4D; y: tf.Tensor1D } => ({
  x: tf.tensor4d(batch.x, [batch.size, ...batch.shape]),
  y: tf.tensor1d(batch.y, 'int32'),
});

/** Accuracy and mean cross-entropy of `model` (inference mode) on `set`. */
export async function evaluateModel(
  model: tf.LayersModel,
  set: ImageSet,
  options: { batchSize?: number; normalization?: Normalization } = {},
): Promise<{ accuracy: number; loss: number }> {
  let correct = 0;
  let lossSum = 0;
  for (const batch of batches(set, { batchSize: options.batchSize ?? 128, normalization: options.normalization })) {
    const [c, l] = tf.tidy(() => {
      const { x, y } = toTensors(batch);
      const probs = model.apply(x, { training: false }) as tf.Tensor2D;
      const picked = tf.sum(tf.mul(probs, tf.oneHot(y, probs.shape[1])), 1);
      const nll = tf.neg(tf.log(tf.maximum(picked, 1e-7)));
      return [tf.sum(tf.cast(tf.equal(tf.argMax(probs, 1), y), 'int32')), tf.sum(nll)];
    });
    correct += (await c.data())[0];
    lossSum += (await l.data())[0];
    tf.dispose([c, l]);
  }
  return { accuracy: set.count > 0 ? correct / set.count : 0, loss: set.count > 0 ? lossSum / set.count : 0 };
}

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
export async function trainModel(model: tf.LayersModel, plan: TrainPlan, data: TrainData, options: TrainOptions): Promise<{ epochs: EpochStats[]; trainSeconds: number; images: number }> {
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
  const totalSteps = steps * options.epochs;
  const epochs: EpochStats[] = [];
  let trainSeconds = 0;
  let images = 0;
  let step = 0;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const start = performance.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let lr = baseLr;
      let s = 0;
      const source = batches(data.train, { batchSize, rng: dataRng.split(epoch), augment: data.augment, normalization: data.normalization });
      for (const batch of source) {
        lr = learningRateAt(options.schedule ?? 'cosine', baseLr, step, totalSteps);
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
    }
  } finally {
    opt.dispose();
  }
  return { epochs, trainSeconds, images };
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
  let cost: NetworkCost | undefined;
  let model: tf.LayersModel | undefined;
  try {
    const plan = networkPlan(child.genome, child.network);
    cost = planCost(plan);
    model = buildModelFromPlan(plan, { seed: deriveSeed(options.seed, 'init') });
    const trained = await trainModel(model, plan, data, { ...options, onEpoch });
    partial.images = trained.images;
    const val = await evaluateModel(model, data.val, { normalization: data.normalization });
    const test = options.evaluateTest && data.test ? await evaluateModel(model, data.test, { normalization: data.normalization }) : undefined;
    await options.afterTraining?.(model, { score: val.accuracy });
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
