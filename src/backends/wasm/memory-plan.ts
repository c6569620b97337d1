/**
 * Planning training steps that fit the wasm heap (4 GiB, the 32-bit address space). A batch whose step
 * would not fit is split into micro-batches whose gradients the trainer accumulates; a network whose
 * step does not fit even for one image is refused with a message, before the runtime aborts.
 */
import type * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../core/errors.ts';
import { isFusedTraining } from '../fused-batchnorm.ts';
import { FUSED_BATCH_NORM_TRAINING, hasKernel } from '../native/fused-kernels.ts';

/** The most memory a wasm instance can address: 65536 pages of 64 KiB, less one page, as Emscripten caps it. */
export const WASM_HEAP_LIMIT_BYTES = 4 * 1024 ** 3 - 65536;

const BYTES_PER_FLOAT = 4;
const MIB = 1024 ** 2;

/** What one training step costs, split into a per-image part and a fixed part. */
export interface StepFootprint {
  /** Bytes a step needs per image of the batch (activations kept for the backward pass, their gradients, temporaries). */
  bytesPerSample: number;
  /** Bytes a step needs whatever the batch size (weights, their gradients, optimizer slots). */
  fixedBytes: number;
}

/** Options of {@link planMicroBatches} and {@link estimateStepBytes}. */
export interface PlanOptions {
  /** Heap size to plan for, in bytes. Default {@link WASM_HEAP_LIMIT_BYTES}. */
  heapLimitBytes?: number;
  /** Share of the heap a step may use; the rest absorbs fragmentation and estimate error. Default 0.75. */
  usableFraction?: number;
  /** Bytes already held on the heap by other tensors (a dataset, other models). Default 0. */
  reservedBytes?: number;
  /**
   * Bytes per value of the layers' outputs over a step: the values tfjs keeps for the backward pass (layer
   * outputs and the intermediates inside layers, such as batch normalisation's), their gradients and the
   * temporaries of the gradient kernels. Default {@link defaultBytesPerActivation}.
   */
  bytesPerActivation?: number;
  /** Float32 copies of each weight: the weight, its gradient and the optimizer's slots. Default 5 (Adam). */
  weightCopies?: number;
}

/** How to run one batch: micro-batches of at most `microBatch` images, `sizes` in order. */
export interface MicroBatchPlan {
  /** Largest micro-batch that fits. Equal to the batch size when no split is needed. */
  microBatch: number;
  /** Number of micro-batches (gradient accumulation steps) per batch. */
  steps: number;
  /** Sizes of the micro-batches, as equal as possible, summing to the batch size. */
  sizes: number[];
  /** The footprint the plan was made from. */
  footprint: StepFootprint;
  /** Estimated peak bytes of the largest micro-batch step. */
  estimatedPeakBytes: number;
  /** Bytes the plan allowed a step to use. */
  budgetBytes: number;
}

function shapeSize(shape: readonly (number | null)[]): number {
  return shape.slice(1).reduce<number>((p, d) => p * (d ?? 1), 1);
}

/** Per-image activation values of a model: the sum of its layers' output sizes (batch dimension excluded). */
export function activationsPerSample(model: tf.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const out = layer.outputShape as (number | null)[] | (number | null)[][];
    const shapes = Array.isArray(out[0]) ? (out as (number | null)[][]) : [out as (number | null)[]];
    for (const s of shapes) total += shapeSize(s);
  }
  return total;
}

/**
 * Bytes per layer-output value a training step of `model` needs on the active backend: 16 when every batch
 * norm of the model trains through the fused kernel (src/backends/fused-batchnorm.ts) and the backend has it
 * (tf.profile's peak over a step was 12.0 to 12.6 bytes per value for the NASNet and NAS-Bench-201 reference
 * children and three random NASNet children on wasm, at batch 8 and 16); otherwise 24, six float32 copies
 * (tfjs's stock batch norm keeps its intermediates: 22.7 on the probe network at batch 32 and 64).
 */
export function defaultBytesPerActivation(model: tf.LayersModel): number {
  const norms = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
  return norms.length > 0 && norms.every(isFusedTraining) && hasKernel(FUSED_BATCH_NORM_TRAINING) ? 16 : 24;
}

/** The footprint of one training step of `model` (see {@link StepFootprint}). */
export function stepFootprint(model: tf.LayersModel, options: PlanOptions = {}): StepFootprint {
  return {
    bytesPerSample: activationsPerSample(model) * (options.bytesPerActivation ?? defaultBytesPerActivation(model)),
    fixedBytes: model.countParams() * BYTES_PER_FLOAT * (options.weightCopies ?? 5),
  };
}

/** Estimated peak bytes of one training step of `model` on a batch of `batchSize` images. */
export function estimateStepBytes(model: tf.LayersModel, batchSize: number, options: PlanOptions = {}): number {
  const f = stepFootprint(model, options);
  return f.fixedBytes + f.bytesPerSample * batchSize;
}

const mib = (bytes: number): string => `${(bytes / MIB).toFixed(0)} MiB`;

/**
 * Plans a batch of `batchSize` images from a footprint: the largest micro-batch whose step fits the budget
 * (`heapLimitBytes * usableFraction - reservedBytes`), and equal micro-batch sizes covering the batch.
 * Throws a ValidationError naming the sizes when not even one image fits.
 */
export function planFromFootprint(footprint: StepFootprint, batchSize: number, options: PlanOptions = {}): MicroBatchPlan {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ValidationError(`batch size ${batchSize} is not a positive integer`, { field: 'batchSize' }, 'integers >= 1');
  }
  const heap = options.heapLimitBytes ?? WASM_HEAP_LIMIT_BYTES;
  const budget = heap * (options.usableFraction ?? 0.75) - (options.reservedBytes ?? 0);
  const fitting = Math.floor((budget - footprint.fixedBytes) / Math.max(footprint.bytesPerSample, 1));
  if (fitting < 1) {
    throw new ValidationError(
      `a training step of this network needs about ${mib(footprint.fixedBytes + footprint.bytesPerSample)} for a single image ` +
        `(${mib(footprint.fixedBytes)} for weights, gradients and optimizer state, ${mib(footprint.bytesPerSample)} per image), ` +
        `more than the ${mib(budget)} the wasm backend can give it (a ${mib(heap)} heap)`,
      { field: 'batchSize' },
      'a smaller network or smaller images on the wasm backend, or the native TensorFlow backend',
    );
  }
  const steps = Math.ceil(batchSize / Math.min(fitting, batchSize));
  const base = Math.floor(batchSize / steps);
  const sizes = Array.from({ length: steps }, (_, i) => base + (i < batchSize - base * steps ? 1 : 0));
  const microBatch = sizes[0];
  return {
    microBatch, steps, sizes, footprint,
    estimatedPeakBytes: footprint.fixedBytes + footprint.bytesPerSample * microBatch,
    budgetBytes: budget,
  };
}

/**
 * Plans a training batch of `batchSize` images of `model` on the wasm heap: returns the micro-batch size
 * that fits and the micro-batch sizes to accumulate gradients over, or throws a ValidationError saying why
 * the step cannot fit at all.
 */
export function planMicroBatches(model: tf.LayersModel, batchSize: number, options: PlanOptions = {}): MicroBatchPlan {
  return planFromFootprint(stepFootprint(model, options), batchSize, options);
}
