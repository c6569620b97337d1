/**
 * The multiply-adds of a network plan per image: the convolutions' (dense, separable: depthwise and
 * pointwise) and the classifier's, which are nearly all of a step's arithmetic. A training step does each
 * layer's forward product, its weight gradient and, unless the layer reads the images, its input
 * gradient: about three times the forward count.
 */
import { reachableNodes } from '../src/genome/network/plan.ts';
import type { NetworkPlan } from '../src/genome/network/plan.ts';

/** Multiply-adds per image of the forward pass and of a training step. */
export function multiplyAdds(plan: NetworkPlan): { forward: number; training: number } {
  const nodes = reachableNodes(plan);
  const shapes = new Map(nodes.map((n) => [n.name, n.shape]));
  let forward = 0;
  let training = 0;
  for (const node of nodes) {
    const spec = node.layer;
    const cin = shapes.get(node.inputs[0] ?? '')?.at(-1) ?? 0;
    const pixels = node.shape.length === 3 ? node.shape[0] * node.shape[1] : 1;
    let m = 0;
    if (spec.kind === 'conv2d') m = pixels * spec.kernel[0] * spec.kernel[1] * cin * spec.filters;
    else if (spec.kind === 'sepconv2d') m = pixels * cin * (spec.kernel * spec.kernel + spec.filters);
    else if (spec.kind === 'dense') m = cin * (node.shape[0] ?? 0);
    forward += m;
    training += m * (node.inputs[0] === plan.input ? 2 : 3);
  }
  return { forward, training };
}
