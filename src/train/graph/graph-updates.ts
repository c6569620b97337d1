/**
 * The end of a training graph: weight decay, the optimiser's update of every trainable variable, the
 * batch-norm moving statistics, and the step's outputs (`train/step`, or `train/accumulate` and
 * `train/apply` with micro-batches). The arithmetic is tfjs's, so the graph trains as the eager loop does:
 *
 * - SGD: TensorFlow's ResourceApplyMomentum (accum = m * accum + g; var -= lr * (g + m * accum) with
 *   Nesterov momentum, lr * accum without), which is tfjs's MomentumOptimizer step;
 * - Adam: ResourceApplyAdam fed tfjs's bias corrections (beta powers of the step, and an epsilon scaled
 *   by sqrt(1 - beta2^t) so that TensorFlow's form equals tfjs's m^ / (sqrt(v^) + epsilon));
 * - weight decay adds wd * w to a kernel's gradient and wd / 2 * sum(w^2) to the reported total loss;
 * - moving statistics: v -= (v - batch) * (1 - momentum), with the batch variance unbiased back to the
 *   biased variance tfjs-layers keeps.
 *
 * The slots are variables `<weight>/momentum` (SGD) or `<weight>/adam_m` and `<weight>/adam_v` (Adam), read
 * through `<slot>/read` and set together by the target `optimizer/set` from placeholders `<slot>/value`, so
 * a checkpoint can carry them.
 *
 * Every update runs after its variable's read (a control input), and TensorFlow copies a variable's
 * buffer before updating it while a read of it is still in use, so the step's forward and backward
 * passes all see the weights as they were when the step began.
 */
import type { TfOps } from '../../backends/native/graph/tf-ops.ts';
import type { OptimizerName } from '../optimizers.ts';
import type { BatchMoments } from './graph-layers.ts';
import type { GraphWeight } from './training-graph.ts';

/** Optimiser settings of a training graph. */
export interface UpdateOptions {
  optimizer: OptimizerName;
  /** SGD momentum. */
  momentum: number;
  /** Nesterov momentum for SGD. */
  nesterov: boolean;
  /** L2 weight decay (0: none). */
  weightDecay: number;
  /** Names of the weights weight decay applies to (convolution and dense kernels). */
  decayed: ReadonlySet<string>;
  /** Adam's constants. */
  adam: { beta1: number; beta2: number };
  /** Emit `train/accumulate` and `train/apply` instead of `train/step`. */
  microBatches: boolean;
}

/** What the updates read from the rest of the graph. */
export interface UpdateInputs {
  weights: GraphWeight[];
  /** Weight name -> its read. */
  reads: Map<string, string>;
  /** Weight read -> its gradient (trainable weights on the loss's path). */
  grads: Map<string, string>;
  moments: BatchMoments[];
  /** The batch's mean cross-entropy and its number of correct predictions (float). */
  ce: string;
  correct: string;
  /** The micro-batch's share of the batch (micro-batches only). */
  lossWeight: string | undefined;
  /** The batch size as a float scalar. */
  batch: string;
  bnMomentum: number;
  options: UpdateOptions;
}

/** Emits the updates and the step outputs; returns the nodes `init` must run (slot and accumulator zeroing). */
export function emitUpdates(ops: TfOps, u: UpdateInputs): string[] {
  const { options } = u;
  const inits: string[] = [];
  const zeroVariable = (name: string, shape: number[]): string => {
    const v = ops.variable(name, shape);
    inits.push(ops.assign(`${name}/zero`, v, ops.zeros(`${name}/zeros`, shape)));
    return v;
  };
  const trainable = u.weights.filter((w) => w.trainable && u.grads.has(u.reads.get(w.name) as string));
  const lr = ops.placeholder('lr', 'float32', []);
  const adam = options.optimizer === 'adam'
    ? {
      beta1Power: ops.placeholder('adam/beta1_power', 'float32', []), beta2Power: ops.placeholder('adam/beta2_power', 'float32', []),
      epsilon: ops.placeholder('adam/epsilon', 'float32', []), beta1: ops.scalar(options.adam.beta1), beta2: ops.scalar(options.adam.beta2), lr,
    }
    : undefined;
  const slots = new Map(trainable.map((w) => [w.name, adam
    ? [zeroVariable(`${w.name}/adam_m`, w.shape), zeroVariable(`${w.name}/adam_v`, w.shape)]
    : [zeroVariable(`${w.name}/momentum`, w.shape)]]));
  // The optimiser's state for a checkpoint: each slot's read, and a target setting every slot from `<slot>/value`.
  const sets = [...slots.entries()].flatMap(([name, vars]) => vars.map((v) => {
    ops.read(`${v}/read`, v);
    const shape = u.weights.find((w) => w.name === name)?.shape ?? [];
    return ops.assign(`${v}/set`, v, ops.placeholder(`${v}/value`, 'float32', shape));
  }));
  ops.noOp('optimizer/set', sets);
  const wd = options.weightDecay;
  const decayedReads = u.weights.filter((w) => options.decayed.has(w.name)).map((w) => u.reads.get(w.name) as string);
  /** One optimiser update of `w` with gradient `g` (weight decay added). */
  const update = (w: GraphWeight, g: string): string => {
    const read = u.reads.get(w.name) as string;
    const grad = wd > 0 && options.decayed.has(w.name)
      ? ops.binary(`train/${w.name}/decayed`, 'AddV2', g, ops.binary(`train/${w.name}/decay`, 'Mul', read, ops.scalar(wd)))
      : g;
    const s = slots.get(w.name) as string[];
    return adam
      ? ops.applyAdam(`train/${w.name}/ResourceApplyAdam`, w.name, s[0], s[1], adam, grad, [read])
      : ops.applyMomentum(`train/${w.name}/ResourceApplyMomentum`, w.name, s[0], lr, grad, ops.scalar(options.momentum), options.nesterov, [read]);
  };
  const bnUpdates = movingStatistics(ops, u);
  let total = u.ce;
  if (wd > 0 && decayedReads.length > 0) {
    const l2 = ops.addN('loss/l2_sum', decayedReads.map((r, i) => ops.unary(`loss/l2_${i}`, 'L2Loss', r)));
    total = ops.binary('loss/total', 'AddV2', u.ce, ops.binary('loss/decay', 'Mul', l2, ops.scalar(wd)));
  }
  if (!options.microBatches) {
    const updates = trainable.map((w) => update(w, u.grads.get(u.reads.get(w.name) as string) as string));
    ops.pack('train/step', [u.ce, total, u.correct], [...updates, ...bnUpdates]);
    return inits;
  }
  const accums = new Map(trainable.map((w) => [w.name, zeroVariable(`${w.name}/accum`, w.shape)]));
  const adds = trainable.map((w) => ops.assignAdd(`train/${w.name}/accumulate`, accums.get(w.name) as string, u.grads.get(u.reads.get(w.name) as string) as string));
  const weighted = ops.binary('loss/total_weighted', 'Mul', total, u.lossWeight as string);
  ops.pack('train/accumulate', [u.ce, weighted, u.correct], [...adds, ...bnUpdates]);
  const zeroed = trainable.map((w) => {
    const acc = accums.get(w.name) as string;
    const applied = update(w, ops.read(`train/${w.name}/accumulated`, acc));
    return ops.assign(`train/${w.name}/accum_reset`, acc, ops.zeros(`train/${w.name}/accum_zeros`, w.shape), [applied]);
  });
  ops.noOp('train/apply', zeroed);
  return inits;
}

/** The moving-statistics updates of every batch norm layer of the training pass. */
function movingStatistics(ops: TfOps, u: UpdateInputs): string[] {
  const rate = ops.scalar(1 - u.bnMomentum);
  const one = ops.scalar(1);
  // Values per channel n = batch x height x width; TensorFlow reports the variance scaled by n / (n - 1),
  // and tfjs-layers keeps the biased one. One factor per image size, shared by its layers.
  const factors = new Map<number, string>();
  const unbias = (perImage: number): string => {
    let f = factors.get(perImage);
    if (f === undefined) {
      const p = `train/bn_unbias_${perImage}`;
      const n = ops.binary(`${p}/count`, 'Mul', u.batch, ops.scalar(perImage));
      f = ops.binary(p, 'RealDiv', ops.binary(`${p}/count_less_one`, 'Maximum', ops.binary(`${p}/nm1`, 'Sub', n, one), one), ops.binary(`${p}/count_at_least_one`, 'Maximum', n, one));
      factors.set(perImage, f);
    }
    return f;
  };
  return u.moments.flatMap((m) => {
    const p = `train/${m.layer}`;
    const variance = ops.binary(`${p}/biased_variance`, 'Mul', `${m.bn}:2`, unbias(m.perImage));
    return ([['moving_mean', `${m.bn}:1`], ['moving_variance', variance]] as const).map(([part, batch]) => {
      const name = `${m.layer}/${part}`;
      const read = u.reads.get(name) as string;
      const delta = ops.binary(`${p}/${part}_delta`, 'Mul', ops.binary(`${p}/${part}_diff`, 'Sub', read, batch), rate);
      return ops.assignSub(`${p}/${part}_update`, name, delta);
    });
  });
}
