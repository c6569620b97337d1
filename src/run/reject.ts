/**
 * `--max-params` / `--max-madds`: a child whose network is too large is rejected before training,
 * from the genome alone (src/genome/cost.ts counts parameters and multiply-adds without tfjs).
 */
import { ValidationError } from '../core/errors.ts';
import { networkCost, planCost, type NetworkCost } from '../genome/cost.ts';
import { validateLargeScaleGenome } from '../genome/large-scale.ts';
import { largeScalePlan } from '../genome/network/large-scale-plan.ts';
import { genomeKindOf, validateGenome } from '../genome/genome.ts';
import type { NetworkConfig } from '../genome/network/network.ts';
import type { SearchSpace } from '../spaces/space.ts';
import type { RunConfig } from './config.ts';

type Shape3 = [number, number, number];

/** The macro skeleton a child is costed in: the space's (NASNet stacks and filters) and the data's shape. */
function networkConfigOf(config: RunConfig, space: SearchSpace<unknown>): NetworkConfig {
  const extra = config.evaluatorOptions;
  const inputShape = (extra.inputShape as Shape3 | undefined) ?? [32, 32, 3];
  const numClasses = (extra.numClasses as number | undefined) ?? 10;
  const macro = (space as { config?: Record<string, unknown> }).config ?? {};
  const { cellsPerStack, stacks, initialFilters } = macro as { cellsPerStack?: number; stacks?: number; initialFilters?: number };
  // NAS-Bench-201 plans call the same fields channels and cellsPerStage.
  return { inputShape, numClasses, cellsPerStack, stacks, initialFilters, channels: initialFilters, cellsPerStage: cellsPerStack } as NetworkConfig;
}

/** A function giving the reason a child must not be trained, or undefined when no limit is set. */
export function costRejecter(config: RunConfig, space: SearchSpace<unknown>): ((child: unknown) => string | undefined) | undefined {
  const { maxParams, maxMadds } = config;
  if (maxParams === undefined && maxMadds === undefined) return undefined;
  const network = networkConfigOf(config, space);
  return (child: unknown) => {
    if ((child as { kind?: unknown } | null)?.kind === 'large-scale') {
      const { inputShape, numClasses } = network as { inputShape: Shape3; numClasses: number };
      return overLimits(planCost(largeScalePlan(validateLargeScaleGenome(child), { inputShape, numClasses })), maxParams, maxMadds);
    }
    try {
      genomeKindOf(child);
    } catch {
      throw new ValidationError(`space '${space.name}' has no architecture to cost`, { field: 'max-params' }, 'a NASNet, NAS-Bench-201 or large-scale space');
    }
    return overLimits(networkCost(validateGenome(child), network), maxParams, maxMadds);
  };
}

/** Why a network of this cost exceeds the limits, or undefined. */
function overLimits(cost: NetworkCost, maxParams: number | undefined, maxMadds: number | undefined): string | undefined {
  if (maxParams !== undefined && cost.params > maxParams) return `${cost.params} parameters > --max-params ${maxParams}`;
  if (maxMadds !== undefined && cost.madds > maxMadds) return `${cost.madds} multiply-adds > --max-madds ${maxMadds}`;
  return undefined;
}
