/**
 * Optimisers whose learning rate the training loop sets every step, the learning-rate schedules, and the
 * optimisers' state as plain data (checkpoints): slot arrays named after the weight they belong to, the
 * iteration count, and Adam's running powers of beta1 and beta2 (restored as they were, not recomputed,
 * so that a continued run takes bit-identical steps).
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedArray, OptimizerState } from '../core/checkpoint.ts';
import { ValidationError } from '../core/errors.ts';

/** A named tensor as tfjs optimisers' getWeights returns them. */
type NamedTensor = { name: string; tensor: tf.Tensor };

export const OPTIMIZER_NAMES = ['sgd', 'adam'] as const;
/** `sgd`: SGD with (Nesterov) momentum; `adam`: Adam. */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export const SCHEDULE_NAMES = ['cosine', 'constant'] as const;
/** `cosine`: from the base rate to 0 over all steps, no restarts (Real et al. 2019); `constant`: the base rate. */
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/** A weight the optimiser updates, as its state names it: the network's weight name and its shape. */
export interface WeightRef {
  name: string;
  shape: readonly number[];
}

/** The initial learning rate of each optimiser when none is given. */
export const DEFAULT_LR: Readonly<Record<OptimizerName, number>> = { sgd: 0.05, adam: 0.001 };

/** An optimiser whose learning rate can change between steps. */
export interface ScheduledOptimizer {
  readonly optimizer: tf.Optimizer;
  setLearningRate(lr: number): void;
  /** The state as plain data; `weights` are the updated weights in the order the optimiser sees them. */
  exportState(weights: readonly WeightRef[]): Promise<OptimizerState>;
  /** Restores a state exported by the same kind of optimiser over the same weights (before the first step). */
  importState(state: OptimizerState, weights: readonly WeightRef[]): Promise<void>;
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

/** What tfjs's Adam keeps privately beside its slots: beta1^t and beta2^t, updated by multiplication each step. */
interface AdamPowers {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/** Adam with a settable learning rate and access to its running beta powers. */
class Adam extends tf.AdamOptimizer {
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }

  /** beta1^t and beta2^t as the next step will use them. */
  betaPowers(): { beta1Power: number; beta2Power: number } {
    const p = this as unknown as AdamPowers;
    return { beta1Power: p.accBeta1.dataSync()[0], beta2Power: p.accBeta2.dataSync()[0] };
  }

  /** Sets them back exactly (tfjs's setWeights recomputes them with pow, which may differ in the last bit). */
  setBetaPowers(beta1Power: number, beta2Power: number): void {
    const p = this as unknown as AdamPowers;
    tf.tidy(() => {
      p.accBeta1.assign(tf.scalar(beta1Power));
      p.accBeta2.assign(tf.scalar(beta2Power));
    });
  }
}

/** Reads a tensor into a new float32 array (backends may hand out their own storage). */
async function copyOf(t: tf.Tensor): Promise<Float32Array> {
  return Float32Array.from((await t.data()) as Float32Array);
}

/** The optimiser's iteration count and slot tensors (getWeights' iteration scalar is disposed here). */
async function slotsOf(opt: tf.Optimizer): Promise<{ iterations: number; slots: NamedTensor[] }> {
  const [iter, ...slots] = await opt.getWeights();
  const iterations = (await iter.tensor.data())[0];
  iter.tensor.dispose();
  return { iterations, slots };
}

/** Slot arrays named `<kind>:<weight>`, `kinds` slots per weight, kind-major (tfjs's order). */
async function exportSlots(slots: NamedTensor[], kinds: readonly string[], weights: readonly WeightRef[]): Promise<NamedArray[]> {
  if (slots.length === 0) return [];
  if (slots.length !== kinds.length * weights.length) throw new Error(`optimiser holds ${slots.length} slots for ${weights.length} weights`);
  return Promise.all(slots.map(async (s, i) => ({
    name: `${kinds[Math.floor(i / weights.length)]}:${weights[i % weights.length].name}`, shape: [...s.tensor.shape], values: await copyOf(s.tensor),
  })));
}

/** The slot tensors of a state, in the optimiser's order for `weights`; a missing or misshapen slot is an error naming it. */
function importSlots(state: OptimizerState, kinds: readonly string[], weights: readonly WeightRef[]): tf.Tensor[] {
  const byName = new Map(state.slots.map((s) => [s.name, s]));
  const picked = kinds.flatMap((kind) => weights.map((w) => {
    const slot = byName.get(`${kind}:${w.name}`);
    if (!slot || slot.shape.join('x') !== w.shape.join('x')) {
      throw new ValidationError(`the checkpoint's ${state.name} state has ${slot ? `shape [${slot.shape.join(', ')}]` : 'no slot'} for weight '${w.name}' [${w.shape.join(', ')}]`, { field: `optimizer.slots.${kind}:${w.name}` }, 'a state saved from the same network');
    }
    return slot;
  }));
  return picked.map((slot) => tf.tensor(slot.values, slot.shape));
}

/** Restores iterations and slots through tfjs's setWeights; the tensors handed over are disposed after. */
async function setSlots(opt: tf.Optimizer, state: OptimizerState, slots: tf.Tensor[]): Promise<void> {
  const named = [{ name: 'iter', tensor: tf.scalar(state.iterations, 'int32') }, ...slots.map((tensor, i) => ({ name: `slot_${i}`, tensor }))];
  try {
    await opt.setWeights(named);
  } finally {
    tf.dispose(named.map((n) => n.tensor));
  }
}

function checkKind(state: OptimizerState, name: OptimizerName): void {
  if (state.name !== name) throw new ValidationError(`the checkpoint holds a ${state.name} optimiser, this child trains with ${name}`, { field: 'optimizer' }, name);
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

/** Throws a ValidationError naming the field when the optimiser or its learning rate is not one training accepts. */
export function checkOptimizerOptions(options: OptimizerOptions): void {
  if (!(options.lr > 0 && Number.isFinite(options.lr))) throw new ValidationError(`learning rate ${options.lr}`, { field: 'lr' }, 'a positive number');
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(options.name)) {
    throw new ValidationError(`unknown optimizer '${String(options.name)}'`, { field: 'optimizer' }, OPTIMIZER_NAMES.join(', '));
  }
}

/** A fresh optimiser; the caller disposes it. */
export function createOptimizer(options: OptimizerOptions): ScheduledOptimizer {
  checkOptimizerOptions(options);
  const { name, lr } = options;
  switch (name) {
    case 'sgd': {
      const opt = new Momentum(lr, options.momentum ?? 0.9, options.nesterov ?? true);
      return {
        optimizer: opt, setLearningRate: (r) => opt.setLearningRate(r), dispose: () => opt.dispose(),
        exportState: async (weights) => {
          const { iterations, slots } = await slotsOf(opt);
          return { name, iterations, slots: await exportSlots(slots, ['momentum'], weights), scalars: {} };
        },
        importState: async (state, weights) => {
          checkKind(state, name);
          if (state.slots.length > 0) await setSlots(opt, state, importSlots(state, ['momentum'], weights));
        },
      };
    }
    case 'adam': {
      const opt = new Adam(lr, 0.9, 0.999, 1e-8);
      return {
        optimizer: opt, setLearningRate: (r) => opt.setLearningRate(r), dispose: () => opt.dispose(),
        exportState: async (weights) => {
          const { iterations, slots } = await slotsOf(opt);
          return { name, iterations, slots: await exportSlots(slots, ['m', 'v'], weights), scalars: opt.betaPowers() };
        },
        importState: async (state, weights) => {
          checkKind(state, name);
          if (state.slots.length > 0) await setSlots(opt, state, importSlots(state, ['m', 'v'], weights));
          const { beta1Power, beta2Power } = state.scalars;
          if (typeof beta1Power === 'number' && typeof beta2Power === 'number') opt.setBetaPowers(beta1Power, beta2Power);
        },
      };
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
