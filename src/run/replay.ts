/**
 * Rebuilding a strategy from a journal: the asks and tells the journal records, in its order. Each
 * replayed ask must give the child the journal names (same id, same canonical hash); anything else
 * means the run was made with other code, space or options, and is reported with the journal line.
 */
import { FileFormatError } from '../core/errors.ts';
import type { Strategy } from '../search/strategy.ts';
import type { SearchSpace } from '../spaces/space.ts';
import type { JournalEvent } from '../store/journal.ts';

/** Replays events[fromLine..] into `strategy` (which holds the state after the first fromLine events). */
export function replayStrategy(
  strategy: Strategy<unknown>, space: SearchSpace<unknown>, events: readonly JournalEvent[], fromLine: number, file: string,
): void {
  for (let i = fromLine; i < events.length; i++) {
    const event = events[i];
    if (event.e === 'asked') {
      const r = strategy.ask();
      const hash = r.kind === 'suggestion' ? space.hash(r.suggestion.config) : undefined;
      if (r.kind !== 'suggestion' || r.suggestion.id !== event.id || hash !== event.hash) {
        const got = r.kind === 'suggestion' ? `child ${r.suggestion.id} ${hash}` : `'${r.kind}'`;
        throw new FileFormatError(file, `replaying strategy '${strategy.name}' gives ${got} where the journal has child ${event.id} ${event.hash}; was the run made with other code, space or options?`, i + 1);
      }
    } else if (event.e === 'finished') {
      strategy.tell(event.id, { status: 'ok', score: event.score });
    } else if (event.e === 'failed') {
      strategy.tell(event.id, { status: 'failed' });
    }
  }
}
