/**
 * SIMD and thread setup of the wasm backend. tfjs-backend-wasm 4.x never selects its threaded build on
 * Node (its WASM_HAS_MULTITHREAD_SUPPORT flag is false there), and forcing the flag fails: the threaded
 * runtime starts its pthread workers from a `blob:` URL, which Node's worker_threads refuse
 * (ERR_WORKER_PATH). On Node the backend therefore runs the single-threaded SIMD build; parallelism comes
 * from running several evaluations in worker processes.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

/** What {@link configureWasmThreads} found and set. */
export interface WasmThreadsReport {
  /** The runtime validates wasm SIMD, so the SIMD build runs. */
  simd: boolean;
  /** tfjs reports the threaded build as usable here. */
  multithreadSupported: boolean;
  /** Threads the backend will use (1 without the threaded build). */
  threads: number;
  /** One sentence on why, for `nas doctor`. */
  note: string;
}

/** Options of {@link configureWasmThreads}. */
export interface WasmThreadsOptions {
  /** Threads to ask for when the threaded build is usable. Default: tfjs's choice (the core count). */
  threads?: number;
}

/**
 * Reports SIMD and thread support of the wasm backend and, where the threaded build is usable, sets the
 * thread count. Call before the wasm backend is first initialised (`tf.setBackend('wasm')`).
 */
export async function configureWasmThreads(options: WasmThreadsOptions = {}): Promise<WasmThreadsReport> {
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const multithreadSupported = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
  if (!multithreadSupported) {
    return {
      simd, multithreadSupported, threads: 1,
      note: 'tfjs-backend-wasm runs single-threaded on Node (its threaded build needs blob: workers, which Node refuses)',
    };
  }
  if (options.threads !== undefined) setThreadsCount(options.threads);
  const initialised = tf.findBackend('wasm') !== null;
  const threads = initialised ? getThreadsCount() : (options.threads ?? 0);
  return { simd, multithreadSupported, threads, note: `threaded SIMD build, ${threads > 0 ? threads : 'default'} threads` };
}
