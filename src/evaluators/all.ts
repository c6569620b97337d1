/**
 * Registers every evaluator and exports `createEvaluator`, so this module is what a worker process
 * imports to build its evaluator from a spec (it satisfies core/evaluator.ts's EvaluatorModule).
 */
import { createCurvesEvaluator } from './curves.ts';
import { registerEvaluator } from './registry.ts';
import { createSyntheticEvaluator, syntheticNames } from './synthetic.ts';
import { createTableEvaluator } from './table.ts';

registerEvaluator('table', createTableEvaluator);
// Synthetic objectives (branin, hartmann6): score = -value, regret in the metrics.
for (const name of syntheticNames()) registerEvaluator(name, () => createSyntheticEvaluator(name));
// Synthetic learning curves (multi-fidelity tests and benchmarks): fidelity, checkpoints, the median rule.
registerEvaluator('curves', createCurvesEvaluator);
// tfjs loads only when a run trains.
registerEvaluator('train', async (argument, options) => (await import('./train.ts')).createTrainEvaluator(argument, options));

export { createEvaluator, evaluatorSchemes } from './registry.ts';
