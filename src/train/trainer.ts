/**
 * Training one child: build its network, train it with a seeded custom loop (not `model.fit`, whose
 * shuffle is unseeded), then measure validation (and optionally test) accuracy. Every random
 * thing (initializers, shuffles, augmentation, dropout masks) is drawn from the child's seed, so the
 * same seed on the same backend and path gives the same numbers. A NaN loss or an out-of-memory error
 * ends the child with status `failed` instead of throwing, and every tensor is released either way.
 *
 * The loop here is the same on both paths; the steps run either as one TensorFlow graph per child
 * (native TensorFlow) or eagerly through tfjs (training-run.ts chooses and says why).
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainPath } from '../backends/native/graph/path.ts';
import { deriveSeed, Rng } from '../core/rng.ts';
import { batchCount, batches } from '../data/batches.ts';
import { planCost } from '../genome/cost.ts';
import type { NetworkCost } from '../genome/cost.ts';
import { networkPlan } from '../genome/network/network.ts';
import type { NetworkPlan } from '../genome/network/plan.ts';
import { buildModelFromPlan } from '../model/builder.ts';
import { captureWeights, restoreWeights } from './checkpoint.ts';
import { EpochScores } from './evaluate.ts';
import { classifyFailure, NonFiniteLossError } from './failures.ts';
import { DEFAULT_LR, learningRateAt } from './optimizers.ts';
import type { ChildSpec, EpochStats, TrainData, TrainedModel, TrainOptions, TrainResult } from './train-options.ts';
import type { TrainPlan } from './train-step.ts';
import { openTrainingRun } from './training-run.ts';
import type { TrainingRun } from './training-run.ts';

export type { ChildSpec, EpochStats, StepProgress, TrainData, TrainedModel, TrainOptions, TrainResult, TrainStart } from './train-options.ts';
export type { TrainPlan } from './train-step.ts';
export { evaluateModel } from './evaluate.ts';

/**
 * Runs the epochs of `run` over `data.train` from `options.start` (default: the beginning) up to
 * `options.epochs`. Throws NonFiniteLossError when the loss stops being finite.
 */
async function runEpochs(run: TrainingRun, data: TrainData, options: TrainOptions): Promise<TrainedModel> {
  const baseLr = options.lr ?? DEFAULT_LR[options.optimizer ?? 'sgd'];
  const batchSize = options.batchSize ?? 64;
  const start = options.start ?? { epoch: 0, step: 0 };
  const dataRng = Rng.seeded(options.seed).split('data');
  const steps = batchCount(data.train.count, batchSize);
  const totalSteps = steps * (options.horizonEpochs ?? options.epochs);
  const epochs: EpochStats[] = [];
  let trainSeconds = 0;
  let images = 0;
  let step = start.step;
  let stoppedAt: number | undefined;
  if (start.optimizer) await run.importOptimizer(start.optimizer);
  for (let epoch = start.epoch + 1; epoch <= options.epochs; epoch++) {
    const begin = performance.now();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let lr = baseLr;
    let s = 0;
    for (const batch of batches(data.train, { batchSize, rng: dataRng.split(epoch), augment: data.augment, normalization: data.normalization })) {
      // The schedule's position counts whole epochs, so it stays right if the batch size changes between runs.
      lr = learningRateAt(options.schedule ?? 'cosine', baseLr, (epoch - 1) * steps + s, totalSteps);
      const r = await run.step(batch, { lr, dropoutSeed: deriveSeed(options.seed, 'dropout', step) });
      step++;
      s++;
      if (!Number.isFinite(r.total)) throw new NonFiniteLossError(epoch, s, r.total);
      lossSum += r.loss * batch.size;
      correct += r.correct;
      seen += batch.size;
      options.onStep?.({ epoch, step: s, steps, loss: r.loss });
    }
    const seconds = (performance.now() - begin) / 1000;
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
  const optimizer = options.captureOptimizer ? await run.exportOptimizer() : undefined;
  return { epochs, trainSeconds, images, step, trainPath: run.path, ...(optimizer ? { optimizer } : {}), ...(stoppedAt !== undefined ? { stoppedAt } : {}) };
}

/**
 * Trains `model` (built from `plan`) in place: on return its weights are the trained ones, whichever
 * path ran (a model given only the names training reads trains eagerly). Throws NonFiniteLossError when
 * the loss stops being finite. The caller owns and disposes the model.
 */
export async function trainModel(model: tf.LayersModel, plan: NetworkPlan | TrainPlan, data: TrainData, options: TrainOptions): Promise<TrainedModel> {
  const run = openTrainingRun(model, plan, options);
  try {
    const trained = await runEpochs(run, data, options);
    run.finish();
    return trained;
  } finally {
    run.dispose();
  }
}

function failedResult(
  trialId: number,
  err: unknown,
  cost: NetworkCost | undefined,
  partial: { epochs: EpochStats[]; trainSeconds: number; images: number; trainPath?: TrainPath },
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
    ...(partial.trainPath !== undefined ? { trainPath: partial.trainPath } : {}),
    epochs: partial.epochs,
  };
}

/** The result of a child that trained and was evaluated. */
function okResult(trialId: number, cost: NetworkCost, trained: TrainedModel, measured: { val: { accuracy: number; loss: number }; test?: { accuracy: number }; curve?: number[] }, seconds: number): TrainResult {
  const { val, test } = measured;
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
    seconds,
    ...(measured.curve ? { curve: measured.curve } : {}),
    ...(trained.stoppedAt !== undefined ? { stoppedAt: trained.stoppedAt } : {}),
    epochsTrained: trained.epochs.length,
    valAccuracy: val.accuracy,
    valLoss: val.loss,
    trainSeconds: trained.trainSeconds,
    imagesPerSecond,
    params: cost.params,
    madds: cost.madds,
    backend: tf.getBackend(),
    trainPath: trained.trainPath,
    epochs: trained.epochs,
  };
}

/**
 * Builds, trains and evaluates one child. Never throws for the child's own failures: a NaN loss gives
 * `failure: 'nan'`, running out of memory `failure: 'oom'`, an invalid genome or config `invalid`,
 * anything else `crash`. Every tensor it created, and a graph path's session, is released before it returns.
 */
export async function trainChild(child: ChildSpec, data: TrainData, options: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const trialId = options.trialId ?? 0;
  const partial: { epochs: EpochStats[]; trainSeconds: number; images: number; trainPath?: TrainPath } = { epochs: [], trainSeconds: 0, images: 0 };
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
  const evalOptions = { normalization: data.normalization };
  let cost: NetworkCost | undefined;
  let model: tf.LayersModel | undefined;
  let run: TrainingRun | undefined;
  try {
    const plan = networkPlan(child.genome, child.network);
    cost = planCost(plan);
    model = buildModelFromPlan(plan, { seed: deriveSeed(options.seed, 'init') });
    if (from) restoreWeights(model, from.weights, `checkpoint of epoch ${from.epoch}`);
    const opened = openTrainingRun(model, plan, { ...options, seed });
    run = opened;
    partial.trainPath = opened.path;
    const every = options.everyEpoch;
    // Validation after each epoch goes through the run: on the graph path the trained weights are in the graph.
    const afterEpoch = every ? async (stats: EpochStats): Promise<boolean> => {
      const v = measured.set(stats.epoch, await opened.evaluate(data.val, evalOptions));
      return every.stop?.(stats.epoch, v.accuracy) ?? false;
    } : undefined;
    const trained = await runEpochs(opened, data, {
      ...options, seed, onEpoch, horizonEpochs: horizon, afterEpoch, captureOptimizer: options.saveCheckpoint !== undefined,
      ...(from ? { start: { epoch: from.epoch, step: from.step, optimizer: from.optimizer } } : {}),
    });
    partial.images = trained.images;
    const endEpoch = trained.stoppedAt ?? Math.max(options.epochs, from?.epoch ?? 0);
    const val = measured.at(endEpoch) ?? await opened.evaluate(data.val, evalOptions);
    const test = options.evaluateTest && data.test ? await opened.evaluate(data.test, evalOptions) : undefined;
    opened.finish();
    opened.dispose();
    run = undefined;
    await options.afterTraining?.(model, { score: val.accuracy });
    if (options.saveCheckpoint) {
      await options.saveCheckpoint({
        format: 1, epoch: endEpoch, step: trained.step, seed, horizon, curve: measured.curve(), weights: await captureWeights(model),
        ...(trained.optimizer ? { optimizer: trained.optimizer } : {}),
      });
    }
    return okResult(trialId, cost, trained, { val, test, ...(every ? { curve: measured.curve() } : {}) }, (performance.now() - started) / 1000);
  } catch (err) {
    return failedResult(trialId, err, cost, partial, (performance.now() - started) / 1000);
  } finally {
    run?.dispose();
    model?.dispose();
  }
}
