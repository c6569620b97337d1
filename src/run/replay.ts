/**
 * Rebuilding a strategy from a journal: the asks and tells the journal records, in its order. Each
 * replayed ask must give the child the journal names (same id, same canonical hash); anything else
 * means the run was made with other code, space or options, and is reported with the journal line.
 */
import { FileFormatError, NasError } from '../core/errors.ts';
import type { TrialBook } from './book.ts';
import type { Strategy, Suggestion } from '../search/strategy.ts';
import type { SearchSpace } from '../spaces/space.ts';
import type { JournalEvent } from '../store/journal.ts';

/**
 * Applies journal line `line` to `book`; an event that cannot follow the ones before (a child never
 * asked, a second outcome, ...) becomes a FileFormatError naming the file and line.
 */
export function applyAt(book: TrialBook, event: JournalEvent, file: string, line: number): void {
  try {
    book.apply(event);
  } catch (err) {
    if (err instanceof NasError && !(err instanceof FileFormatError)) throw new FileFormatError(file, `${err.message}; the journal was edited or spliced (restore it from a copy, or start a new run)`, line);
    throw err;
  }
}

/**
 * Replays events[fromLine..] into `strategy` (which holds the state after the first fromLine events).
 * `lineOffset` is the journal line before events[0] (for error messages).
 */
export function replayStrategy(
  strategy: Strategy<unknown>, space: SearchSpace<unknown>, events: readonly JournalEvent[], fromLine: number, file: string, lineOffset = 0,
): void {
  for (let i = fromLine; i < events.length; i++) {
    const event = events[i];
    try {
      replayOne(strategy, space, event, file, lineOffset + i + 1);
    } catch (err) {
      if (err instanceof NasError && !(err instanceof FileFormatError)) throw new FileFormatError(file, `replaying strategy '${strategy.name}': ${err.message}`, lineOffset + i + 1);
      throw err;
    }
  }
}

/**
 * Replays one journal event (line `line` of `file`) into `strategy`. For an `asked` event, returns the
 * suggestion the strategy made, as proposed (a multi-fidelity strategy's fidelity included, even where
 * the run's evaluator ignored it).
 */
export function replayOne(strategy: Strategy<unknown>, space: SearchSpace<unknown>, event: JournalEvent, file: string, line: number): Suggestion<unknown> | undefined {
  if (event.e === 'asked') {
    const r = strategy.ask();
    const hash = r.kind === 'suggestion' ? space.hash(r.suggestion.config) : undefined;
    if (r.kind !== 'suggestion' || r.suggestion.id !== event.id || hash !== event.hash) {
      const got = r.kind === 'suggestion' ? `child ${r.suggestion.id} ${hash}` : `'${r.kind}'`;
      throw new FileFormatError(file, `replaying strategy '${strategy.name}' gives ${got} where the journal has child ${event.id} ${event.hash}; was the run made with other code, space or options, or the journal edited?`, line);
    }
    return r.suggestion;
  } else if (event.e === 'finished') {
    strategy.tell(event.id, { status: 'ok', score: event.score });
  } else if (event.e === 'failed') {
    strategy.tell(event.id, { status: 'failed' });
  }
  return undefined;
}
