/**
 * Classifying why training a child failed, so a search records a status instead of crashing.
 */
import { ValidationError } from '../core/errors.ts';
import type { FailureKind } from '../core/trial.ts';
import { WasmMemoryError } from '../backends/wasm/abort.ts';

/** Training stopped because the loss stopped being a finite number. */
export class NonFiniteLossError extends Error {
  constructor(readonly epoch: number, readonly step: number, readonly loss: number) {
    super(`loss became ${loss} at epoch ${epoch}, step ${step}`);
    this.name = 'NonFiniteLossError';
  }
}

/**
 * A training step that cannot fit the backend's memory even for one image (the wasm heap planner's
 * refusal), raised before the step runs; classified as `oom`.
 */
export class StepMemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepMemoryError';
  }
}

/**
 * Messages of allocation failures: tfjs-node/TensorFlow (`OOM when allocating tensor`), WebGL/WebGPU
 * (`out of memory`), wasm (`WebAssembly.Memory`, `Cannot enlarge memory`) and the JavaScript backends
 * (`Array buffer allocation failed`, `Invalid typed array length`: a tensor too large to allocate), and
 * the bare `Aborted()` of the wasm runtime when its heap runs out.
 */
const OOM_PATTERNS = [
  /out of memory/i,
  /\bOOM\b/,
  /failed to allocate/i,
  /allocation failed/i,
  /invalid typed array length/i,
  /array buffer allocation/i,
  /WebAssembly\.Memory/i,
  /cannot enlarge memory/i,
  /maximum memory size/i,
  /\bAborted\(/,
];

/** True when `err` says memory ran out. */
export function isOutOfMemory(err: unknown): boolean {
  if (err instanceof WasmMemoryError || err instanceof StepMemoryError) return true;
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return OOM_PATTERNS.some((p) => p.test(message));
}

/** The failure kind and a one-line reason for an error thrown while building, training or evaluating. */
export function classifyFailure(err: unknown): { failure: FailureKind; error: string } {
  const error = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  if (err instanceof NonFiniteLossError) return { failure: 'nan', error };
  if (isOutOfMemory(err)) return { failure: 'oom', error };
  if (err instanceof ValidationError) return { failure: 'invalid', error };
  return { failure: 'crash', error };
}
