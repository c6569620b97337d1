/**
 * Which evaluators honour a multi-fidelity strategy's fidelity (Hyperband, successive halving, BOHB).
 *
 * - `train`: the fidelity is the number of training epochs of the child.
 * - `table:<csv>`: ignored. A tabular benchmark row holds one search signal (`--metric`, e.g.
 *   NAS-Bench-201's `valid_12`); its other columns (`valid_200`, `test_200`) are results after full
 *   training that the benchmark's protocol forbids using to choose, so no column stands for a lower
 *   or higher rung.
 * - `branin`, `hartmann6`: ignored (the functions have no cheaper approximation).
 *
 * When the evaluator ignores fidelity the runner drops it (see RunnerOptions.ignoreFidelity): a
 * configuration the strategy promotes to a higher rung is then a duplicate of its first evaluation,
 * gets that score at once and does not count against the budget.
 */
import { parseEvaluatorSpec } from '../train/evaluators/registry.ts';

const HONOURING = new Set(['train']);

/** True when the evaluator the spec names uses EvalRequest.fidelity. */
export function honoursFidelity(evaluatorSpec: string): boolean {
  return HONOURING.has(parseEvaluatorSpec(evaluatorSpec)[0]);
}
