/**
 * A TensorFlow GraphDef built node by node in memory, and its encoding (tf-graph.proto: our subset of
 * TensorFlow's own messages, field numbers as TensorFlow defines them).
 *
 * A node is a TensorFlow operation by its registered name (`Conv2D`, `FusedBatchNormV3`, ...) with data
 * inputs (`node` or `node:k`), control inputs and attributes. Nothing here knows what a network is;
 * src/train/graph/ builds a child's training graph with it. Names are checked as they are added, so a
 * duplicate or a dangling input fails when the graph is built, naming the node, not later inside
 * TensorFlow.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** Element types the graphs use (TensorFlow's DataType numbers). */
export const DTYPE = { float32: 1, int32: 3, int64: 9, bool: 10, resource: 20 } as const;
export type GraphDType = keyof typeof DTYPE;

/** TensorFlow's GraphDef version (`TF_GRAPH_DEF_VERSION`) of the 2.15 runtime the graphs are written for. */
export const GRAPH_DEF_PRODUCER = 1645;

/** Path of the .proto file shipped with the package. */
const PROTO_FILE = fileURLToPath(new URL('./tf-graph.proto', import.meta.url));

/** One attribute value, in the JSON form protobufjs encodes as a tensorflow.AttrValue. */
export type AttrValue =
  | { type: number }
  | { shape: ShapeProto }
  | { i: number }
  | { f: number }
  | { b: boolean }
  | { s: Uint8Array }
  | { tensor: TensorProtoJson }
  | { list: { i?: number[]; s?: Uint8Array[]; type?: number[]; shape?: ShapeProto[] } };

interface ShapeProto { dim?: Array<{ size: number }>; unknownRank?: boolean }
interface TensorProtoJson { dtype: number; tensorShape: ShapeProto; tensorContent?: Uint8Array }

/** A dimension of -1 is unknown (the batch dimension of a placeholder, say). */
const shapeProto = (dims: readonly number[] | null): ShapeProto =>
  dims === null ? { unknownRank: true } : { dim: dims.map((size) => ({ size })) };

/** Attribute constructors. */
export const attr = {
  type: (t: GraphDType): AttrValue => ({ type: DTYPE[t] }),
  types: (ts: GraphDType[]): AttrValue => ({ list: { type: ts.map((t) => DTYPE[t]) } }),
  /** A shape; `null` is a shape of unknown rank. */
  shape: (dims: readonly number[] | null): AttrValue => ({ shape: shapeProto(dims) }),
  int: (i: number): AttrValue => ({ i }),
  ints: (is: readonly number[]): AttrValue => ({ list: { i: [...is] } }),
  float: (f: number): AttrValue => ({ f }),
  bool: (b: boolean): AttrValue => ({ b }),
  str: (s: string): AttrValue => ({ s: new TextEncoder().encode(s) }),
};

/** A constant's value: float32 or int32 elements and their shape. */
export interface ConstValue {
  dtype: 'float32' | 'int32';
  shape: readonly number[];
  values: ArrayLike<number>;
}

/** The node definition protobufjs encodes. */
interface NodeJson {
  name: string;
  op: string;
  input: string[];
  attr: Record<string, AttrValue>;
  device?: string;
}

/** Options of {@link GraphDefBuilder.add}. */
export interface NodeOptions {
  /** Data inputs: `node` (output 0) or `node:k`. Default none. */
  inputs?: string[];
  /** Nodes that must run before this one (TensorFlow control inputs). Default none. */
  after?: string[];
  /** Attributes by name. Default none. */
  attrs?: Record<string, AttrValue>;
}

const NAME = /^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$/;

/** The node part of a tensor reference `node:k`. */
export function nodeOf(ref: string): string {
  const colon = ref.lastIndexOf(':');
  return colon > 0 && /^\d+$/.test(ref.slice(colon + 1)) ? ref.slice(0, colon) : ref;
}

/** Builds a GraphDef; every node's inputs must already exist. */
export class GraphDefBuilder {
  private readonly nodes: NodeJson[] = [];
  private readonly names = new Set<string>();
  private readonly counters = new Map<string, number>();

  /** Adds the node `name` running `op`; returns the node's name (its output 0). */
  add(name: string, op: string, options: NodeOptions = {}): string {
    if (!NAME.test(name)) throw new Error(`graph: '${name}' is not a valid TensorFlow node name`);
    if (this.names.has(name)) throw new Error(`graph: duplicate node name '${name}'`);
    const inputs = options.inputs ?? [];
    for (const ref of [...inputs, ...(options.after ?? [])]) {
      if (!this.names.has(nodeOf(ref))) throw new Error(`graph: node '${name}' (${op}) reads '${ref}', which is not in the graph yet`);
    }
    this.names.add(name);
    this.nodes.push({ name, op, input: [...inputs, ...(options.after ?? []).map((n) => `^${nodeOf(n)}`)], attr: options.attrs ?? {} });
    return name;
  }

  /** Whether a node called `name` exists. */
  has(name: string): boolean {
    return this.names.has(name);
  }

  /** A node name starting with `base` that is not taken yet (`base`, then `base_1`, `base_2`, ...). */
  unique(base: string): string {
    if (!this.names.has(base)) return base;
    let k = this.counters.get(base) ?? 1;
    while (this.names.has(`${base}_${k}`)) k++;
    this.counters.set(base, k + 1);
    return `${base}_${k}`;
  }

  /** A constant node. */
  constant(name: string, value: ConstValue): string {
    const count = value.shape.reduce((a, b) => a * b, 1);
    if (value.values.length !== count) throw new Error(`graph: constant '${name}' has ${value.values.length} values for shape [${value.shape.join(', ')}]`);
    const data = value.dtype === 'float32' ? Float32Array.from(value.values) : Int32Array.from(value.values);
    const tensor: TensorProtoJson = {
      dtype: DTYPE[value.dtype],
      tensorShape: shapeProto(value.shape),
      tensorContent: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
    return this.add(name, 'Const', { attrs: { dtype: attr.type(value.dtype), value: { tensor } } });
  }

  /** Nodes added so far. */
  get size(): number {
    return this.nodes.length;
  }

  /** The graph as a serialised GraphDef. */
  toGraphDef(): Uint8Array {
    const type = tfGraphProto().lookupType('tensorflow.GraphDef');
    return type.encode(type.fromObject({ node: this.nodes, versions: { producer: GRAPH_DEF_PRODUCER } })).finish();
  }
}

let cached: protobuf.Root | undefined;

/** The parsed tf-graph.proto (cached). */
export function tfGraphProto(): protobuf.Root {
  cached ??= protobuf.loadSync(PROTO_FILE);
  return cached;
}
