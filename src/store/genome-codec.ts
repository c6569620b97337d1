/**
 * Genomes to and from protobuf bytes (message `nas.v1.Genome` of nas.proto). Decoding validates the
 * result like any untyped genome, so corrupt bytes never yield a genome that builds no network.
 */
import { FileFormatError, ValidationError } from '../core/errors.ts';
import { validateGenome } from '../genome/genome.ts';
import type { GenomeShape } from '../genome/genome.ts';
import type { CellGenome, NasnetCell } from '../genome/types.ts';
import { protoType } from './proto/root.ts';

const NASNET_PREFIX = 'NASNET_OP_';
const NB201_PREFIX = 'NB201_OP_';

/** Plain object of a `nas.v1.NasnetCell`, with enum values as names. */
interface NasnetCellProto {
  blocks?: Array<{ input0?: number; input1?: number; op0?: string; op1?: string }>;
}

/** Plain object of a `nas.v1.Genome` (what `Type.fromObject` takes; enums by name). */
export interface GenomeProto {
  nasnet?: { normal?: NasnetCellProto; reduction?: NasnetCellProto };
  nb201?: { edges?: string[] };
}

function cellToProto(cell: NasnetCell): NasnetCellProto {
  return {
    blocks: cell.blocks.map((b) => ({
      input0: b.inputs[0],
      input1: b.inputs[1],
      op0: NASNET_PREFIX + b.ops[0].toUpperCase(),
      op1: NASNET_PREFIX + b.ops[1].toUpperCase(),
    })),
  };
}

/** Enum name -> genome op name (`NASNET_OP_SEP_CONV_3X3` -> `sep_conv_3x3`); unknown values pass through for validation to reject. */
function opName(value: unknown, prefix: string): unknown {
  return typeof value === 'string' && value.startsWith(prefix) ? value.slice(prefix.length).toLowerCase() : value;
}

function cellFromProto(cell: NasnetCellProto | undefined): unknown {
  return {
    blocks: (cell?.blocks ?? []).map((b) => ({
      inputs: [b.input0 ?? 0, b.input1 ?? 0],
      ops: [opName(b.op0, NASNET_PREFIX), opName(b.op1, NASNET_PREFIX)],
    })),
  };
}

/** A genome as a `nas.v1.Genome` plain object (to embed in other messages). */
export function genomeToProto(genome: CellGenome): GenomeProto {
  if (genome.kind === 'nasnet') return { nasnet: { normal: cellToProto(genome.normal), reduction: cellToProto(genome.reduction) } };
  return { nb201: { edges: genome.edges.map((op) => NB201_PREFIX + op.toUpperCase()) } };
}

/** The genome in a `nas.v1.Genome` plain object; throws a ValidationError when it is not a valid genome. */
export function genomeFromProto(proto: GenomeProto, shape: GenomeShape = {}): CellGenome {
  if (proto.nasnet !== undefined) {
    return validateGenome({ kind: 'nasnet', normal: cellFromProto(proto.nasnet.normal), reduction: cellFromProto(proto.nasnet.reduction) }, shape);
  }
  if (proto.nb201 !== undefined) {
    return validateGenome({ kind: 'nb201', edges: (proto.nb201.edges ?? []).map((op) => opName(op, NB201_PREFIX)) }, shape);
  }
  throw new ValidationError('the genome message sets no kind', { field: 'kind' }, 'nasnet or nb201');
}

/** Protobuf bytes of a genome. */
export function encodeGenome(genome: CellGenome): Uint8Array {
  const type = protoType('Genome');
  return type.encode(type.fromObject(genomeToProto(genome))).finish();
}

/**
 * The genome in protobuf bytes. Bytes that do not parse give a FileFormatError naming `source`;
 * bytes that parse to an invalid genome give a ValidationError (located in `source`).
 */
export function decodeGenome(bytes: Uint8Array, source = 'genome bytes', shape: GenomeShape = {}): CellGenome {
  const type = protoType('Genome');
  let obj: GenomeProto;
  try {
    obj = type.toObject(type.decode(bytes), { enums: String, oneofs: false }) as GenomeProto;
  } catch (err) {
    throw new FileFormatError(source, `not a nas.v1.Genome message: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return genomeFromProto(obj, shape);
  } catch (err) {
    throw err instanceof ValidationError ? err.inFile(source) : err;
  }
}
