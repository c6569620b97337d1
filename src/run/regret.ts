/**
 * Regret of a run on a synthetic objective (Branin, Hartmann-6): the best value found minus the
 * objective's known optimum. Scores are negated values (higher is better), so value = -score.
 */
import { innerSpec, parseEvaluatorSpec } from '../evaluators/registry.ts';
import { SYNTHETIC_OBJECTIVES } from '../evaluators/synthetic.ts';

function objectiveOf(evaluatorSpec: string) {
  const name = parseEvaluatorSpec(innerSpec(evaluatorSpec))[0];
  return Object.hasOwn(SYNTHETIC_OBJECTIVES, name) ? SYNTHETIC_OBJECTIVES[name] : undefined;
}

/** The regret of `bestScore` on the evaluator `evaluatorSpec`, or undefined when it is not a synthetic objective. */
export function regretOf(evaluatorSpec: string, bestScore: number | undefined): number | undefined {
  const objective = objectiveOf(evaluatorSpec);
  if (objective === undefined || bestScore === undefined) return undefined;
  return -bestScore - objective.optimum;
}

/** True when the evaluator spec names a synthetic objective (`branin`, `hartmann6`). */
export function isSynthetic(evaluatorSpec: string): boolean {
  return objectiveOf(evaluatorSpec) !== undefined;
}
