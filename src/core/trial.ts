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
  /**
   * Id of the trial whose checkpoint this evaluation continues (a promotion of a multi-fidelity strategy,
   * an exploit of population-based training): the evaluator restores its weights, optimiser state and
   * counters and trains only from its epoch up to `fidelity`. Without that checkpoint it trains from scratch.
   */
  continueFrom?: number;
  /**
   * The largest fidelity of the run's schedule (epochs): the learning-rate schedule spans it, so that a
   * child trained to r epochs and continued to R follows the same rates as one trained straight to R.
   * Default: the evaluation's own fidelity.
   */
  horizon?: number;
  /** Keep a checkpoint of this evaluation, because a later one may continue it. Default false. */
  checkpoint?: boolean;
  /** The median stopping rule (see MedianStop); absent: train every epoch asked for. */
  medianStop?: MedianStop;
}

/**
 * The median stopping rule (as in Google Vizier): stop a child after epoch e when its score then is
 * below the median of the scores other children had after epoch e. The run computes the medians and
 * sends them with the request, so any executor works without messages during an evaluation.
 */
export interface MedianStop {
  /** medians[e - 1]: the median score after epoch e, or null where too few children reached epoch e. */
  medians: Array<number | null>;
}

/**
 * Why an evaluation produced no usable score. `setup`: the evaluator could not start where the child was
 * sent (a dataset or backend missing on a worker, data that differs from the run's).
 */
export type FailureKind = 'nan' | 'oom' | 'crash' | 'rejected' | 'invalid' | 'timeout' | 'setup';

/** Which process evaluates a child: where `nas status` says a child runs. */
export interface WorkerIdentity {
  /** Host name of the machine. */
  host: string;
  /** Process id of the process that evaluates the child. */
  pid: number;
  /** The GPU the process was given (its CUDA_VISIBLE_DEVICES), if any. */
  gpu?: string;
}

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
  /** Score after each epoch trained by this evaluation's lineage, epoch 1 first (when measured). */
  curve?: number[];
  /** The epoch after which the median rule stopped the child (its score is the score then). */
  stoppedAt?: number;
  /** Epochs this evaluation trained (fewer than its fidelity when it continued a checkpoint or stopped early). */
  epochsTrained?: number;
}
