/**
 * `delay:<seconds>[-<max seconds>]:<evaluator>`: another evaluator whose every evaluation takes a set
 * time, e.g. `delay:0.5:branin` or `delay:0.2-0.8:table:<csv>`. It stands in for training when what is
 * measured or tested is everything around it: executors, queues, workers on many machines, faults. With a
 * range, each child waits a time drawn from its own seed (uniformly), so children finish out of order but
 * the same child always waits as long. The wait does not hold the event loop.
 */
import type { Evaluator, EvaluatorOptions } from '../core/evaluator.ts';
import { ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import type { EvalRequest, EvalResult } from '../core/trial.ts';

const ACCEPTED = 'delay:<seconds>:<evaluator> or delay:<min>-<max>:<evaluator>, e.g. delay:0.5:branin';

/** The parts of a delay spec's argument (the text after `delay:`). */
export interface DelaySpec {
  /** Shortest wait in seconds. */
  min: number;
  /** Longest wait in seconds (equal to `min` for a fixed wait). */
  max: number;
  /** The evaluator that scores the child after the wait. */
  inner: string;
}

/** Parses `0.5:branin` or `0.2-0.8:table:x.csv`; errors name the evaluator option. */
export function parseDelaySpec(argument: string): DelaySpec {
  const colon = argument.indexOf(':');
  const time = colon < 0 ? argument : argument.slice(0, colon);
  const inner = colon < 0 ? '' : argument.slice(colon + 1);
  const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(time);
  if (!m || inner === '') throw new ValidationError(`'delay:${argument}' is not a delay spec`, { field: 'evaluator' }, ACCEPTED);
  const min = Number(m[1]);
  const max = m[2] !== undefined ? Number(m[2]) : min;
  if (max < min) throw new ValidationError(`delay range ${time} ends before it starts`, { field: 'evaluator' }, ACCEPTED);
  return { min, max, inner };
}

/** The wait of one child: fixed, or drawn from the child's seed. */
export function delayOf(spec: DelaySpec, request: EvalRequest): number {
  if (spec.max === spec.min) return spec.min;
  return spec.min + (spec.max - spec.min) * Rng.seeded(request.seed).split('delay').next();
}

/** Builds a delay evaluator around the evaluator `build` makes from the inner spec. */
export async function createDelayEvaluator(
  argument: string, options: EvaluatorOptions, build: (spec: string, options: EvaluatorOptions) => Promise<Evaluator>,
): Promise<Evaluator> {
  const spec = parseDelaySpec(argument);
  const inner = await build(spec.inner, options);
  return {
    async evaluate(request: EvalRequest): Promise<EvalResult> {
      const started = performance.now();
      await new Promise((r) => setTimeout(r, delayOf(spec, request) * 1000));
      const result = await inner.evaluate(request);
      return { ...result, seconds: (performance.now() - started) / 1000 };
    },
    close: () => inner.close?.() ?? Promise.resolve(),
  };
}
