/**
 * Parameter and multiply-add counts of a genome's network, from the genome and the macro config alone
 * (no tfjs), so a search can reject a child by size before building it. Counts only the layers the
 * output depends on, exactly as a functional tfjs model holds them, so `params` equals the built
 * model's `countParams()` (batch-norm moving statistics included, as tfjs counts them).
 *
 * Multiply-adds count convolutions (depthwise and pointwise parts of separable ones) and dense layers
 * for one image: output positions x kernel area x input channels x output channels. Pooling, batch
 * norm, activations and additions are not counted (the usual convention).
 */
import { networkPlan } from './network/network.ts';
import type { NetworkConfig } from './network/network.ts';
import { reachableNodes } from './network/plan.ts';
import type { NetworkPlan, PlanNode } from './network/plan.ts';
import type { CellGenome } from './types.ts';

/** Size of a network. */
export interface NetworkCost {
  /** All weights, as `model.countParams()` counts them (trainable and batch-norm statistics). */
  params: number;
  /** Weights the optimiser updates. */
  trainableParams: number;
  /** Multiply-adds of one forward pass of one image. */
  madds: number;
}

/** Cost of one plan node, given the output shapes of its inputs. */
export function layerCost(node: PlanNode, inputShapes: number[][]): NetworkCost {
  const layer = node.layer;
  const [ho, wo] = node.shape;
  const cin = inputShapes[0]?.[inputShapes[0].length - 1] ?? 0;
  switch (layer.kind) {
    case 'conv2d': {
      const k = layer.kernel[0] * layer.kernel[1] * cin * layer.filters;
      const params = k + (layer.useBias ? layer.filters : 0);
      return { params, trainableParams: params, madds: ho * wo * k };
    }
    case 'sepconv2d': {
      const depthwise = layer.kernel * layer.kernel * cin;
      const pointwise = cin * layer.filters;
      const params = depthwise + pointwise;
      return { params, trainableParams: params, madds: ho * wo * (depthwise + pointwise) };
    }
    case 'batchnorm':
      return { params: 4 * cin, trainableParams: 2 * cin, madds: 0 };
    case 'dense':
      return { params: cin * layer.units + layer.units, trainableParams: cin * layer.units + layer.units, madds: cin * layer.units };
    default:
      return { params: 0, trainableParams: 0, madds: 0 };
  }
}

/** Cost of a plan: the sum over the layers its output depends on. */
export function planCost(plan: NetworkPlan): NetworkCost {
  const shapes = new Map(plan.nodes.map((n) => [n.name, n.shape]));
  const total: NetworkCost = { params: 0, trainableParams: 0, madds: 0 };
  for (const node of reachableNodes(plan)) {
    const c = layerCost(node, node.inputs.map((i) => shapes.get(i) as number[]));
    total.params += c.params;
    total.trainableParams += c.trainableParams;
    total.madds += c.madds;
  }
  return total;
}

/** Cost of the network `genome` builds under `config`. */
export function networkCost(genome: CellGenome, config: NetworkConfig): NetworkCost {
  return planCost(networkPlan(genome, config));
}
