/**
 * Where evaluations run. An Executor takes EvalRequests and resolves each with an EvalResult; it never
 * rejects because an evaluation failed (a crash, an out-of-memory child or a NaN score comes back as a
 * `failed` result), only when it cannot work at all (a bad evaluator spec). Strategies never see an
 * executor: the run layer asks the strategy, submits to the executor and tells the strategy, so a queue
 * on a distributed engine can replace the local pool by implementing this interface alone.
 */
import type { EvalRequest, EvalResult, WorkerIdentity } from '../core/trial.ts';

/** What the caller of `submit` hears about an evaluation before its result. */
export interface SubmitHooks {
  /** A worker process began the evaluation (again, after a worker died). */
  onRunning?(where: WorkerIdentity): void;
}

export interface Executor {
  /** How many evaluations may run at once (the number of workers). */
  readonly capacity: number;
  /** Runs one evaluation; resolves with its result (failed ones included). */
  submit(request: EvalRequest, hooks?: SubmitHooks): Promise<EvalResult>;
  /**
   * The caller has recorded the result of `trialId` durably (the run's journal): an executor that keeps
   * results elsewhere until they are collected (a queue) may now drop them. Optional.
   */
  acknowledge?(trialId: number): void;
  /** Stops every worker; pending submissions are abandoned. */
  close(): Promise<void>;
}

/** Turns a NaN or infinite score into a `failed` result, so no strategy is ever told NaN. */
export function checkScore(result: EvalResult): EvalResult {
  if (result.status === 'ok' && (typeof result.score !== 'number' || !Number.isFinite(result.score))) {
    return {
      trialId: result.trialId,
      status: 'failed',
      failure: 'nan',
      error: `the evaluator returned score ${String(result.score)}`,
      ...(result.metrics ? { metrics: result.metrics } : {}),
      ...(result.seconds !== undefined ? { seconds: result.seconds } : {}),
    };
  }
  return result;
}

/** A failed result for an evaluation that threw. */
export function crashResult(trialId: number, err: unknown, failure: EvalResult['failure'] = 'crash'): EvalResult {
  const message = err instanceof Error ? err.message : String(err);
  const oom = /out of memory|OOM|Allocation failed/i.test(message);
  return { trialId, status: 'failed', failure: oom ? 'oom' : failure, error: message };
}
