/**
 * Fused training kernels for native TensorFlow (the `tensorflow` backend of tfjs-node).
 *
 * Three computations on the training path of every NASNet and NAS-Bench-201 child took more of a native
 * training step than the convolutions did (bench/kernel-profile.ts on the NASNet reference child, batch 64:
 * the ReLU gradient's Step alone 19%; batch normalisation's moments and composed gradient most of the
 * 2,541 Multiply, 1,390 Add, 502 Sub, 419 Sum and 170 RealDiv kernels; MaxPoolGrad 7%). tfjs writes the
 * first two as chains of small element-wise kernels:
 *
 * - ReLU: tfjs differentiates `relu(x)` as `dy * step(x)`, and tfjs-node builds Step from seven kernels
 *   (IsNan, Greater, Fill, Ones, Select, ...). Here the gradient is TensorFlow's one `ReluGrad` kernel.
 * - Batch normalisation in training mode: tfjs-layers computes the batch moments with Mean/Sub/Square
 *   kernels, normalises, and differentiates the whole through a composed gradient. Here the forward pass is
 *   TensorFlow's `FusedBatchNormV3` (is_training) and the backward pass its `FusedBatchNormGradV3`: two
 *   kernels per layer instead of dozens.
 * - Max pooling: TensorFlow's CPU MaxPoolGrad recomputes every window's argmax in a slow generic loop
 *   (13 ms a call on the reference child, 50 times its forward pass; 16% of the step once the two fixes
 *   above were in). On CPU the gradient runs through oneDNN instead: `_MklNativeMaxPool` recomputes the
 *   forward pass with its workspace (the argmax record) and `_MklNativeMaxPoolGrad` scatters the gradient,
 *   3-6x faster. These are TensorFlow's own oneDNN kernels, which its graph optimiser substitutes in
 *   graph mode but eager execution (what tfjs-node uses) does not; they are internal, so the kernel is
 *   registered only after it has computed the stock kernel's result on a test input, and never on GPU.
 *
 * The kernels here are registered for the `tensorflow` backend (src/backends/wasm/batchnorm.ts registers the
 * batch-norm pair for wasm); the ReLU and max-pool gradients and the batch-norm layer
 * (src/backends/fused-batchnorm.ts) use them when the active backend has them and fall back to the stock
 * tfjs computation everywhere else.
 */
import * as tf from '@tensorflow/tfjs';
import { input } from '../kernel-util.ts';
import type { Attrs, KernelArgs } from '../kernel-util.ts';

/** The backend these kernels are registered for. */
export const NATIVE = 'tensorflow';

/** Kernel: inputs {x, scale, offset}, attrs {epsilon}; outputs [y, batchMean, batchVariance (biased), reserve1, reserve2, reserve3]. */
export const FUSED_BATCH_NORM_TRAINING = 'NasFusedBatchNormTraining';
/** Kernel: inputs {dy, x, scale, reserve1, reserve2, reserve3}, attrs {epsilon}; outputs [dx, dScale, dOffset]. */
export const FUSED_BATCH_NORM_TRAINING_GRAD = 'NasFusedBatchNormTrainingGrad';
/** Kernel: inputs {dy, x}; output dy where x > 0, else 0 (TensorFlow's ReluGrad). */
export const RELU_GRAD = 'NasReluGrad';
/** Kernel: inputs {dy, x}, attrs {filterSize, strides, pad} of a MaxPool; output the gradient of x (oneDNN). */
export const MAX_POOL_GRAD = 'NasMaxPoolGrad';

/** The part of tfjs-node's NodeJSKernelBackend these kernels call. */
interface NativeBackend {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_INT: number; TF_ATTR_FLOAT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number; TF_FLOAT: number };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.TensorInfo[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.TensorInfo[], numOutputs: number): tf.Tensor[];
}
interface OpAttr { name: string; type: number; value: unknown }

function nativeBackend(args: KernelArgs): NativeBackend {
  return args.backend as NativeBackend;
}

/** The attributes FusedBatchNormV3 and FusedBatchNormGradV3 share (float32, NHWC, training). */
function batchNormAttrs(b: NativeBackend, attrs: Attrs | undefined): OpAttr[] {
  const { binding } = b;
  return [
    { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
    { name: 'U', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
    { name: 'epsilon', type: binding.TF_ATTR_FLOAT, value: Number(attrs?.epsilon) },
    { name: 'data_format', type: binding.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'is_training', type: binding.TF_ATTR_BOOL, value: true },
  ];
}

function fusedBatchNormTraining(args: KernelArgs): tf.TensorInfo[] {
  const b = nativeBackend(args);
  const x = input(args.inputs, 'x');
  const empty = tf.tensor1d([], 'float32');
  try {
    const attrs = [...batchNormAttrs(b, args.attrs), { name: 'exponential_avg_factor', type: b.binding.TF_ATTR_FLOAT, value: 1 }];
    const outs = b.executeMultipleOutputs('FusedBatchNormV3',
      attrs, [x, input(args.inputs, 'scale'), input(args.inputs, 'offset'), empty, empty], 6);
    // TensorFlow reports the Bessel-corrected batch variance; tfjs-layers (tf.moments) keeps the biased one.
    const n = x.shape[0] * x.shape[1] * x.shape[2];
    const biased = tf.tidy(() => tf.mul(outs[2], n > 1 ? (n - 1) / n : 1));
    outs[2].dispose();
    return [outs[0], outs[1], biased, outs[3], outs[4], outs[5]];
  } finally {
    empty.dispose();
  }
}

function fusedBatchNormTrainingGrad(args: KernelArgs): tf.TensorInfo[] {
  const b = nativeBackend(args);
  const names = ['dy', 'x', 'scale', 'reserve1', 'reserve2', 'reserve3'];
  const outs = b.executeMultipleOutputs('FusedBatchNormGradV3', batchNormAttrs(b, args.attrs),
    names.map((name) => input(args.inputs, name)), 5);
  tf.dispose([outs[3], outs[4]]);
  return [outs[0], outs[1], outs[2]];
}

function reluGrad(args: KernelArgs): tf.TensorInfo {
  const b = nativeBackend(args);
  const attrs = [{ name: 'T', type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT }];
  return b.executeSingleOutput('ReluGrad', attrs, [input(args.inputs, 'dy'), input(args.inputs, 'x')]);
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v), Number(v)]);

/** Whether a MaxPool's attributes are ones the oneDNN kernels take (square or not, 'same' or 'valid'). */
function oneDnnPoolable(attrs: Attrs): boolean {
  return (attrs.pad === 'same' || attrs.pad === 'valid') && attrs.dimRoundingMode == null;
}

function maxPoolGrad(args: KernelArgs): tf.TensorInfo {
  const b = nativeBackend(args);
  const { binding } = b;
  const attrs = args.attrs ?? {};
  const [fh, fw] = pair(attrs.filterSize);
  const [sh, sw] = pair(attrs.strides);
  const opAttrs: OpAttr[] = [
    { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
    { name: 'ksize', type: binding.TF_ATTR_INT, value: [1, fh, fw, 1] },
    { name: 'strides', type: binding.TF_ATTR_INT, value: [1, sh, sw, 1] },
    { name: 'padding', type: binding.TF_ATTR_STRING, value: String(attrs.pad).toUpperCase() },
    { name: 'data_format', type: binding.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'workspace_enabled', type: binding.TF_ATTR_BOOL, value: true },
    // The label under which TensorFlow registers these kernels for direct use.
    { name: '_kernel', type: binding.TF_ATTR_STRING, value: 'MklNameChangeOp' },
  ];
  const x = input(args.inputs, 'x');
  const [y, workspace] = b.executeMultipleOutputs('_MklNativeMaxPool', opAttrs, [x], 2);
  try {
    return b.executeSingleOutput('_MklNativeMaxPoolGrad', opAttrs, [x, y, input(args.inputs, 'dy'), workspace]);
  } finally {
    tf.dispose([y, workspace]);
  }
}

/**
 * Whether the oneDNN max-pool gradient runs here and gives the stock MaxPoolGrad's result on a small
 * input with overlapping windows (stride 1 and 2, 'same' and 'valid'). Runs on the active backend.
 */
function oneDnnMaxPoolGradWorks(): boolean {
  try {
    return tf.tidy(() => {
      const x = tf.tensor4d(Array.from({ length: 2 * 7 * 6 * 3 }, (_, i) => Math.sin(i * 1.7) * 3), [2, 7, 6, 3]);
      for (const [strides, pad] of [[1, 'same'], [2, 'same'], [2, 'valid']] as const) {
        const y = tf.maxPool(x, 3, strides, pad);
        const dy = tf.tensor4d(Array.from({ length: y.size }, (_, i) => Math.cos(i * 0.9)), y.shape);
        const attrs = { filterSize: 3, strides, pad };
        const stock = tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, attrs) as tf.Tensor;
        const ours = tf.engine().runKernel(MAX_POOL_GRAD, { dy, x }, attrs) as tf.Tensor;
        if (tf.max(tf.abs(tf.sub(stock, ours))).dataSync()[0] > 1e-5) return false;
      }
      return true;
    });
  } catch {
    return false;
  }
}

/** What each fused training kernel does, for `nas doctor`. */
const DESCRIPTIONS: ReadonlyArray<readonly [string, string]> = [
  [FUSED_BATCH_NORM_TRAINING, 'batch norm (fused forward and gradient)'],
  [RELU_GRAD, 'ReLU gradient (ReluGrad)'],
  [MAX_POOL_GRAD, 'max-pool gradient (oneDNN)'],
];

/** The fused training kernels the active backend has, described; empty when it trains through tfjs's stock gradients. */
export function activeFusedKernels(): string[] {
  return DESCRIPTIONS.filter(([name]) => hasKernel(name)).map(([, text]) => text);
}

/** Whether the active backend has the fused kernel `name`. */
export function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

let gradientsRegistered = false;

/**
 * Registers the fused kernels for the `tensorflow` backend (those not registered yet) and, once, the
 * gradients that use them. Call with the tensorflow backend active; `gpu` when TensorFlow runs on a GPU
 * (the oneDNN max-pool gradient is CPU-only and is then left out).
 */
export function registerNativeTrainingKernels(options: { gpu?: boolean } = {}): void {
  const kernel = (kernelName: string, fn: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]): void => {
    if (tf.getKernel(kernelName, NATIVE) === undefined) {
      tf.registerKernel({ kernelName, backendName: NATIVE, kernelFunc: fn as unknown as tf.KernelFunc });
    }
  };
  kernel(FUSED_BATCH_NORM_TRAINING, fusedBatchNormTraining);
  kernel(FUSED_BATCH_NORM_TRAINING_GRAD, fusedBatchNormTrainingGrad);
  kernel(RELU_GRAD, reluGrad);
  if (options.gpu !== true && tf.getKernel(MAX_POOL_GRAD, NATIVE) === undefined && tf.getBackend() === NATIVE) {
    kernel(MAX_POOL_GRAD, maxPoolGrad);
    if (!oneDnnMaxPoolGradWorks()) tf.unregisterKernel(MAX_POOL_GRAD, NATIVE);
  }
  registerFusedGradients();
}

/** Unregisters the fused kernels, so training takes tfjs's stock path on every backend (for comparisons). */
export function unregisterNativeTrainingKernels(): void {
  for (const name of [FUSED_BATCH_NORM_TRAINING, FUSED_BATCH_NORM_TRAINING_GRAD, RELU_GRAD, MAX_POOL_GRAD]) {
    if (tf.getKernel(name, NATIVE) !== undefined) tf.unregisterKernel(name, NATIVE);
  }
}

/**
 * The gradients (registered once, for every backend): the fused batch norm's (through FusedBatchNormGradV3), ReLU's, which uses ReluGrad
 * where the active backend has it and tfjs's own `dy * step(x)` elsewhere, and MaxPool's, which uses the
 * oneDNN kernel where the active backend has it and the backend's MaxPoolGrad elsewhere.
 */
export function registerFusedGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  tf.registerGradient({
    kernelName: tf.MaxPool,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, y] = saved;
      const g = dy as tf.Tensor;
      const a = attrs as unknown as Attrs;
      if (x.dtype === 'float32' && oneDnnPoolable(a) && hasKernel(MAX_POOL_GRAD)) {
        return { x: () => tf.engine().runKernel(MAX_POOL_GRAD, { dy: g, x }, attrs) as tf.Tensor };
      }
      const { filterSize, strides, pad, dimRoundingMode } = a;
      return { x: () => tf.engine().runKernel(tf.MaxPoolGrad, { dy: g, input: x, output: y },
        { filterSize, strides, pad, dimRoundingMode } as unknown as tf.NamedAttrMap) as tf.Tensor };
    },
  });
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const g = dy as tf.Tensor;
      if (x.dtype === 'float32' && g.dtype === 'float32' && hasKernel(RELU_GRAD)) {
        return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: g, x }) as tf.Tensor };
      }
      return { x: () => tf.mul(g, tf.cast(tf.step(x), 'float32')) };
    },
  });
  tf.registerGradient({
    kernelName: FUSED_BATCH_NORM_TRAINING,
    inputsToSave: ['x', 'scale'],
    outputsToSave: [false, false, false, true, true, true],
    gradFunc: (dys, saved, attrs) => {
      const [x, scale, reserve1, reserve2, reserve3] = saved;
      const dy = (dys as tf.Tensor[])[0];
      // Computed once here (inside the backward pass's scope), not in each input's own tidy, which
      // would dispose the other two gradients.
      const [dx, dScale, dOffset] = tf.engine().runKernel(FUSED_BATCH_NORM_TRAINING_GRAD,
        { dy, x, scale, reserve1, reserve2, reserve3 }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return { x: () => dx, scale: () => dScale, offset: () => dOffset };
    },
  });
}
