/**
 * The NASNet-style network around a NASNet genome (Zoph et al. 2018; Real et al. 2019):
 *
 *   stem: 3x3 conv (stemMultiplier * initialFilters) + BN
 *   stack 0: N normal cells with F filters
 *   reduction cell (stride 2, 2F filters), stack 1: N normal cells with 2F filters
 *   ... (`stacks` stacks; the filters double at each reduction)
 *   ReLU, global average pooling, dropout, dense, softmax
 *
 * A cell reads the outputs of the two cells before it. Each input is first aligned to the cell's filter
 * count: ReLU-Conv1x1-BN, or a factorised reduction when the cell two back has twice the resolution
 * (the cell before was a reduction). Block b adds op(left input) and op(right input); in a reduction
 * cell the ops that read a cell input use stride 2. The cell output is the concatenation of the block
 * outputs no later block reads (so it has k * F channels); the next cell's 1x1 alignment brings it back
 * to its own filter count, as in NASNet.
 */
import { ValidationError } from '../../core/errors.ts';
import type { NasnetCell, NasnetGenome } from '../types.ts';
import { factorizedReduce, nasnetOp, reluConvBn } from './ops.ts';
import { PlanBuilder } from './plan.ts';
import type { NetworkPlan, Shape3 } from './plan.ts';

/** The macro skeleton of a NASNet-style network. */
export interface NasnetNetworkConfig {
  /** Input images: height, width, channels. */
  inputShape: Shape3;
  /** Number of classes of the softmax classifier. */
  numClasses: number;
  /** N: normal cells per stack. */
  cellsPerStack: number;
  /** Number of stacks; a reduction cell sits between consecutive stacks. */
  stacks: number;
  /** F: filters of the first stack's cells (at least 2); doubled at each reduction. */
  initialFilters: number;
  /** Stem filters = stemMultiplier * initialFilters. Default 3 (NASNet's CIFAR stem). */
  stemMultiplier?: number;
  /** Dropout rate before the classifier. Default 0.5. */
  dropout?: number;
}

/** Names and strides of one cell being built. */
interface CellSite {
  name: string;
  cell: NasnetCell;
  reduction: boolean;
  filters: number;
}

function checkConfig(config: NasnetNetworkConfig): void {
  const positive = (v: number, field: string, min = 1): void => {
    if (!Number.isInteger(v) || v < min) {
      throw new ValidationError(`${field} must be an integer >= ${min}, got ${v}`, { field }, `an integer >= ${min}`);
    }
  };
  positive(config.cellsPerStack, 'cellsPerStack', 0);
  positive(config.stacks, 'stacks');
  positive(config.initialFilters, 'initialFilters', 2);
  positive(config.numClasses, 'numClasses', 2);
  const rate = config.dropout ?? 0.5;
  if (!(rate >= 0 && rate < 1)) throw new ValidationError(`dropout must be in [0, 1), got ${rate}`, { field: 'dropout' });
}

/** Adds one cell reading `prevPrev` and `prev`; returns the cell's output node. */
function addCell(b: PlanBuilder, site: CellSite, prevPrev: string, prev: string): string {
  const { name, cell, reduction, filters } = site;
  const h0 =
    b.shape(prevPrev)[0] !== b.shape(prev)[0]
      ? factorizedReduce(b, `${name}_prep0_reduce`, prevPrev, filters)
      : reluConvBn(b, `${name}_prep0`, prevPrev, { filters, kernel: 1, stride: 1 });
  const h1 = reluConvBn(b, `${name}_prep1`, prev, { filters, kernel: 1, stride: 1 });
  const hidden = [h0, h1];
  const used = new Set<number>();
  cell.blocks.forEach((block, i) => {
    const outs = (['left', 'right'] as const).map((side, k) => {
      const index = block.inputs[k];
      const input = hidden[index];
      if (input === undefined) {
        throw new ValidationError(`block ${i} reads hidden state ${index}, which does not exist yet`, {
          field: `${reduction ? 'reduction' : 'normal'}.blocks[${i}].inputs[${k}]`,
        });
      }
      used.add(index);
      const op = nasnetOp(block.ops[k], `${reduction ? 'reduction' : 'normal'}.blocks[${i}].ops[${k}]`);
      const stride = reduction && index < 2 ? 2 : 1;
      return op({ b, prefix: `${name}_block${i}_${side}`, input, filters, stride }) as string;
    });
    hidden.push(b.add(`${name}_block${i}_add`, { kind: 'add' }, outs));
  });
  const unused = hidden.slice(2).filter((_, i) => !used.has(i + 2));
  return unused.length === 1 ? unused[0] : b.add(`${name}_concat`, { kind: 'concat' }, unused);
}

/** The plan of the NASNet-style network for `genome`. */
export function nasnetPlan(genome: NasnetGenome, config: NasnetNetworkConfig): NetworkPlan {
  checkConfig(config);
  const b = new PlanBuilder();
  const input = b.add('input', { kind: 'input', shape: [...config.inputShape] });
  const stemFilters = (config.stemMultiplier ?? 3) * config.initialFilters;
  const stemConv = b.add(
    'stem_conv',
    { kind: 'conv2d', filters: stemFilters, kernel: [3, 3], strides: [1, 1], dilation: 1, useBias: false },
    [input],
  );
  let prev = b.add('stem_bn', { kind: 'batchnorm' }, [stemConv]);
  let prevPrev = prev;
  let index = 0;
  for (let s = 0; s < config.stacks; s++) {
    const filters = config.initialFilters * 2 ** s;
    const cells: Array<{ cell: NasnetCell; reduction: boolean }> = [];
    if (s > 0) cells.push({ cell: genome.reduction, reduction: true });
    for (let n = 0; n < config.cellsPerStack; n++) cells.push({ cell: genome.normal, reduction: false });
    for (const { cell, reduction } of cells) {
      const out = addCell(b, { name: `cell${index++}`, cell, reduction, filters }, prevPrev, prev);
      prevPrev = prev;
      prev = out;
    }
  }
  const relu = b.add('final_relu', { kind: 'relu' }, [prev]);
  const features = b.add('global_pool', { kind: 'gap' }, [relu]);
  const rate = config.dropout ?? 0.5;
  const dropped = rate > 0 ? b.add('dropout', { kind: 'dropout', rate }, [features]) : features;
  const logits = b.add('logits', { kind: 'dense', units: config.numClasses }, [dropped]);
  const output = b.add('predictions', { kind: 'softmax' }, [logits]);
  return b.finish({ input, features, dropout: rate, logits, output });
}
