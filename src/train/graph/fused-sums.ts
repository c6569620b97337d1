/**
 * Inference: a sum of batch-normalised convolutions as a chain of fused kernels. A NAS-Bench-201 node
 * sums its edges, a NASNet block its two operations; where an operand is a batch norm that alone reads a
 * convolution (already one fused kernel in inference) and is read by the sum alone, its batch norm is
 * folded into the kernel and a bias (scale = gamma / sqrt(variance + epsilon); kernel * scale on the
 * output channels; bias = beta - mean * scale) and the convolution adds the running sum in its own
 * kernel (`_FusedConv2D` with BiasAdd and Add, oneDNN's sum post-op) instead of writing its output for
 * a separate AddN to read again. The folding is a few small operations on the weights per batch.
 */
import type { PlanNode } from '../../genome/network/plan.ts';
import type { LayerEmission, LayerScope } from './graph-layers.ts';

/** A batch norm fused with the convolution it reads (inference). */
export interface FusedBatchNorm {
  bn: PlanNode;
  conv: NonNullable<LayerEmission['lastConv']>;
}

/** An operand of a sum: its tensor and, for a fused batch norm that only the sum reads, its parts. */
export interface SumOperand {
  out: string;
  fused?: FusedBatchNorm;
}

/** The kernel and bias of `f`'s convolution with its batch norm (moving statistics) folded in. */
function folded(s: LayerScope, f: FusedBatchNorm): { w: string; bias: string } {
  const { ops } = s;
  const p = `${s.prefix}${f.bn.name}/folded`;
  const weight = (part: string): string => s.weight(`${f.bn.name}/${part}`);
  const invStd = ops.unary(`${p}/rsqrt`, 'Rsqrt', ops.binary(`${p}/variance_eps`, 'AddV2', weight('moving_variance'), ops.scalar(s.epsilon)));
  const scale = ops.binary(`${p}/scale`, 'Mul', weight('gamma'), invStd);
  return {
    w: ops.binary(`${p}/kernel`, 'Mul', f.conv.w, scale),
    bias: ops.binary(`${p}/bias`, 'Sub', weight('beta'), ops.binary(`${p}/mean_scaled`, 'Mul', weight('moving_mean'), scale)),
  };
}

/**
 * The sum `node` of `operands` with each fused operand's convolution adding into the running sum, or
 * undefined where nothing would be saved (no fused operand, or one alone).
 */
export function fusedSum(s: LayerScope, node: PlanNode, operands: SumOperand[]): string | undefined {
  const convs = operands.filter((o) => o.fused !== undefined);
  const rest = operands.filter((o) => o.fused === undefined).map((o) => o.out);
  if (convs.length === 0 || (rest.length === 0 && convs.length < 2)) return undefined;
  const p = `${s.prefix}${node.name}`;
  // The running sum starts from the other operands, or else from the first convolution's fused kernel.
  let sum = rest.length > 0 ? s.ops.addN(`${p}/AddN`, rest) : convs[0].out;
  (rest.length > 0 ? convs : convs.slice(1)).forEach((o, i) => {
    const f = o.fused as FusedBatchNorm;
    const { w, bias } = folded(s, f);
    sum = s.ops.fusedConv2dBiasAdd(`${p}/FusedConv2D_${i}`, f.conv.x, w, f.conv.win, bias, sum);
  });
  return sum;
}
