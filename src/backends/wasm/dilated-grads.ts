/**
 * Gradients of dilated convolutions, which tfjs-core refuses ("dilation rates greater than 1 are not yet
 * supported"). A convolution with dilation d equals an undilated one whose filter has d - 1 zeros between
 * its taps, so the input gradient is the undilated input gradient of that spread filter and the filter
 * gradient is the undilated filter gradient picked back at the taps. This works on every backend with the
 * stock undilated gradient kernels; undilated convolutions keep tfjs's own gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { zeroInsert } from './conv-grads.ts';

type Shape4 = [number, number, number, number];
type Attrs = Record<string, unknown>;

function pair(v: unknown): [number, number] {
  if (v == null) return [1, 1];
  return typeof v === 'number' ? [v, v] : (v as [number, number]);
}

/** The filter [kh, kw, a, b] spread onto the ((kh - 1) * dh + 1, (kw - 1) * dw + 1) grid. */
function spreadFilter(filter: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, a, b] = filter.shape;
    const spread = zeroInsert(tf.reshape(filter, [1, kh, kw, a * b]) as tf.Tensor4D, dh, dw);
    return tf.reshape(spread, [spread.shape[1], spread.shape[2], a, b]) as tf.Tensor4D;
  });
}

function pickTaps(full: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D {
  return tf.stridedSlice(full, [0, 0, 0, 0], full.shape, [dh, dw, 1, 1]) as tf.Tensor4D;
}

function run(kernel: string, inputs: tf.NamedTensorMap, attrs: Attrs): tf.Tensor4D {
  return tf.engine().runKernel(kernel, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

function dilatedGrad(depthwise: boolean, dy: tf.Tensor4D, x: tf.Tensor4D, filter: tf.Tensor4D, attrs: Attrs): Record<string, () => tf.Tensor> {
  const [dh, dw] = pair(attrs.dilations);
  const common = { strides: attrs.strides, pad: attrs.pad, dimRoundingMode: attrs.dimRoundingMode, dataFormat: attrs.dataFormat };
  const undilated = depthwise ? { ...common, dilations: [1, 1] } : common;
  const backInput = depthwise ? tf.DepthwiseConv2dNativeBackpropInput : tf.Conv2DBackpropInput;
  const backFilter = depthwise ? tf.DepthwiseConv2dNativeBackpropFilter : tf.Conv2DBackpropFilter;
  return {
    x: () => tf.tidy(() => run(backInput, { dy, filter: spreadFilter(filter, dh, dw) }, { ...undilated, inputShape: x.shape })),
    filter: () => tf.tidy(() => {
      const spreadShape = spreadFilter(filter, dh, dw).shape as Shape4;
      return pickTaps(run(backFilter, { x, dy }, { ...undilated, filterShape: spreadShape }), dh, dw);
    }),
  };
}

function override(kernelName: string, depthwise: boolean): boolean {
  const stock = tf.getGradient(kernelName);
  if (stock === undefined || (stock as { dilatedOverride?: boolean }).dilatedOverride === true) return false;
  const config: tf.GradConfig & { dilatedOverride: boolean } = {
    kernelName,
    inputsToSave: ['x', 'filter'],
    dilatedOverride: true,
    gradFunc: (dy, saved, attrs) => {
      const [dh, dw] = pair((attrs as Attrs).dilations);
      if (dh === 1 && dw === 1) return stock.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as tf.Tensor4D[];
      return dilatedGrad(depthwise, dy as tf.Tensor4D, x, filter, attrs as Attrs);
    },
  };
  tf.registerGradient(config);
  return true;
}

/**
 * Lets dilated Conv2D and DepthwiseConv2dNative (hence dilated separable convolutions) train on every
 * backend. Idempotent. Fused convolutions (a Conv2D layer with a linear activation while training) keep
 * tfjs's own gradient, which refuses dilation; use a separable convolution for dilated branches.
 */
export function registerDilatedConvGradients(): void {
  override(tf.DepthwiseConv2dNative, true);
  override(tf.Conv2D, false);
}
