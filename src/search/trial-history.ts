/**
 * The bookkeeping every non-evolutionary strategy shares: trial ids in ask order, which trials are
 * pending, told results, and the ask/tell contract (tell exactly once per asked id). Saved as plain
 * JSON with configurations in their `space.toJSON` form and restored through `space.validate`.
 */
import { UsageError } from '../core/errors.ts';
import type { SearchSpace } from '../spaces/space.ts';
import type { Outcome, Suggestion } from './strategy.ts';

/** One asked trial. */
export interface TrialRecord<C> {
  id: number;
  config: C;
  /** Fidelity it was asked at, if the strategy uses fidelities. */
  fidelity?: number;
  /** `pending` until told. */
  status: 'pending' | 'ok' | 'failed';
  /** The told score (status `ok` only). */
  score?: number;
}

/** Plain-JSON form of a history. */
export interface TrialHistoryState {
  nextId: number;
  trials: Array<{ id: number; config: unknown; fidelity?: number; status: 'pending' | 'ok' | 'failed'; score?: number }>;
}

export class TrialHistory<C> {
  private readonly space: SearchSpace<C>;
  private readonly label: string;
  private nextId = 0;
  private readonly trials: Array<TrialRecord<C>> = [];

  /** `label` prefixes error messages (the strategy's name). */
  constructor(space: SearchSpace<C>, label: string) {
    this.space = space;
    this.label = label;
  }

  /** Records a new pending trial and returns its suggestion. */
  add(config: C, fidelity?: number): Suggestion<C> {
    const id = this.nextId++;
    this.trials.push({ id, config, status: 'pending', ...(fidelity !== undefined ? { fidelity } : {}) });
    return { id, config, ...(fidelity !== undefined ? { fidelity } : {}) };
  }

  /** Records an outcome; a second tell, an unknown id or an `ok` without a finite score is a UsageError. */
  tell(id: number, outcome: Outcome): TrialRecord<C> {
    const record = Number.isInteger(id) && id >= 0 && id < this.nextId ? this.trials[id] : undefined;
    if (!record) throw new UsageError(`${this.label}: tell(${id}): trial ${id} was never asked`);
    if (record.status !== 'pending') throw new UsageError(`${this.label}: tell(${id}): trial ${id} was already told`);
    if (outcome.status === 'ok') {
      if (typeof outcome.score !== 'number' || !Number.isFinite(outcome.score)) {
        throw new UsageError(`${this.label}: tell(${id}): an 'ok' outcome needs a finite score, got ${String(outcome.score)}`);
      }
      record.status = 'ok';
      record.score = outcome.score;
    } else if (outcome.status === 'failed') {
      record.status = 'failed';
    } else {
      throw new UsageError(`${this.label}: tell(${id}): status must be 'ok' or 'failed'`);
    }
    return record;
  }

  /** Every asked trial, in id order. */
  all(): ReadonlyArray<Readonly<TrialRecord<C>>> {
    return this.trials;
  }

  /** Told trials with a score, in id order. */
  completed(): Array<Readonly<TrialRecord<C>>> {
    return this.trials.filter((t) => t.status === 'ok');
  }

  /** Ids asked but not told yet. */
  pendingIds(): number[] {
    return this.trials.filter((t) => t.status === 'pending').map((t) => t.id);
  }

  /** How many trials were asked. */
  get asked(): number {
    return this.nextId;
  }

  save(): TrialHistoryState {
    return {
      nextId: this.nextId,
      trials: this.trials.map((t) => ({
        id: t.id,
        config: this.space.toJSON(t.config),
        status: t.status,
        ...(t.fidelity !== undefined ? { fidelity: t.fidelity } : {}),
        ...(t.score !== undefined ? { score: t.score } : {}),
      })),
    };
  }

  load(state: TrialHistoryState): void {
    if (!state || !Array.isArray(state.trials) || !Number.isInteger(state.nextId) || state.trials.length !== state.nextId) {
      throw new UsageError(`${this.label}: not a saved trial history`);
    }
    this.trials.length = 0;
    state.trials.forEach((t, i) => {
      if (t.id !== i) throw new UsageError(`${this.label}: saved trial ${i} has id ${t.id}`);
      this.trials.push({
        id: t.id,
        config: this.space.validate(t.config),
        status: t.status,
        ...(t.fidelity !== undefined ? { fidelity: t.fidelity } : {}),
        ...(t.score !== undefined ? { score: t.score } : {}),
      });
    });
    this.nextId = state.nextId;
  }
}
