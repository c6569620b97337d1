/**
 * tfjs kernel configs for the wasm backend: the three convolution gradients the stock backend lacks, a
 * replacement for its scalar-loop Conv2DBackpropInput, and a padding fix for its forward convolutions. Each kernel runs public tfjs ops (the engine is
 * already on wasm while a kernel runs, and ops called from inside a kernel are not taped) and returns the
 * resulting tensor, which the engine hands on as the kernel's output.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dFilterGrad, conv2dInputGrad, depthwiseFilterGrad, depthwiseInputGrad } from './conv-grads.ts';
import type { ConvGeometry } from './conv-grads.ts';
import { asKernelFunc, callKernel, compose, input, WASM } from '../kernel-util.ts';
import type { Attrs, KernelArgs } from '../kernel-util.ts';

type Shape4 = [number, number, number, number];

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

function conv2dBackpropFilter({ inputs, attrs }: KernelArgs): tf.Tensor {
  const a = attrs ?? {};
  return compose<tf.Tensor4D>([input(inputs, 'x'), input(inputs, 'dy')], ([x, dy]) => {
    const nchw = isNchw(a);
    return conv2dFilterGrad(nchw ? toNhwc(x) : x, nchw ? toNhwc(dy) : dy, a.filterShape as Shape4, geometry(a, false));
  });
}

function conv2dBackpropInput({ inputs, attrs }: KernelArgs): tf.Tensor {
  const a = attrs ?? {};
  return compose<tf.Tensor4D>([input(inputs, 'dy'), input(inputs, 'filter')], ([dy, filter]) => {
    const nchw = isNchw(a);
    const shape = a.inputShape as Shape4;
    const dx = conv2dInputGrad(nchw ? toNhwc(dy) : dy, filter, nchw ? shapeToNhwc(shape) : shape, geometry(a, false));
    return nchw ? toNchw(dx) : dx;
  });
}

function depthwiseBackpropFilter({ inputs, attrs }: KernelArgs): tf.Tensor {
  const a = attrs ?? {};
  return compose<tf.Tensor4D>([input(inputs, 'x'), input(inputs, 'dy')], ([x, dy]) => depthwiseFilterGrad(x, dy, a.filterShape as Shape4, geometry(a, true)));
}

function depthwiseBackpropInput({ inputs, attrs }: KernelArgs): tf.Tensor {
  const a = attrs ?? {};
  return compose<tf.Tensor4D>([input(inputs, 'dy'), input(inputs, 'filter')], ([dy, filter]) => depthwiseInputGrad(dy, filter, a.inputShape as Shape4, geometry(a, true)));
}

function config(kernelName: string, kernelFunc: (args: KernelArgs) => tf.Tensor): tf.KernelConfig {
  return { kernelName, backendName: WASM, kernelFunc: asKernelFunc(kernelFunc) };
}

/** Kernels the stock wasm backend does not register at all. */
export const MISSING_KERNELS: readonly tf.KernelConfig[] = [
  config(tf.Conv2DBackpropFilter, conv2dBackpropFilter),
  config(tf.DepthwiseConv2dNativeBackpropFilter, depthwiseBackpropFilter),
  config(tf.DepthwiseConv2dNativeBackpropInput, depthwiseBackpropInput),
];

function explicitSame(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: Attrs, depthwise: boolean): tf.backend_util.ExplicitPadding {
  const nchw = attrs.dataFormat === 'NCHW';
  const xShape = x.shape as Shape4;
  const info = tf.backend_util.computeConv2DInfo(nchw ? shapeToNhwc(xShape) : xShape, filter.shape as Shape4,
    attrs.strides as ConvGeometry['strides'], (attrs.dilations ?? 1) as ConvGeometry['dilations'], 'same', undefined, depthwise);
  const { top, bottom, left, right } = info.padInfo;
  return nchw ? [[0, 0], [0, 0], [top, bottom], [left, right]] : [[0, 0], [top, bottom], [left, right], [0, 0]];
}

/**
 * The stock forward convolution `stock`, given explicit padding wherever it was asked for 'same': the
 * stock wasm convolutions compute 'same' padding wrongly for non-square kernels with stride 2 (a 1x7
 * convolution of a 12x12 image gives unrelated numbers) and are exact with tfjs's own explicit split.
 */
export function withExplicitSamePadding(stock: tf.KernelConfig): tf.KernelConfig {
  const depthwise = stock.kernelName === tf.DepthwiseConv2dNative || stock.kernelName === tf.FusedDepthwiseConv2D;
  const kernelFunc = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const a = args.attrs ?? {};
    if (a.pad !== 'same') return callKernel(stock, args);
    const pad = explicitSame(input(args.inputs, 'x'), input(args.inputs, 'filter'), a, depthwise);
    return callKernel(stock, { ...args, attrs: { ...a, pad } });
  };
  return { ...stock, kernelFunc: asKernelFunc(kernelFunc) };
}

/** Conv2DBackpropInput as a convolution of the spread output gradient with the flipped kernel. */
export const CONV2D_BACKPROP_INPUT: tf.KernelConfig = config(tf.Conv2DBackpropInput, conv2dBackpropInput);
