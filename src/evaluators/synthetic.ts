/**
 * Synthetic objectives for testing and benchmarking search strategies: Branin and Hartmann-6.
 * Pure functions (no tfjs). Both are MINIMISATION objectives with known optima; the evaluator below
 * turns a value into a score to maximise by negation (score = -value), and reports the regret
 * (value minus the known optimum) alongside.
 *
 * Configurations are hyperparameter assignments `{ x1: number, x2: number, ... }` over the domains of
 * search-spaces/branin.json and search-spaces/hartmann6.json.
 */
import type { Evaluator } from '../core/evaluator.ts';
import { ValidationError } from '../core/errors.ts';
import type { EvalRequest, EvalResult } from '../core/trial.ts';

/** A synthetic minimisation objective over a box. */
export interface SyntheticObjective {
  /** Name used by `--objective` (`branin`, `hartmann6`). */
  readonly name: string;
  /** The known global minimum of `value`. */
  readonly optimum: number;
  /** One argmin (for tests). */
  readonly argmin: readonly number[];
  /** Domain of each coordinate x1..xd: [low, high]. */
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  /** The objective value at x (length d). */
  value(x: readonly number[]): number;
}

/** Branin-Hoo on x1 in [-5, 10], x2 in [0, 15]; minimum 0.397887 at (-pi, 12.275), (pi, 2.275), (9.42478, 2.475). */
export function branin(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI * Math.PI);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  const q = x2 - b * x1 * x1 + c * x1 - 6;
  return q * q + 10 * (1 - t) * Math.cos(x1) + 10;
}

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));

/** Hartmann-6 on [0, 1]^6; minimum -3.32237 at (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573). */
export function hartmann6(x: readonly number[]): number {
  if (x.length !== 6) throw new RangeError(`hartmann6 needs 6 coordinates, got ${x.length}`);
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) {
      const d = x[j] - H6_P[i][j];
      inner += H6_A[i][j] * d * d;
    }
    sum += H6_ALPHA[i] * Math.exp(-inner);
  }
  return -sum;
}

/** The built-in synthetic objectives by name. */
export const SYNTHETIC_OBJECTIVES: Readonly<Record<string, SyntheticObjective>> = {
  branin: {
    name: 'branin',
    optimum: 0.397887,
    argmin: [Math.PI, 2.275],
    bounds: [
      [-5, 10],
      [0, 15],
    ],
    value: (x) => branin(x[0], x[1]),
  },
  hartmann6: {
    name: 'hartmann6',
    optimum: -3.32237,
    argmin: [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573],
    bounds: Array.from({ length: 6 }, () => [0, 1] as const),
    value: hartmann6,
  },
};

/** Names of the synthetic objectives. */
export function syntheticNames(): string[] {
  return Object.keys(SYNTHETIC_OBJECTIVES).sort();
}

/** The named objective; an unknown name fails with the list of known ones. */
export function syntheticObjective(name: string): SyntheticObjective {
  const objective = SYNTHETIC_OBJECTIVES[name];
  if (!objective) {
    throw new ValidationError(`unknown synthetic objective '${name}'`, { field: 'objective' }, syntheticNames().join(', '));
  }
  return objective;
}

/** The coordinates x1..xd of a configuration `{ x1, ..., xd }`; anything else is a ValidationError. */
export function syntheticPoint(objective: SyntheticObjective, config: unknown): number[] {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ValidationError('a synthetic configuration must be an object', { field: 'config' }, '{ "x1": number, ... }');
  }
  const record = config as Record<string, unknown>;
  return objective.bounds.map(([low, high], i) => {
    const name = `x${i + 1}`;
    const v = record[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < low || v > high) {
      throw new ValidationError(`${objective.name}: ${name} is ${String(v)}`, { field: name }, `a number in [${low}, ${high}]`);
    }
    return v;
  });
}

/** Evaluates `config` on the objective: value, regret and the score to maximise (-value). */
export function evaluateSyntheticConfig(objective: SyntheticObjective, config: unknown): { value: number; regret: number; score: number } {
  const value = objective.value(syntheticPoint(objective, config));
  return { value, regret: value - objective.optimum, score: -value };
}

/** An Evaluator for `--objective branin|hartmann6`: score = -value; metrics carry value and regret. */
export function createSyntheticEvaluator(name: string): Evaluator {
  const objective = syntheticObjective(name);
  return {
    evaluate(request: EvalRequest): Promise<EvalResult> {
      try {
        const { value, regret, score } = evaluateSyntheticConfig(objective, request.config);
        return Promise.resolve({ trialId: request.trialId, status: 'ok', score, metrics: { value, regret }, seconds: 0 });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return Promise.resolve({ trialId: request.trialId, status: 'failed', failure: 'invalid', error: err.message });
      }
    },
  };
}
