/**
 * The op registries: each op name of a cell genome maps to a function that adds that op's layers to a
 * plan. An unknown name fails with the list of known ones. Layers are named `<prefix>_<op>_<part>`,
 * e.g. `cell3_block2_left_sep3x3_conv_a`, so a name says where a weight lives in the network.
 */
import { ValidationError } from '../../core/errors.ts';
import { NASNET_OPS, NB201_OPS } from '../types.ts';
import type { NasnetOp, Nb201Op } from '../types.ts';
import type { PlanBuilder } from './plan.ts';

/** Where an op is applied. */
export interface OpContext {
  b: PlanBuilder;
  /** Name prefix of the op's layers, e.g. `cell3_block2_left`. */
  prefix: string;
  /** The node the op reads. */
  input: string;
  /** Output channels. */
  filters: number;
  /** 1, or 2 for an op on a cell input of a reduction cell. */
  stride: 1 | 2;
}

/** Adds an op's layers and returns the name of its output node, or null for the zero op. */
export type OpEmitter = (ctx: OpContext) => string | null;

/** ReLU, convolution, batch norm: the NAS-Bench-201 `ReLUConvBN` and NASNet's 1x1 input alignment. */
export function reluConvBn(
  b: PlanBuilder,
  prefix: string,
  input: string,
  conv: { filters: number; kernel: number; stride: number },
): string {
  const relu = b.add(`${prefix}_relu`, { kind: 'relu' }, [input]);
  const c = b.add(
    `${prefix}_conv`,
    {
      kind: 'conv2d',
      filters: conv.filters,
      kernel: [conv.kernel, conv.kernel],
      strides: [conv.stride, conv.stride],
      dilation: 1,
      useBias: false,
    },
    [relu],
  );
  return b.add(`${prefix}_bn`, { kind: 'batchnorm' }, [c]);
}

/**
 * NASNet's factorised reduction: ReLU, then two stride-2 1x1 paths (the second shifted by one pixel)
 * with half the filters each, concatenated, then batch norm. Halves height and width.
 */
export function factorizedReduce(b: PlanBuilder, prefix: string, input: string, filters: number): string {
  if (filters < 2) throw new ValidationError(`a factorised reduction needs at least 2 filters, got ${filters}`);
  const half = Math.floor(filters / 2);
  const relu = b.add(`${prefix}_relu`, { kind: 'relu' }, [input]);
  const conv1x1 = (name: string, n: number, from: string): string =>
    b.add(name, { kind: 'conv2d', filters: n, kernel: [1, 1], strides: [1, 1], dilation: 1, useBias: false }, [from]);
  const sub = (name: string, from: string): string =>
    b.add(name, { kind: 'avgpool', pool: 1, strides: 2, padding: 'valid' }, [from]);
  const p1 = conv1x1(`${prefix}_path1_conv`, half, sub(`${prefix}_path1_pool`, relu));
  const pad = b.add(`${prefix}_path2_pad`, { kind: 'zeropad', pad: [[0, 1], [0, 1]] }, [relu]);
  const crop = b.add(`${prefix}_path2_crop`, { kind: 'crop', crop: [[1, 0], [1, 0]] }, [pad]);
  const p2 = conv1x1(`${prefix}_path2_conv`, filters - half, sub(`${prefix}_path2_pool`, crop));
  const cat = b.add(`${prefix}_concat`, { kind: 'concat' }, [p1, p2]);
  return b.add(`${prefix}_bn`, { kind: 'batchnorm' }, [cat]);
}

/** NASNet separable convolution: (ReLU, SepConv, BN) twice; only the first may be strided. */
function sepConv(kernel: number): OpEmitter {
  return ({ b, prefix, input, filters, stride }) => {
    const p = `${prefix}_sep${kernel}x${kernel}`;
    let x = input;
    for (const [part, s] of [['a', stride], ['b', 1]] as const) {
      x = b.add(`${p}_relu_${part}`, { kind: 'relu' }, [x]);
      x = b.add(`${p}_conv_${part}`, { kind: 'sepconv2d', filters, kernel, strides: s, dilation: 1 }, [x]);
      x = b.add(`${p}_bn_${part}`, { kind: 'batchnorm' }, [x]);
    }
    return x;
  };
}

function pool(kind: 'avgpool' | 'maxpool'): OpEmitter {
  return ({ b, prefix, input, stride }) =>
    b.add(`${prefix}_${kind === 'avgpool' ? 'avg' : 'max'}3x3`, { kind, pool: 3, strides: stride, padding: 'same' }, [input]);
}

/**
 * ReLU, 3x3 separable convolution with dilation 2, BN. A stride-2 dilated convolution reads only every
 * other pixel, so in a reduction (tfjs has no strided dilated convolution) it is built as its
 * equivalent: a stride-2 1x1 subsampling followed by an undilated 3x3 separable convolution.
 */
const dilSepConv: OpEmitter = ({ b, prefix, input, filters, stride }) => {
  const p = `${prefix}_dil3x3`;
  let x = b.add(`${p}_relu`, { kind: 'relu' }, [input]);
  if (stride === 2) x = b.add(`${p}_subsample`, { kind: 'avgpool', pool: 1, strides: 2, padding: 'valid' }, [x]);
  x = b.add(`${p}_conv`, { kind: 'sepconv2d', filters, kernel: 3, strides: 1, dilation: stride === 2 ? 1 : 2 }, [x]);
  return b.add(`${p}_bn`, { kind: 'batchnorm' }, [x]);
};

/** ReLU, 1x7 convolution, 7x1 convolution, BN (stride applied along width, then height). */
const conv1x7_7x1: OpEmitter = ({ b, prefix, input, filters, stride }) => {
  const p = `${prefix}_conv1x7_7x1`;
  const conv = (kernel: [number, number], strides: [number, number]) =>
    ({ kind: 'conv2d', filters, kernel, strides, dilation: 1, useBias: false }) as const;
  const relu = b.add(`${p}_relu`, { kind: 'relu' }, [input]);
  const a = b.add(`${p}_conv_a`, conv([1, 7], [1, stride]), [relu]);
  const c = b.add(`${p}_conv_b`, conv([7, 1], [stride, 1]), [a]);
  return b.add(`${p}_bn`, { kind: 'batchnorm' }, [c]);
};

/** Identity; on a reduction cell's input, a factorised reduction. */
const identity: OpEmitter = ({ b, prefix, input, filters, stride }) =>
  stride === 1 ? input : factorizedReduce(b, `${prefix}_id_reduce`, input, filters);

export const NASNET_OP_REGISTRY: Readonly<Record<NasnetOp, OpEmitter>> = {
  identity,
  sep_conv_3x3: sepConv(3),
  sep_conv_5x5: sepConv(5),
  sep_conv_7x7: sepConv(7),
  avg_pool_3x3: pool('avgpool'),
  max_pool_3x3: pool('maxpool'),
  dil_sep_conv_3x3: dilSepConv,
  conv_1x7_7x1: conv1x7_7x1,
};

const nb201Conv = (kernel: number): OpEmitter => ({ b, prefix, input, filters, stride }) =>
  reluConvBn(b, `${prefix}_conv${kernel}x${kernel}`, input, { filters, kernel, stride });

export const NB201_OP_REGISTRY: Readonly<Record<Nb201Op, OpEmitter>> = {
  none: () => null,
  skip_connect: ({ input }) => input,
  nor_conv_1x1: nb201Conv(1),
  nor_conv_3x3: nb201Conv(3),
  avg_pool_3x3: ({ b, prefix, input }) =>
    b.add(`${prefix}_avg3x3`, { kind: 'avgpool', pool: 3, strides: 1, padding: 'same' }, [input]),
};

function lookup(registry: Readonly<Record<string, OpEmitter>>, known: readonly string[], name: string, field?: string): OpEmitter {
  if (!Object.prototype.hasOwnProperty.call(registry, name)) {
    throw new ValidationError(`unknown op '${name}'`, field !== undefined ? { field } : {}, known.join(', '));
  }
  return registry[name];
}

/** The NASNet op called `name`; an unknown name fails with the known ones. */
export function nasnetOp(name: string, field?: string): OpEmitter {
  return lookup(NASNET_OP_REGISTRY, NASNET_OPS, name, field);
}

/** The NAS-Bench-201 op called `name`; an unknown name fails with the known ones. */
export function nb201Op(name: string, field?: string): OpEmitter {
  return lookup(NB201_OP_REGISTRY, NB201_OPS, name, field);
}
