/**
 * The median stopping rule for runs whose children train for epochs (Golovin et al. 2017, Google Vizier):
 * a child is stopped after epoch e when its score then is below the median of the scores the population
 * had after epoch e. The run computes the medians from the journal's per-epoch curves when it hands a
 * child out and sends them with the request (EvalRequest.medianStop), so the rule works with every
 * executor and needs no messages while a child trains; the evaluator stops the child itself.
 *
 * The population is the strategy's (aging evolution's current members) when it keeps one, else every
 * finished child. An epoch's median is used only when at least `minCount` members reached that epoch.
 * The run's book keeps the curves (one number per epoch per child) only while the rule is on.
 */
import type { MedianStop } from '../core/trial.ts';
import type { TrialBook } from './book.ts';

/** The median rule's setting in a run's configuration. */
export interface MedianStopOptions {
  /** Members that must have reached an epoch before the rule applies at it. Default 5. */
  minCount: number;
}

/** The median of a non-empty list. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The medians after each epoch of the population's curves (null where fewer than `minCount` reached it). */
export function populationMedians(book: TrialBook, population: ReadonlyArray<{ id: number }> | undefined, options: MedianStopOptions): MedianStop {
  const curves = population && population.length > 0
    ? population.map((m) => book.curveOf(m.id) ?? [])
    : [...book.curves.values()];
  const length = Math.max(0, ...curves.map((c) => c.length));
  const medians: Array<number | null> = [];
  for (let e = 0; e < length; e++) {
    const values = curves.map((c) => c[e]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    medians.push(values.length >= options.minCount ? median(values) : null);
  }
  return { medians };
}
