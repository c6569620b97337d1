/**
 * The eager training run: tfjs executes each step kernel by kernel (train-step.ts) on whatever backend is
 * active, with the project's kernels registered (fused native kernels, wasm and cpu gradients), and
 * micro-batches where the memory planner asks for them (wasm's 4 GiB heap, or any backend given
 * `memoryPlan`).
 */
import * as tf from '@tensorflow/tfjs';
import { registerFastCpuKernels } from '../backends/cpu/kernels.ts';
import { capLayersGraphCache } from '../backends/graph-cache.ts';
import { registerPoolGradients } from '../backends/pool-grads.ts';
import { withWasmAbortGuard } from '../backends/wasm/abort.ts';
import { registerDilatedConvGradients } from '../backends/wasm/dilated-grads.ts';
import { planMicroBatches } from '../backends/wasm/memory-plan.ts';
import { ValidationError } from '../core/errors.ts';
import type { Batch } from '../data/types.ts';
import { StepMemoryError } from './failures.ts';
import { createOptimizer, DEFAULT_LR } from './optimizers.ts';
import type { TrainOptions } from './train-options.ts';
import { trainableRefs } from './checkpoint.ts';
import { evaluateModel } from './evaluate.ts';
import { accumulatedStep, trainStep } from './train-step.ts';
import type { StepContext, StepFigures, TrainPlan } from './train-step.ts';
import type { StepSettings, TrainingRun } from './training-run.ts';

/**
 * The largest micro-batch a step of `model` may take, or undefined when batches are not split. Planned on
 * wasm (or wherever `options.memoryPlan` asks); a step that does not fit for one image throws StepMemoryError.
 */
export function plannedMicroBatch(model: tf.LayersModel, batchSize: number, options: TrainOptions): number | undefined {
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

/** Opens the eager run of `model`. */
export function openEagerRun(model: tf.LayersModel, plan: TrainPlan, options: TrainOptions, reason: string): TrainingRun {
  // tfjs-core has no gradient for dilated convolutions (dil_sep_conv_3x3); this adds one on every backend.
  registerDilatedConvGradients();
  registerFastCpuKernels();
  registerPoolGradients();
  capLayersGraphCache();
  const name = options.optimizer ?? 'sgd';
  const micro = plannedMicroBatch(model, options.batchSize ?? 64, options);
  const opt = createOptimizer({ name, lr: options.lr ?? DEFAULT_LR[name], momentum: options.momentum });
  const ctx: StepContext = {
    features: tf.model({ inputs: model.inputs, outputs: model.getLayer(plan.features).output as tf.SymbolicTensor }),
    classifier: model.getLayer(plan.logits),
    plan,
    trainable: model.trainableWeights.map((w) => w.read() as tf.Variable),
    // Weight decay: the kernels of convolutions and dense layers (not batch norm or biases).
    decayed: model.trainableWeights.filter((w) => /kernel$/.test(w.originalName)).map((w) => w.read() as tf.Variable),
    weightDecay: options.weightDecay ?? 0,
  };
  const onWasm = tf.getBackend() === 'wasm';
  let steps = 0;
  const runStep = (batch: Batch, dropoutSeed: number): Promise<StepFigures> =>
    micro !== undefined && batch.size > micro ? accumulatedStep(ctx, opt, batch, micro, dropoutSeed) : trainStep(ctx, opt, batch, dropoutSeed);
  return {
    path: 'eager',
    reason,
    async step(batch: Batch, settings: StepSettings): Promise<StepFigures> {
      opt.setLearningRate(settings.lr);
      steps++;
      if (!onWasm) return runStep(batch, settings.dropoutSeed);
      const context = `training step ${steps} at batch size ${batch.size}${micro !== undefined ? ` (micro-batches of ${micro})` : ''}`;
      return withWasmAbortGuard(() => runStep(batch, settings.dropoutSeed), { context });
    },
    evaluate: (set, evalOptions) => evaluateModel(model, set, evalOptions),
    exportOptimizer: () => opt.exportState(trainableRefs(model)),
    importOptimizer: (state) => opt.importState(state, trainableRefs(model)),
    predict: (x) => model.predict(x) as tf.Tensor,
    finish: () => undefined,
    dispose: () => opt.dispose(),
  };
}
