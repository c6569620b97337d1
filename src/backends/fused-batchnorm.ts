/**
 * Batch normalisation that trains through one fused kernel where the backend has it.
 *
 * The layer stays tfjs-layers' standard `BatchNormalization` (its class name, config, weights and
 * inference path are untouched, so a saved model.json loads anywhere with no custom code); only its
 * training-mode `call` is replaced. When the active backend registers the fused training kernel
 * (native TensorFlow: src/backends/native/fused-kernels.ts) a 4-D input is normalised by that kernel, which
 * returns the batch mean and biased variance for the moving averages and has a fused gradient. Anywhere
 * else, or for other ranks and axes, the stock `call` runs.
 */
import * as tf from '@tensorflow/tfjs';
import { FUSED_BATCH_NORM_TRAINING, hasKernel } from './native/fused-kernels.ts';

/** The fields of tfjs-layers' BatchNormalization the fused path reads (they are not in its public types). */
interface BatchNormInternals {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: LayerVariable | null;
  beta: LayerVariable | null;
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
}
interface LayerVariable { read(): tf.Variable; write(value: tf.Tensor): void }

const fusedLayers = new WeakSet<tf.layers.Layer>();

/** Whether `layer` went through {@link withFusedTraining} (it trains through the fused kernel where the backend has one). */
export function isFusedTraining(layer: tf.layers.Layer): boolean {
  return fusedLayers.has(layer);
}

/** Makes `layer` (a tf.layers.batchNormalization) train through the fused kernel where available; returns it. */
export function withFusedTraining(layer: tf.layers.Layer): tf.layers.Layer {
  fusedLayers.add(layer);
  const bn = layer as unknown as BatchNormInternals;
  const stock = bn.call.bind(layer);
  bn.call = (inputs, kwargs) => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const usable = kwargs.training === true && (!Array.isArray(inputs) || inputs.length === 1) && x.rank === 4 &&
      x.dtype === 'float32' && (bn.axis === -1 || bn.axis === 3) && bn.gamma !== null && bn.beta !== null &&
      hasKernel(FUSED_BATCH_NORM_TRAINING);
    if (!usable) return stock(inputs, kwargs);
    return tf.tidy(() => {
      const [y, mean, variance] = tf.engine().runKernel(FUSED_BATCH_NORM_TRAINING,
        { x, scale: (bn.gamma as LayerVariable).read(), offset: (bn.beta as LayerVariable).read() },
        { epsilon: bn.epsilon }) as tf.Tensor[];
      // The moving averages exactly as tfjs-layers updates them: v - (v - batch) * (1 - momentum).
      const update = (variable: LayerVariable, value: tf.Tensor): void => {
        tf.tidy(() => {
          const old = variable.read();
          variable.write(tf.sub(old, tf.mul(tf.sub(old, value), 1 - bn.momentum)));
        });
      };
      update(bn.movingMean, mean);
      update(bn.movingVariance, variance);
      return y;
    });
  };
  return layer;
}
