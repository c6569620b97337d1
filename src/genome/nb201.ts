/**
 * NAS-Bench-201 cell genomes (Dong & Yang, ICLR 2020): validation, the benchmark's architecture
 * strings, canonical form and hash, sampling and mutation. Pure data.
 *
 * Architecture string: `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`: nodes 1, 2, 3 in turn, separated by `+`;
 * node j lists, for each earlier node i in order, `op~i`, the op on edge i->j.
 */
import type { Rng } from '../core/rng.ts';
import { ValidationError } from '../core/errors.ts';
import { asArray, asChoice, asObject, fieldPath, onlyKeys, show } from './check.ts';
import { digest } from './hash.ts';
import { NB201_EDGES, NB201_OPS } from './types.ts';
import type { Nb201Genome, Nb201Op } from './types.ts';

type Edges = Nb201Genome['edges'];

/** The benchmark's architecture string of a genome. */
export function nb201ToArch(genome: Nb201Genome): string {
  const e = genome.edges;
  return `|${e[0]}~0|+|${e[1]}~0|${e[2]}~1|+|${e[3]}~0|${e[4]}~1|${e[5]}~2|`;
}

const ARCH_ACCEPTED = 'a string like |nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';

/**
 * Parses a benchmark architecture string exactly (no spaces, nodes in order, every edge present).
 * `field` names where the string came from in error messages.
 */
export function nb201FromArch(arch: string, field = 'arch', ops: readonly Nb201Op[] = NB201_OPS): Nb201Genome {
  const nodes = arch.split('+');
  if (nodes.length !== 3) throw new ValidationError(`${show(arch)} has ${nodes.length} nodes separated by '+'`, { field }, `3 nodes; ${ARCH_ACCEPTED}`);
  const edges: Nb201Op[] = [];
  nodes.forEach((node, j) => {
    const parts = node.split('|');
    // `|a~0|b~1|` splits into ['', 'a~0', 'b~1', '']: j + 1 entries between empty ends.
    if (parts.length !== j + 3 || parts[0] !== '' || parts[parts.length - 1] !== '') {
      throw new ValidationError(`node ${j + 1} is ${show(node)}`, { field }, `${j + 1} entries op~i between '|'; ${ARCH_ACCEPTED}`);
    }
    for (let i = 0; i <= j; i++) {
      const entry = parts[i + 1];
      const tilde = entry.lastIndexOf('~');
      if (tilde < 0 || entry.slice(tilde + 1) !== String(i)) {
        throw new ValidationError(`node ${j + 1}, entry ${i + 1} is ${show(entry)}`, { field }, `op~${i} (the edge from node ${i})`);
      }
      const op = entry.slice(0, tilde);
      if (!(ops as readonly string[]).includes(op)) {
        throw new ValidationError(`node ${j + 1}, edge from node ${i} has unknown op ${show(op)}`, { field }, `one of ${ops.join(', ')}`);
      }
      edges.push(op as Nb201Op);
    }
  });
  return { kind: 'nb201', edges: edges as Edges };
}

/**
 * Checks an untyped value and returns a typed genome. Accepted: `{ kind?: 'nb201', edges?: [6 ops],
 * arch?: string }` with at least one of `edges` and `arch` (they must agree when both are given), or
 * a bare architecture string.
 */
export function validateNb201Genome(value: unknown, ops: readonly Nb201Op[] = NB201_OPS): Nb201Genome {
  if (typeof value === 'string') return nb201FromArch(value, 'arch', ops);
  const obj = asObject(value, '');
  if (obj.kind !== undefined) asChoice(obj.kind, 'kind', ['nb201']);
  onlyKeys(obj, ['kind', 'edges', 'arch'], '');
  let fromEdges: Nb201Genome | undefined;
  if (obj.edges !== undefined) {
    const raw = asArray(obj.edges, 'edges', NB201_EDGES.length);
    fromEdges = { kind: 'nb201', edges: raw.map((op, i) => asChoice(op, fieldPath('edges', i), ops)) as Edges };
  }
  if (obj.arch === undefined) {
    if (fromEdges === undefined) throw new ValidationError('missing both edges and arch', { field: 'edges' }, `edges: 6 ops in the order 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2, or arch: ${ARCH_ACCEPTED}`);
    return fromEdges;
  }
  if (typeof obj.arch !== 'string') throw new ValidationError(`got ${show(obj.arch)}`, { field: 'arch' }, ARCH_ACCEPTED);
  const fromArch = nb201FromArch(obj.arch, 'arch', ops);
  if (fromEdges !== undefined && nb201ToArch(fromEdges) !== obj.arch) {
    throw new ValidationError(`arch does not match edges (${nb201ToArch(fromEdges)})`, { field: 'arch' }, 'edges and arch that describe the same cell');
  }
  return fromArch;
}

/**
 * The canonical form: every edge that cannot carry a signal from the input (node 0) to the output
 * (node 3) becomes `none`. An edge i->j is live when its op is not `none`, node i is reachable from
 * node 0 and node j reaches node 3 through non-`none` edges. If node 3 is unreachable every edge is
 * `none` (the cell outputs zeros).
 */
export function canonicalNb201(genome: Nb201Genome): Nb201Genome {
  const on = genome.edges.map((op) => op !== 'none');
  const fromInput = [true, false, false, false];
  for (let j = 1; j < 4; j++) {
    fromInput[j] = NB201_EDGES.some(([a, b], k) => b === j && on[k] && fromInput[a]);
  }
  const toOutput = [false, false, false, true];
  for (let i = 2; i >= 0; i--) {
    toOutput[i] = NB201_EDGES.some(([a, b], k) => a === i && on[k] && toOutput[b]);
  }
  const edges = genome.edges.map((op, k) => {
    const [a, b] = NB201_EDGES[k];
    return on[k] && fromInput[a] && toOutput[b] ? op : 'none';
  });
  return { kind: 'nb201', edges: edges as Edges };
}

/** Canonical hash (16 hex digits): equal for genomes that differ only in dead edges. */
export function hashNb201(genome: Nb201Genome): string {
  return digest(`nb201${nb201ToArch(canonicalNb201(genome))}`);
}

/** A uniformly random genome over `ops`. */
export function sampleNb201(rng: Rng, ops: readonly Nb201Op[] = NB201_OPS): Nb201Genome {
  return { kind: 'nb201', edges: NB201_EDGES.map(() => rng.choice(ops)) as Edges };
}

/** The child of an NAS-Bench-201 mutation and what changed. */
export interface Nb201Mutation {
  genome: Nb201Genome;
  /** Index of the changed edge in NB201_EDGES order; absent when no other op is allowed. */
  edge?: number;
  from?: Nb201Op;
  to?: Nb201Op;
}

/** Replaces the op of one uniformly chosen edge by a different allowed op (uniformly). */
export function mutateNb201(parent: Nb201Genome, rng: Rng, ops: readonly Nb201Op[] = NB201_OPS): Nb201Mutation {
  const edges = parent.edges.slice() as Edges;
  const edge = rng.int(edges.length);
  const from = edges[edge];
  const others = ops.filter((op) => op !== from);
  if (others.length === 0) return { genome: { kind: 'nb201', edges } };
  const to = rng.choice(others);
  edges[edge] = to;
  return { genome: { kind: 'nb201', edges }, edge, from, to };
}
