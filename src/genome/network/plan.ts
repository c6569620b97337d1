/**
 * A network plan: the layer graph a genome describes, as plain data with every output shape known.
 * It is the one description both the tfjs model builder (src/model/builder.ts) and the cost model
 * (../cost.ts) read, so a parameter count computed here equals the built model's `countParams()`.
 * No tfjs here: a search strategy can cost a child without building it.
 */
import { ValidationError } from '../../core/errors.ts';

/** Height, width, channels of an image-like tensor (batch dimension left out). */
export type Shape3 = [number, number, number];

/** 'same' keeps ceil(size / stride); 'valid' uses only whole windows. */
export type Padding = 'same' | 'valid';

/** One layer of a plan. Every kind maps to one standard Keras layer (see src/model/layers.ts). */
export type LayerSpec =
  | { kind: 'input'; shape: Shape3 }
  | {
      kind: 'conv2d';
      filters: number;
      kernel: [number, number];
      strides: [number, number];
      dilation: number;
      useBias: boolean;
    }
  | { kind: 'sepconv2d'; filters: number; kernel: number; strides: number; dilation: number }
  | { kind: 'batchnorm' }
  | { kind: 'relu' }
  | { kind: 'avgpool'; pool: number; strides: number; padding: Padding }
  | { kind: 'maxpool'; pool: number; strides: number; padding: Padding }
  | { kind: 'zeropad'; pad: [[number, number], [number, number]] }
  | { kind: 'crop'; crop: [[number, number], [number, number]] }
  | { kind: 'zeros' }
  | { kind: 'identity' }
  | { kind: 'add' }
  | { kind: 'concat' }
  | { kind: 'gap' }
  | { kind: 'dropout'; rate: number }
  | { kind: 'dense'; units: number }
  | { kind: 'softmax' };

export type LayerKind = LayerSpec['kind'];

/** One node of the graph: a named layer applied to the outputs of earlier nodes. */
export interface PlanNode {
  /** Unique, deterministic layer name, e.g. `cell3_block2_left_sep3x3_conv_a`. */
  name: string;
  layer: LayerSpec;
  /** Names of the nodes whose outputs this layer takes, in order. */
  inputs: string[];
  /** Output shape without the batch dimension: [h, w, c] or [units]. */
  shape: number[];
}

/** A whole network: nodes in topological order plus the names the trainer needs. */
export interface NetworkPlan {
  nodes: PlanNode[];
  /** The input node. */
  input: string;
  /** The pooled feature vector the classifier reads (before dropout). */
  features: string;
  /** Dropout rate between the features and the classifier (0: no dropout layer). */
  dropout: number;
  /** The classifier's dense layer (logits, no activation). */
  logits: string;
  /** The softmax output: the model's output. */
  output: string;
}

const outSize = (size: number, kernel: number, stride: number, padding: Padding): number =>
  padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - kernel) / stride) + 1;

function inferShape(layer: LayerSpec, inputs: number[][], name: string): number[] {
  const [h, w, c] = inputs[0] ?? [];
  switch (layer.kind) {
    case 'input':
      return [...layer.shape];
    case 'conv2d':
      return [outSize(h, 1, layer.strides[0], 'same'), outSize(w, 1, layer.strides[1], 'same'), layer.filters];
    case 'sepconv2d':
      return [outSize(h, 1, layer.strides, 'same'), outSize(w, 1, layer.strides, 'same'), layer.filters];
    case 'avgpool':
    case 'maxpool':
      return [outSize(h, layer.pool, layer.strides, layer.padding), outSize(w, layer.pool, layer.strides, layer.padding), c];
    case 'zeropad':
      return [h + layer.pad[0][0] + layer.pad[0][1], w + layer.pad[1][0] + layer.pad[1][1], c];
    case 'crop':
      return [h - layer.crop[0][0] - layer.crop[0][1], w - layer.crop[1][0] - layer.crop[1][1], c];
    case 'add':
      for (const s of inputs) {
        if (s.join('x') !== inputs[0].join('x')) {
          throw new Error(`plan: '${name}' adds shapes ${inputs.map((x) => x.join('x')).join(' and ')}`);
        }
      }
      return [...inputs[0]];
    case 'concat':
      return [h, w, inputs.reduce((sum, s) => sum + s[2], 0)];
    case 'gap':
      return [c];
    case 'dense':
      return [layer.units];
    default:
      return [...inputs[0]];
  }
}

/** Builds a plan node by node, checking names and computing shapes. */
export class PlanBuilder {
  private readonly nodes: PlanNode[] = [];
  private readonly byName = new Map<string, PlanNode>();

  /**
   * Adds a layer applied to `inputs` and returns its name (the handle later layers take). A merge layer
   * that would read one tensor twice (an add of `x` and `x`) reads a named identity copy instead, which
   * tfjs needs to execute and differentiate it.
   */
  add(name: string, layer: LayerSpec, inputs: string[] = []): string {
    if (this.byName.has(name)) throw new Error(`plan: duplicate layer name '${name}'`);
    if (layer.kind === 'add' || layer.kind === 'concat') inputs = this.distinct(name, inputs);
    const shapes = inputs.map((i) => this.shape(i));
    const shape = inferShape(layer, shapes, name);
    if (shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new ValidationError(
        `layer '${name}' would have shape [${shape.join(', ')}]: the image is too small for this network`,
        {},
        'a larger image or fewer reduction steps',
      );
    }
    const node: PlanNode = { name, layer, inputs: [...inputs], shape };
    this.nodes.push(node);
    this.byName.set(name, node);
    return name;
  }

  private distinct(name: string, inputs: string[]): string[] {
    const seen = new Set<string>();
    return inputs.map((input, i) => {
      if (!seen.has(input)) {
        seen.add(input);
        return input;
      }
      return this.add(`${name}_copy${i}`, { kind: 'identity' }, [input]);
    });
  }

  /** Output shape of a node already added. */
  shape(name: string): number[] {
    const node = this.byName.get(name);
    if (!node) throw new Error(`plan: unknown layer '${name}'`);
    return node.shape;
  }

  /** Channels of an image-like node. */
  channels(name: string): number {
    return this.shape(name)[2];
  }

  /** The finished plan. */
  finish(names: Omit<NetworkPlan, 'nodes'>): NetworkPlan {
    return { nodes: [...this.nodes], ...names };
  }
}

/** The nodes the output depends on (a functional model holds only these), in topological order. */
export function reachableNodes(plan: NetworkPlan): PlanNode[] {
  const byName = new Map(plan.nodes.map((n) => [n.name, n]));
  const keep = new Set<string>();
  const stack = [plan.output];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (keep.has(name)) continue;
    keep.add(name);
    const node = byName.get(name);
    if (node) stack.push(...node.inputs);
  }
  return plan.nodes.filter((n) => keep.has(n.name));
}
