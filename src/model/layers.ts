/**
 * The layer registry: each plan layer kind (src/genome/network/plan.ts) maps to one standard Keras
 * layer, so a saved model.json loads with `tf.loadLayersModel` anywhere with no custom code. Every
 * initializer gets its own seed, derived from the child's seed and the layer's name: the same seed
 * builds the same weights, whatever order layers are created in.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../core/rng.ts';
import { ValidationError } from '../core/errors.ts';
import type { LayerKind, LayerSpec, PlanNode } from '../genome/network/plan.ts';
import { withFusedTraining } from '../backends/fused-batchnorm.ts';

/** Batch-norm momentum of the moving statistics (PyTorch's 0.1 update rate; tfjs defaults to 0.99). */
export const BN_MOMENTUM = 0.9;
/** Batch-norm epsilon (PyTorch's default). */
export const BN_EPSILON = 1e-5;

type Spec<K extends LayerKind> = Extract<LayerSpec, { kind: K }>;
type Factory<K extends LayerKind> = (spec: Spec<K>, name: string, seed: (part: string) => number) => tf.layers.Layer;

const he = (seed: number) => tf.initializers.heNormal({ seed });

const FACTORIES: { [K in Exclude<LayerKind, 'input'>]: Factory<K> } = {
  conv2d: (s, name, seed) =>
    tf.layers.conv2d({
      name,
      filters: s.filters,
      kernelSize: s.kernel,
      strides: s.strides,
      dilationRate: s.dilation,
      padding: 'same',
      useBias: s.useBias,
      kernelInitializer: he(seed('kernel')),
    }),
  sepconv2d: (s, name, seed) =>
    tf.layers.separableConv2d({
      name,
      filters: s.filters,
      kernelSize: s.kernel,
      strides: s.strides,
      dilationRate: s.dilation,
      padding: 'same',
      useBias: false,
      depthwiseInitializer: he(seed('depthwise')),
      pointwiseInitializer: he(seed('pointwise')),
    }),
  batchnorm: (_s, name) => withFusedTraining(tf.layers.batchNormalization({ name, momentum: BN_MOMENTUM, epsilon: BN_EPSILON })),
  relu: (_s, name) => tf.layers.activation({ name, activation: 'relu' }),
  avgpool: (s, name) => tf.layers.averagePooling2d({ name, poolSize: s.pool, strides: s.strides, padding: s.padding }),
  maxpool: (s, name) => tf.layers.maxPooling2d({ name, poolSize: s.pool, strides: s.strides, padding: s.padding }),
  zeropad: (s, name) => tf.layers.zeroPadding2d({ name, padding: s.pad }),
  crop: (s, name) => tf.layers.cropping2D({ name, cropping: s.crop }),
  zeros: (_s, name) => tf.layers.rescaling({ name, scale: 0, offset: 0 }),
  identity: (_s, name) => tf.layers.activation({ name, activation: 'linear' }),
  add: (_s, name) => tf.layers.add({ name }),
  concat: (_s, name) => tf.layers.concatenate({ name, axis: -1 }),
  gap: (_s, name) => tf.layers.globalAveragePooling2d({ name }),
  // The trainer draws dropout masks itself from the child's seed (a seeded Dropout layer would
  // reuse one mask for every step); the layer is kept so the exported model has the architecture.
  dropout: (s, name) => tf.layers.dropout({ name, rate: s.rate }),
  dense: (s, name, seed) =>
    tf.layers.dense({ name, units: s.units, kernelInitializer: tf.initializers.glorotUniform({ seed: seed('kernel') }) }),
  softmax: (_s, name) => tf.layers.activation({ name, activation: 'softmax' }),
};

/** The layer kinds the registry knows. */
export const LAYER_KINDS = Object.keys(FACTORIES) as Array<Exclude<LayerKind, 'input'>>;

/** A new Keras layer for a plan node, its initializers seeded from `seed` and the node's name. */
export function createLayer(node: PlanNode, seed: number): tf.layers.Layer {
  const kind = node.layer.kind;
  if (kind === 'input' || !Object.prototype.hasOwnProperty.call(FACTORIES, kind)) {
    throw new ValidationError(`no layer for kind '${kind}' (layer '${node.name}')`, {}, LAYER_KINDS.join(', '));
  }
  const factory = FACTORIES[kind] as Factory<typeof kind>;
  return factory(node.layer as Spec<typeof kind>, node.name, (part) => deriveSeed(seed, node.name, part));
}
