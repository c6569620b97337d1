/**
 * A child's training graph, built from its network plan: one TensorFlow graph holding
 *
 * - the variables, named as the tfjs layers name their weights (`cell0_prep0_conv/kernel`), and the
 *   optimiser's slots (`<weight>/momentum`, `<weight>/adam_m`, `<weight>/adam_v`);
 * - `init` (a target): assigns every weight from a placeholder `<weight>/init` and zeroes the slots;
 * - `train/step`: forward pass in training mode, cross-entropy, backward pass, weight decay, the
 *   optimiser update of every trainable variable and the batch-norm moving statistics; it returns
 *   [cross-entropy, total loss, correct predictions] of the batch;
 * - with micro-batches, `train/accumulate` (the same, adding the weighted gradients to accumulators
 *   instead of updating) and the target `train/apply` (one optimiser update from the accumulated gradients);
 * - `infer/probs` (inference mode, the model's softmax output) and `eval/stats` ([summed negative
 *   log-likelihood, correct predictions] of a labelled batch, as the eager evaluation computes them);
 * - `<weight>/read`: each weight's current value, fetched to move trained weights into the tfjs model.
 *
 * Feeds: `x` (NHWC images), `labels` (int32), `lr`, `dropout_mask` (the multiplier tfjs's dropout would
 * apply, drawn by the trainer from the step's seed), `loss_weight` (micro-batches), and for Adam
 * `adam/beta1_power`, `adam/beta2_power`, `adam/epsilon` (tfjs's bias correction, fed per step).
 */
import { attr, GraphDefBuilder } from '../../backends/native/graph/graph-def.ts';
import { TfOps } from '../../backends/native/graph/tf-ops.ts';
import { reachableNodes } from '../../genome/network/plan.ts';
import type { NetworkPlan, PlanNode } from '../../genome/network/plan.ts';
import { emitLayer, fusedConvBatchNorm, joinedRelu, layerWeightNames } from './graph-layers.ts';
import type { BatchMoments, LayerEmission, LayerScope } from './graph-layers.ts';
import { emitUpdates } from './graph-updates.ts';
import { fusedSum } from './fused-sums.ts';
import type { FusedBatchNorm } from './fused-sums.ts';
import type { UpdateOptions } from './graph-updates.ts';

/** A weight of the model the graph trains. */
export interface GraphWeight {
  /** The tfjs weight name (`<layer>/kernel`): the variable's node name in the graph. */
  name: string;
  shape: number[];
  /** Updated by the optimiser (false: batch-norm moving statistics). */
  trainable: boolean;
}

/** Options of {@link buildTrainingGraph}. */
export interface TrainingGraphOptions extends UpdateOptions {
  /** Batch-norm epsilon (the layers' own; src/model/layers.ts). */
  epsilon: number;
  /** Batch-norm momentum of the moving statistics. */
  bnMomentum: number;
  /** The builder's own optimisations (each on by default but `fuseBatchNormRelu`; the fusions only where the kernels run). */
  tuning?: GraphTuning;
}

/** The graph builder's optimisations; bench/graph-tuning.ts measures each by turning it off. */
export interface GraphTuning {
  /** 1x1 stride-1 convolutions as matrix products over the pixels. Default true. */
  pointwiseMatMul?: boolean;
  /** A weightless layer repeated on the same input computed once. Default true. */
  shareRepeats?: boolean;
  /** Inference: each convolution, the batch norm after it and a ReLU after that as one fused kernel (TensorFlow has it on CPU only). Default true. */
  fuseInference?: boolean;
  /**
   * Training: a batch norm read only by ReLUs and its ReLU as one kernel (`_FusedBatchNormEx`; oneDNN's CPU
   * kernels only). Default false: measured no faster than the two kernels (bench/graph-tuning.ts).
   */
  fuseBatchNormRelu?: boolean;
  /**
   * Inference (with `fuseInference`): a sum of convolutions' batch norms computed by the convolutions
   * themselves, their batch norms folded into kernels and biases (fused-sums.ts; oneDNN's CPU kernels only). Default true.
   */
  fuseInferenceSums?: boolean;
}

/** The names to feed and fetch. */
export interface TrainingGraph {
  /** The serialised GraphDef. */
  graphDef: Uint8Array;
  /** Operations in the graph. */
  nodes: number;
  /** The weights, in the order given. */
  weights: GraphWeight[];
  /** Whether the step has a dropout mask to feed, and its width. */
  dropoutWidth: number;
}

/** The weights each reachable plan layer reads, checked against the model's. */
function checkWeights(nodes: PlanNode[], weights: GraphWeight[]): void {
  const have = new Map(weights.map((w) => [w.name, w]));
  const wanted = nodes.flatMap(layerWeightNames);
  const missing = wanted.filter((n) => !have.has(n));
  const extra = weights.filter((w) => !wanted.includes(w.name)).map((w) => w.name);
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(`graph: the model's weights do not match its plan (missing: ${missing.slice(0, 5).join(', ') || 'none'}; ` +
      `not in the plan: ${extra.slice(0, 5).join(', ') || 'none'})`);
  }
}

interface Forward {
  out: Map<string, string>;
  emitted: Map<string, LayerEmission>;
  /** A layer that computes what an earlier one computes -> that earlier layer (its gradients go there). */
  same: Map<string, string>;
}

/** Layers without weights that compute the same thing for the same spec and input (dropout masks differ per use). */
const SHAREABLE = new Set(['relu', 'avgpool', 'maxpool', 'zeropad', 'crop', 'zeros', 'gap']);

/**
 * Emits the forward pass over `nodes` reading `x`. A weightless layer that repeats an earlier one on the
 * same input (a NAS-Bench-201 node feeding two ReLU-conv edges, a NASNet hidden state read by two
 * separable convolutions) is computed once, as TensorFlow's common-subexpression pass would.
 */
function forward(scope: LayerScope, nodes: PlanNode[], input: string, x: string, share: boolean): Forward {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const out = new Map<string, string>([[input, x]]);
  const emitted = new Map<string, LayerEmission>();
  const same = new Map<string, string>();
  const computed = new Map<string, string>();
  const readers = new Map<string, number>();
  // Inference: batch norms fused with their convolution, which a ReLU reading them alone can join.
  const fusedBn = new Map<string, FusedBatchNorm>();
  for (const node of nodes) for (const i of node.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  for (const node of nodes) {
    if (node.layer.kind === 'input') continue;
    const xs = node.inputs.map((i) => out.get(i) as string);
    const conv = emitted.get(node.inputs[0] ?? '')?.lastConv;
    if (scope.fuseConvBatchNorm === true && !scope.training && node.layer.kind === 'batchnorm' && conv !== undefined && readers.get(node.inputs[0]) === 1) {
      out.set(node.name, fusedConvBatchNorm(scope, node, conv));
      fusedBn.set(node.name, { bn: node, conv });
      continue;
    }
    if (scope.fuseSums === true && !scope.training && node.layer.kind === 'add') {
      const sum = fusedSum(scope, node, node.inputs.map((i, k) => ({ out: xs[k], ...(readers.get(i) === 1 ? { fused: fusedBn.get(i) } : {}) })));
      if (sum !== undefined) {
        out.set(node.name, sum);
        continue;
      }
    }
    const key = share && SHAREABLE.has(node.layer.kind) ? `${JSON.stringify(node.layer)}(${xs.join(',')})` : undefined;
    const earlier = key !== undefined ? computed.get(key) : undefined;
    if (earlier !== undefined) {
      same.set(node.name, earlier);
      out.set(node.name, out.get(earlier) as string);
      continue;
    }
    if (key !== undefined) computed.set(key, node.name);
    // A ReLU joins the fused batch norm it reads when nothing else reads it (repeats of the ReLU shared).
    const withBn = node.layer.kind === 'relu' ? fusedBn.get(node.inputs[0]) : undefined;
    if (withBn !== undefined && (readers.get(node.inputs[0]) === 1 || (share && onlyReluReaders(nodes, node.inputs[0])))) {
      out.set(node.name, fusedConvBatchNorm(scope, withBn.bn, withBn.conv, node));
      continue;
    }
    if (node.layer.kind === 'relu' && scope.reluJoins?.has(node.inputs[0]) === true) {
      const e = joinedRelu(node, xs[0], scope.ops);
      out.set(node.name, e.out);
      emitted.set(node.name, e);
      continue;
    }
    const shapes = node.inputs.map((i) => (byName.get(i) as PlanNode).shape);
    const e = emitLayer(scope, node, xs, shapes);
    out.set(node.name, e.out);
    emitted.set(node.name, e);
  }
  return { out, emitted, same };
}

/**
 * Training: the batch norms that can apply the ReLU after them in their own kernel: read by one ReLU, or
 * (repeats shared) by ReLUs only, not the plan's output or logits, over a multiple of 4 channels (the
 * kernel's requirement).
 */
function reluJoinable(nodes: PlanNode[], plan: NetworkPlan, share: boolean): Set<string> {
  const joins = new Set<string>();
  for (const node of nodes) {
    if (node.layer.kind !== 'batchnorm' || node.name === plan.output || node.name === plan.logits || (node.shape.at(-1) ?? 1) % 4 !== 0) continue;
    const readers = nodes.filter((n) => n.inputs.includes(node.name));
    if (readers.length > 0 && (readers.length === 1 || share) && onlyReluReaders(nodes, node.name)) joins.add(node.name);
  }
  return joins;
}

/** Whether every layer reading `name` is a ReLU (all of them then share one output). */
function onlyReluReaders(nodes: PlanNode[], name: string): boolean {
  return nodes.every((n) => !n.inputs.includes(name) || (n.layer.kind === 'relu' && n.inputs.length === 1));
}

/** Emits the backward pass from `dLogits`; returns each trainable weight's gradient (weight read -> gradient). */
function backward(ops: TfOps, nodes: PlanNode[], fwd: Forward, logits: string, dLogits: string): Map<string, string> {
  const needs = new Set<string>();
  for (const node of nodes) {
    if (layerWeightNames(node).length > 0 || node.inputs.some((i) => needs.has(i))) needs.add(node.name);
  }
  const pending = new Map<string, string[]>([[logits, [dLogits]]]);
  const grads = new Map<string, string[]>();
  for (const node of [...nodes].reverse()) {
    const dys = pending.get(node.name);
    const e = fwd.emitted.get(node.name);
    if (dys === undefined || e?.backward === undefined) continue;
    const dy = ops.addN(`grad/${node.name}/sum`, dys);
    const g = e.backward(dy, node.inputs.map((i) => needs.has(i)));
    g.inputs.forEach((d, i) => {
      const input = node.inputs[i];
      if (d === null || !needs.has(input)) return;
      // A layer computed by an earlier one: its gradient joins that layer's.
      const from = fwd.same.get(input) ?? input;
      pending.set(from, [...(pending.get(from) ?? []), d]);
    });
    for (const [w, d] of g.weights) grads.set(w, [...(grads.get(w) ?? []), d]);
  }
  return new Map([...grads].map(([w, ds]) => [w, ops.addN(`grad/${w}/sum`, ds)]));
}

/** The inference outputs: `infer/probs` and `eval/stats`. */
function inference(scope: LayerScope, nodes: PlanNode[], plan: NetworkPlan, x: string, labels: string, share: boolean): void {
  const { ops } = scope;
  const fwd = forward(scope, nodes, plan.input, x, share);
  const probs = ops.unary('infer/probs', 'Identity', fwd.out.get(plan.output) as string);
  const classes = plan.nodes.find((n) => n.name === plan.output)?.shape[0] ?? 0;
  const oneHot = ops.g.add('eval/one_hot', 'OneHot', {
    inputs: [labels, ops.int('eval/depth', classes), ops.scalar(1), ops.scalar(0)],
    attrs: { T: attr.type('float32'), TI: attr.type('int32'), axis: attr.int(-1) },
  });
  const picked = ops.reduce('eval/picked', 'Sum', ops.binary('eval/mul', 'Mul', probs, oneHot), [1]);
  const nll = ops.unary('eval/nll', 'Neg', ops.unary('eval/log', 'Log', ops.binary('eval/clip', 'Maximum', picked, ops.scalar(1e-7))));
  const correct = ops.correct('eval/correct', probs, labels);
  ops.pack('eval/stats', [ops.reduce('eval/nll_sum', 'Sum', nll, [0]), ops.reduce('eval/correct_sum', 'Sum', correct, [0])]);
}

/** Builds the training graph of `plan` for a model whose weights are `weights`. */
export function buildTrainingGraph(plan: NetworkPlan, weights: GraphWeight[], options: TrainingGraphOptions): TrainingGraph {
  const nodes = reachableNodes(plan);
  checkWeights(nodes, weights);
  const g = new GraphDefBuilder();
  const ops = new TfOps(g);
  const inputNode = nodes.find((n) => n.name === plan.input);
  if (inputNode?.layer.kind !== 'input') throw new Error(`graph: the plan's input '${plan.input}' is not an input layer`);
  const x = ops.placeholder('x', 'float32', [-1, ...inputNode.layer.shape]);
  const labels = ops.placeholder('labels', 'int32', [-1]);
  const reads = new Map<string, string>();
  const assigns: string[] = [];
  for (const w of weights) {
    const v = ops.variable(w.name, w.shape);
    reads.set(w.name, ops.read(`${w.name}/read`, v));
    assigns.push(ops.assign(`${w.name}/assign`, v, ops.placeholder(`${w.name}/init`, 'float32', w.shape)));
  }
  const weight = (name: string): string => {
    const r = reads.get(name);
    if (r === undefined) throw new Error(`graph: no weight '${name}'`);
    return r;
  };
  const dropoutNode = nodes.find((n) => n.layer.kind === 'dropout');
  const dropoutWidth = dropoutNode ? (dropoutNode.shape[0] ?? 0) : 0;
  const moments: BatchMoments[] = [];
  // Each optimisation on unless asked off (an option given as undefined counts as not given).
  const given = options.tuning ?? {};
  const tuning = { pointwiseMatMul: given.pointwiseMatMul ?? true, shareRepeats: given.shareRepeats ?? true, fuseInference: given.fuseInference ?? true,
    fuseBatchNormRelu: given.fuseBatchNormRelu ?? false, fuseInferenceSums: given.fuseInferenceSums ?? true };
  const trainScope: LayerScope = {
    ops, weight, training: true, prefix: '', epsilon: options.epsilon, moments, pointwiseMatMul: tuning.pointwiseMatMul,
    ...(dropoutWidth > 0 ? { dropoutMask: ops.placeholder('dropout_mask', 'float32', [-1, dropoutWidth]) } : {}),
    ...(tuning.fuseBatchNormRelu ? { reluJoins: reluJoinable(nodes, plan, tuning.shareRepeats) } : {}),
  };
  const fwd = forward(trainScope, nodes, plan.input, x, tuning.shareRepeats);
  const logits = fwd.out.get(plan.logits) as string;
  const xent = ops.sparseSoftmaxXent('loss/xent', logits, labels);
  const ce = ops.reduce('loss/cross_entropy', 'Mean', `${xent}:0`, [0]);
  const batch = ops.cast('loss/batch', ops.element('loss/batch_int', ops.shape('loss/labels_shape', labels, 'int32'), 0), 'int32', 'float32');
  let dLogits = ops.binary('grad/loss/xent_mean', 'RealDiv', `${xent}:1`, batch);
  const lossWeight = options.microBatches ? ops.placeholder('loss_weight', 'float32', []) : undefined;
  if (lossWeight !== undefined) dLogits = ops.binary('grad/loss/weighted', 'Mul', dLogits, lossWeight);
  const grads = backward(ops, nodes, fwd, plan.logits, dLogits);
  const correct = ops.reduce('loss/correct_sum', 'Sum', ops.correct('loss/correct', logits, labels), [0]);
  const inits = emitUpdates(ops, { weights, reads, grads, moments, ce, correct, lossWeight, batch, bnMomentum: options.bnMomentum, options });
  ops.noOp('init', [...assigns, ...inits]);
  inference({ ...trainScope, training: false, prefix: 'infer/', moments: [], fuseConvBatchNorm: tuning.fuseInference,
    fuseSums: tuning.fuseInference && tuning.fuseInferenceSums, reluJoins: undefined },
    nodes, plan, x, labels, tuning.shareRepeats);
  return { graphDef: g.toGraphDef(), nodes: g.size, weights, dropoutWidth };
}
