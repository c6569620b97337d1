/**
 * A trial history that also knows the canonical hash of every value asked, so a strategy never
 * proposes a known network (a duplicate costs an evaluation when duplicates count against the
 * budget, and teaches nothing). Wraps TrialHistory (ids, pending trials, the tell contract) and
 * rebuilds the hashes when a saved history is loaded.
 */
import type { SearchSpace } from '../spaces/space.ts';
import type { Outcome, Suggestion } from './strategy.ts';
import { TrialHistory, type TrialHistoryState, type TrialRecord } from './trial-history.ts';

export class KnownTrials<C> {
  readonly history: TrialHistory<C>;
  private readonly space: SearchSpace<C>;
  private readonly hashes = new Set<string>();

  constructor(space: SearchSpace<C>, label: string) {
    this.space = space;
    this.history = new TrialHistory(space, label);
  }

  /** Hashes of every value asked so far. */
  get known(): ReadonlySet<string> {
    return this.hashes;
  }

  /** Records a new pending trial. */
  propose(config: C): Suggestion<C> {
    this.hashes.add(this.space.hash(config));
    return this.history.add(config);
  }

  tell(id: number, outcome: Outcome): Readonly<TrialRecord<C>> {
    return this.history.tell(id, outcome);
  }

  /** Told trials with a score, in id order. */
  completed(): Array<Readonly<TrialRecord<C>>> {
    return this.history.completed();
  }

  /** Trials asked and not told yet, in id order. */
  pending(): Array<Readonly<TrialRecord<C>>> {
    return this.history.all().filter((t) => t.status === 'pending');
  }

  /** The trial with this id. */
  trial(id: number): Readonly<TrialRecord<C>> {
    return this.history.all()[id];
  }

  save(): TrialHistoryState {
    return this.history.save();
  }

  load(state: TrialHistoryState): void {
    this.history.load(state);
    this.hashes.clear();
    for (const t of this.history.all()) this.hashes.add(this.space.hash(t.config));
  }
}
