/**
 * Which evaluators honour a multi-fidelity strategy's fidelity (Hyperband, successive halving, BOHB).
 *
 * - `train`: the fidelity is the number of training epochs of the child.
 * - `curves`: the fidelity is the number of epochs of a synthetic learning curve.
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
import { innerSpec, parseEvaluatorSpec } from '../evaluators/registry.ts';
import type { RunConfig } from './config.ts';

const HONOURING = new Set(['train', 'curves']);

/** Strategies that propose fidelities and stop asking after `budget` trials, promotions included. */
const MULTI_FIDELITY = new Set(['hyperband', 'sh', 'bohb', 'asha', 'pbt']);

/** True when the strategy proposes fidelities (its rungs or steps are worth showing in a report). */
export function isMultiFidelity(strategy: string): boolean {
  return MULTI_FIDELITY.has(strategy);
}

/**
 * True when the evaluator the spec names uses EvalRequest.fidelity; those also keep and continue
 * checkpoints and report per-epoch curves for the median rule.
 */
export function honoursFidelity(evaluatorSpec: string): boolean {
  return HONOURING.has(parseEvaluatorSpec(innerSpec(evaluatorSpec))[0]);
}

/**
 * The budget a run's strategy is built with. The runner stops every run after `budget` distinct
 * evaluations (duplicates are free). Multi-fidelity strategies would otherwise stop after `budget`
 * asks, duplicates included, and so make fewer evaluations than asked for: they get no trial limit
 * (0) and the runner alone ends them. Other strategies get the budget (grid sizes itself by it).
 */
export function strategyBudget(config: Pick<RunConfig, 'strategy' | 'budget'>): number {
  return MULTI_FIDELITY.has(config.strategy) ? 0 : config.budget;
}
