/**
 * Registers every evaluator and exports `createEvaluator`, so this module is what a worker process
 * imports to build its evaluator from a spec (it satisfies core/evaluator.ts's EvaluatorModule).
 */
import { createCurvesEvaluator } from './curves.ts';
import { createDelayEvaluator } from './delay.ts';
import { checkFingerprint, tableFingerprint } from './fingerprint.ts';
import { createEvaluator, registerEvaluator } from './registry.ts';
import { createSyntheticEvaluator, syntheticNames } from './synthetic.ts';
import { createTableEvaluator } from './table.ts';

registerEvaluator('table', async (argument, options) => {
  const evaluator = createTableEvaluator(argument, options);
  if (options.fingerprint !== undefined) {
    const actual = await tableFingerprint(evaluator.table.file);
    checkFingerprint(options, () => actual, `the table ${evaluator.table.file}`);
  }
  return evaluator;
});
// Synthetic objectives (branin, hartmann6): score = -value, regret in the metrics.
for (const name of syntheticNames()) registerEvaluator(name, () => createSyntheticEvaluator(name));
// Synthetic learning curves (multi-fidelity tests and benchmarks): fidelity, checkpoints, the median rule.
registerEvaluator('curves', createCurvesEvaluator);
// Another evaluator that takes a set time (executor benchmarks and tests of distributed runs).
registerEvaluator('delay', (argument, options) => createDelayEvaluator(argument, options, createEvaluator));
// tfjs loads only when a run trains.
registerEvaluator('train', async (argument, options) => (await import('./train.ts')).createTrainEvaluator(argument, options));

export { createEvaluator, evaluatorSchemes } from './registry.ts';
// The fingerprint of the data a spec scores children on (what EvaluatorModule.fingerprint names).
export { evaluatorFingerprint as fingerprint } from './fingerprint.ts';
