/**
 * Messages between the process pool and its worker processes (JSON over the IPC channel).
 */
import type { EvaluatorOptions } from '../core/evaluator.ts';
import type { EvalRequest, EvalResult } from '../core/trial.ts';

/** Parent to worker. */
export type ToWorker =
  | {
      type: 'init';
      /** URL of a module exporting `createEvaluator(spec, options)` (an EvaluatorModule). */
      module: string;
      spec: string;
      options: EvaluatorOptions;
    }
  | { type: 'eval'; request: EvalRequest }
  | { type: 'exit' };

/** Worker to parent. */
export type FromWorker =
  | { type: 'init-error'; message: string }
  /** The evaluator is built and the evaluation has begun (the pool's timeout counts from here). */
  | { type: 'started'; trialId: number }
  | { type: 'result'; result: EvalResult };

/** Environment variable through which a worker learns its pool's pid (its watchdog ends it when that parent is gone). */
export const PARENT_PID_ENV = 'NAS_POOL_PARENT_PID';
