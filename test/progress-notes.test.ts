/**
 * The run's display (src/cli/progress.ts): a child that was to continue a checkpoint that was not there
 * gets a line of its own, and children that continued theirs, or had none to continue, do not.
 */
import { describe, expect, it } from 'vitest';
import { missingCheckpointNote, ProgressBar } from '../src/cli/progress.ts';
import { TrialBook } from '../src/run/book.ts';
import type { FinishedEvent } from '../src/store/journal.ts';

function bookWith(): TrialBook {
  const book = new TrialBook();
  book.apply({ e: 'asked', id: 0, hash: 'a', seed: 0, config: {}, fidelity: 2, checkpoint: true, horizon: 8, t: 0 });
  book.apply({ e: 'finished', id: 0, score: 0.5, metrics: { epochs: 2, startEpoch: 0 }, epochsTrained: 2, t: 1 });
  book.apply({ e: 'asked', id: 1, hash: 'a', seed: 1, config: {}, fidelity: 8, continueFrom: 0, horizon: 8, t: 2 });
  return book;
}

describe('the note on a checkpoint that was not there', () => {
  it('names the child, the checkpoint it was to continue and the epochs it trained instead', () => {
    const book = bookWith();
    const missed: FinishedEvent = { e: 'finished', id: 1, score: 0.7, metrics: { epochs: 8, startEpoch: 0 }, epochsTrained: 8, t: 3 };
    expect(missingCheckpointNote(missed, book)).toBe('nas: child 1 was to continue the checkpoint of child 0, which was not there: it trained from its first epoch (8 epochs)');
    const continued: FinishedEvent = { ...missed, metrics: { epochs: 8, startEpoch: 2 }, epochsTrained: 6 };
    expect(missingCheckpointNote(continued, book)).toBeUndefined();
    const first: FinishedEvent = { e: 'finished', id: 0, score: 0.5, metrics: { epochs: 2, startEpoch: 0 }, t: 1 };
    expect(missingCheckpointNote(first, book)).toBeUndefined();
  });

  it('is written on a line of its own before the bar', () => {
    const book = bookWith();
    const written: string[] = [];
    const stream = { isTTY: false, write: (t: string) => written.push(t) } as unknown as NodeJS.WriteStream;
    const bar = new ProgressBar({ budget: 2, stream, now: () => 0 });
    const missed: FinishedEvent = { e: 'finished', id: 1, score: 0.7, metrics: { epochs: 8, startEpoch: 0 }, epochsTrained: 8, t: 3 };
    book.apply(missed);
    bar.update(missed, book);
    expect(written[0]).toMatch(/^nas: child 1 was to continue the checkpoint of child 0, which was not there/);
    expect(written[0].endsWith('\n')).toBe(true);
  });
});
