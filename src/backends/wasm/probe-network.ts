/**
 * A small fixed NASNet-like network that exercises every operation on the training path of the project's
 * search spaces (separable and dilated separable convolutions, 1x7/7x1 convolutions, average and max
 * pooling, batch normalisation, 1x1 convolutions, concatenation, a dense head), for kernel tests,
 * throughput probes and benchmarks. It is not a search-space child; it only has the same ingredients.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng.ts';

/** Options of {@link buildProbeNetwork}. */
export interface ProbeNetworkOptions {
  /** Side of the square input images. Default 32. */
  imageSize?: number;
  /** Input channels. Default 3. */
  channels?: number;
  /** Filters of the stem and of the first cells; doubled by the reduction cell. Default 32. */
  filters?: number;
  /** Output classes. Default 10. */
  classes?: number;
  /** Use a dilation-2 separable branch (its gradient needs {@link registerDilatedConvGradients}). Default true. */
  dilated?: boolean;
}

type Sym = tf.SymbolicTensor;

class Builder {
  constructor(private readonly rng: Rng) {}

  init(): ReturnType<typeof tf.initializers.glorotUniform> {
    return tf.initializers.glorotUniform({ seed: this.rng.int(2 ** 31 - 1) });
  }

  private apply(layer: tf.layers.Layer, x: Sym | Sym[]): Sym {
    return layer.apply(x) as Sym;
  }

  relu(x: Sym): Sym { return this.apply(tf.layers.activation({ activation: 'relu' }), x); }
  bn(x: Sym): Sym { return this.apply(tf.layers.batchNormalization({ momentum: 0.9 }), x); }

  conv(x: Sym, filters: number, kernelSize: number | [number, number], strides = 1): Sym {
    const layer = tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: this.init() });
    return this.bn(this.apply(layer, this.relu(x)));
  }

  sep(x: Sym, filters: number, kernelSize: number, strides = 1, dilationRate = 1): Sym {
    const layer = tf.layers.separableConv2d({
      filters, kernelSize, strides, dilationRate, padding: 'same', useBias: false,
      depthwiseInitializer: this.init(), pointwiseInitializer: this.init(),
    });
    return this.bn(this.apply(layer, this.relu(x)));
  }

  pool(x: Sym, kind: 'avg' | 'max', strides = 1): Sym {
    const args = { poolSize: 3, strides, padding: 'same' as const };
    return this.apply(kind === 'avg' ? tf.layers.averagePooling2d(args) : tf.layers.maxPooling2d(args), x);
  }

  concat(xs: Sym[]): Sym { return this.apply(tf.layers.concatenate(), xs); }
  add(xs: Sym[]): Sym { return this.apply(tf.layers.add(), xs); }

  /** A cell: seven branches on one input, concatenated and mixed back to `filters` by a 1x1 convolution. */
  cell(x: Sym, filters: number, strides: number, dilated: boolean): Sym {
    const branches = [
      this.sep(x, filters, 3, strides),
      this.sep(x, filters, 5, strides),
      this.conv(this.conv(x, filters, [1, 7], strides), filters, [7, 1]),
      this.conv(this.pool(x, 'avg', strides), filters, 1),
      this.conv(this.pool(x, 'max', strides), filters, 1),
    ];
    if (dilated) branches.push(this.sep(x, filters, 3, 1, 2));
    if (dilated && strides > 1) branches[branches.length - 1] = this.pool(branches[branches.length - 1], 'max', strides);
    const mixed = this.conv(this.concat(branches), filters, 1);
    return strides === 1 ? this.add([mixed, this.conv(x, filters, 1)]) : mixed;
  }
}

/**
 * Builds the probe network. Weights are drawn from `rng`, so the same seed gives the same network on every
 * backend.
 */
export function buildProbeNetwork(rng: Rng, options: ProbeNetworkOptions = {}): tf.LayersModel {
  const size = options.imageSize ?? 32, filters = options.filters ?? 32;
  const dilated = options.dilated ?? true;
  const b = new Builder(rng);
  const input = tf.input({ shape: [size, size, options.channels ?? 3] });
  const stem = b.bn(tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: b.init() }).apply(input) as Sym);
  let x = b.cell(stem, filters, 1, dilated);
  x = b.cell(x, filters * 2, 2, dilated);
  x = b.cell(x, filters * 2, 1, dilated);
  const pooled = tf.layers.globalAveragePooling2d({}).apply(b.relu(x)) as Sym;
  const logits = tf.layers.dense({ units: options.classes ?? 10, activation: 'softmax', kernelInitializer: b.init() }).apply(pooled) as Sym;
  return tf.model({ inputs: input, outputs: logits, name: 'probe' });
}
