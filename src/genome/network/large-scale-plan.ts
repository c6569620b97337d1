/**
 * The network plan of a large-scale-evolution genome (../large-scale.ts): the backbone's layers in
 * order, skip connections added at their targets, then global average pooling, a dense classifier and
 * softmax. With no layers this is the paper's starting network: input -> global pool -> linear.
 *
 * Layer names are the weights' stable names: `conv_<id>` (+ `conv_<id>_bn`, `conv_<id>_relu`) for a
 * convolution, `bn_<id>` and `relu_<id>` for a bn-relu layer, `add_<id>` where skips join layer <id>,
 * `skip_<id>_pool` and `skip_<id>_proj` where a skip's source must be resized to its target (average
 * pooling by the stride between them; a 1x1 projection without bias when the channels differ), and
 * `logits` for the classifier.
 */
import type { LargeScaleGenome } from '../large-scale.ts';
import { PlanBuilder } from './plan.ts';
import type { NetworkPlan, Shape3 } from './plan.ts';

/** What the network around a large-scale genome needs from the dataset. */
export interface LargeScaleNetworkConfig {
  /** `[height, width, channels]` of the input images. */
  inputShape: Shape3;
  /** Classes of the classifier. */
  numClasses: number;
}

/** Adds the resize (pool, projection) a skip's source needs to match its target; returns the node to add. */
function resizeSkip(b: PlanBuilder, skipId: number, source: string, target: string): string {
  const [hs, , cs] = b.shape(source);
  const [ht, , ct] = b.shape(target);
  let node = source;
  if (hs !== ht) {
    let stride = 1;
    while (Math.ceil(hs / stride) > ht) stride *= 2;
    node = b.add(`skip_${skipId}_pool`, { kind: 'avgpool', pool: stride, strides: stride, padding: 'same' }, [node]);
  }
  if (cs !== ct) {
    node = b.add(`skip_${skipId}_proj`, { kind: 'conv2d', filters: ct, kernel: [1, 1], strides: [1, 1], dilation: 1, useBias: false }, [node]);
  }
  return node;
}

/** The plan of `genome` for images of `config.inputShape` and `config.numClasses` classes. */
export function largeScalePlan(genome: LargeScaleGenome, config: LargeScaleNetworkConfig): NetworkPlan {
  const b = new PlanBuilder();
  const points = new Map<number, string>([[0, b.add('input', { kind: 'input', shape: config.inputShape })]]);
  let cur = points.get(0) as string;
  for (const layer of genome.layers) {
    if (layer.kind === 'conv') {
      const s = layer.stride;
      cur = b.add(`conv_${layer.id}`, { kind: 'conv2d', filters: layer.filters, kernel: [...layer.kernel], strides: [s, s], dilation: 1, useBias: false }, [cur]);
      cur = b.add(`conv_${layer.id}_bn`, { kind: 'batchnorm' }, [cur]);
      cur = b.add(`conv_${layer.id}_relu`, { kind: 'relu' }, [cur]);
    } else if (layer.kind === 'bn-relu') {
      cur = b.add(`bn_${layer.id}`, { kind: 'batchnorm' }, [cur]);
      cur = b.add(`relu_${layer.id}`, { kind: 'relu' }, [cur]);
    }
    const incoming = genome.skips.filter((sk) => sk.to === layer.id).sort((x, y) => x.id - y.id);
    if (incoming.length > 0) {
      const target = cur;
      const sources = incoming.map((sk) => resizeSkip(b, sk.id, points.get(sk.from) as string, target));
      cur = b.add(`add_${layer.id}`, { kind: 'add' }, [target, ...sources]);
    }
    points.set(layer.id, cur);
  }
  const features = b.add('gap', { kind: 'gap' }, [cur]);
  const logits = b.add('logits', { kind: 'dense', units: config.numClasses }, [features]);
  const output = b.add('softmax', { kind: 'softmax' }, [logits]);
  return b.finish({ input: 'input', features, dropout: 0, logits, output });
}
