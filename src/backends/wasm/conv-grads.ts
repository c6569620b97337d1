/**
 * Convolution gradients written as compositions of forward operations that the wasm backend runs through
 * XNNPACK (conv2d, depthwiseConv2d, matMul) plus cheap data movement (transpose, pad, reverse, slice).
 *
 * - A weight gradient is itself a convolution: the input, with batch and channels swapped, convolved with the
 *   output gradient used as a filter; the forward stride becomes the dilation and the forward dilation the
 *   stride.
 * - An input gradient is the convolution of the stride-dilated, padded output gradient with the spatially
 *   flipped kernel.
 *
 * Every function takes and returns tensors in NHWC layout and disposes its intermediates.
 */
import * as tf from '@tensorflow/tfjs';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Shape4 = [number, number, number, number];
type Pair = [number, number];

/** Geometry shared by the forward convolution and its two gradients. */
export interface ConvGeometry {
  /** Forward strides [height, width]. */
  strides: number | Pair;
  /** Forward dilations [height, width]. */
  dilations: number | Pair;
  /** Forward padding as tfjs accepts it. */
  pad: Pad;
  /** Rounding of output sizes for a numeric pad. */
  dimRoundingMode?: Rounding;
}

function info(xShape: Shape4, filterShape: Shape4, g: ConvGeometry, depthwise: boolean): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, g.strides, g.dilations, g.pad, g.dimRoundingMode, depthwise);
}

/** Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor. */
export function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  return tf.tidy(() => {
    let y = x;
    const [, h, w] = y.shape;
    const ct = Math.max(0, -top), cb = Math.max(0, -bottom), cl = Math.max(0, -left), cr = Math.max(0, -right);
    if (ct + cb + cl + cr > 0) y = tf.slice(y, [0, ct, cl, 0], [-1, h - ct - cb, w - cl - cr, -1]);
    const pt = Math.max(0, top), pb = Math.max(0, bottom), pl = Math.max(0, left), pr = Math.max(0, right);
    if (pt + pb + pl + pr > 0) y = tf.pad(y, [[0, 0], [pt, pb], [pl, pr], [0, 0]]);
    return (y === x ? tf.clone(x) : y) as tf.Tensor4D;
  });
}

/**
 * Inserts `sh - 1` zero rows and `sw - 1` zero columns between the rows and columns of an NHWC tensor
 * (the output gradient of a strided convolution, spread back onto the input grid). The result has
 * `(h - 1) * sh + 1` rows and `(w - 1) * sw + 1` columns.
 */
export function zeroInsert(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  return tf.tidy(() => {
    if (sh === 1 && sw === 1) return tf.clone(dy);
    const [n, h, w, c] = dy.shape;
    const spread = tf.pad(tf.reshape(dy, [n * h, 1, w, 1, c]), [[0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
    return tf.slice(tf.reshape(spread, [n, h * sh, w * sw, c]) as tf.Tensor4D, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]);
  });
}

/**
 * a^T b for tall a [K, m] and b [K, n], as the stock wasm matMul runs it fastest: untransposed operands
 * and the smaller of m, n as the output's row count.
 */
export function productOverPixels(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    if (a.shape[1] <= b.shape[1]) return tf.matMul(tf.transpose(a), b);
    return tf.transpose(tf.matMul(tf.transpose(b), a));
  });
}

/** Gradient of `conv2d(x, filter)` with respect to the filter (dilation 1, as tfjs's gradient requires). */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: Shape4, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const ci = info(x.shape, filterShape, g, false);
    const [kh, kw, inC, outC] = filterShape;
    const { top, left } = ci.padInfo;
    const sh = ci.strideHeight, sw = ci.strideWidth;
    if (kh === 1 && kw === 1 && top === 0 && left === 0) {
      // A 1x1 weight gradient is one matrix product over every pixel of the batch.
      let xs = tf.slice(x, [0, 0, 0, 0], [-1, (ci.outHeight - 1) * sh + 1, (ci.outWidth - 1) * sw + 1, -1]);
      if (sh > 1 || sw > 1) xs = tf.stridedSlice(xs, [0, 0, 0, 0], xs.shape, [1, sh, sw, 1]) as tf.Tensor4D;
      return tf.reshape(productOverPixels(tf.reshape(xs, [-1, inC]), tf.reshape(dy, [-1, outC])), filterShape) as tf.Tensor4D;
    }
    const xt = tf.transpose(x, [3, 1, 2, 0]);
    const bottom = (ci.outHeight - 1) * sh + kh - ci.inHeight - top;
    const right = (ci.outWidth - 1) * sw + kw - ci.inWidth - left;
    const xp = padOrCrop(xt, top, bottom, left, right);
    const f = tf.transpose(dy, [1, 2, 0, 3]);
    const out = tf.conv2d(xp, f, 1, 'valid', 'NHWC', [sh, sw]);
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

/** Gradient of `conv2d(x, filter)` with respect to x (dilation 1). */
export function conv2dInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, xShape: Shape4, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const ci = info(xShape, filter.shape, g, false);
    const [kh, kw, inC, outC] = filter.shape;
    const { top, left } = ci.padInfo;
    const sh = ci.strideHeight, sw = ci.strideWidth;
    if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && top === 0 && left === 0
      && ci.outHeight === ci.inHeight && ci.outWidth === ci.inWidth) {
      // The stock wasm matMul is several times slower with a transposed operand than after a Transpose.
      const prod = tf.matMul(tf.reshape(dy, [-1, outC]), tf.transpose(tf.reshape(filter, [inC, outC])));
      return tf.reshape(prod, xShape) as tf.Tensor4D;
    }
    const dyd = zeroInsert(dy, sh, sw);
    const pt = kh - 1 - top, pl = kw - 1 - left;
    const dyp = padOrCrop(dyd, pt, ci.inHeight + kh - 1 - pt - dyd.shape[1], pl, ci.inWidth + kw - 1 - pl - dyd.shape[2]);
    const wf = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    return tf.conv2d(dyp, wf, 1, 'valid');
  });
}

/** Gradient of `depthwiseConv2d(x, filter)` with respect to the filter [kh, kw, C, M]. */
export function depthwiseFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: Shape4, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const ci = info(x.shape, filterShape, g, true);
    const [kh, kw, c, m] = filterShape;
    const [n, h, w] = x.shape;
    const { top, left } = ci.padInfo;
    const sh = ci.strideHeight, sw = ci.strideWidth, dh = ci.dilationHeight, dw = ci.dilationWidth;
    // Batch folded into channels: one depthwise "image" whose N*C channels each meet their own dy plane.
    const xt = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [1, h, w, n * c]) as tf.Tensor4D;
    const bottom = (ci.outHeight - 1) * sh + (kh - 1) * dh + 1 - h - top;
    const right = (ci.outWidth - 1) * sw + (kw - 1) * dw + 1 - w - left;
    const xp = padOrCrop(xt, top, bottom, left, right);
    const f = tf.reshape(tf.transpose(dy, [1, 2, 0, 3]), [ci.outHeight, ci.outWidth, n * c, m]) as tf.Tensor4D;
    const out = tf.depthwiseConv2d(xp, f, [dh, dw], 'valid', 'NHWC', [sh, sw]);
    return tf.reshape(tf.sum(tf.reshape(out, [kh, kw, n, c * m]), 2), filterShape) as tf.Tensor4D;
  });
}

/** Gradient of `depthwiseConv2d(x, filter)` with respect to x. */
export function depthwiseInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, xShape: Shape4, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const ci = info(xShape, filter.shape, g, true);
    const [kh, kw, c, m] = filter.shape;
    const { top, left } = ci.padInfo;
    const sh = ci.strideHeight, sw = ci.strideWidth, dh = ci.dilationHeight, dw = ci.dilationWidth;
    const dyd = zeroInsert(dy, sh, sw);
    const pt = (kh - 1) * dh - top, pl = (kw - 1) * dw - left;
    const dyp = padOrCrop(dyd, pt, ci.inHeight + (kh - 1) * dh - pt - dyd.shape[1], pl, ci.inWidth + (kw - 1) * dw - pl - dyd.shape[2]);
    const wf = tf.reshape(tf.reverse(filter, [0, 1]), [kh, kw, c * m, 1]) as tf.Tensor4D;
    const out = tf.depthwiseConv2d(dyp, wf, 1, 'valid', 'NHWC', [dh, dw]);
    if (m === 1) return out;
    return tf.sum(tf.reshape(out, [xShape[0], ci.inHeight, ci.inWidth, c, m]), 4) as tf.Tensor4D;
  });
}
