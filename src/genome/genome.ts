/**
 * Operations on any cell genome, dispatched on its `kind`: validation, canonical hash and the
 * human-readable JSON form.
 *
 * JSON form (what `nas genome random` prints and `nas genome validate` reads):
 * - NASNet: `{ "kind": "nasnet", "normal": { "blocks": [{ "inputs": [0, 1], "ops": ["sep_conv_3x3", "identity"] }, ...] }, "reduction": {...} }`
 * - NAS-Bench-201: `{ "kind": "nb201", "arch": "|nor_conv_3x3~0|+|...|", "edges": ["nor_conv_3x3", ...] }`
 *   (either `arch` or `edges` is enough on input).
 */
import { ValidationError } from '../core/errors.ts';
import { asObject, show } from './check.ts';
import { cloneNasnet, validateNasnetGenome } from './nasnet.ts';
import type { NasnetShape } from './nasnet.ts';
import { canonicalNasnet, hashNasnet } from './nasnet-canonical.ts';
import { canonicalNb201, hashNb201, nb201ToArch, validateNb201Genome } from './nb201.ts';
import type { CellGenome, Nb201Op } from './types.ts';

/** Every genome kind, in the order error messages list them. */
export const GENOME_KINDS = ['nasnet', 'nb201'] as const;
export type GenomeKind = (typeof GENOME_KINDS)[number];

/** Restrictions a search space puts on genomes; absent fields accept anything structurally valid. */
export interface GenomeShape {
  /** Shape of NASNet genomes (blocks per cell, allowed ops). */
  nasnet?: NasnetShape;
  /** Ops allowed on NAS-Bench-201 edges. Default: all five. */
  nb201Ops?: readonly Nb201Op[];
}

/** The `kind` of an untyped genome value; a bare architecture string is `nb201`. */
export function genomeKindOf(value: unknown): GenomeKind {
  if (typeof value === 'string') return 'nb201';
  const obj = asObject(value, '');
  if (obj.kind === undefined) {
    throw new ValidationError('missing genome kind', { field: 'kind' }, `one of ${GENOME_KINDS.join(', ')}`);
  }
  if (typeof obj.kind !== 'string' || !(GENOME_KINDS as readonly string[]).includes(obj.kind)) {
    throw new ValidationError(`got ${show(obj.kind)}`, { field: 'kind' }, `one of ${GENOME_KINDS.join(', ')}`);
  }
  return obj.kind as GenomeKind;
}

/** Checks an untyped value that names its kind and returns the typed genome. */
export function validateGenome(value: unknown, shape: GenomeShape = {}): CellGenome {
  switch (genomeKindOf(value)) {
    case 'nasnet':
      return validateNasnetGenome(value, shape.nasnet);
    case 'nb201':
      return validateNb201Genome(value, shape.nb201Ops);
  }
}

/** The canonical representative of a genome's equivalence class (same network, same hash). */
export function canonicalGenome(genome: CellGenome): CellGenome {
  return genome.kind === 'nasnet' ? canonicalNasnet(genome) : canonicalNb201(genome);
}

/** Canonical hash: 16 hex digits, equal for any two genomes that build the same network. */
export function hashGenome(genome: CellGenome): string {
  return genome.kind === 'nasnet' ? hashNasnet(genome) : hashNb201(genome);
}

/** The human-readable JSON form (a fresh plain object; `validateGenome` reads it back). */
export function genomeToJSON(genome: CellGenome): Record<string, unknown> {
  if (genome.kind === 'nasnet') {
    const g = cloneNasnet(genome);
    return { kind: 'nasnet', normal: g.normal, reduction: g.reduction };
  }
  return { kind: 'nb201', arch: nb201ToArch(genome), edges: genome.edges.slice() };
}
