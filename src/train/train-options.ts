/**
 * The options and results of training a child (trainer.ts), shared by the eager and graph paths.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TrainPath, TrainPathOption } from '../backends/native/graph/path.ts';
import type { PlanOptions } from '../backends/wasm/memory-plan.ts';
import type { OptimizerState, TrainCheckpoint } from '../core/checkpoint.ts';
import type { EvalResult } from '../core/trial.ts';
import type { AugmentOptions, ImageSet, Normalization } from '../data/types.ts';
import type { NetworkConfig } from '../genome/network/network.ts';
import type { CellGenome } from '../genome/types.ts';
import type { OptimizerName, ScheduleName } from './optimizers.ts';
import type { GraphChildOptions } from './graph/graph-child.ts';

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
   * How steps run: `graph` (each step one TensorFlow graph: native TensorFlow only), `eager` (tfjs kernel by
   * kernel, every backend) or `auto` (graph where the backend runs graphs, else eager). Default `auto`.
   */
  trainPath?: TrainPathOption;
  /**
   * The graph path's builder and session choices, each changed only to measure what it is worth
   * (bench/graph-tuning.ts, bench/path-agreement.ts). Default: the measured best.
   */
  graphTuning?: GraphChildOptions['tuning'];
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
  /** How the steps ran. */
  trainPath: TrainPath;
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
  /** How its steps ran: `graph` or `eager` (absent when it failed before training began). */
  trainPath?: TrainPath;
  /** Per-epoch statistics of the epochs that finished. */
  epochs: EpochStats[];
}

/** A genome and the macro network to build around it. */
export interface ChildSpec {
  genome: CellGenome;
  network: NetworkConfig;
}
