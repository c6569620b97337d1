/**
 * Large-scale-evolution genome -> tf.LayersModel: the genome's network plan
 * (src/genome/network/large-scale-plan.ts) built with the standard layer registry, so the model
 * saves as a plain tfjs layers model. Layers are named after the genome's stable ids (`conv_<id>`,
 * `bn_<id>`, `skip_<id>_proj`, `logits`), which is what weight inheritance matches on; every
 * initializer's seed derives from the build seed and the layer's name.
 */
import type * as tf from '@tensorflow/tfjs';
import type { LargeScaleGenome } from '../genome/large-scale.ts';
import { largeScalePlan } from '../genome/network/large-scale-plan.ts';
import type { LargeScaleNetworkConfig } from '../genome/network/large-scale-plan.ts';
import type { NetworkPlan } from '../genome/network/plan.ts';
import { buildModelFromPlan } from './builder.ts';

/** Options of `buildLargeScaleModel`. */
export interface LargeScaleBuildOptions {
  /** Seed of every initializer (each layer derives its own from this and its name). */
  seed: number;
}

/** A built large-scale network: the model and the plan it came from. */
export interface BuiltLargeScale {
  model: tf.LayersModel;
  plan: NetworkPlan;
}

/** Builds `genome` for `config`'s images and classes; the caller disposes the model. */
export function buildLargeScaleModel(genome: LargeScaleGenome, config: LargeScaleNetworkConfig, options: LargeScaleBuildOptions): BuiltLargeScale {
  const plan = largeScalePlan(genome, config);
  return { model: buildModelFromPlan(plan, { seed: options.seed }), plan };
}
