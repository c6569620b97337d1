/**
 * A small progress bar for work counted in steps (the batches of an epoch, say), on stderr. On a
 * terminal it redraws one line at most every `intervalMs`; elsewhere (a pipe, a log file) it draws
 * nothing, so logs keep only the lines the caller prints.
 */

/** Options of a StepBar. */
export interface StepBarOptions {
  /** Where it draws. Default process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Characters of the bar. Default 24. */
  width?: number;
  /** Least time between two redraws, in ms. Default 100. */
  intervalMs?: number;
  /** Clock in ms. Default Date.now. */
  now?: () => number;
}

/** The bar's text for `done` of `total`, e.g. `[######......] 12/48 loss 1.23`. */
export function renderBar(done: number, total: number, width: number, label = '', suffix = ''): string {
  const filled = total > 0 ? Math.min(width, Math.round((width * done) / total)) : 0;
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  return [label, bar, `${done}/${total}`, suffix].filter((s) => s.length > 0).join(' ');
}

export class StepBar {
  private readonly stream: NodeJS.WriteStream;
  private readonly width: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(options: StepBarOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.width = options.width ?? 24;
    this.intervalMs = options.intervalMs ?? 100;
    this.now = options.now ?? Date.now;
  }

  /** Whether the bar draws at all (only on a terminal). */
  get active(): boolean {
    return this.stream.isTTY === true;
  }

  /** Shows `done` of `total` with a label before and a suffix after the bar. */
  update(done: number, total: number, label = '', suffix = ''): void {
    if (!this.active) return;
    const t = this.now();
    if (t - this.lastDraw < this.intervalMs && done < total) return;
    this.lastDraw = t;
    this.drawn = true;
    this.stream.write(`\r${renderBar(done, total, this.width, label, suffix)}\x1b[K`);
  }

  /** Erases the bar so that the next line starts clean. */
  clear(): void {
    if (this.active && this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
    this.lastDraw = Number.NEGATIVE_INFINITY;
  }
}
