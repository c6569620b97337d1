/**
 * A wasm backend that trains convolutional networks: registration of the missing gradient kernels, the
 * memory planner for the 4 GiB wasm heap, the translation of wasm aborts into actionable errors, and the
 * thread-count setup.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { MISSING_KERNELS, REPLACEMENT_KERNELS, SAME_PADDING_FIXED, WASM, withExplicitSamePadding } from './kernels.ts';
import { registerDilatedConvGradients } from './dilated-grads.ts';

export { MISSING_KERNELS, REPLACEMENT_KERNELS } from './kernels.ts';
export { registerDilatedConvGradients } from './dilated-grads.ts';
export { buildProbeNetwork } from './probe-network.ts';
export type { ProbeNetworkOptions } from './probe-network.ts';
export {
  planMicroBatches, planFromFootprint, stepFootprint, estimateStepBytes, activationsPerSample, WASM_HEAP_LIMIT_BYTES,
} from './memory-plan.ts';
export type { MicroBatchPlan, PlanOptions, StepFootprint } from './memory-plan.ts';
export { withWasmAbortGuard, isWasmAbort, WasmMemoryError } from './abort.ts';
export type { AbortGuardOptions } from './abort.ts';
export { configureWasmThreads } from './threads.ts';
export type { WasmThreadsReport, WasmThreadsOptions } from './threads.ts';

/** Options of {@link registerWasmTrainingKernels}. */
export interface RegisterWasmOptions {
  /**
   * Also replace stock wasm kernels on the training path that are far slower than a composition of
   * accelerated forward ops (today: Conv2DBackpropInput). Default true.
   */
  replaceSlowKernels?: boolean;
}

const stock = new Map<string, tf.KernelConfig>();
let registered: { replaced: boolean } | null = null;

function install(cfg: tf.KernelConfig): void {
  const current = tf.getKernel(cfg.kernelName, WASM);
  if (current === cfg) return;
  if (current !== undefined) {
    if (!stock.has(cfg.kernelName)) stock.set(cfg.kernelName, current);
    tf.unregisterKernel(cfg.kernelName, WASM);
  }
  tf.registerKernel(cfg);
}

function uninstall(cfg: tf.KernelConfig): void {
  if (tf.getKernel(cfg.kernelName, WASM) !== cfg) return;
  tf.unregisterKernel(cfg.kernelName, WASM);
  const original = stock.get(cfg.kernelName);
  if (original !== undefined) tf.registerKernel(original);
}

const fixed = new WeakSet<tf.KernelConfig>();

function fixSamePadding(kernelName: string): void {
  const current = tf.getKernel(kernelName, WASM);
  if (current === undefined || fixed.has(current)) return;
  const wrapper = withExplicitSamePadding(current);
  fixed.add(wrapper);
  tf.unregisterKernel(kernelName, WASM);
  tf.registerKernel(wrapper);
}

/**
 * Registers, for the 'wasm' backend, the convolution gradient kernels it lacks
 * (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput) and, unless
 * told otherwise, replaces its slow stock Conv2DBackpropInput. Calling it again is harmless; calling it
 * with a different `replaceSlowKernels` switches the replacement on or off. The stock forward convolutions
 * get explicit padding in place of 'same', which they compute wrongly for non-square kernels at stride 2. Also registers the gradients of
 * dilated convolutions ({@link registerDilatedConvGradients}), which tfjs lacks on every backend.
 */
export function registerWasmTrainingKernels(options: RegisterWasmOptions = {}): void {
  const replace = options.replaceSlowKernels ?? true;
  registerDilatedConvGradients();
  for (const name of SAME_PADDING_FIXED) fixSamePadding(name);
  if (registered !== null && registered.replaced === replace) return;
  for (const cfg of MISSING_KERNELS) install(cfg);
  for (const cfg of REPLACEMENT_KERNELS) {
    if (replace) install(cfg);
    else uninstall(cfg);
  }
  registered = { replaced: replace };
}

/** Names of the kernels {@link registerWasmTrainingKernels} provides, for reports such as `nas doctor`. */
export function wasmTrainingKernelNames(): string[] {
  return [...MISSING_KERNELS, ...REPLACEMENT_KERNELS].map((k) => k.kernelName);
}
