/**
 * A TensorFlow session running one graph, through tfjs-node's SavedModel support: the graph is written
 * as a SavedModel to a temporary directory, loaded (TF_LoadSessionFromSavedModel: a session whose
 * graph goes through Grappler and, on CPU, the oneDNN layout and fusion rewrites), and the directory is
 * removed at once. `run` feeds tfjs tensors to named placeholders and fetches any named node outputs
 * (TF_SessionRun), returned as tfjs tensors the caller disposes. Running a node that has control inputs
 * runs them first, which is how variable updates happen. `close` deletes the session and its graph.
 *
 * Only the native `tensorflow` backend has a session runtime; {@link graphRuntime} says whether the
 * active backend has one and, if not, why.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** The tag the graphs' meta graph carries. */
export const GRAPH_TAG = 'nas';

/** The part of tfjs-node's NodeJSKernelBackend the session calls. */
interface SessionBackend {
  loadSavedModelMetaGraph(path: string, tags: string): number;
  runSavedModel(id: number, inputs: tf.Tensor[], infos: Array<{ name: string }>, outputs: string[]): tf.Tensor[];
  deleteSavedModel(id: number): void;
  getNumOfSavedModels(): number;
}

function sessionBackend(): SessionBackend | undefined {
  if (tf.getBackend() !== 'tensorflow') return undefined;
  const b = tf.backend() as unknown as Partial<SessionBackend>;
  const needed = ['loadSavedModelMetaGraph', 'runSavedModel', 'deleteSavedModel', 'getNumOfSavedModels'] as const;
  return needed.every((m) => typeof b[m] === 'function') ? (b as SessionBackend) : undefined;
}

/** Whether the active backend runs graphs, and why not when it does not. */
export function graphRuntime(): { available: true } | { available: false; reason: string } {
  const backend = tf.getBackend();
  if (backend !== 'tensorflow') return { available: false, reason: `the ${backend} backend has no TensorFlow session runtime` };
  if (sessionBackend() === undefined) return { available: false, reason: 'this tfjs-node build has no SavedModel session support' };
  return { available: true };
}

/** Sessions open in this process (each one holds a graph and its variables). */
export function openGraphSessions(): number {
  return sessionBackend()?.getNumOfSavedModels() ?? 0;
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

  private constructor(private readonly backend: SessionBackend, private readonly id: number) {}

  /** Loads `savedModel` (the bytes of a saved_model.pb tagged {@link GRAPH_TAG}) into a new session. */
  static open(savedModel: Uint8Array): GraphSession {
    const backend = sessionBackend();
    if (backend === undefined) {
      const runtime = graphRuntime();
      throw new GraphSessionError(`cannot run a graph: ${runtime.available ? 'no session support' : runtime.reason}`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'nas-graph-'));
    try {
      writeFileSync(join(dir, 'saved_model.pb'), savedModel);
      return new GraphSession(backend, backend.loadSavedModelMetaGraph(dir, GRAPH_TAG));
    } catch (err) {
      throw new GraphSessionError(`TensorFlow could not load the graph: ${(err as Error).message}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * Feeds `feeds` (placeholder name -> tensor) and returns the tensors named in `fetches` (`node` or
   * `node:k`), in order. TensorFlow's errors (out of memory, say) are thrown with its message.
   */
  run(feeds: ReadonlyArray<readonly [string, tf.Tensor]>, fetches: readonly string[]): tf.Tensor[] {
    if (this.closed) throw new GraphSessionError('the graph session is closed');
    return this.backend.runSavedModel(this.id, feeds.map(([, t]) => t), feeds.map(([name]) => ({ name })), [...fetches]);
  }

  /** Deletes the session, its graph and its variables; later calls do nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.backend.deleteSavedModel(this.id);
  }
}
