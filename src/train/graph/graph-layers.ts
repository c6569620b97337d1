/**
 * Each plan layer kind (src/genome/network/plan.ts) as TensorFlow graph operations: its forward pass in
 * training or inference mode, and in training mode its backward pass, which the training graph emits
 * later in reverse order. The operations compute what the tfjs layer of the same kind computes
 * (src/model/layers.ts): 'same' padding, batch norm on the batch's moments in training and on the moving
 * statistics in inference, dropout by a mask the trainer draws, and so on. Gradients are TensorFlow's
 * own backward kernels (Conv2DBackpropInput/Filter, FusedBatchNormGradV3, ReluGrad, MaxPoolGrad, ...),
 * emitted by hand: the op set is small and known, and no gradient registry is needed.
 *
 * A dilated convolution runs as TensorFlow's Python layer runs it: space-to-batch, an undilated
 * convolution, batch-to-space (TensorFlow's CPU backward kernels do not take dilations).
 */
import type { TfOps, Window } from '../../backends/native/graph/tf-ops.ts';
import type { LayerSpec, PlanNode } from '../../genome/network/plan.ts';

type Pads = [[number, number], [number, number]];

/** What a layer's backward pass returns: gradients of its inputs (null where not needed) and of its weights. */
export interface LayerGrads {
  inputs: Array<string | null>;
  weights: Array<[string, string]>;
}

/** A layer's forward output and, in training mode, its backward pass. */
export interface LayerEmission {
  out: string;
  backward?: (dy: string, need: boolean[]) => LayerGrads;
  /** The convolution that ends the layer (no bias, undilated): its input, kernel and window, so a batch norm after it can fuse with it. */
  lastConv?: { x: string; w: string; win: Window };
}

/** A batch norm layer's batch moments, for the moving-statistics update. */
export interface BatchMoments {
  layer: string;
  /** The FusedBatchNormV3 node: output 1 is the batch mean, output 2 the Bessel-corrected variance. */
  bn: string;
  /** Height x width of the normalised input (values per channel per image). */
  perImage: number;
}

/** What the layer emitters need from the graph being built. */
export interface LayerScope {
  ops: TfOps;
  /** The read of a weight by its tfjs name (`<layer>/kernel`); throws for a weight the model lacks. */
  weight(name: string): string;
  training: boolean;
  /** Node name prefix of this pass: '' for training, `infer/` for inference. */
  prefix: string;
  /** Batch-norm epsilon. */
  epsilon: number;
  /** The dropout multiplier fed per step (training with dropout only). */
  dropoutMask?: string;
  /** Batch norm layers of the training pass append their moments here. */
  moments: BatchMoments[];
  /** Inference: run a convolution and the batch norm that alone reads it as one fused kernel (CPU). Default false. */
  fuseConvBatchNorm?: boolean;
  /** Inference: sums of fused convolution + batch norm kernels computed by the convolutions (fused-sums.ts). Default false. */
  fuseSums?: boolean;
  /** Run 1x1 stride-1 convolutions as matrix products. Default false. */
  pointwiseMatMul?: boolean;
  /** Training: batch norms whose only readers are ReLUs, each emitted with the ReLU as one kernel (the ReLU layers then add only their gradient). */
  reluJoins?: ReadonlySet<string>;
}

/**
 * Inference: a batch norm whose input layer ends in a convolution (`conv.lastConv`) that feeds nothing else,
 * emitted as one fused kernel; with `relu` (the ReLU layer that alone reads the batch norm) the ReLU joins
 * it. Nodes left unused (the convolution's own, or the fused kernel without the ReLU) stay in the graph,
 * and TensorFlow prunes them from every run.
 */
export function fusedConvBatchNorm(s: LayerScope, bn: PlanNode, conv: NonNullable<LayerEmission['lastConv']>, relu?: PlanNode): string {
  return s.ops.fusedConv2dBatchNorm(`${s.prefix}${(relu ?? bn).name}/FusedConv2D`, conv.x, conv.w, conv.win, {
    scale: s.weight(`${bn.name}/gamma`), offset: s.weight(`${bn.name}/beta`), mean: s.weight(`${bn.name}/moving_mean`),
    variance: s.weight(`${bn.name}/moving_variance`), epsilon: s.epsilon,
  }, relu !== undefined);
}

const pair = (v: number | [number, number]): [number, number] => (Array.isArray(v) ? v : [v, v]);
const grad = (name: string, part: string): string => `grad/${name}/${part}`;

/** Paddings and crops of TensorFlow's space-to-batch form of a 'same' convolution dilated by `d`. */
export function spaceToBatchPads(size: [number, number], kernel: [number, number], d: number): { pads: Pads; crops: Pads } {
  const axis = (n: number, k: number): [[number, number], [number, number]] => {
    const total = (k - 1) * d;
    const start = Math.floor(total / 2);
    const extra = (d - ((n + total) % d)) % d;
    return [[start, total - start + extra], [0, extra]];
  };
  const [ph, ch] = axis(size[0], kernel[0]);
  const [pw, cw] = axis(size[1], kernel[1]);
  return { pads: [ph, pw], crops: [ch, cw] };
}

type ConvKind = 'conv' | 'depthwise';

/** A 'same' convolution (dense or depthwise) of `x` with `w`, dilated through space-to-batch when d > 1. */
function convolution(s: LayerScope, kind: ConvKind, name: string, io: { x: string; w: string; wShape: number[]; inHW: [number, number] }, strides: [number, number], d: number): LayerEmission {
  const { ops } = s;
  const op = kind === 'conv' ? 'Conv2D' : 'Depthwise';
  const conv = (n: string, x: string, win: Window): string => (kind === 'conv' ? ops.conv2d(n, x, io.w, win) : ops.depthwise(n, x, io.w, win));
  const dInput = (n: string, sizes: string, dy: string, win: Window): string =>
    kind === 'conv' ? ops.conv2dBackpropInput(n, sizes, io.w, dy, win) : ops.depthwiseBackpropInput(n, sizes, io.w, dy, win);
  const dFilter = (n: string, x: string, dy: string, win: Window): string => {
    const sizes = ops.ints(`${n}/filter_sizes`, io.wShape);
    return kind === 'conv' ? ops.conv2dBackpropFilter(n, x, sizes, dy, win) : ops.depthwiseBackpropFilter(n, x, sizes, dy, win);
  };
  const p = `${s.prefix}${name}`;
  if (d === 1) {
    const win: Window = { strides, padding: 'SAME' };
    const out = conv(`${p}/${op}`, io.x, win);
    return {
      out,
      backward: (dy, need) => ({
        weights: [[io.w, dFilter(grad(name, `${op}_filter`), io.x, dy, win)]],
        inputs: [need[0] ? dInput(grad(name, `${op}_input`), ops.shape(grad(name, 'input_shape'), io.x), dy, win) : null],
      }),
    };
  }
  if (strides[0] !== 1 || strides[1] !== 1) throw new Error(`layer '${name}': a dilated convolution must have stride 1`);
  const { pads, crops } = spaceToBatchPads(io.inHW, [io.wShape[0], io.wShape[1]], d);
  const win: Window = { strides: [1, 1], padding: 'VALID' };
  const xs = ops.spaceToBatch(`${p}/space_to_batch`, io.x, [d, d], pads);
  const out = ops.batchToSpace(`${p}/batch_to_space`, conv(`${p}/${op}`, xs, win), [d, d], crops);
  return {
    out,
    backward: (dy, need) => {
      const dys = ops.spaceToBatch(grad(name, 'space_to_batch'), dy, [d, d], crops);
      const inputs = need[0]
        ? [ops.batchToSpace(grad(name, 'batch_to_space'), dInput(grad(name, `${op}_input`), ops.shape(grad(name, 'input_shape'), xs), dys, win), [d, d], pads)]
        : [null];
      return { weights: [[io.w, dFilter(grad(name, `${op}_filter`), xs, dys, win)]], inputs };
    },
  };
}

/**
 * A 1x1 convolution at stride 1 of `x` ([n, h, w, cin]) with `w` ([1, 1, cin, cout]) as one matrix product
 * over all pixels: NHWC is already a [n * h * w, cin] matrix, so neither pass reorders memory into the
 * blocked layout a convolution kernel works in (10-25% less CPU than Conv2D and its two backward kernels
 * on these shapes). `part` names the nodes (`<layer>/<part>/MatMul`).
 */
function pointwise(s: LayerScope, name: string, part: string, io: { x: string; w: string; cin: number; cout: number; hw: number[] }): LayerEmission {
  const { ops } = s;
  const p = `${s.prefix}${name}/${part}`;
  const x2 = ops.reshape(`${p}/x_2d`, io.x, ops.ints(`${p}/x_2d_shape`, [-1, io.cin]));
  const w2 = ops.reshape(`${p}/kernel_2d`, io.w, ops.ints(`${p}/kernel_2d_shape`, [io.cin, io.cout]));
  const out = ops.reshape(`${p}/y`, ops.matMul(`${p}/MatMul`, x2, w2), ops.ints(`${p}/y_shape`, [-1, io.hw[0], io.hw[1], io.cout]));
  return {
    out,
    backward: (dy, need) => {
      const g = (n: string): string => grad(name, `${part}_${n}`);
      const dy2 = ops.reshape(g('dy_2d'), dy, ops.ints(g('dy_2d_shape'), [-1, io.cout]));
      const dw = ops.reshape(g('kernel'), ops.matMul(g('MatMul_kernel'), x2, dy2, true, false), ops.ints(g('kernel_shape'), [1, 1, io.cin, io.cout]));
      const dx = need[0] ? ops.reshape(g('input'), ops.matMul(g('MatMul_input'), dy2, w2, false, true), ops.ints(g('input_shape'), [-1, io.hw[0], io.hw[1], io.cin])) : null;
      return { inputs: [dx], weights: [[io.w, dw]] };
    },
  };
}

/** A separable convolution's 1x1 stage as a Conv2D (what tfjs and Keras run). */
function pointwiseConv(s: LayerScope, name: string, io: { x: string; w: string; cin: number; cout: number }, win: Window): LayerEmission {
  const { ops } = s;
  return {
    out: ops.conv2d(`${s.prefix}${name}/pointwise`, io.x, io.w, win),
    backward: (dy) => ({
      weights: [[io.w, ops.conv2dBackpropFilter(grad(name, 'pointwise_filter'), io.x, ops.ints(grad(name, 'pointwise_sizes'), [1, 1, io.cin, io.cout]), dy, win)]],
      inputs: [ops.conv2dBackpropInput(grad(name, 'pointwise_input'), ops.shape(grad(name, 'depthwise_shape'), io.x), io.w, dy, win)],
    }),
  };
}

function conv2d(s: LayerScope, node: PlanNode, spec: Extract<LayerSpec, { kind: 'conv2d' }>, x: string, inShape: number[]): LayerEmission {
  const w = s.weight(`${node.name}/kernel`);
  const wShape = [spec.kernel[0], spec.kernel[1], inShape[2], spec.filters];
  const oneByOne = s.pointwiseMatMul === true && wShape[0] === 1 && wShape[1] === 1 && spec.strides[0] === 1 && spec.strides[1] === 1;
  const c = oneByOne
    ? pointwise(s, node.name, 'conv', { x, w, cin: inShape[2], cout: spec.filters, hw: inShape })
    : convolution(s, 'conv', node.name, { x, w, wShape, inHW: [inShape[0], inShape[1]] }, spec.strides, spec.dilation);
  if (!spec.useBias) return spec.dilation === 1 ? { ...c, lastConv: { x, w, win: { strides: spec.strides, padding: 'SAME' } } } : c;
  const b = s.weight(`${node.name}/bias`);
  const out = s.ops.biasAdd(`${s.prefix}${node.name}/BiasAdd`, c.out, b);
  return {
    out,
    backward: (dy, need) => {
      const g = (c.backward as NonNullable<LayerEmission['backward']>)(dy, need);
      return { inputs: g.inputs, weights: [...g.weights, [b, s.ops.biasAddGrad(grad(node.name, 'BiasAddGrad'), dy)]] };
    },
  };
}

function sepconv2d(s: LayerScope, node: PlanNode, spec: Extract<LayerSpec, { kind: 'sepconv2d' }>, x: string, inShape: number[]): LayerEmission {
  const dw = s.weight(`${node.name}/depthwise_kernel`);
  const pw = s.weight(`${node.name}/pointwise_kernel`);
  const depth = convolution(s, 'depthwise', node.name, { x, w: dw, wShape: [spec.kernel, spec.kernel, inShape[2], 1], inHW: [inShape[0], inShape[1]] },
    pair(spec.strides), spec.dilation);
  const win: Window = { strides: [1, 1], padding: 'VALID' };
  const pwise = s.pointwiseMatMul === true
    ? pointwise(s, node.name, 'pointwise', { x: depth.out, w: pw, cin: inShape[2], cout: spec.filters, hw: node.shape })
    : pointwiseConv(s, node.name, { x: depth.out, w: pw, cin: inShape[2], cout: spec.filters }, win);
  return {
    out: pwise.out,
    lastConv: { x: depth.out, w: pw, win },
    backward: (dy, need) => {
      const p = (pwise.backward as NonNullable<LayerEmission['backward']>)(dy, [true]);
      const g = (depth.backward as NonNullable<LayerEmission['backward']>)(p.inputs[0] as string, need);
      return { inputs: g.inputs, weights: [...g.weights, ...p.weights] };
    },
  };
}

function batchnorm(s: LayerScope, node: PlanNode, x: string, inShape: number[]): LayerEmission {
  const { ops } = s;
  const gamma = s.weight(`${node.name}/gamma`);
  const beta = s.weight(`${node.name}/beta`);
  if (!s.training) {
    const stats = { mean: s.weight(`${node.name}/moving_mean`), variance: s.weight(`${node.name}/moving_variance`) };
    return { out: ops.fusedBatchNorm(`${s.prefix}${node.name}/FusedBatchNormV3`, x, gamma, beta, stats, s.epsilon) };
  }
  const bn = s.reluJoins?.has(node.name) === true
    ? ops.fusedBatchNormRelu(`${node.name}/FusedBatchNormEx`, x, gamma, beta, s.epsilon)
    : ops.fusedBatchNorm(`${node.name}/FusedBatchNormV3`, x, gamma, beta, null, s.epsilon);
  s.moments.push({ layer: node.name, bn, perImage: inShape[0] * inShape[1] });
  return {
    out: `${bn}:0`,
    backward: (dy) => {
      const g = ops.fusedBatchNormGrad(grad(node.name, 'FusedBatchNormGradV3'), dy, x, gamma, bn, s.epsilon);
      return { inputs: [`${g}:0`], weights: [[gamma, `${g}:1`], [beta, `${g}:2`]] };
    },
  };
}

/** A ReLU whose batch norm already applied it (see `reluJoins`): its output is the batch norm's, its backward pass ReluGrad. */
export function joinedRelu(node: PlanNode, y: string, ops: TfOps): LayerEmission {
  return { out: y, backward: (dy) => ({ inputs: [ops.binary(grad(node.name, 'ReluGrad'), 'ReluGrad', dy, y)], weights: [] }) };
}

/** Pooling, padding and cropping: layers that move or pick pixels. */
function spatial(s: LayerScope, node: PlanNode, x: string, inShape: number[]): LayerEmission {
  const { ops } = s;
  const p = `${s.prefix}${node.name}`;
  const spec = node.layer;
  switch (spec.kind) {
    case 'maxpool':
    case 'avgpool': {
      const k: [number, number] = [spec.pool, spec.pool];
      const win: Window = { strides: [spec.strides, spec.strides], padding: spec.padding === 'same' ? 'SAME' : 'VALID' };
      if (spec.kind === 'maxpool') {
        const y = ops.maxPool(`${p}/MaxPool`, x, k, win);
        return { out: y, backward: (dy) => ({ inputs: [ops.maxPoolGrad(grad(node.name, 'MaxPoolGrad'), x, y, dy, k, win)], weights: [] }) };
      }
      return {
        out: ops.avgPool(`${p}/AvgPool`, x, k, win),
        backward: (dy) => ({ inputs: [ops.avgPoolGrad(grad(node.name, 'AvgPoolGrad'), ops.shape(grad(node.name, 'input_shape'), x), dy, k, win)], weights: [] }),
      };
    }
    case 'zeropad':
      return {
        out: ops.pad(`${p}/Pad`, x, spec.pad),
        backward: (dy) => ({ inputs: [ops.slice(grad(node.name, 'Slice'), dy, [0, spec.pad[0][0], spec.pad[1][0], 0], [-1, inShape[0], inShape[1], -1])], weights: [] }),
      };
    case 'crop':
      return {
        out: ops.slice(`${p}/Slice`, x, [0, spec.crop[0][0], spec.crop[1][0], 0], [-1, ...node.shape.slice(0, 2), -1]),
        backward: (dy) => ({ inputs: [ops.pad(grad(node.name, 'Pad'), dy, spec.crop)], weights: [] }),
      };
    default:
      throw new Error(`graph: layer '${node.name}' of kind '${spec.kind}' is not a pooling, padding or cropping layer`);
  }
}

/** Layers without weights. */
function weightless(s: LayerScope, node: PlanNode, xs: string[], inShapes: number[][]): LayerEmission {
  const { ops } = s;
  const p = `${s.prefix}${node.name}`;
  const spec = node.layer;
  const [x] = xs;
  switch (spec.kind) {
    case 'relu': {
      const y = ops.unary(`${p}/Relu`, 'Relu', x);
      return { out: y, backward: (dy) => ({ inputs: [ops.binary(grad(node.name, 'ReluGrad'), 'ReluGrad', dy, y)], weights: [] }) };
    }
    case 'maxpool':
    case 'avgpool':
    case 'zeropad':
    case 'crop':
      return spatial(s, node, x, inShapes[0]);
    case 'zeros':
      return { out: ops.unary(`${p}/ZerosLike`, 'ZerosLike', x), backward: () => ({ inputs: [null], weights: [] }) };
    case 'identity':
      return { out: x, backward: (dy) => ({ inputs: [dy], weights: [] }) };
    case 'add':
      return { out: ops.addN(`${p}/AddN`, xs), backward: (dy) => ({ inputs: xs.map(() => dy), weights: [] }) };
    case 'concat': {
      const sizes = inShapes.map((sh) => sh[2]);
      return {
        out: ops.concat(`${p}/ConcatV2`, xs, 3),
        backward: (dy) => {
          const split = ops.splitV(grad(node.name, 'SplitV'), dy, sizes, 3);
          return { inputs: sizes.map((_, i) => `${split}:${i}`), weights: [] };
        },
      };
    }
    case 'gap': {
      const [h, w, c] = inShapes[0];
      return {
        out: ops.reduce(`${p}/Mean`, 'Mean', x, [1, 2]),
        backward: (dy) => {
          const r = ops.reshape(grad(node.name, 'Reshape'), dy, ops.ints(grad(node.name, 'shape'), [-1, 1, 1, c]));
          const scaled = ops.binary(grad(node.name, 'Mul'), 'Mul', r, ops.scalar(1 / (h * w)));
          return { inputs: [ops.broadcastTo(grad(node.name, 'BroadcastTo'), scaled, ops.shape(grad(node.name, 'input_shape'), x))], weights: [] };
        },
      };
    }
    case 'dropout': {
      const mask = s.dropoutMask;
      if (!s.training || mask === undefined) return { out: x };
      return { out: ops.binary(`${p}/Mul`, 'Mul', x, mask), backward: (dy) => ({ inputs: [ops.binary(grad(node.name, 'Mul'), 'Mul', dy, mask)], weights: [] }) };
    }
    case 'softmax':
      return { out: ops.unary(`${p}/Softmax`, 'Softmax', x) };
    default:
      throw new Error(`graph: layer '${node.name}' of kind '${spec.kind}' has no graph form`);
  }
}

function dense(s: LayerScope, node: PlanNode, x: string): LayerEmission {
  const { ops } = s;
  const w = s.weight(`${node.name}/kernel`);
  const b = s.weight(`${node.name}/bias`);
  const out = ops.biasAdd(`${s.prefix}${node.name}/BiasAdd`, ops.matMul(`${s.prefix}${node.name}/MatMul`, x, w), b);
  return {
    out,
    backward: (dy, need) => ({
      inputs: [need[0] ? ops.matMul(grad(node.name, 'MatMul_input'), dy, w, false, true) : null],
      weights: [[w, ops.matMul(grad(node.name, 'MatMul_kernel'), x, dy, true, false)], [b, ops.biasAddGrad(grad(node.name, 'BiasAddGrad'), dy)]],
    }),
  };
}

/** The weight names (tfjs names, `<layer>/<part>`) a plan layer reads, in the order tfjs-layers creates them. */
export function layerWeightNames(node: PlanNode): string[] {
  const parts: Record<string, string[]> = {
    conv2d: node.layer.kind === 'conv2d' && node.layer.useBias ? ['kernel', 'bias'] : ['kernel'],
    sepconv2d: ['depthwise_kernel', 'pointwise_kernel'],
    batchnorm: ['gamma', 'beta', 'moving_mean', 'moving_variance'],
    dense: ['kernel', 'bias'],
  };
  return (parts[node.layer.kind] ?? []).map((p) => `${node.name}/${p}`);
}

/** Emits `node` reading `xs` (whose shapes are `inShapes`). */
export function emitLayer(s: LayerScope, node: PlanNode, xs: string[], inShapes: number[][]): LayerEmission {
  const spec = node.layer;
  switch (spec.kind) {
    case 'conv2d':
      return conv2d(s, node, spec, xs[0], inShapes[0]);
    case 'sepconv2d':
      return sepconv2d(s, node, spec, xs[0], inShapes[0]);
    case 'batchnorm':
      if (inShapes[0].length !== 3) throw new Error(`graph: batch norm '${node.name}' needs an image input, got shape [${inShapes[0].join(', ')}]`);
      return batchnorm(s, node, xs[0], inShapes[0]);
    case 'dense':
      return dense(s, node, xs[0]);
    default:
      return weightless(s, node, xs, inShapes);
  }
}
