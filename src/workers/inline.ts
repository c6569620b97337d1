/**
 * The in-process executor: evaluations run in the calling process, `capacity` at a time. For tests,
 * benchmarks and the table evaluator, whose lookups take microseconds; a child that crashes the
 * process would take the run with it, so training uses the process pool.
 */
import type { Evaluator } from '../core/evaluator.ts';
import type { EvalRequest, EvalResult } from '../core/trial.ts';
import { checkScore, crashResult, type Executor } from './executor.ts';

export class InlineExecutor implements Executor {
  readonly capacity: number;
  private readonly evaluator: Evaluator;

  /** `capacity` is how many evaluations the runner keeps in flight (default 1). */
  constructor(evaluator: Evaluator, capacity = 1) {
    this.evaluator = evaluator;
    this.capacity = capacity;
  }

  async submit(request: EvalRequest): Promise<EvalResult> {
    try {
      return checkScore(await this.evaluator.evaluate(request));
    } catch (err) {
      return crashResult(request.trialId, err);
    }
  }

  async close(): Promise<void> {
    await this.evaluator.close?.();
  }
}
