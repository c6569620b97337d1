/**
 * `nas worker`: serves a queue until it is told to stop. SIGTERM or SIGINT stops it gracefully (no new
 * children; those running may finish within the grace period, then go back to the queue); a second
 * signal hands them back at once. SIGKILL at any moment loses nothing either (see QueueWorker).
 */
import { QueueWorker, type QueueWorkerOptions } from '../workers/queue-worker.ts';
import { EVALUATOR_MODULE } from './executors.ts';

/** Options of `serveQueue`: a queue worker's, without the evaluator module, plus the grace period. */
export interface ServeOptions extends Omit<QueueWorkerOptions, 'evaluatorModule'> {
  /** Seconds the running children may take to finish after a stop signal before they go back to the queue. Default 30. */
  graceSeconds?: number;
  /** Resolves when the worker must stop (besides the signals), e.g. in tests. Default: never. */
  until?: Promise<unknown>;
}

/** Serves the queue until a signal (or `until`) stops it; resolves once the worker has stopped. */
export async function serveQueue(options: ServeOptions): Promise<void> {
  const { graceSeconds = 30, until, ...rest } = options;
  const worker = await QueueWorker.start({ ...rest, evaluatorModule: EVALUATOR_MODULE });
  let stopped: Promise<void> | undefined;
  const stop = (): void => {
    stopped = worker.stop(graceSeconds);
  };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
  for (const s of signals) process.on(s, stop);
  try {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        stopped ??= worker.stop(graceSeconds);
        void stopped.then(resolve);
      };
      for (const s of signals) process.once(s, done);
      void until?.then(done);
    });
  } finally {
    for (const s of signals) process.removeListener(s, stop);
  }
}
