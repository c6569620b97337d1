/**
 * Registers every evaluator and exports `createEvaluator`, so this module is what a worker process
 * imports to build its evaluator from a spec (it satisfies core/evaluator.ts's EvaluatorModule).
 */
import { registerEvaluator } from './registry.ts';
import { createTableEvaluator } from './table.ts';

registerEvaluator('table', createTableEvaluator);

export { createEvaluator, evaluatorSchemes } from './registry.ts';
