/**
 * NASNet cell genomes (Real et al. 2019, "Regularized Evolution for Image Classifier Architecture
 * Search"): validation, uniform sampling and the paper's mutations. Pure data.
 */
import type { Rng } from '../core/rng.ts';
import { ValidationError } from '../core/errors.ts';
import { asArray, asChoice, asInt, asObject, fieldPath, onlyKeys } from './check.ts';
import { NASNET_OPS } from './types.ts';
import type { NasnetBlock, NasnetCell, NasnetGenome, NasnetOp } from './types.ts';

/** The two cells of a NASNet genome, in a fixed order. */
export const NASNET_CELLS = ['normal', 'reduction'] as const;
export type NasnetCellName = (typeof NASNET_CELLS)[number];

/** What a NASNet genome must look like; both fields come from the search space's config. */
export interface NasnetShape {
  /** Number of blocks B in each cell. Default: any number >= 1 (each cell checked on its own). */
  blocks?: number;
  /** Ops a block may use. Default: every op in NASNET_OPS. */
  ops?: readonly NasnetOp[];
}

/**
 * Checks an untyped value (parsed JSON) and returns a typed NASNet genome. `kind` may be absent (then
 * it is taken to be `nasnet`). Throws a ValidationError naming the field, e.g.
 * `normal.blocks[2].inputs[1]`, and what is accepted there.
 */
export function validateNasnetGenome(value: unknown, shape: NasnetShape = {}): NasnetGenome {
  const obj = asObject(value, '');
  if (obj.kind !== undefined) asChoice(obj.kind, 'kind', ['nasnet']);
  onlyKeys(obj, ['kind', 'normal', 'reduction'], '');
  return {
    kind: 'nasnet',
    normal: validateCell(obj.normal, 'normal', shape),
    reduction: validateCell(obj.reduction, 'reduction', shape),
  };
}

function validateCell(value: unknown, field: string, shape: NasnetShape): NasnetCell {
  const obj = asObject(value, field);
  onlyKeys(obj, ['blocks'], field);
  const blocksField = fieldPath(field, 'blocks');
  const raw = asArray(obj.blocks, blocksField, shape.blocks);
  if (raw.length === 0) throw new ValidationError('a cell has no blocks', { field: blocksField }, 'at least one block');
  const ops = shape.ops ?? NASNET_OPS;
  return { blocks: raw.map((b, i) => validateBlock(b, fieldPath(blocksField, i), i, ops)) };
}

function validateBlock(value: unknown, field: string, index: number, ops: readonly NasnetOp[]): NasnetBlock {
  const obj = asObject(value, field);
  onlyKeys(obj, ['inputs', 'ops'], field);
  const inputsField = fieldPath(field, 'inputs');
  const opsField = fieldPath(field, 'ops');
  const inputs = asArray(obj.inputs, inputsField, 2);
  const blockOps = asArray(obj.ops, opsField, 2);
  // Block b may read the two cell inputs (0, 1) and the outputs of blocks 0..b-1 (2..b+1).
  const maxInput = index + 1;
  return {
    inputs: [asInt(inputs[0], fieldPath(inputsField, 0), 0, maxInput), asInt(inputs[1], fieldPath(inputsField, 1), 0, maxInput)],
    ops: [asChoice(blockOps[0], fieldPath(opsField, 0), ops), asChoice(blockOps[1], fieldPath(opsField, 1), ops)],
  };
}

/** A deep copy (genomes are plain values; mutations never touch their parent). */
export function cloneNasnet(genome: NasnetGenome): NasnetGenome {
  const cell = (c: NasnetCell): NasnetCell => ({
    blocks: c.blocks.map((b) => ({ inputs: [b.inputs[0], b.inputs[1]], ops: [b.ops[0], b.ops[1]] })),
  });
  return { kind: 'nasnet', normal: cell(genome.normal), reduction: cell(genome.reduction) };
}

/** Options of `sampleNasnet`. */
export interface NasnetSampleOptions {
  /** Number of blocks B per cell. */
  blocks: number;
  /** Ops to draw from (uniformly). */
  ops: readonly NasnetOp[];
}

/** A uniformly random genome: every input uniform over the valid earlier hidden states, every op uniform. */
export function sampleNasnet(rng: Rng, options: NasnetSampleOptions): NasnetGenome {
  const cell = (): NasnetCell => ({
    blocks: Array.from({ length: options.blocks }, (_, b) => {
      const in0 = rng.int(2 + b);
      const op0 = rng.choice(options.ops);
      const in1 = rng.int(2 + b);
      const op1 = rng.choice(options.ops);
      return { inputs: [in0, in1], ops: [op0, op1] };
    }),
  });
  const normal = cell();
  return { kind: 'nasnet', normal, reduction: cell() };
}

/** Relative weights of the three mutations of Real et al. 2019 (normalised; they need not sum to 1). */
export interface NasnetMutationWeights {
  /** Re-wire one input of one block to another valid earlier hidden state. Default 0.5. */
  hiddenState: number;
  /** Replace one op of one block by a different allowed op. Default 0.5. */
  op: number;
  /** Leave the genome unchanged. Default 0. */
  identity: number;
}

export const DEFAULT_NASNET_MUTATION: Readonly<NasnetMutationWeights> = { hiddenState: 0.5, op: 0.5, identity: 0 };

/** Options of `mutateNasnet`. */
export interface NasnetMutateOptions {
  /** Ops an op mutation may pick. Default: every op in NASNET_OPS. */
  ops?: readonly NasnetOp[];
  /** Mutation weights. Default DEFAULT_NASNET_MUTATION. */
  weights?: NasnetMutationWeights;
}

/** The child and what was changed (for logs and tests). */
export interface NasnetMutation {
  genome: NasnetGenome;
  type: 'hidden_state' | 'op' | 'identity';
  /** The cell, block and slot (0 or 1) that changed; absent for the identity. */
  cell?: NasnetCellName;
  block?: number;
  slot?: 0 | 1;
  /** The old and new input index (hidden_state) or op name (op). */
  from?: number | NasnetOp;
  to?: number | NasnetOp;
}

/**
 * One mutation of Real et al. 2019: pick the normal or reduction cell, a block and one of its two
 * inputs uniformly; then either re-wire that input to a different earlier hidden state or replace its
 * op by a different op, or apply the identity, with the given weights. When only one op is allowed,
 * the op mutation's weight goes to the hidden-state mutation.
 */
export function mutateNasnet(parent: NasnetGenome, rng: Rng, options: NasnetMutateOptions = {}): NasnetMutation {
  const ops = options.ops ?? NASNET_OPS;
  const w = options.weights ?? DEFAULT_NASNET_MUTATION;
  const opWeight = ops.length >= 2 ? w.op : 0;
  const hiddenWeight = ops.length >= 2 ? w.hiddenState : w.hiddenState + w.op;
  const total = hiddenWeight + opWeight + w.identity;
  if (!(total > 0)) throw new ValidationError('mutation weights sum to 0', { field: 'mutation' }, 'non-negative weights with a positive sum');
  const genome = cloneNasnet(parent);
  const u = rng.next() * total;
  if (u >= hiddenWeight + opWeight) return { genome, type: 'identity' };
  const cell: NasnetCellName = NASNET_CELLS[rng.int(2)];
  const block = genome[cell].blocks[rng.int(genome[cell].blocks.length)];
  const blockIndex = genome[cell].blocks.indexOf(block);
  const slot = rng.int(2) as 0 | 1;
  const where = { cell, block: blockIndex, slot };
  if (u < hiddenWeight) {
    const from = block.inputs[slot];
    // Another of the 2 + b valid hidden states, uniformly: draw among 1 + b and skip the current one.
    const drawn = rng.int(1 + blockIndex);
    const to = drawn >= from ? drawn + 1 : drawn;
    block.inputs[slot] = to;
    return { genome, type: 'hidden_state', ...where, from, to };
  }
  const from = block.ops[slot];
  const to = rng.choice(ops.filter((op) => op !== from));
  block.ops[slot] = to;
  return { genome, type: 'op', ...where, from, to };
}
