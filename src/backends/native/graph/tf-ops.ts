/**
 * Typed emitters of the TensorFlow operations the training graphs use, over a GraphDefBuilder. Each
 * takes the new node's name and its input references and returns the reference of its output
 * (`name`, or `name:k` for output k). Float tensors are float32 and images NHWC throughout. The
 * attributes are the ones TensorFlow's op registry requires for each op (see its `REGISTER_OP`s).
 */
import { attr, GraphDefBuilder } from './graph-def.ts';
import type { AttrValue, GraphDType } from './graph-def.ts';

const T = { T: attr.type('float32') };
const NHWC = attr.str('NHWC');

/** Window attributes of a convolution or pooling: stride and dilation per spatial axis, padding. */
export interface Window {
  strides: [number, number];
  padding: 'SAME' | 'VALID';
  dilations?: [number, number];
}

const nhwc = ([h, w]: [number, number]): AttrValue => attr.ints([1, h, w, 1]);

function convAttrs(win: Window): Record<string, AttrValue> {
  return { ...T, strides: nhwc(win.strides), padding: attr.str(win.padding), dilations: nhwc(win.dilations ?? [1, 1]), data_format: NHWC };
}

function poolAttrs(ksize: [number, number], win: Window): Record<string, AttrValue> {
  return { ...T, ksize: nhwc(ksize), strides: nhwc(win.strides), padding: attr.str(win.padding), data_format: NHWC };
}

/** The emitters; `g` is the graph they add to. */
export class TfOps {
  private readonly scalars = new Map<string, string>();
  private readonly intConstants = new Map<string, string>();

  constructor(readonly g: GraphDefBuilder) {}

  private op(name: string, op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, after?: string[]): string {
    return this.g.add(name, op, { inputs, attrs, after });
  }

  placeholder(name: string, dtype: GraphDType, shape: readonly number[]): string {
    return this.op(name, 'Placeholder', [], { dtype: attr.type(dtype), shape: attr.shape(shape) });
  }

  /** A float32 scalar constant, shared by every caller asking for the same value. */
  scalar(value: number): string {
    const key = Object.is(value, -0) ? '-0' : String(value);
    let ref = this.scalars.get(key);
    if (ref === undefined) {
      ref = this.g.constant(this.g.unique('const/scalar'), { dtype: 'float32', shape: [], values: [value] });
      this.scalars.set(key, ref);
    }
    return ref;
  }

  /** An int32 vector constant, shared by every caller asking for the same values (the first caller's name names it). */
  ints(name: string, values: readonly number[]): string {
    return this.sharedInt(name, [values.length], values);
  }

  /** An int32 scalar constant, shared like {@link ints}. */
  int(name: string, value: number): string {
    return this.sharedInt(name, [], [value]);
  }

  private sharedInt(name: string, shape: number[], values: readonly number[]): string {
    const key = `${shape.length}:${values.join(',')}`;
    let ref = this.intConstants.get(key);
    if (ref === undefined) {
      ref = this.g.constant(this.g.unique(name), { dtype: 'int32', shape, values });
      this.intConstants.set(key, ref);
    }
    return ref;
  }

  /** A resource variable of float32 elements; its node name is also its shared name. */
  variable(name: string, shape: readonly number[]): string {
    return this.op(name, 'VarHandleOp', [], {
      dtype: attr.type('float32'), shape: attr.shape(shape), shared_name: attr.str(name), container: attr.str(''),
    });
  }

  read(name: string, variable: string, after?: string[]): string {
    return this.op(name, 'ReadVariableOp', [variable], { dtype: attr.type('float32') }, after);
  }

  assign(name: string, variable: string, value: string, after?: string[]): string {
    return this.op(name, 'AssignVariableOp', [variable, value], { dtype: attr.type('float32') }, after);
  }

  assignAdd(name: string, variable: string, value: string, after?: string[]): string {
    return this.op(name, 'AssignAddVariableOp', [variable, value], { dtype: attr.type('float32') }, after);
  }

  assignSub(name: string, variable: string, value: string, after?: string[]): string {
    return this.op(name, 'AssignSubVariableOp', [variable, value], { dtype: attr.type('float32') }, after);
  }

  /** A float32 tensor of zeros with the static shape `shape`. */
  zeros(name: string, shape: readonly number[]): string {
    return this.op(name, 'Fill', [this.ints(`${name}/dims`, shape), this.scalar(0)], { ...T, index_type: attr.type('int32') });
  }

  conv2d(name: string, x: string, w: string, win: Window): string {
    return this.op(name, 'Conv2D', [x, w], { ...convAttrs(win), use_cudnn_on_gpu: attr.bool(true), explicit_paddings: attr.ints([]) });
  }

  /**
   * Inference only: a convolution and the batch norm after it in one kernel (TensorFlow's `_FusedConv2D`
   * with `FusedBatchNorm`, what its graph optimiser makes of the pair on CPU): y = bn(conv(x, w)).
   */
  /** A convolution, the inference batch norm after it and, with `relu`, a ReLU: one CPU kernel. */
  fusedConv2dBatchNorm(name: string, x: string, w: string, win: Window, bn: { scale: string; offset: string; mean: string; variance: string; epsilon: number }, relu = false): string {
    const fused = (relu ? ['FusedBatchNorm', 'Relu'] : ['FusedBatchNorm']).map((f) => new TextEncoder().encode(f));
    return this.op(name, '_FusedConv2D', [x, w, bn.scale, bn.offset, bn.mean, bn.variance], {
      ...convAttrs(win), use_cudnn_on_gpu: attr.bool(true), explicit_paddings: attr.ints([]), TArgs: attr.types(['float32', 'float32', 'float32', 'float32']),
      num_args: attr.int(4), num_host_args: attr.int(0), filter_format: attr.str('HWIO'), fused_ops: { list: { s: fused } },
      epsilon: attr.float(bn.epsilon), leakyrelu_alpha: attr.float(0.2),
    });
  }

  /** Inference only: a convolution, a bias and an addend added in the same kernel (oneDNN's sum post-op): y = conv(x, w) + bias + addend. */
  fusedConv2dBiasAdd(name: string, x: string, w: string, win: Window, bias: string, addend: string): string {
    const fused = ['BiasAdd', 'Add'].map((f) => new TextEncoder().encode(f));
    return this.op(name, '_FusedConv2D', [x, w, bias, addend], {
      ...convAttrs(win), use_cudnn_on_gpu: attr.bool(true), explicit_paddings: attr.ints([]), TArgs: attr.types(['float32', 'float32']),
      num_args: attr.int(2), num_host_args: attr.int(0), filter_format: attr.str('HWIO'), fused_ops: { list: { s: fused } },
      epsilon: attr.float(0), leakyrelu_alpha: attr.float(0.2),
    });
  }

  conv2dBackpropInput(name: string, inputSizes: string, w: string, dy: string, win: Window): string {
    return this.op(name, 'Conv2DBackpropInput', [inputSizes, w, dy], { ...convAttrs(win), use_cudnn_on_gpu: attr.bool(true), explicit_paddings: attr.ints([]) });
  }

  conv2dBackpropFilter(name: string, x: string, filterSizes: string, dy: string, win: Window): string {
    return this.op(name, 'Conv2DBackpropFilter', [x, filterSizes, dy], { ...convAttrs(win), use_cudnn_on_gpu: attr.bool(true), explicit_paddings: attr.ints([]) });
  }

  depthwise(name: string, x: string, w: string, win: Window): string {
    return this.op(name, 'DepthwiseConv2dNative', [x, w], { ...convAttrs(win), explicit_paddings: attr.ints([]) });
  }

  depthwiseBackpropInput(name: string, inputSizes: string, w: string, dy: string, win: Window): string {
    return this.op(name, 'DepthwiseConv2dNativeBackpropInput', [inputSizes, w, dy], { ...convAttrs(win), explicit_paddings: attr.ints([]) });
  }

  depthwiseBackpropFilter(name: string, x: string, filterSizes: string, dy: string, win: Window): string {
    return this.op(name, 'DepthwiseConv2dNativeBackpropFilter', [x, filterSizes, dy], { ...convAttrs(win), explicit_paddings: attr.ints([]) });
  }

  spaceToBatch(name: string, x: string, block: [number, number], paddings: [[number, number], [number, number]]): string {
    return this.op(name, 'SpaceToBatchND', [x, this.ints(`${name}/block`, block), this.g.constant(this.g.unique(`${name}/paddings`),
      { dtype: 'int32', shape: [2, 2], values: paddings.flat() })], { ...T, Tblock_shape: attr.type('int32'), Tpaddings: attr.type('int32') });
  }

  batchToSpace(name: string, x: string, block: [number, number], crops: [[number, number], [number, number]]): string {
    return this.op(name, 'BatchToSpaceND', [x, this.ints(`${name}/block`, block), this.g.constant(this.g.unique(`${name}/crops`),
      { dtype: 'int32', shape: [2, 2], values: crops.flat() })], { ...T, Tblock_shape: attr.type('int32'), Tcrops: attr.type('int32') });
  }

  /**
   * FusedBatchNormV3. Training (`mean` and `variance` null): normalises by the batch's moments; outputs
   * y, batch mean, batch variance (Bessel-corrected), and three reserve spaces for the gradient.
   * Inference: normalises by `mean` and `variance`.
   */
  fusedBatchNorm(name: string, x: string, scale: string, offset: string, stats: { mean: string; variance: string } | null, epsilon: number): string {
    const empty = stats === null ? this.emptyVector() : '';
    return this.op(name, 'FusedBatchNormV3', [x, scale, offset, stats?.mean ?? empty, stats?.variance ?? empty], {
      ...T, U: attr.type('float32'), epsilon: attr.float(epsilon), exponential_avg_factor: attr.float(1),
      data_format: NHWC, is_training: attr.bool(stats === null),
    });
  }

  /**
   * Training-mode batch norm with a ReLU applied to its output, as one kernel (`_FusedBatchNormEx`, which
   * TensorFlow's oneDNN pass runs as `_MklFusedBatchNormEx`; Eigen's CPU kernel takes no activation).
   * Outputs as FusedBatchNormV3's, output 0 after the ReLU.
   */
  fusedBatchNormRelu(name: string, x: string, scale: string, offset: string, epsilon: number): string {
    const empty = this.emptyVector();
    return this.op(name, '_FusedBatchNormEx', [x, scale, offset, empty, empty], {
      ...T, U: attr.type('float32'), epsilon: attr.float(epsilon), exponential_avg_factor: attr.float(1), data_format: NHWC,
      is_training: attr.bool(true), num_side_inputs: attr.int(0), activation_mode: attr.str('Relu'),
    });
  }

  private emptyVector(): string {
    const name = 'const/empty';
    return this.g.has(name) ? name : this.g.constant(name, { dtype: 'float32', shape: [0], values: [] });
  }

  /** FusedBatchNormGradV3 in training mode: outputs dx, dscale, doffset. */
  fusedBatchNormGrad(name: string, dy: string, x: string, scale: string, bn: string, epsilon: number): string {
    return this.op(name, 'FusedBatchNormGradV3', [dy, x, scale, `${bn}:3`, `${bn}:4`, `${bn}:5`], {
      ...T, U: attr.type('float32'), epsilon: attr.float(epsilon), data_format: NHWC, is_training: attr.bool(true),
    });
  }

  unary(name: string, op: 'Relu' | 'Softmax' | 'Identity' | 'ZerosLike' | 'L2Loss' | 'Sqrt' | 'Rsqrt' | 'Neg' | 'Log', x: string, after?: string[]): string {
    return this.op(name, op, [x], T, after);
  }

  binary(name: string, op: 'AddV2' | 'Sub' | 'Mul' | 'RealDiv' | 'Maximum' | 'ReluGrad', a: string, b: string): string {
    return this.op(name, op, [a, b], T);
  }

  addN(name: string, xs: string[]): string {
    if (xs.length === 1) return xs[0];
    return this.op(name, 'AddN', xs, { ...T, N: attr.int(xs.length) });
  }

  maxPool(name: string, x: string, ksize: [number, number], win: Window): string {
    return this.op(name, 'MaxPool', [x], poolAttrs(ksize, win));
  }

  maxPoolGrad(name: string, x: string, y: string, dy: string, ksize: [number, number], win: Window): string {
    return this.op(name, 'MaxPoolGrad', [x, y, dy], poolAttrs(ksize, win));
  }

  avgPool(name: string, x: string, ksize: [number, number], win: Window): string {
    return this.op(name, 'AvgPool', [x], poolAttrs(ksize, win));
  }

  avgPoolGrad(name: string, inputShape: string, dy: string, ksize: [number, number], win: Window): string {
    return this.op(name, 'AvgPoolGrad', [inputShape, dy], poolAttrs(ksize, win));
  }

  /** Pads an NHWC tensor spatially with zeros. */
  pad(name: string, x: string, pad: [[number, number], [number, number]]): string {
    const paddings = this.g.constant(this.g.unique(`${name}/paddings`), { dtype: 'int32', shape: [4, 2], values: [0, 0, ...pad[0], ...pad[1], 0, 0] });
    return this.op(name, 'Pad', [x, paddings], { ...T, Tpaddings: attr.type('int32') });
  }

  /** Slice with constant `begin` and `size` (-1: to the end). */
  slice(name: string, x: string, begin: number[], size: number[]): string {
    return this.op(name, 'Slice', [x, this.ints(`${name}/begin`, begin), this.ints(`${name}/size`, size)], { ...T, Index: attr.type('int32') });
  }

  concat(name: string, xs: string[], axis: number): string {
    return this.op(name, 'ConcatV2', [...xs, this.int(`${name}/axis`, axis)], { ...T, N: attr.int(xs.length), Tidx: attr.type('int32') });
  }

  /** Splits `x` along `axis` into pieces of the given sizes: outputs `name:0`, `name:1`, ... */
  splitV(name: string, x: string, sizes: number[], axis: number): string {
    return this.op(name, 'SplitV', [x, this.ints(`${name}/sizes`, sizes), this.int(`${name}/axis`, axis)], { ...T, Tlen: attr.type('int32'), num_split: attr.int(sizes.length) });
  }

  /** Mean or Sum over constant axes. */
  reduce(name: string, op: 'Mean' | 'Sum', x: string, axes: number[], keepDims = false, dtype: GraphDType = 'float32'): string {
    return this.op(name, op, [x, this.ints(`${name}/axes`, axes)], { T: attr.type(dtype), Tidx: attr.type('int32'), keep_dims: attr.bool(keepDims) });
  }

  shape(name: string, x: string, dtype: GraphDType = 'float32'): string {
    return this.op(name, 'Shape', [x], { T: attr.type(dtype), out_type: attr.type('int32') });
  }

  reshape(name: string, x: string, shape: string): string {
    return this.op(name, 'Reshape', [x, shape], { ...T, Tshape: attr.type('int32') });
  }

  broadcastTo(name: string, x: string, shape: string): string {
    return this.op(name, 'BroadcastTo', [x, shape], { ...T, Tidx: attr.type('int32') });
  }

  cast(name: string, x: string, from: GraphDType, to: GraphDType): string {
    return this.op(name, 'Cast', [x], { SrcT: attr.type(from), DstT: attr.type(to), Truncate: attr.bool(false) });
  }

  /** Element `index` of an int32 vector, as an int32 scalar. */
  element(name: string, v: string, index: number): string {
    return this.op(name, 'StridedSlice', [v, this.ints(`${name}/begin`, [index]), this.ints(`${name}/end`, [index + 1]), this.ints(`${name}/strides`, [1])], {
      T: attr.type('int32'), Index: attr.type('int32'), begin_mask: attr.int(0), end_mask: attr.int(0),
      ellipsis_mask: attr.int(0), new_axis_mask: attr.int(0), shrink_axis_mask: attr.int(1),
    });
  }

  matMul(name: string, a: string, b: string, transposeA = false, transposeB = false): string {
    return this.op(name, 'MatMul', [a, b], { ...T, transpose_a: attr.bool(transposeA), transpose_b: attr.bool(transposeB) });
  }

  biasAdd(name: string, x: string, bias: string): string {
    return this.op(name, 'BiasAdd', [x, bias], { ...T, data_format: NHWC });
  }

  biasAddGrad(name: string, dy: string): string {
    return this.op(name, 'BiasAddGrad', [dy], { ...T, data_format: NHWC });
  }

  /** SparseSoftmaxCrossEntropyWithLogits: per-example loss (`name:0`) and its gradient by the logits (`name:1`). */
  sparseSoftmaxXent(name: string, logits: string, labels: string): string {
    return this.op(name, 'SparseSoftmaxCrossEntropyWithLogits', [logits, labels], { ...T, Tlabels: attr.type('int32') });
  }

  /** Whether each row's largest logit is at its label, as float32 0/1. */
  correct(name: string, logits: string, labels: string): string {
    const arg = this.op(`${name}/argmax`, 'ArgMax', [logits, this.int(`${name}/axis`, 1)], { ...T, Tidx: attr.type('int32'), output_type: attr.type('int32') });
    const eq = this.op(`${name}/equal`, 'Equal', [arg, labels], { T: attr.type('int32'), incompatible_shape_error: attr.bool(true) });
    return this.cast(name, eq, 'bool', 'float32');
  }

  /** A node that does nothing but run the nodes in `after` (a session run target). */
  noOp(name: string, after: string[]): string {
    return this.op(name, 'NoOp', [], {}, after);
  }

  /** Stacks float32 scalars into a vector; runs after the nodes in `after`. */
  pack(name: string, xs: string[], after?: string[]): string {
    return this.op(name, 'Pack', xs, { ...T, N: attr.int(xs.length), axis: attr.int(0) }, after);
  }

  /** ResourceApplyMomentum: accum = momentum * accum + grad; var -= lr * (grad + momentum * accum) with Nesterov, else lr * accum. */
  applyMomentum(name: string, v: string, accum: string, lr: string, grad: string, momentum: string, nesterov: boolean, after?: string[]): string {
    return this.op(name, 'ResourceApplyMomentum', [v, accum, lr, grad, momentum], { ...T, use_locking: attr.bool(false), use_nesterov: attr.bool(nesterov) }, after);
  }

  /** ResourceApplyAdam with the bias corrections fed as beta powers. */
  applyAdam(name: string, v: string, m: string, s: string, p: { beta1Power: string; beta2Power: string; lr: string; beta1: string; beta2: string; epsilon: string }, grad: string, after?: string[]): string {
    return this.op(name, 'ResourceApplyAdam', [v, m, s, p.beta1Power, p.beta2Power, p.lr, p.beta1, p.beta2, p.epsilon, grad],
      { ...T, use_locking: attr.bool(false), use_nesterov: attr.bool(false) }, after);
  }
}
