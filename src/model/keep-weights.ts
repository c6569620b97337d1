/**
 * Keeping the trained weights of a train run's children, so that `nas export` takes them as they were
 * instead of retraining. Weights go to `<run-dir>/weights/<trialId>/` (model.json + weights.bin, written
 * atomically), the layout large-scale evolution uses, through a DirectoryWeightStore.
 *
 * Each worker process decides on its own, from the scores it has seen: with `best` it keeps a child
 * whose score beats every score it saw before and deletes the weights it kept for its previous best, so
 * a run holds at most one kept model per worker process (plus those of earlier processes of a resumed
 * run); the run's best child is always among them. `all` keeps every finished child; `none` keeps none.
 */
import { rm } from 'node:fs/promises';
import type * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../core/errors.ts';
import { DirectoryWeightStore } from './weight-inheritance.ts';

/** Which children's trained weights a train run keeps. */
export const KEEP_WEIGHTS = ['best', 'all', 'none'] as const;
export type KeepWeights = (typeof KEEP_WEIGHTS)[number];

/** Reads the evaluator option `keepWeights` (default `best`); a bad value is an error naming the field. */
export function keepWeightsOption(value: unknown): KeepWeights {
  if (value === undefined) return 'best';
  if (!(KEEP_WEIGHTS as readonly unknown[]).includes(value)) throw new ValidationError(`got ${JSON.stringify(value)}`, { field: 'keepWeights' }, KEEP_WEIGHTS.join(', '));
  return value as KeepWeights;
}

/** One worker's keeper of trained weights. */
export class WeightKeeper {
  readonly mode: KeepWeights;
  readonly store: DirectoryWeightStore;
  private bestScore = Number.NEGATIVE_INFINITY;
  private keptBest: number | undefined;

  /**
   * @param weightsDir the run's `weights/` directory
   * @param mode which children to keep
   */
  constructor(weightsDir: string, mode: KeepWeights) {
    this.mode = mode;
    this.store = new DirectoryWeightStore(weightsDir);
  }

  /** Keeps `model` as trial `trialId`'s when the mode says so; returns whether it did. */
  async offer(trialId: number, model: tf.LayersModel, score: number): Promise<boolean> {
    if (this.mode === 'none' || !Number.isFinite(score)) return false;
    if (this.mode === 'all') {
      await this.store.save(trialId, model);
      return true;
    }
    if (score <= this.bestScore) return false;
    await this.store.save(trialId, model);
    const previous = this.keptBest;
    this.bestScore = score;
    this.keptBest = trialId;
    if (previous !== undefined && previous !== trialId) await rm(this.store.trialDir(previous), { recursive: true, force: true });
    return true;
  }

  /** The `afterTraining` hook of the trainer that offers trial `trialId`'s model. */
  hook(trialId: number): (model: tf.LayersModel, evaluated: { score: number }) => Promise<void> {
    return async (model, evaluated) => {
      await this.offer(trialId, model, evaluated.score);
    };
  }
}
