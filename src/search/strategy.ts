/**
 * The one ask/tell interface every search strategy implements (grid, random, GP-EI, TPE, Hyperband,
 * BOHB, aging evolution, large-scale evolution). A strategy proposes configurations and learns from
 * scores; it never trains, never touches disk and never imports tfjs.
 *
 * Scores are maximised (higher is better). Runners convert minimisation objectives by negation.
 */

/** A proposed evaluation. */
export interface Suggestion<C> {
  /** Trial id assigned by the strategy: 0, 1, 2, ... in ask order. */
  id: number;
  /** The configuration to evaluate. */
  config: C;
  /** Fidelity (budget) to evaluate at, for multi-fidelity strategies (e.g. epochs). */
  fidelity?: number;
  /** Trial whose trained weights the child may inherit (large-scale evolution), or that it was promoted from. */
  parentId?: number;
  /**
   * Trial whose checkpoint this trial continues (a promotion that trains only the epochs its parent has
   * not, a PBT member that goes on from its own or a better member's weights). Only trials suggested with
   * `checkpoint` can be continued.
   */
  continueFrom?: number;
  /** A later suggestion may continue this trial, so its evaluation keeps a checkpoint. */
  checkpoint?: boolean;
  /** The strategy's largest fidelity, over which a continued trial's learning-rate schedule is defined. */
  horizon?: number;
}

/** What `ask` returns: a suggestion, `wait` (results pending before more can be proposed), or `done`. */
export type AskResult<C> =
  | { kind: 'suggestion'; suggestion: Suggestion<C> }
  | { kind: 'wait' }
  | { kind: 'done' };

/** What `tell` receives. A failed trial has no score. */
export interface Outcome {
  status: 'ok' | 'failed';
  /** The score to maximise; required when status is `ok`. */
  score?: number;
}

/**
 * A search strategy. Every collaborator (space, rng, options) comes in through its factory.
 * Contract: `tell` exactly once per asked id; a second `tell`, or one for an id never asked, throws a
 * UsageError. `saveState()` returns plain JSON; a fresh strategy built with the same options and
 * `loadState(saved)` continues exactly as the original would have.
 */
export interface Strategy<C> {
  readonly name: string;
  ask(): AskResult<C>;
  tell(id: number, outcome: Outcome): void;
  saveState(): unknown;
  loadState(state: unknown): void;
  /** Optional: the individuals the strategy currently keeps (evolution's population), oldest first. */
  population?(): ReadonlyArray<{ id: number; score: number }>;
  /**
   * Optional, for strategies whose suggestions continue earlier trials: ids of trials a later suggestion
   * may still continue (pending continuations' sources included), given that at most `remaining` more
   * trials will be asked. The run deletes the checkpoints of every other trial.
   */
  continuable?(remaining: number): number[];
}
