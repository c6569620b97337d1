/**
 * tfjs kernel configs for the wasm backend: the three convolution gradients the stock backend lacks, and a
 * replacement for its scalar-loop Conv2DBackpropInput. Each kernel runs public tfjs ops (the engine is
 * already on wasm while a kernel runs, and ops called from inside a kernel are not taped) and returns the
 * resulting tensor, which the engine hands on as the kernel's output.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dFilterGrad, conv2dInputGrad, depthwiseFilterGrad, depthwiseInputGrad } from './conv-grads.ts';
import type { ConvGeometry } from './conv-grads.ts';

type Shape4 = [number, number, number, number];
type Attrs = Record<string, unknown>;

/** The backend these kernels are registered for. */
export const WASM = 'wasm';

/** A tensor handle on a kernel input; it holds its own reference, so disposing it leaves the input alive. */
function asTensor(t: tf.TensorInfo): tf.Tensor4D {
  const engine = tf.engine();
  const handle = engine.makeTensorFromTensorInfo(t) as tf.Tensor4D;
  engine.backend.incRef(t.dataId);
  return handle;
}

function input(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new Error(`kernel input '${name}' is missing`);
  return t;
}

function isNchw(attrs: Attrs): boolean {
  return attrs.dataFormat === 'NCHW';
}

function geometry(attrs: Attrs, withDilations: boolean): ConvGeometry {
  return {
    strides: attrs.strides as ConvGeometry['strides'],
    dilations: withDilations && attrs.dilations != null ? (attrs.dilations as ConvGeometry['dilations']) : 1,
    pad: attrs.pad as ConvGeometry['pad'],
    dimRoundingMode: attrs.dimRoundingMode as ConvGeometry['dimRoundingMode'],
  };
}

const toNhwc = (t: tf.Tensor4D): tf.Tensor4D => tf.transpose(t, [0, 2, 3, 1]);
const toNchw = (t: tf.Tensor4D): tf.Tensor4D => tf.transpose(t, [0, 3, 1, 2]);
const shapeToNhwc = (s: Shape4): Shape4 => [s[0], s[2], s[3], s[1]];

/** Runs `body` on tensors made from the kernel's inputs and returns its result, leaving nothing behind. */
function compose(inputs: tf.TensorInfo[], body: (ts: tf.Tensor4D[]) => tf.Tensor): tf.Tensor {
  return tf.tidy(() => body(inputs.map(asTensor)));
}

function conv2dBackpropFilter({ inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: Attrs }): tf.Tensor {
  const a = attrs ?? {};
  return compose([input(inputs, 'x'), input(inputs, 'dy')], ([x, dy]) => {
    const nchw = isNchw(a);
    return conv2dFilterGrad(nchw ? toNhwc(x) : x, nchw ? toNhwc(dy) : dy, a.filterShape as Shape4, geometry(a, false));
  });
}

function conv2dBackpropInput({ inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: Attrs }): tf.Tensor {
  const a = attrs ?? {};
  return compose([input(inputs, 'dy'), input(inputs, 'filter')], ([dy, filter]) => {
    const nchw = isNchw(a);
    const shape = a.inputShape as Shape4;
    const dx = conv2dInputGrad(nchw ? toNhwc(dy) : dy, filter, nchw ? shapeToNhwc(shape) : shape, geometry(a, false));
    return nchw ? toNchw(dx) : dx;
  });
}

function depthwiseBackpropFilter({ inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: Attrs }): tf.Tensor {
  const a = attrs ?? {};
  return compose([input(inputs, 'x'), input(inputs, 'dy')], ([x, dy]) => depthwiseFilterGrad(x, dy, a.filterShape as Shape4, geometry(a, true)));
}

function depthwiseBackpropInput({ inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: Attrs }): tf.Tensor {
  const a = attrs ?? {};
  return compose([input(inputs, 'dy'), input(inputs, 'filter')], ([dy, filter]) => depthwiseInputGrad(dy, filter, a.inputShape as Shape4, geometry(a, true)));
}

function config(kernelName: string, kernelFunc: (args: { inputs: tf.NamedTensorInfoMap; attrs?: Attrs }) => tf.Tensor): tf.KernelConfig {
  return { kernelName, backendName: WASM, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** Kernels the stock wasm backend does not register at all. */
export const MISSING_KERNELS: readonly tf.KernelConfig[] = [
  config(tf.Conv2DBackpropFilter, conv2dBackpropFilter),
  config(tf.DepthwiseConv2dNativeBackpropFilter, depthwiseBackpropFilter),
  config(tf.DepthwiseConv2dNativeBackpropInput, depthwiseBackpropInput),
];

/**
 * Forward convolution kernels whose stock wasm version computes 'same' padding wrongly for non-square
 * kernels with stride 2 (e.g. a 1x7 convolution of a 12x12 image gives unrelated numbers); given explicit
 * padding they are exact, so their wrappers turn 'same' into tfjs's own explicit split.
 */
export const SAME_PADDING_FIXED: readonly string[] = [tf.Conv2D, tf.FusedConv2D, tf.DepthwiseConv2dNative, tf.FusedDepthwiseConv2D];

function explicitSame(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: Attrs, depthwise: boolean): tf.backend_util.ExplicitPadding {
  const nchw = attrs.dataFormat === 'NCHW';
  const xShape = x.shape as Shape4;
  const info = tf.backend_util.computeConv2DInfo(nchw ? shapeToNhwc(xShape) : xShape, filter.shape as Shape4,
    attrs.strides as ConvGeometry['strides'], (attrs.dilations ?? 1) as ConvGeometry['dilations'], 'same', undefined, depthwise);
  const { top, bottom, left, right } = info.padInfo;
  return nchw ? [[0, 0], [0, 0], [top, bottom], [left, right]] : [[0, 0], [top, bottom], [left, right], [0, 0]];
}

/** The stock forward convolution `stock`, given explicit padding wherever it was asked for 'same'. */
export function withExplicitSamePadding(stock: tf.KernelConfig): tf.KernelConfig {
  const depthwise = stock.kernelName === tf.DepthwiseConv2dNative || stock.kernelName === tf.FusedDepthwiseConv2D;
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; attrs?: Attrs; backend: unknown }): tf.TensorInfo | tf.TensorInfo[] => {
    const a = args.attrs ?? {};
    if (a.pad !== 'same') return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]);
    const pad = explicitSame(input(args.inputs, 'x'), input(args.inputs, 'filter'), a, depthwise);
    return stock.kernelFunc({ ...args, attrs: { ...a, pad } } as Parameters<tf.KernelFunc>[0]);
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** Kernels that replace a stock wasm kernel measured to be far slower than the composition. */
export const REPLACEMENT_KERNELS: readonly tf.KernelConfig[] = [
  config(tf.Conv2DBackpropInput, conv2dBackpropInput),
];
