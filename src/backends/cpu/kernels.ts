/**
 * Faster filter gradients for the pure-JavaScript `cpu` backend. The stock Conv2DBackpropFilter and
 * DepthwiseConv2dNativeBackpropFilter kernels read every element through TensorBuffer.get (index
 * arithmetic on varargs per multiply-add) and take most of a training step's time; these compute the
 * same sums with flat indices, visiting each output-gradient position once. NHWC only; anything else
 * falls back to the stock kernel. `bench/cpu-conv-grads.ts` measures the two side by side.
 */
import * as tf from '@tensorflow/tfjs';

const CPU = 'cpu';

interface CpuData {
  data: { get(id: unknown): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
}

type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

function filterGradient(info: ConvInfo, x: Float32Array, dy: Float32Array, depthwise: boolean): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const chMul = depthwise ? outChannels / inChannels : 1;
  const perTap = depthwise ? inChannels * chMul : inChannels * outChannels;
  const acc = new Float64Array(fh * fw * perTap);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyOff = ((b * outHeight + yR) * outWidth + yC) * outChannels;
        for (let wR = 0; wR < fh; wR++) {
          const xR = yR * sh + wR * dh - top;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < fw; wC++) {
            const xC = yC * sw + wC * dw - left;
            if (xC < 0 || xC >= inWidth) continue;
            const xOff = ((b * inHeight + xR) * inWidth + xC) * inChannels;
            const tap = (wR * fw + wC) * perTap;
            for (let d1 = 0; d1 < inChannels; d1++) {
              const xv = x[xOff + d1];
              if (xv === 0) continue;
              if (depthwise) {
                const row = tap + d1 * chMul;
                const dyRow = dyOff + d1 * chMul;
                for (let m = 0; m < chMul; m++) acc[row + m] += xv * dy[dyRow + m];
              } else {
                const row = tap + d1 * outChannels;
                for (let d2 = 0; d2 < outChannels; d2++) acc[row + d2] += xv * dy[dyOff + d2];
              }
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

type Attrs = Record<string, unknown>;

function fastFilterKernel(name: string, stock: tf.KernelConfig, depthwise: boolean): tf.KernelConfig {
  return {
    kernelName: name,
    backendName: CPU,
    kernelFunc: (args) => {
      const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const attrs = args.attrs as Attrs;
      const format = (attrs.dataFormat as string | undefined) ?? 'NHWC';
      if (format !== 'NHWC' && format !== 'channelsLast') return stock.kernelFunc(args);
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        attrs.filterShape as [number, number, number, number],
        attrs.strides as [number, number],
        (depthwise ? attrs.dilations : 1) as [number, number],
        attrs.pad as 'same' | 'valid',
        attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
        depthwise,
      );
      const backend = args.backend as unknown as CpuData;
      const values = filterGradient(info, backend.data.get(x.dataId).values, backend.data.get(dy.dataId).values, depthwise);
      return backend.makeTensorInfo(info.filterShape, 'float32', values);
    },
  };
}

let registered = false;

/** Replaces the two stock cpu filter-gradient kernels by the flat-index ones. Idempotent. */
export function registerFastCpuKernels(): void {
  if (registered) return;
  const kernels: Array<[string, boolean]> = [
    [tf.Conv2DBackpropFilter, false],
    [tf.DepthwiseConv2dNativeBackpropFilter, true],
  ];
  for (const [name, depthwise] of kernels) {
    const stock = tf.getKernel(name, CPU);
    if (stock === undefined) continue;
    tf.unregisterKernel(name, CPU);
    tf.registerKernel(fastFilterKernel(name, stock, depthwise));
  }
  registered = true;
}
