/**
 * Trial records and evaluation messages: what strategies, evaluators, workers and the store exchange.
 * Everything here is plain JSON-serialisable data, so it can cross process boundaries.
 */

/** Life cycle of a trial in a run's journal. */
export type TrialState = 'asked' | 'running' | 'finished' | 'failed';

/** What an evaluator is asked to do: evaluate one configuration. */
export interface EvalRequest {
  /** Trial id, unique within a run (0, 1, 2, ... in ask order). */
  trialId: number;
  /** The configuration in its JSON form (`space.toJSON(config)`). */
  config: unknown;
  /** Seed for everything random in this evaluation (initialisers, shuffles, augmentation). */
  seed: number;
  /** Fidelity (e.g. training epochs) for multi-fidelity strategies; the evaluator's default if absent. */
  fidelity?: number;
  /** Id of the parent trial whose trained weights the child may inherit (large-scale evolution). */
  parentId?: number;
}

/** Why an evaluation produced no usable score. */
export type FailureKind = 'nan' | 'oom' | 'crash' | 'rejected' | 'invalid' | 'timeout';

/** What an evaluator returns. */
export interface EvalResult {
  trialId: number;
  /** `ok` with a score, or `failed` with a reason. */
  status: 'ok' | 'failed';
  /** The search signal, HIGHER IS BETTER (an accuracy; minus a loss). Absent when failed. */
  score?: number;
  /** A metric recorded but never used to choose (e.g. NAS-Bench-201's test_200). */
  report?: number;
  /** Failure classification when `status` is `failed`. */
  failure?: FailureKind;
  /** Human-readable reason for a failure. */
  error?: string;
  /** Other figures: params, madds, trainSeconds, imagesPerSecond, valLoss, ... */
  metrics?: Record<string, number>;
  /** Wall-clock seconds the evaluation took. */
  seconds?: number;
}
