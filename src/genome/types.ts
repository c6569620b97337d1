/**
 * Genome value types. Pure data: no tfjs, no classes that are also networks.
 *
 * NASNet cell (Real et al. 2019): hidden states 0 and 1 are the cell's two inputs (the outputs of the
 * cell two back and one back); block b (0-based) produces hidden state 2 + b. Each block picks two
 * earlier hidden states, applies one op to each and adds the results. Block outputs that no later
 * block uses are concatenated as the cell's output.
 *
 * NAS-Bench-201 cell: nodes 0..3, node 0 is the input; edge i->j (i < j) carries one op. Edges are
 * stored in the benchmark's string order: 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2.
 */

export const NASNET_OPS = [
  'identity',
  'sep_conv_3x3',
  'sep_conv_5x5',
  'sep_conv_7x7',
  'avg_pool_3x3',
  'max_pool_3x3',
  'dil_sep_conv_3x3',
  'conv_1x7_7x1',
] as const;
export type NasnetOp = (typeof NASNET_OPS)[number];

/** One block of a NASNet cell. */
export interface NasnetBlock {
  /** Hidden-state indices of the two inputs: 0 and 1 are the cell inputs, 2 + b is block b's output. */
  inputs: [number, number];
  /** The op applied to each input, in the same order as `inputs`. */
  ops: [NasnetOp, NasnetOp];
}

/** A NASNet cell: B blocks. */
export interface NasnetCell {
  blocks: NasnetBlock[];
}

/** A NASNet-space architecture: one normal and one reduction cell, repeated by the macro skeleton. */
export interface NasnetGenome {
  kind: 'nasnet';
  normal: NasnetCell;
  reduction: NasnetCell;
}

export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

/** Edges of the NAS-Bench-201 cell in string order, as [from, to]. */
export const NB201_EDGES: ReadonlyArray<readonly [number, number]> = [
  [0, 1],
  [0, 2],
  [1, 2],
  [0, 3],
  [1, 3],
  [2, 3],
];

/** A NAS-Bench-201 architecture: the op on each of the six edges, in `NB201_EDGES` order. */
export interface Nb201Genome {
  kind: 'nb201';
  edges: [Nb201Op, Nb201Op, Nb201Op, Nb201Op, Nb201Op, Nb201Op];
}

/** Every cell genome the project knows. (Other spaces add their kinds here.) */
export type CellGenome = NasnetGenome | Nb201Genome;
