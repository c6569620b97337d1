/**
 * How one child's training runs, whichever path it takes: a TrainingRun steps on batches, evaluates,
 * and at the end leaves the trained weights in the child's tfjs model. The eager run (eager-run.ts) is
 * tfjs executing each step kernel by kernel on any backend; the graph run (graph/graph-run.ts) is one
 * TensorFlow graph per child on native TensorFlow. `openTrainingRun` picks the path
 * (backends/native/graph/path.ts) and opens the run.
 */
import type * as tf from '@tensorflow/tfjs';
import { chooseTrainPath } from '../backends/native/graph/path.ts';
import type { TrainPath } from '../backends/native/graph/path.ts';
import type { OptimizerState } from '../core/checkpoint.ts';
import { ValidationError } from '../core/errors.ts';
import type { Batch, ImageSet, Normalization } from '../data/types.ts';
import type { NetworkPlan } from '../genome/network/plan.ts';
import { openEagerRun } from './eager-run.ts';
import { openGraphRun } from './graph/graph-run.ts';
import type { TrainOptions } from './train-options.ts';
import type { StepFigures, TrainPlan } from './train-step.ts';

/** What a step needs besides its batch. */
export interface StepSettings {
  /** Learning rate of this step. */
  lr: number;
  /** Seed of the step's dropout masks. */
  dropoutSeed: number;
}

/** A child being trained. */
export interface TrainingRun {
  /** The path its steps take. */
  readonly path: TrainPath;
  /** Why that path. */
  readonly reason: string;
  /** One optimiser step on `batch`. */
  step(batch: Batch, settings: StepSettings): Promise<StepFigures>;
  /** Accuracy and mean cross-entropy (inference mode) on `set`. */
  evaluate(set: ImageSet, options: { batchSize?: number; normalization?: Normalization }): Promise<{ accuracy: number; loss: number }>;
  /** The optimiser's state as plain data (a checkpoint's), named after the model's trainable weights. */
  exportOptimizer(): Promise<OptimizerState>;
  /** Restores an optimiser state exported by the same kind of optimiser over the same weights, before the first step. */
  importOptimizer(state: OptimizerState): Promise<void>;
  /** Class probabilities (inference mode) of a batch of images; the caller disposes the result. */
  predict(x: tf.Tensor): tf.Tensor;
  /** Leaves the trained weights in the model (the graph path copies them there). */
  finish(): void;
  /** Releases what the run holds (not the model). */
  dispose(): void;
}

/**
 * Opens the training run of `model` on the path `options.trainPath` asks for. The graph path builds its
 * graph from the model's network plan; given only the names training reads (a model not built from a
 * plan), the run is eager.
 */
export function openTrainingRun(model: tf.LayersModel, plan: NetworkPlan | TrainPlan, options: TrainOptions): TrainingRun {
  const asked = options.trainPath ?? 'auto';
  if (!('nodes' in plan)) {
    if (asked === 'graph') throw new ValidationError('training as a graph needs the network plan the model was built from', { field: 'trainPath' }, 'auto or eager');
    return openEagerRun(model, plan, options, 'the model was not built from a network plan, so tfjs runs each step kernel by kernel');
  }
  const choice = chooseTrainPath(asked);
  return choice.path === 'graph' ? openGraphRun(model, plan, options, choice.reason) : openEagerRun(model, plan, options, choice.reason);
}
