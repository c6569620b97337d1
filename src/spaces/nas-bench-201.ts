/**
 * The NAS-Bench-201 cell search space (Dong & Yang, ICLR 2020): 4 nodes, 6 edges, one op per edge.
 * Values are Nb201Genome; a config (a search-spaces/*.json file of `"type": "nas-bench-201"`) may
 * restrict the ops and describes the benchmark's macro skeleton for model builders.
 */
import type { Rng } from '../core/rng.ts';
import { nb201Graph } from '../genome/cell-graph.ts';
import { genomeToJSON } from '../genome/genome.ts';
import { hashNb201, mutateNb201, nb201ToArch, sampleNb201, validateNb201Genome } from '../genome/nb201.ts';
import { NB201_EDGES, NB201_OPS } from '../genome/types.ts';
import type { Nb201Genome, Nb201Op } from '../genome/types.ts';
import { asInt, checkType, configObject, opList, optionalDescription, spaceName } from './config-fields.ts';
import type { EncodingDim, GraphView, SearchSpace } from './space.ts';

export const NB201_SPACE_TYPE = 'nas-bench-201';

/**
 * Configuration of a NAS-Bench-201 space.
 *
 * Macro skeleton of the benchmark, which a model builder follows: a 3x3 convolution stem with
 * `initialFilters` filters and batch norm; `stacks` stacks of `cellsPerStack` cells; between two
 * stacks a residual reduction block (stride 2, filters doubled); then batch norm, ReLU, global average
 * pooling and a dense classifier. In a cell, node 0 is the cell input, node j (1..3) is the sum of its
 * incoming edges, and node 3 is the cell output.
 */
export interface Nb201SpaceConfig {
  /** Short name of the space. Default: the file's base name. */
  name: string;
  /** Free-text description shown by `nas space show`. Optional. */
  description?: string;
  /** Ops an edge may carry: a non-empty subset of NB201_OPS. Default: all five (the benchmark's space). */
  ops: readonly Nb201Op[];
  /** Cells per stack, N (>= 1). Default 5, as in the benchmark. */
  cellsPerStack: number;
  /** Number of stacks (>= 1); a reduction block separates two stacks. Default 3, as in the benchmark. */
  stacks: number;
  /** Filters of the stem and the first stack (>= 1). Default 16, as in the benchmark. */
  initialFilters: number;
}

/** Defaults of `new Nb201Space()`: the benchmark's own settings. */
export const DEFAULT_NB201_SPACE: Readonly<Nb201SpaceConfig> = {
  name: NB201_SPACE_TYPE,
  ops: NB201_OPS,
  cellsPerStack: 5,
  stacks: 3,
  initialFilters: 16,
};

const CONFIG_KEYS = ['type', 'name', 'description', 'ops', 'cellsPerStack', 'stacks', 'initialFilters'];

/**
 * Reads a parsed `"type": "nas-bench-201"` space file. Required: `type`, `ops`, `cellsPerStack`,
 * `stacks`, `initialFilters`; optional: `name`, `description`. Errors name the field; the loader adds
 * the file.
 */
export function parseNb201SpaceConfig(json: unknown, fallbackName: string = NB201_SPACE_TYPE): Nb201SpaceConfig {
  const obj = configObject(json, CONFIG_KEYS);
  checkType(obj, NB201_SPACE_TYPE);
  const int = (key: 'cellsPerStack' | 'stacks' | 'initialFilters'): number => asInt(obj[key], key, 1, Infinity);
  return {
    name: spaceName(obj, fallbackName),
    description: optionalDescription(obj),
    ops: opList(obj.ops, 'ops', NB201_OPS),
    cellsPerStack: int('cellsPerStack'),
    stacks: int('stacks'),
    initialFilters: int('initialFilters'),
  };
}

/** The NAS-Bench-201 space: sampling, one-edge mutation, validation, dead-edge-aware hash, encoding. */
export class Nb201Space implements SearchSpace<Nb201Genome> {
  readonly type = NB201_SPACE_TYPE;
  readonly name: string;
  readonly config: Readonly<Nb201SpaceConfig>;
  private classes: number | undefined;

  constructor(config: Partial<Nb201SpaceConfig> = {}) {
    this.config = { ...DEFAULT_NB201_SPACE, ...config };
    this.name = this.config.name;
  }

  sample(rng: Rng): Nb201Genome {
    return sampleNb201(rng, this.config.ops);
  }

  mutate(value: Nb201Genome, rng: Rng): Nb201Genome {
    return mutateNb201(value, rng, this.config.ops).genome;
  }

  validate(value: unknown): Nb201Genome {
    return validateNb201Genome(value, this.config.ops);
  }

  hash(value: Nb201Genome): string {
    return hashNb201(value);
  }

  /** The cell as one graph (src/genome/cell-graph.ts); no other numbers. */
  graphView(value: Nb201Genome): GraphView {
    return { cells: [nb201Graph(value)], numbers: {} };
  }

  /** Every cell that differs in the op of one edge: 6 x (|ops| - 1), in edge order then op order. */
  neighbours(value: Nb201Genome): Nb201Genome[] {
    const out: Nb201Genome[] = [];
    value.edges.forEach((current, k) => {
      for (const op of this.config.ops) {
        if (op === current) continue;
        const edges = value.edges.slice() as Nb201Genome['edges'];
        edges[k] = op;
        out.push({ kind: 'nb201', edges });
      }
    });
    return out;
  }

  /** One categorical per edge, in NB201_EDGES order, named like `edge 0->1`. */
  dims(): readonly EncodingDim[] {
    return NB201_EDGES.map(([from, to]) => ({ kind: 'categorical', name: `edge ${from}->${to}`, choices: this.config.ops }));
  }

  encode(value: Nb201Genome): number[] {
    return value.edges.map((op) => this.config.ops.indexOf(op));
  }

  decode(vector: readonly number[]): Nb201Genome {
    if (vector.length !== NB201_EDGES.length) throw new RangeError(`decode needs ${NB201_EDGES.length} numbers, got ${vector.length}`);
    const n = this.config.ops.length;
    const edges = vector.map((x) => this.config.ops[Number.isFinite(x) ? Math.min(n - 1, Math.max(0, Math.round(x))) : 0]);
    return { kind: 'nb201', edges: edges as Nb201Genome['edges'] };
  }

  toJSON(value: Nb201Genome): unknown {
    return genomeToJSON(value);
  }

  /** Number of cells: |ops|^6 (15,625 for the benchmark's five ops), each one row of the benchmark table. */
  size(): number {
    return this.config.ops.length ** NB201_EDGES.length;
  }

  /** What a budget can reach: the cells distinct up to dead edges. */
  distinctSize(): number {
    return this.distinctNetworks();
  }

  /** Number of distinct canonical hashes (cells equal up to dead edges), counted by enumeration. */
  distinctNetworks(): number {
    if (this.classes === undefined) {
      const hashes = new Set<string>();
      const ops = this.config.ops;
      for (let code = 0; code < this.size(); code++) {
        let c = code;
        const edges = NB201_EDGES.map(() => {
          const op = ops[c % ops.length];
          c = Math.floor(c / ops.length);
          return op;
        });
        hashes.add(hashNb201({ kind: 'nb201', edges: edges as Nb201Genome['edges'] }));
      }
      this.classes = hashes.size;
    }
    return this.classes;
  }

  describe(): string {
    const c = this.config;
    const example = nb201ToArch({ kind: 'nb201', edges: NB201_EDGES.map((_, k) => c.ops[k % c.ops.length]) as Nb201Genome['edges'] });
    return [
      `${c.name} (type ${this.type})${c.description ? `: ${c.description}` : ''}`,
      `  cell: 4 nodes, 6 edges (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2), one op per edge; e.g. ${example}`,
      `  ops (${c.ops.length}): ${c.ops.join(', ')}`,
      `  macro: stem of ${c.initialFilters} filters; ${c.stacks} stacks of N = ${c.cellsPerStack} cells; ` +
        `${c.stacks - 1} residual reduction blocks between stacks (filters double at each)`,
      `  mutation: one edge's op replaced by a different op`,
      `  size: ${this.size().toLocaleString('en-US')} cells, ${this.distinctNetworks().toLocaleString('en-US')} distinct up to dead edges`,
      `  encoding: ${NB201_EDGES.length} categorical dimensions`,
    ].join('\n');
  }
}

/** Factory for the space loader, naming the space after the file. */
export function nb201SpaceFromJSON(json: unknown, fallbackName: string = NB201_SPACE_TYPE): Nb201Space {
  return new Nb201Space(parseNb201SpaceConfig(json, fallbackName));
}
