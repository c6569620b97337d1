/**
 * Optimisers whose learning rate the training loop sets every step, and the learning-rate schedules.
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../core/errors.ts';

export const OPTIMIZER_NAMES = ['sgd', 'adam'] as const;
/** `sgd`: SGD with (Nesterov) momentum; `adam`: Adam. */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export const SCHEDULE_NAMES = ['cosine', 'constant'] as const;
/** `cosine`: from the base rate to 0 over all steps, no restarts (Real et al. 2019); `constant`: the base rate. */
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/** An optimiser whose learning rate can change between steps. */
export interface ScheduledOptimizer {
  readonly optimizer: tf.Optimizer;
  setLearningRate(lr: number): void;
  /** Disposes every tensor the optimiser holds (slots and constants). */
  dispose(): void;
}

/** Momentum SGD that also disposes its learning-rate scalar (tfjs' MomentumOptimizer.dispose leaves it). */
class Momentum extends tf.MomentumOptimizer {
  override dispose(): void {
    super.dispose();
    this.c.dispose();
  }
}

/** Adam with a settable learning rate. */
class Adam extends tf.AdamOptimizer {
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }
}

/** Options of `createOptimizer`. */
export interface OptimizerOptions {
  /** Which optimiser. */
  name: OptimizerName;
  /** Initial learning rate. */
  lr: number;
  /** SGD momentum. Default 0.9. */
  momentum?: number;
  /** Nesterov momentum for SGD. Default true. */
  nesterov?: boolean;
}

/** A fresh optimiser; the caller disposes it. */
export function createOptimizer(options: OptimizerOptions): ScheduledOptimizer {
  const { name, lr } = options;
  if (!(lr > 0 && Number.isFinite(lr))) throw new ValidationError(`learning rate ${lr}`, { field: 'lr' }, 'a positive number');
  switch (name) {
    case 'sgd': {
      const opt = new Momentum(lr, options.momentum ?? 0.9, options.nesterov ?? true);
      return { optimizer: opt, setLearningRate: (r) => opt.setLearningRate(r), dispose: () => opt.dispose() };
    }
    case 'adam': {
      const opt = new Adam(lr, 0.9, 0.999, 1e-8);
      return { optimizer: opt, setLearningRate: (r) => opt.setLearningRate(r), dispose: () => opt.dispose() };
    }
    default:
      throw new ValidationError(`unknown optimizer '${String(name)}'`, { field: 'optimizer' }, OPTIMIZER_NAMES.join(', '));
  }
}

/** Learning rate at step `step` (0-based) of `totalSteps`. */
export function learningRateAt(schedule: ScheduleName, baseLr: number, step: number, totalSteps: number): number {
  if (schedule === 'constant' || totalSteps <= 0) return baseLr;
  return 0.5 * baseLr * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps));
}
