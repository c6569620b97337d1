/**
 * The graph training run: the child's whole step as one TensorFlow graph (graph-child.ts) on native
 * TensorFlow. Micro-batches are planned as on the eager path (only when `memoryPlan` asks, since native
 * TensorFlow has no fixed heap), and then the graph accumulates their gradients and applies them once.
 * Evaluation runs through the graph's inference outputs; `finish` moves the trained weights into the
 * tfjs model, `dispose` deletes the session.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../data/types.ts';
import type { NetworkPlan } from '../../genome/network/plan.ts';
import { trainableRefs } from '../checkpoint.ts';
import { plannedMicroBatch } from '../eager-run.ts';
import { checkOptimizerOptions, DEFAULT_LR } from '../optimizers.ts';
import type { TrainOptions } from '../train-options.ts';
import type { StepFigures } from '../train-step.ts';
import type { StepSettings, TrainingRun } from '../training-run.ts';
import { GraphChild } from './graph-child.ts';

/** Opens the graph run of `model` (built from `plan`): builds and loads its graph, sets its weights. */
export function openGraphRun(model: tf.LayersModel, plan: NetworkPlan, options: TrainOptions, reason: string): TrainingRun {
  const optimizer = options.optimizer ?? 'sgd';
  checkOptimizerOptions({ name: optimizer, lr: options.lr ?? DEFAULT_LR[optimizer] });
  const micro = plannedMicroBatch(model, options.batchSize ?? 64, options);
  const child = GraphChild.open(model, plan, {
    optimizer, momentum: options.momentum, weightDecay: options.weightDecay, microBatches: micro !== undefined,
    ...(options.graphTuning !== undefined ? { tuning: options.graphTuning } : {}),
  });
  return {
    path: 'graph',
    reason,
    step: async (batch: Batch, settings: StepSettings): Promise<StepFigures> =>
      // A micro-batch graph has no single-step output: a batch that fits is one micro-batch.
      micro !== undefined ? child.accumulatedStep(batch, micro, settings) : child.step(batch, settings),
    evaluate: async (set, evalOptions) => child.evaluate(set, evalOptions),
    exportOptimizer: async () => child.exportOptimizer(trainableRefs(model)),
    importOptimizer: async (state) => child.importOptimizer(state, trainableRefs(model)),
    predict: (x) => child.predict(x),
    finish: () => child.moveWeightsToModel(),
    dispose: () => child.close(),
  };
}
