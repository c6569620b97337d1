/**
 * The wasm backend reports an exhausted heap as a bare `RuntimeError: Aborted()`, often from a later,
 * unrelated call, and is unusable afterwards. These helpers turn that into an error that says what happened
 * and what to do.
 */
import { NasError } from '../../core/errors.ts';

/** Matches the messages the Emscripten runtime of tfjs-backend-wasm produces when it aborts. */
const ABORT_PATTERN = /Aborted\(|Cannot enlarge memory|out of memory|memory access out of bounds/i;

/** True when `err` is the wasm runtime aborting (heap exhausted or corrupted), not an ordinary error. */
export function isWasmAbort(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  // WebAssembly.RuntimeError: a trap or an Emscripten abort.
  return err.name === 'RuntimeError' || ABORT_PATTERN.test(err.message);
}

/** The wasm heap was exhausted during a training or evaluation step. */
export class WasmMemoryError extends NasError {
  /** What was running when the heap ran out, e.g. `training trial 12 at batch size 256`. */
  readonly context: string;
  /** The runtime's own error. */
  readonly original: unknown;

  constructor(context: string, original: unknown, hint?: string) {
    const detail = original instanceof Error ? original.message : String(original);
    super(
      `the wasm backend ran out of its 4 GiB heap while ${context} (${detail.split('\n')[0]}). ` +
        'The wasm runtime cannot be used again in this process: restart it with a smaller batch size ' +
        '(training splits batches into micro-batches planned by planMicroBatches), smaller images or a smaller ' +
        `network, or use the native TensorFlow backend (\`nas backend install\`).${hint !== undefined ? ` ${hint}` : ''}`,
    );
    this.context = context;
    this.original = original;
  }
}

/** Options of {@link withWasmAbortGuard}. */
export interface AbortGuardOptions {
  /** What the guarded code does, for the message, e.g. `training trial 12 at batch size 256`. Required. */
  context: string;
  /** An extra sentence for the message, e.g. the planner's estimate. Default none. */
  hint?: string;
}

/**
 * Runs `fn`; a wasm abort it raises becomes a {@link WasmMemoryError}, any other error passes unchanged.
 */
export async function withWasmAbortGuard<T>(fn: () => T | Promise<T>, options: AbortGuardOptions): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isWasmAbort(err)) throw new WasmMemoryError(options.context, err, options.hint);
    throw err;
  }
}
