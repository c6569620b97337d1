/**
 * `--max-params` / `--max-madds`: a child whose network is too large is rejected before training,
 * from the genome alone (src/genome/cost.ts counts parameters and multiply-adds without tfjs).
 */
import { ValidationError } from '../core/errors.ts';
import { networkCost } from '../genome/cost.ts';
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
    try {
      genomeKindOf(child);
    } catch {
      throw new ValidationError(`space '${space.name}' has no architecture to cost`, { field: 'max-params' }, 'a NASNet or NAS-Bench-201 space');
    }
    const cost = networkCost(validateGenome(child), network);
    if (maxParams !== undefined && cost.params > maxParams) return `${cost.params} parameters > --max-params ${maxParams}`;
    if (maxMadds !== undefined && cost.madds > maxMadds) return `${cost.madds} multiply-adds > --max-madds ${maxMadds}`;
    return undefined;
  };
}
