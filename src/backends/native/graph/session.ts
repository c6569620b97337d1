/**
 * A TensorFlow session running one graph, through nas's graph addon (addon.ts) on the libtensorflow
 * tfjs-node loaded. `open` imports a GraphDef and creates the session with our ConfigProto: on CPU
 * without Grappler, whose passes change nothing in these graphs (the oneDNN layout and fusion rewrites
 * are a separate graph pass, which stays) and cost seconds per child; on a GPU with Grappler (its layout
 * optimiser moves convolutions to NCHW for cuDNN) and GPU memory grown as needed. `run` feeds typed
 * arrays to named placeholders, fetches named outputs (`node` or `node:k`) as typed arrays, and runs
 * target nodes; `close` deletes the session, its graph and its variables.
 */
import * as tf from '@tensorflow/tfjs';
import { loadedNative } from '../status.ts';
import { graphAddon } from './addon.ts';
import type { AddonTensor, GraphAddon } from './addon.ts';
import { sessionConfigBytes } from './config.ts';
import type { SessionConfigOptions } from './config.ts';

export type { AddonTensor } from './addon.ts';
export type { GrapplerChoice } from './config.ts';
export { oneDnnKernels } from './config.ts';

/** A value fed to a placeholder: float32 or int32 elements and their shape. */
export type Feed = readonly [name: string, data: Float32Array | Int32Array, shape: number[]];

/** Whether the active backend runs graphs, and why not when it does not. */
export function graphRuntime(): { available: true } | { available: false; reason: string } {
  const backend = tf.getBackend();
  if (backend !== 'tensorflow') return { available: false, reason: `the ${backend} backend has no TensorFlow session runtime` };
  const addon = graphAddon();
  return addon.addon !== undefined ? { available: true } : { available: false, reason: addon.reason };
}

/** Sessions open in this process (each one holds a graph and its variables). */
export function openGraphSessions(): number {
  return graphAddon().addon?.count() ?? 0;
}

/** A graph a session failed to load or run, with TensorFlow's message. */
export class GraphSessionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphSessionError';
  }
}

/** One loaded graph. */
export class GraphSession {
  private closed = false;

  private constructor(private readonly addon: GraphAddon, private readonly id: number) {}

  /**
   * Imports `graphDef` (serialised GraphDef bytes) into a new session; `options` choose its configuration
   * (default: the loaded runtime's device, Grappler only with a GPU).
   */
  static open(graphDef: Uint8Array, options: SessionConfigOptions = {}): GraphSession {
    const found = graphAddon();
    if (found.addon === undefined) {
      const runtime = graphRuntime();
      throw new GraphSessionError(`cannot run a graph: ${runtime.available ? found.reason : runtime.reason}`);
    }
    try {
      const gpu = options.gpu ?? loadedNative()?.usingGpu === true;
      return new GraphSession(found.addon, found.addon.open(graphDef, sessionConfigBytes({ ...options, gpu, grappler: options.grappler ?? gpu })));
    } catch (err) {
      throw new GraphSessionError((err as Error).message);
    }
  }

  /**
   * Feeds `feeds`, runs `targets` and returns the tensors named in `fetches`, in order. TensorFlow's
   * errors (out of memory, say) are thrown with its message.
   */
  run(feeds: readonly Feed[], fetches: readonly string[], targets: readonly string[] = []): AddonTensor[] {
    if (this.closed) throw new GraphSessionError('the graph session is closed');
    return this.addon.run(this.id, feeds.map(([n, d, s]) => [n, d, s]), [...fetches], [...targets]);
  }

  /** Deletes the session, its graph and its variables; later calls do nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.addon.close(this.id);
  }
}
