/**
 * The Evaluator interface: turns one EvalRequest into one EvalResult. Implementations live in
 * src/evaluators (train, large-scale, table, synthetic); executors in src/workers run them in-process or in
 * worker processes. Only plain data crosses this interface, so a request can travel to another process.
 */
import type { EvalRequest, EvalResult } from './trial.ts';

export interface Evaluator {
  /** Evaluates one configuration. Rejects only on programming errors; failures come back as results. */
  evaluate(request: EvalRequest): Promise<EvalResult>;
  /** Releases what the evaluator holds (tensors, files). Optional. */
  close?(): Promise<void>;
}

/** Options every evaluator factory receives (the run's configuration, as plain JSON). */
export interface EvaluatorOptions {
  /** The space name or file the configurations belong to (so the evaluator can validate them). */
  space: string;
  /** Name of the search metric (e.g. `valid_12`); the evaluator's default when absent. */
  metric?: string;
  /** Name of the reported metric (e.g. `test_200`); the evaluator's default when absent. */
  report?: string;
  /** Directory relative paths in the evaluator spec are resolved from. Default: the working directory. */
  baseDir?: string;
  /** The run directory, where evaluators may keep per-trial files (large-scale evolution's trained weights). Absent outside a run. */
  runDir?: string;
  /** Further evaluator-specific options (epochs, dataset, experiment file, ...). */
  extra?: Record<string, unknown>;
  /**
   * The fingerprint of the data the run scores children on (see `fingerprint` of EvaluatorModule). When
   * set, an evaluator that loads other data refuses to start, naming both. Absent: no check.
   */
  fingerprint?: string;
}

/** A module that builds evaluators from a spec string such as `table:<csv>` or `train`. */
export interface EvaluatorModule {
  createEvaluator(spec: string, options: EvaluatorOptions): Promise<Evaluator>;
  /**
   * A digest of the data the evaluator would score children on under these options (a table's bytes, a
   * dataset's images and labels after the validation split), or undefined when it reads no data. Workers
   * on other machines compare it with their own before they evaluate anything.
   */
  fingerprint?(spec: string, options: EvaluatorOptions): Promise<string | undefined>;
}
