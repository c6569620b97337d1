/**
 * The NAS-Bench-201 network (Dong & Yang, ICLR 2020) around a cell:
 *
 *   stem: 3x3 conv (C) + BN
 *   stage 1: N cells (C)   residual block (2C, stride 2)
 *   stage 2: N cells (2C)  residual block (4C, stride 2)
 *   stage 3: N cells (4C)            (`stages` stages in all; 3 in the benchmark)
 *   BN, ReLU, global average pooling, dense, softmax
 *
 * In a cell, node 0 is the cell input and node j (1..3) is the sum over i < j of op_{i->j}(node i); the
 * cell output is node 3. `none` edges add nothing; a node whose edges are all `none` is zero (a
 * Rescaling by 0 of the cell input). The residual block is the benchmark's ResNetBasicblock:
 * ReLU-Conv3x3(stride 2)-BN, ReLU-Conv3x3-BN, plus a shortcut of 2x2 average pooling (stride 2) and a
 * 1x1 convolution.
 */
import { ValidationError } from '../../core/errors.ts';
import { NB201_EDGES } from '../types.ts';
import type { Nb201Genome } from '../types.ts';
import { nb201Op, reluConvBn } from './ops.ts';
import { PlanBuilder } from './plan.ts';
import type { NetworkPlan, Shape3 } from './plan.ts';

/** The macro skeleton of the NAS-Bench-201 network. */
export interface Nb201NetworkConfig {
  /** Input images: height, width, channels. */
  inputShape: Shape3;
  /** Number of classes of the softmax classifier. */
  numClasses: number;
  /** C: channels of the stem and the first stage. Default 16 (the benchmark's). */
  channels?: number;
  /** N: cells per stage. Default 5 (the benchmark's). */
  cellsPerStage?: number;
  /** Number of stages; a residual reduction block separates two stages. Default 3 (the benchmark's). */
  stages?: number;
  /** Dropout rate before the classifier. Default 0 (the benchmark has none). */
  dropout?: number;
}

function addCell(b: PlanBuilder, name: string, genome: Nb201Genome, input: string, channels: number): string {
  const nodes = [input];
  for (let j = 1; j <= 3; j++) {
    const terms: string[] = [];
    NB201_EDGES.forEach(([from, to], e) => {
      if (to !== j) return;
      const op = nb201Op(genome.edges[e], `edges[${e}]`);
      const prefix = `${name}_edge${from}to${to}`;
      const out = op({ b, prefix, input: nodes[from], filters: channels, stride: 1 });
      if (out !== null) terms.push(out);
    });
    if (terms.length === 0) nodes.push(b.add(`${name}_node${j}_zeros`, { kind: 'zeros' }, [input]));
    else if (terms.length === 1) nodes.push(terms[0]);
    else nodes.push(b.add(`${name}_node${j}_add`, { kind: 'add' }, terms));
  }
  return nodes[3];
}

function addResidualBlock(b: PlanBuilder, name: string, input: string, channels: number): string {
  const a = reluConvBn(b, `${name}_a`, input, { filters: channels, kernel: 3, stride: 2 });
  const c = reluConvBn(b, `${name}_b`, a, { filters: channels, kernel: 3, stride: 1 });
  const pool = b.add(`${name}_shortcut_pool`, { kind: 'avgpool', pool: 2, strides: 2, padding: 'same' }, [input]);
  const short = b.add(
    `${name}_shortcut_conv`,
    { kind: 'conv2d', filters: channels, kernel: [1, 1], strides: [1, 1], dilation: 1, useBias: false },
    [pool],
  );
  return b.add(`${name}_add`, { kind: 'add' }, [short, c]);
}

/** The plan of the NAS-Bench-201 network for `genome`. */
export function nb201Plan(genome: Nb201Genome, config: Nb201NetworkConfig): NetworkPlan {
  const channels = config.channels ?? 16;
  const cellsPerStage = config.cellsPerStage ?? 5;
  const rate = config.dropout ?? 0;
  const stages = config.stages ?? 3;
  if (!Number.isInteger(stages) || stages < 1) throw new ValidationError(`stages must be an integer >= 1, got ${stages}`, { field: 'stages' });
  if (!Number.isInteger(channels) || channels < 1) throw new ValidationError(`channels must be a positive integer, got ${channels}`, { field: 'channels' });
  if (!Number.isInteger(cellsPerStage) || cellsPerStage < 0) {
    throw new ValidationError(`cellsPerStage must be an integer >= 0, got ${cellsPerStage}`, { field: 'cellsPerStage' });
  }
  if (!(rate >= 0 && rate < 1)) throw new ValidationError(`dropout must be in [0, 1), got ${rate}`, { field: 'dropout' });
  if (genome.edges.length !== NB201_EDGES.length) {
    throw new ValidationError(`a NAS-Bench-201 cell has ${NB201_EDGES.length} edges, got ${genome.edges.length}`, { field: 'edges' });
  }
  const b = new PlanBuilder();
  const input = b.add('input', { kind: 'input', shape: [...config.inputShape] });
  const stem = b.add(
    'stem_conv',
    { kind: 'conv2d', filters: channels, kernel: [3, 3], strides: [1, 1], dilation: 1, useBias: false },
    [input],
  );
  let x = b.add('stem_bn', { kind: 'batchnorm' }, [stem]);
  let cell = 0;
  for (let stage = 0; stage < stages; stage++) {
    const c = channels * 2 ** stage;
    if (stage > 0) x = addResidualBlock(b, `resblock${stage - 1}`, x, c);
    for (let n = 0; n < cellsPerStage; n++) x = addCell(b, `cell${cell++}`, genome, x, c);
  }
  const bn = b.add('final_bn', { kind: 'batchnorm' }, [x]);
  const relu = b.add('final_relu', { kind: 'relu' }, [bn]);
  const features = b.add('global_pool', { kind: 'gap' }, [relu]);
  const dropped = rate > 0 ? b.add('dropout', { kind: 'dropout', rate }, [features]) : features;
  const logits = b.add('logits', { kind: 'dense', units: config.numClasses }, [dropped]);
  const output = b.add('predictions', { kind: 'softmax' }, [logits]);
  return b.finish({ input, features, dropout: rate, logits, output });
}
