/**
 * The fixed reference children of the training benchmarks: an AmoebaNet-A NASNet-cell network (B = 5,
 * cellsPerStack and stacks of search-spaces/nasnet-cell.json, 32 initial filters by default, 32x32x3
 * inputs) and the best CIFAR-10 cell of NAS-Bench-201 (index 6111, C = 16, N = 5).
 */
import { readFileSync } from 'node:fs';
import type { NetworkConfig } from '../src/genome/network/network.ts';
import { nb201FromArch } from '../src/genome/nb201.ts';
import type { CellGenome, NasnetGenome } from '../src/genome/types.ts';

/** AmoebaNet-A (Real et al. 2019) as DARTS's genotypes write it; `skip_connect` is `identity`. */
export const AMOEBANET_A: NasnetGenome = {
  kind: 'nasnet',
  normal: { blocks: [
    { inputs: [0, 1], ops: ['avg_pool_3x3', 'max_pool_3x3'] },
    { inputs: [0, 2], ops: ['sep_conv_3x3', 'sep_conv_5x5'] },
    { inputs: [0, 3], ops: ['sep_conv_3x3', 'avg_pool_3x3'] },
    { inputs: [1, 1], ops: ['sep_conv_3x3', 'identity'] },
    { inputs: [0, 1], ops: ['identity', 'avg_pool_3x3'] },
  ] },
  reduction: { blocks: [
    { inputs: [0, 1], ops: ['avg_pool_3x3', 'sep_conv_3x3'] },
    { inputs: [0, 2], ops: ['max_pool_3x3', 'sep_conv_7x7'] },
    { inputs: [0, 1], ops: ['sep_conv_7x7', 'avg_pool_3x3'] },
    { inputs: [0, 1], ops: ['max_pool_3x3', 'max_pool_3x3'] },
    { inputs: [0, 5], ops: ['conv_1x7_7x1', 'sep_conv_3x3'] },
  ] },
};

/** The best CIFAR-10 cell of the NAS-Bench-201 table (index 6111, 94.37% test accuracy at 200 epochs). */
export const NB201_BEST = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|';

/** A named reference child. */
export interface Reference { name: string; genome: CellGenome; network: NetworkConfig }

/** Both reference children, `nasnet` with `filters` initial filters. */
export function referenceChildren(filters = 32): Reference[] {
  const space = JSON.parse(readFileSync(new URL('../search-spaces/nasnet-cell.json', import.meta.url), 'utf8')) as { cellsPerStack: number; stacks: number };
  return [
    { name: 'nasnet', genome: AMOEBANET_A, network: { inputShape: [32, 32, 3], numClasses: 10, cellsPerStack: space.cellsPerStack, stacks: space.stacks, initialFilters: filters } },
    { name: 'nb201', genome: nb201FromArch(NB201_BEST), network: { inputShape: [32, 32, 3], numClasses: 10, channels: 16, cellsPerStage: 5 } },
  ];
}
