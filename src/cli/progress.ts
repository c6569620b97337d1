/**
 * The progress bar of a run on stderr: children done of the budget, the best so far, children per
 * hour and an ETA. On a terminal it redraws one line; elsewhere it prints a line every 10%. A child that
 * was to continue a checkpoint that was not there (it then trains from its first epoch) gets a line of
 * its own.
 */
import type { TrialBook } from '../run/book.ts';
import type { FinishedEvent, JournalEvent } from '../store/journal.ts';

/** Options of the progress display. */
export interface ProgressOptions {
  /** Children to evaluate. */
  budget: number;
  /** Where it writes. Default process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Clock (ms). Default Date.now. */
  now?: () => number;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return `${h > 0 ? `${h}:` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(r).padStart(2, '0')}`;
}

/** Evaluated children with an outcome (duplicates and rejected children excluded); the book counts them as they come. */
export function evaluatedDone(book: TrialBook): number {
  return book.evaluated;
}

/**
 * The line for a child that was to continue child M's checkpoint but trained from its first epoch (the
 * checkpoint file was gone, or a queue worker could not fetch it): its result stands, it cost more epochs.
 */
export function missingCheckpointNote(event: FinishedEvent, book: TrialBook): string | undefined {
  const from = book.get(event.id)?.continueFrom;
  if (from === undefined || event.duplicateOf !== undefined || event.metrics?.startEpoch !== 0) return undefined;
  const epochs = event.epochsTrained ?? event.metrics.epochs;
  return `nas: child ${event.id} was to continue the checkpoint of child ${from}, which was not there: it trained from its first epoch${epochs !== undefined ? ` (${epochs} epochs)` : ''}`;
}

export class ProgressBar {
  private readonly o: ProgressOptions;
  private readonly stream: NodeJS.WriteStream;
  private readonly start: number;
  private startDone: number | undefined;
  private done = 0;
  private lastDraw = 0;
  private lastDecile = -1;

  constructor(options: ProgressOptions) {
    this.o = options;
    this.stream = options.stream ?? process.stderr;
    this.start = this.now();
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Updates the display after an event (pass as the run's onEvent). */
  update(event: JournalEvent, book: TrialBook): void {
    if (event.e !== 'finished' && event.e !== 'failed') return;
    const missing = event.e === 'finished' ? missingCheckpointNote(event, book) : undefined;
    if (missing !== undefined) this.stream.write(this.stream.isTTY === true ? `\r\x1b[K${missing}\n` : `${missing}\n`);
    this.done = evaluatedDone(book);
    this.startDone ??= this.done - 1;
    const t = this.now();
    const tty = this.stream.isTTY === true;
    const decile = Math.floor((10 * this.done) / this.o.budget);
    if (tty ? t - this.lastDraw < 100 && this.done < this.o.budget : decile === this.lastDecile) return;
    this.lastDraw = t;
    this.lastDecile = decile;
    const line = this.line(book, t);
    this.stream.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  /** Ends the bar's line on a terminal. */
  finish(): void {
    if (this.stream.isTTY === true && this.lastDraw > 0) this.stream.write('\n');
  }

  private line(book: TrialBook, t: number): string {
    const { budget } = this.o;
    const width = 24;
    const filled = Math.min(width, Math.round((width * this.done) / budget));
    const hours = (t - this.start) / 3_600_000;
    const rate = hours > 0 ? (this.done - (this.startDone ?? 0)) / hours : Number.NaN;
    const eta = rate > 0 ? ((budget - this.done) / rate) * 3600 : Number.NaN;
    const best = book.best ? `best ${(book.best.score as number).toFixed(3)} (#${book.best.id})` : 'best -';
    const rateText = Number.isFinite(rate) ? `${rate >= 100 ? Math.round(rate) : rate.toFixed(1)}/h` : '-/h';
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${budget} children | ${best} | ${rateText} | ETA ${duration(eta)}`;
  }
}
