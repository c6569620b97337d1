/**
 * Genome -> tf.LayersModel. The genome's network plan (src/genome/network) is turned layer by layer
 * into a functional model of standard Keras layers; only the layers the output depends on are created,
 * so nothing is left outside the model to leak.
 */
import * as tf from '@tensorflow/tfjs';
import { networkPlan } from '../genome/network/network.ts';
import type { NetworkConfig } from '../genome/network/network.ts';
import { reachableNodes } from '../genome/network/plan.ts';
import type { NetworkPlan } from '../genome/network/plan.ts';
import type { CellGenome } from '../genome/types.ts';
import { createLayer } from './layers.ts';

/** Options of `buildModel`. */
export interface BuildOptions {
  /** Seed of every initializer (each layer derives its own from this and its name). */
  seed: number;
}

/** A built network: the model and the plan it was built from. */
export interface BuiltNetwork {
  model: tf.LayersModel;
  plan: NetworkPlan;
}

/**
 * A functional tf.LayersModel for `plan`. If building fails half-way, the variables created so far are
 * disposed before the error propagates.
 */
export function buildModelFromPlan(plan: NetworkPlan, options: BuildOptions): tf.LayersModel {
  const before = new Set(Object.keys(tf.engine().registeredVariables));
  try {
    const tensors = new Map<string, tf.SymbolicTensor>();
    for (const node of reachableNodes(plan)) {
      if (node.layer.kind === 'input') {
        tensors.set(node.name, tf.input({ name: node.name, shape: node.layer.shape }));
        continue;
      }
      const inputs = node.inputs.map((i) => tensors.get(i) as tf.SymbolicTensor);
      const layer = createLayer(node, options.seed);
      const out = layer.apply(inputs.length === 1 ? inputs[0] : inputs) as tf.SymbolicTensor;
      tensors.set(node.name, out);
    }
    const input = tensors.get(plan.input) as tf.SymbolicTensor;
    const output = tensors.get(plan.output) as tf.SymbolicTensor;
    return tf.model({ name: 'nas_child', inputs: input, outputs: output });
  } catch (err) {
    disposeVariablesSince(before);
    throw err;
  }
}

/** Disposes every variable registered after the snapshot `before` (names of registered variables). */
export function disposeVariablesSince(before: ReadonlySet<string>): void {
  for (const [name, variable] of Object.entries(tf.engine().registeredVariables)) {
    if (!before.has(name)) variable.dispose();
  }
}

/** Builds the network of `genome` under `config`. */
export function buildModel(genome: CellGenome, config: NetworkConfig, options: BuildOptions): BuiltNetwork {
  const plan = networkPlan(genome, config);
  return { model: buildModelFromPlan(plan, options), plan };
}
