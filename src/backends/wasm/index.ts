/**
 * A wasm backend that trains convolutional networks: registration of the missing gradient kernels and of
 * faster replacements for stock ones, the memory planner for the 4 GiB wasm heap, the translation of wasm
 * aborts into actionable errors, and the thread-count setup.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { CONV2D_BACKPROP_INPUT, MISSING_KERNELS, withExplicitSamePadding } from './kernels.ts';
import { WASM } from '../kernel-util.ts';
import { fastSlice, fastSplitV, fastTile } from './data-kernels.ts';
import { registerDilatedConvGradients } from './dilated-grads.ts';
import { WASM_BATCH_NORM_KERNELS } from './batchnorm.ts';
import { registerFusedGradients } from '../native/fused-kernels.ts';

export { MISSING_KERNELS } from './kernels.ts';
export { registerDilatedConvGradients } from './dilated-grads.ts';
export { buildProbeNetwork } from './probe-network.ts';
export type { ProbeNetworkOptions } from './probe-network.ts';
export {
  planMicroBatches, planFromFootprint, stepFootprint, estimateStepBytes, activationsPerSample, WASM_HEAP_LIMIT_BYTES,
  defaultBytesPerActivation,
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
   * accelerated operations (Conv2DBackpropInput, Slice, SplitV, Tile; see `bench/wasm-kernels.ts`), and
   * train batch normalisation through the fused heap kernels of wasm/batchnorm.ts. Default true.
   */
  replaceSlowKernels?: boolean;
}

type Replacer = (stock: tf.KernelConfig) => tf.KernelConfig;

/** Stock kernels whose wasm version gives wrong results for some shapes; always replaced. */
const CORRECTNESS_FIXES: Record<string, Replacer> = {
  [tf.Conv2D]: withExplicitSamePadding,
  [tf.FusedConv2D]: withExplicitSamePadding,
  [tf.DepthwiseConv2dNative]: withExplicitSamePadding,
  [tf.FusedDepthwiseConv2D]: withExplicitSamePadding,
};

/** Stock kernels that are correct but far slower than their replacement. */
const SPEED_REPLACEMENTS: Record<string, Replacer> = {
  [tf.Conv2DBackpropInput]: () => CONV2D_BACKPROP_INPUT,
  [tf.Slice]: fastSlice,
  [tf.SplitV]: fastSplitV,
  [tf.Tile]: fastTile,
};

const stock = new Map<string, tf.KernelConfig>();
const ours = new WeakSet<tf.KernelConfig>();
let registered: { replaced: boolean } | null = null;

function setKernel(cfg: tf.KernelConfig): void {
  if (tf.getKernel(cfg.kernelName, WASM) !== undefined) tf.unregisterKernel(cfg.kernelName, WASM);
  tf.registerKernel(cfg);
}

function install(kernelName: string, make: Replacer | null, own?: tf.KernelConfig): void {
  const current = tf.getKernel(kernelName, WASM);
  if (current !== undefined && ours.has(current)) return;
  if (current !== undefined) stock.set(kernelName, current);
  const cfg = own ?? (current !== undefined && make !== null ? make(current) : undefined);
  if (cfg === undefined) return;
  ours.add(cfg);
  setKernel(cfg);
}

function restoreStock(kernelName: string): void {
  const current = tf.getKernel(kernelName, WASM);
  const original = stock.get(kernelName);
  if (current === undefined || !ours.has(current) || original === undefined) return;
  setKernel(original);
  // A stock kernel binds its wasm function in setupFunc when the backend initialises; if ours was in its
  // place then, the stock one was never set up.
  const backend = tf.findBackend(WASM);
  if (backend !== null && original.setupFunc !== undefined) original.setupFunc(backend);
}

/**
 * Makes the 'wasm' backend train convnets: registers the convolution gradient kernels it lacks
 * (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput), fixes its
 * forward convolutions' 'same' padding for non-square kernels at stride 2, registers the gradients of
 * dilated convolutions ({@link registerDilatedConvGradients}, which tfjs lacks on every backend) and, unless
 * told otherwise, replaces slow stock kernels. Calling it again is harmless; a different
 * `replaceSlowKernels` switches the replacements on or off (benchmarks compare both).
 */
export function registerWasmTrainingKernels(options: RegisterWasmOptions = {}): void {
  const replace = options.replaceSlowKernels ?? true;
  if (registered !== null && registered.replaced === replace) return;
  registerDilatedConvGradients();
  for (const cfg of MISSING_KERNELS) install(cfg.kernelName, null, cfg);
  for (const [name, make] of Object.entries(CORRECTNESS_FIXES)) install(name, make);
  for (const [name, make] of Object.entries(SPEED_REPLACEMENTS)) {
    if (replace) install(name, make);
    else restoreStock(name);
  }
  registerFusedGradients();
  for (const cfg of WASM_BATCH_NORM_KERNELS) {
    if (replace) install(cfg.kernelName, null, cfg);
    else if (tf.getKernel(cfg.kernelName, WASM) !== undefined) tf.unregisterKernel(cfg.kernelName, WASM);
  }
  registered = { replaced: replace };
}

/** Names of the kernels {@link registerWasmTrainingKernels} registers or replaces, for `nas doctor`. */
export function wasmTrainingKernelNames(): string[] {
  return [...MISSING_KERNELS.map((k) => k.kernelName), ...Object.keys(CORRECTNESS_FIXES), ...Object.keys(SPEED_REPLACEMENTS),
    ...WASM_BATCH_NORM_KERNELS.map((k) => k.kernelName)];
}
