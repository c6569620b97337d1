/**
 * What must match between an interrupted-and-resumed run and an uninterrupted one: every ask and
 * every outcome, in journal order, without times, worker slots and resume markers.
 */
import type { JournalEvent } from '../../src/store/journal.ts';

export function results(events: readonly JournalEvent[]): string[] {
  return events.flatMap((e) => {
    if (e.e === 'asked') return [`asked ${e.id} ${e.hash} ${e.seed} ${e.parentId ?? '-'}`];
    if (e.e === 'finished') return [`finished ${e.id} ${e.score} ${e.report} ${e.duplicateOf ?? '-'}`];
    if (e.e === 'failed') return [`failed ${e.id} ${e.failure} ${e.duplicateOf ?? '-'}`];
    return [];
  });
}
