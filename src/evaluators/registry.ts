/**
 * Evaluators by scheme: `table:<csv>`, `train`, `branin`, ... A spec is `scheme` or `scheme:argument`;
 * each evaluator module registers a factory for its scheme. Factories may be async so that heavy
 * modules (tfjs) load only when their scheme is used.
 */
import type { Evaluator, EvaluatorOptions } from '../core/evaluator.ts';
import { ValidationError } from '../core/errors.ts';

/** Builds an evaluator from the spec's argument (the text after `scheme:`, or '' when none). */
export type EvaluatorFactory = (argument: string, options: EvaluatorOptions) => Evaluator | Promise<Evaluator>;

const FACTORIES = new Map<string, EvaluatorFactory>();

/** Adds an evaluator under `scheme`; a second registration of one scheme is a programming error. */
export function registerEvaluator(scheme: string, factory: EvaluatorFactory): void {
  if (FACTORIES.has(scheme)) throw new Error(`evaluator '${scheme}' is registered twice`);
  FACTORIES.set(scheme, factory);
}

/** Schemes of every registered evaluator. */
export function evaluatorSchemes(): string[] {
  return [...FACTORIES.keys()].sort();
}

/** How each scheme is written, for messages: `table:<csv>`, `delay:<seconds>:<evaluator>`, `train`, ... */
export function evaluatorForms(): string {
  const forms: Record<string, string> = { table: 'table:<csv>', delay: 'delay:<seconds>:<evaluator>' };
  return evaluatorSchemes().map((s) => forms[s] ?? s).join(', ');
}

/** Splits `table:../x.csv` into `['table', '../x.csv']` and `train` into `['train', '']`. */
export function parseEvaluatorSpec(spec: string): [string, string] {
  const colon = spec.indexOf(':');
  return colon < 0 ? [spec, ''] : [spec.slice(0, colon), spec.slice(colon + 1)];
}

/**
 * The evaluator that scores a child under wrappers that only change how long it takes:
 * `delay:0.5:branin` -> `branin`.
 */
export function innerSpec(spec: string): string {
  let s = spec;
  while (s.startsWith('delay:')) {
    const rest = s.slice('delay:'.length);
    const colon = rest.indexOf(':');
    if (colon < 0) return s;
    s = rest.slice(colon + 1);
  }
  return s;
}

/** Builds the evaluator a spec names; an unknown scheme fails with the list of known ones. */
export async function createEvaluator(spec: string, options: EvaluatorOptions): Promise<Evaluator> {
  const [scheme, argument] = parseEvaluatorSpec(spec);
  const factory = FACTORIES.get(scheme);
  if (!factory) {
    throw new ValidationError(`unknown evaluator '${spec}'`, { field: 'evaluator' }, evaluatorForms());
  }
  return factory(argument, options);
}
