/**
 * Helpers for wasm kernels written as compositions of tfjs ops.
 */
import * as tf from '@tensorflow/tfjs';

/** The backend these kernels are registered for. */
export const WASM = 'wasm';

/** Kernel attributes as the engine passes them. */
export type Attrs = Record<string, unknown>;

/** The arguments the engine passes to a kernel function. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  attrs?: Attrs;
  backend: unknown;
}

/** Turns a kernel function with typed arguments into the engine's KernelFunc. */
export function asKernelFunc(fn: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]): tf.KernelFunc {
  return fn as unknown as tf.KernelFunc;
}

/** Calls a kernel config's function with typed arguments. */
export function callKernel(cfg: tf.KernelConfig, args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  return cfg.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]);
}

/** The named input of a kernel; throws when the engine did not pass it. */
export function input(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new Error(`kernel input '${name}' is missing`);
  return t;
}

/** A tensor handle on a kernel input; it holds its own reference, so disposing it leaves the input alive. */
function asTensor(t: tf.TensorInfo): tf.Tensor {
  const engine = tf.engine();
  const handle = engine.makeTensorFromTensorInfo(t);
  engine.backend.incRef(t.dataId);
  return handle;
}

/**
 * Runs `body` on tensors made from the kernel's inputs and returns its result, disposing every
 * intermediate. Ops called from inside a kernel run on the kernel's backend and are not taped.
 */
export function compose<T extends tf.Tensor>(inputs: tf.TensorInfo[], body: (ts: T[]) => tf.Tensor): tf.Tensor {
  return tf.tidy(() => body(inputs.map(asTensor) as T[]));
}
