/**
 * The NASNet cell search space of Real et al. 2019 (AmoebaNet): a normal and a reduction cell of B
 * blocks each, stacked by a fixed macro skeleton. Values are NasnetGenome; the config (a
 * search-spaces/*.json file of `"type": "nasnet-cell"`) fixes B, the ops and the skeleton.
 */
import { ValidationError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { nasnetGraphs } from '../genome/cell-graph.ts';
import { asObject, fieldPath, onlyKeys } from '../genome/check.ts';
import { genomeToJSON } from '../genome/genome.ts';
import { DEFAULT_NASNET_MUTATION, NASNET_CELLS, cloneNasnet, mutateNasnet, sampleNasnet, validateNasnetGenome } from '../genome/nasnet.ts';
import type { NasnetMutationWeights } from '../genome/nasnet.ts';
import { hashNasnet } from '../genome/nasnet-canonical.ts';
import { NASNET_OPS } from '../genome/types.ts';
import type { NasnetBlock, NasnetGenome, NasnetOp } from '../genome/types.ts';
import { asInt, asNumber, checkType, configObject, opList, optionalDescription, spaceName } from './config-fields.ts';
import type { EncodingDim, GraphView, SearchSpace } from './space.ts';

export const NASNET_SPACE_TYPE = 'nasnet-cell';

/**
 * Configuration of a NASNet cell space: what a genome may contain and how a model builder turns a
 * genome into a network.
 *
 * Macro skeleton (Zoph et al. 2018; Real et al. 2019), which a model builder follows:
 * a 3x3 convolution stem with 3 x `initialFilters` filters (NASNet's CIFAR stem); then `stacks` stacks, each of `cellsPerStack`
 * normal cells; between two consecutive stacks one reduction cell, which halves the spatial size and
 * doubles the filters (so stack s has `initialFilters * 2^s` filters per block output and there are
 * `stacks - 1` reduction cells); then global average pooling and a dense softmax classifier. Each cell
 * reads the outputs of the two previous cells (hidden states 0 and 1) and outputs the concatenation
 * of the block outputs that no later block in the cell uses.
 */
export interface NasnetSpaceConfig {
  /** Short name of the space, e.g. `nasnet-cell`. Default: the file's base name. */
  name: string;
  /** Free-text description shown by `nas space show`. Optional. */
  description?: string;
  /** Ops a block may apply to its inputs: a non-empty subset of NASNET_OPS. Default: all eight. */
  ops: readonly NasnetOp[];
  /** B, blocks per cell (1..16). Default 5. */
  blocks: number;
  /** N, normal cells per stack (>= 1). Default 2. */
  cellsPerStack: number;
  /** Number of stacks of normal cells (>= 1); a reduction cell separates two stacks. Default 3. */
  stacks: number;
  /** Filters of every block output in the first stack (>= 1); the stem has 3x as many (NASNet). Default 16. */
  initialFilters: number;
  /** Weights of the hidden-state, op and identity mutations. Default DEFAULT_NASNET_MUTATION (0.5, 0.5, 0). */
  mutation: NasnetMutationWeights;
}

/** Defaults of `new NasnetCellSpace()`; space files must give every field but name, description and mutation. */
export const DEFAULT_NASNET_SPACE: Readonly<NasnetSpaceConfig> = {
  name: NASNET_SPACE_TYPE,
  ops: NASNET_OPS,
  blocks: 5,
  cellsPerStack: 2,
  stacks: 3,
  initialFilters: 16,
  mutation: DEFAULT_NASNET_MUTATION,
};

/** Most blocks per cell (a bound that keeps the canonical hash and encodings small). */
export const MAX_NASNET_BLOCKS = 16;

const CONFIG_KEYS = ['type', 'name', 'description', 'ops', 'blocks', 'cellsPerStack', 'stacks', 'initialFilters', 'mutation'];

function parseMutation(value: unknown): NasnetMutationWeights {
  if (value === undefined) return { ...DEFAULT_NASNET_MUTATION };
  const obj = asObject(value, 'mutation');
  const keys = ['hiddenState', 'op', 'identity'] as const;
  onlyKeys(obj, keys, 'mutation');
  const w = { ...DEFAULT_NASNET_MUTATION };
  for (const k of keys) if (obj[k] !== undefined) w[k] = asNumber(obj[k], fieldPath('mutation', k), 0, Infinity);
  if (!(w.hiddenState + w.op + w.identity > 0)) {
    throw new ValidationError('the mutation weights sum to 0', { field: 'mutation' }, 'non-negative weights hiddenState, op, identity with a positive sum');
  }
  return w;
}

/**
 * Reads a parsed `"type": "nasnet-cell"` space file. Required: `type`, `ops`, `blocks`,
 * `cellsPerStack`, `stacks`, `initialFilters`; optional: `name`, `description`, `mutation`.
 * Errors name the field; the loader adds the file.
 */
export function parseNasnetSpaceConfig(json: unknown, fallbackName: string = NASNET_SPACE_TYPE): NasnetSpaceConfig {
  const obj = configObject(json, CONFIG_KEYS);
  checkType(obj, NASNET_SPACE_TYPE);
  const int = (key: 'blocks' | 'cellsPerStack' | 'stacks' | 'initialFilters', high: number): number => asInt(obj[key], key, 1, high);
  return {
    name: spaceName(obj, fallbackName),
    description: optionalDescription(obj),
    ops: opList(obj.ops, 'ops', NASNET_OPS),
    blocks: int('blocks', MAX_NASNET_BLOCKS),
    cellsPerStack: int('cellsPerStack', Infinity),
    stacks: int('stacks', Infinity),
    initialFilters: int('initialFilters', Infinity),
    mutation: parseMutation(obj.mutation),
  };
}

/** The NASNet cell space: sampling, Real et al. mutations, validation, canonical hash and encoding. */
export class NasnetCellSpace implements SearchSpace<NasnetGenome> {
  readonly type = NASNET_SPACE_TYPE;
  readonly name: string;
  readonly config: Readonly<NasnetSpaceConfig>;

  constructor(config: Partial<NasnetSpaceConfig> = {}) {
    this.config = { ...DEFAULT_NASNET_SPACE, ...config };
    this.name = this.config.name;
  }

  sample(rng: Rng): NasnetGenome {
    return sampleNasnet(rng, { blocks: this.config.blocks, ops: this.config.ops });
  }

  mutate(value: NasnetGenome, rng: Rng): NasnetGenome {
    return mutateNasnet(value, rng, { ops: this.config.ops, weights: this.config.mutation }).genome;
  }

  validate(value: unknown): NasnetGenome {
    return validateNasnetGenome(value, { blocks: this.config.blocks, ops: this.config.ops });
  }

  hash(value: NasnetGenome): string {
    return hashNasnet(value);
  }

  /** Both cells as graphs (src/genome/cell-graph.ts); no other numbers. */
  graphView(value: NasnetGenome): GraphView {
    return { cells: nasnetGraphs(value), numbers: {} };
  }

  /**
   * Every genome one hidden-state or op mutation away: for each cell, block b and slot, each other
   * earlier hidden state (1 + b) and each other op (|ops| - 1); in cell, block, slot order.
   */
  neighbours(value: NasnetGenome): NasnetGenome[] {
    const out: NasnetGenome[] = [];
    for (const cell of NASNET_CELLS) {
      value[cell].blocks.forEach((block, b) => {
        for (const slot of [0, 1] as const) {
          for (let h = 0; h < 2 + b; h++) {
            if (h === block.inputs[slot]) continue;
            const g = cloneNasnet(value);
            g[cell].blocks[b].inputs[slot] = h;
            out.push(g);
          }
          for (const op of this.config.ops) {
            if (op === block.ops[slot]) continue;
            const g = cloneNasnet(value);
            g[cell].blocks[b].ops[slot] = op;
            out.push(g);
          }
        }
      });
    }
    return out;
  }

  /** Per cell (normal, then reduction), per block b: input0, input1 (2 + b choices each), op0, op1. */
  dims(): readonly EncodingDim[] {
    const dims: EncodingDim[] = [];
    for (const cell of NASNET_CELLS) {
      for (let b = 0; b < this.config.blocks; b++) {
        const inputs = Array.from({ length: 2 + b }, (_, h) => String(h));
        const base = `${cell}.blocks[${b}]`;
        dims.push({ kind: 'categorical', name: `${base}.inputs[0]`, choices: inputs });
        dims.push({ kind: 'categorical', name: `${base}.inputs[1]`, choices: inputs });
        dims.push({ kind: 'categorical', name: `${base}.ops[0]`, choices: this.config.ops });
        dims.push({ kind: 'categorical', name: `${base}.ops[1]`, choices: this.config.ops });
      }
    }
    return dims;
  }

  encode(value: NasnetGenome): number[] {
    const out: number[] = [];
    for (const cell of NASNET_CELLS) {
      for (const block of value[cell].blocks) {
        out.push(block.inputs[0], block.inputs[1], this.config.ops.indexOf(block.ops[0]), this.config.ops.indexOf(block.ops[1]));
      }
    }
    return out;
  }

  decode(vector: readonly number[]): NasnetGenome {
    const B = this.config.blocks;
    if (vector.length !== 8 * B) throw new RangeError(`decode needs ${8 * B} numbers, got ${vector.length}`);
    const pick = (x: number, n: number): number => (Number.isFinite(x) ? Math.min(n - 1, Math.max(0, Math.round(x))) : 0);
    const ops = this.config.ops;
    const cell = (offset: number): { blocks: NasnetBlock[] } => ({
      blocks: Array.from({ length: B }, (_, b) => {
        const v = vector.slice(offset + 4 * b, offset + 4 * b + 4);
        return { inputs: [pick(v[0], 2 + b), pick(v[1], 2 + b)], ops: [ops[pick(v[2], ops.length)], ops[pick(v[3], ops.length)]] };
      }),
    });
    return { kind: 'nasnet', normal: cell(0), reduction: cell(4 * B) };
  }

  toJSON(value: NasnetGenome): unknown {
    return genomeToJSON(value);
  }

  /**
   * Genomes distinct up to the order of each block's two (input, op) pairs: per block b, unordered
   * pairs with repetition of (2 + b) * |ops| choices, over both cells. The canonical hash also merges
   * relabellings of blocks, so the number of distinct networks is somewhat smaller.
   */
  size(): number {
    let cell = 1;
    for (let b = 0; b < this.config.blocks; b++) {
      const m = (2 + b) * this.config.ops.length;
      cell *= (m * (m + 1)) / 2;
    }
    return cell * cell;
  }

  describe(): string {
    const c = this.config;
    const w = c.mutation;
    return [
      `${c.name} (type ${this.type})${c.description ? `: ${c.description}` : ''}`,
      `  cells: one normal and one reduction cell, B = ${c.blocks} blocks each; a block adds two ops applied to two earlier hidden states`,
      `  ops (${c.ops.length}): ${c.ops.join(', ')}`,
      `  macro: stem of ${3 * c.initialFilters} filters; ${c.stacks} stacks of N = ${c.cellsPerStack} normal cells; ` +
        `${c.stacks - 1} reduction cells between stacks (filters double at each)`,
      `  mutation weights: hidden state ${w.hiddenState}, op ${w.op}, identity ${w.identity}`,
      `  size: ${formatCount(this.size())} genomes (distinct up to input order within a block)`,
      `  encoding: ${this.dims().length} categorical dimensions`,
    ].join('\n');
  }
}

/** An exact integer below 1e15, else 3 significant digits in exponent form. */
export function formatCount(n: number): string {
  return n < 1e15 ? n.toLocaleString('en-US') : n.toExponential(2);
}

/** Factory for the space loader: `(json, file) => space`, naming the space after the file. */
export function nasnetSpaceFromJSON(json: unknown, fallbackName: string = NASNET_SPACE_TYPE): NasnetCellSpace {
  return new NasnetCellSpace(parseNasnetSpaceConfig(json, fallbackName));
}
