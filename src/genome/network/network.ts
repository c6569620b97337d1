/**
 * One entry point from any cell genome to its network plan.
 */
import { ValidationError } from '../../core/errors.ts';
import type { CellGenome } from '../types.ts';
import { nasnetPlan } from './nasnet-plan.ts';
import type { NasnetNetworkConfig } from './nasnet-plan.ts';
import { nb201Plan } from './nb201-plan.ts';
import type { Nb201NetworkConfig } from './nb201-plan.ts';
import type { NetworkPlan } from './plan.ts';

/** The macro skeleton for a genome: NASNet fields for `nasnet` genomes, NAS-Bench-201 ones for `nb201`. */
export type NetworkConfig = NasnetNetworkConfig | Nb201NetworkConfig;

/** The network plan of `genome` under `config`. */
export function networkPlan(genome: CellGenome, config: NetworkConfig): NetworkPlan {
  switch (genome.kind) {
    case 'nasnet': {
      const c = config as Partial<NasnetNetworkConfig>;
      for (const field of ['cellsPerStack', 'stacks', 'initialFilters'] as const) {
        if (c[field] === undefined) {
          throw new ValidationError(`a NASNet network needs '${field}'`, { field }, 'cellsPerStack, stacks, initialFilters');
        }
      }
      return nasnetPlan(genome, config as NasnetNetworkConfig);
    }
    case 'nb201':
      return nb201Plan(genome, config);
    default:
      throw new ValidationError(`no network for genome kind '${(genome as { kind: string }).kind}'`, { field: 'kind' }, 'nasnet, nb201');
  }
}
