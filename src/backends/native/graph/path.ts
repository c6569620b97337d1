/**
 * Which path a child's training steps take, and why: `graph` (the whole step, forward pass, loss,
 * backward pass and updates, as one TensorFlow graph in a session: on CPU oneDNN's layout and fusion
 * rewrites apply, on a GPU Grappler's passes, and the runtime plans the step's memory) where the active backend runs
 * graphs, else `eager` (tfjs runs the step kernel by kernel). The trainer and `nas doctor` both ask here.
 */
import { ValidationError } from '../../../core/errors.ts';
import { graphRuntime } from './session.ts';

export const TRAIN_PATH_OPTIONS = ['auto', 'graph', 'eager'] as const;
/** What a user asks for: `auto` (graph where possible), `graph` or `eager`. */
export type TrainPathOption = (typeof TRAIN_PATH_OPTIONS)[number];
/** How steps actually run. */
export type TrainPath = Exclude<TrainPathOption, 'auto'>;

/** The path chosen and a sentence saying why. */
export interface TrainPathChoice {
  path: TrainPath;
  reason: string;
}

const GRAPH_REASON = 'native TensorFlow runs each training step as one graph (oneDNN layout and fusion rewrites on CPU, Grappler on a GPU, memory planned by the runtime)';

/**
 * The path for `requested` on the active backend. `graph` where the backend cannot run graphs is a
 * ValidationError saying why; `auto` then takes the eager path.
 */
export function chooseTrainPath(requested: TrainPathOption = 'auto'): TrainPathChoice {
  if (!(TRAIN_PATH_OPTIONS as readonly string[]).includes(requested)) {
    throw new ValidationError(`unknown training path '${String(requested)}'`, { field: 'trainPath' }, TRAIN_PATH_OPTIONS.join(', '));
  }
  if (requested === 'eager') return { path: 'eager', reason: 'asked for (train path eager): tfjs runs each step kernel by kernel' };
  const runtime = graphRuntime();
  if (runtime.available) return { path: 'graph', reason: requested === 'graph' ? `asked for: ${GRAPH_REASON}` : GRAPH_REASON };
  if (requested === 'graph') {
    throw new ValidationError(`training as a graph needs native TensorFlow: ${runtime.reason}`, { field: 'trainPath' }, 'auto or eager on this backend');
  }
  return { path: 'eager', reason: `${runtime.reason}, so tfjs runs each step kernel by kernel` };
}
