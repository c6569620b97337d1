/**
 * The large-scale-evolution space (Real et al. 2017): networks that start as one layer with no
 * convolution and grow through mutations. Values are LargeScaleGenome (src/genome/large-scale.ts);
 * a config (a search-spaces/*.json file of `"type": "large-scale"`) sets the bounds and the mutations.
 *
 * `sample` gives the paper's starting individual (every initial individual has the same, trivial
 * architecture; each has its own lineage, so each is trained). The encoding is a summary (learning
 * rate and layer counts) for surrogate models; evolution never needs it.
 */
import type { Rng } from '../core/rng.ts';
import { ValidationError } from '../core/errors.ts';
import { largeScaleGraph } from '../genome/cell-graph.ts';
import { asArray, asChoice, fieldPath } from '../genome/check.ts';
import { digest } from '../genome/hash.ts';
import { hashLargeScale, largeScaleArchitecture, largeScaleCounts, largeScaleToJSON, LSE_MUTATIONS, validateLargeScaleGenome } from '../genome/large-scale.ts';
import type { LargeScaleGenome, LseLayer } from '../genome/large-scale.ts';
import { DEFAULT_LSE_LIMITS, initialLargeScale, mutateLargeScale } from '../genome/large-scale-mutate.ts';
import type { LseLimits } from '../genome/large-scale-mutate.ts';
import { asInt, asNumber, checkType, configObject, optionalDescription, spaceName } from './config-fields.ts';
import type { EncodingDim, GraphView, SearchSpace } from './space.ts';

export const LSE_SPACE_TYPE = 'large-scale';

/** Configuration of a large-scale space: a name, a description and the limits of LseLimits. */
export interface LseSpaceConfig extends LseLimits {
  /** Short name of the space. Default: the file's base name. */
  name: string;
  /** Free-text description shown by `nas space show`. Optional. */
  description?: string;
}

export const DEFAULT_LSE_SPACE: Readonly<LseSpaceConfig> = { name: LSE_SPACE_TYPE, ...DEFAULT_LSE_LIMITS };

const KEYS = ['type', 'name', 'description', 'initialLearningRate', 'minLearningRate', 'maxLearningRate', 'initialChannels', 'maxChannels', 'maxKernel', 'strides', 'maxLayers', 'mutations'];

function strideList(value: unknown): number[] {
  const list = asArray(value, 'strides').map((s, i) => {
    const v = asInt(s, fieldPath('strides', i), 1, 64);
    if ((v & (v - 1)) !== 0) throw new ValidationError(`stride ${v}`, { field: fieldPath('strides', i) }, 'a power of two');
    return v;
  });
  if (list.length === 0) throw new ValidationError('the list is empty', { field: 'strides' }, 'powers of two, e.g. [1, 2]');
  return [...new Set(list)];
}

/**
 * Reads a parsed `"type": "large-scale"` space file. Every field but `type` is optional (defaults in
 * DEFAULT_LSE_LIMITS). Errors name the field; the loader adds the file.
 */
export function parseLseSpaceConfig(json: unknown, fallbackName: string = LSE_SPACE_TYPE): LseSpaceConfig {
  const obj = configObject(json, KEYS);
  checkType(obj, LSE_SPACE_TYPE);
  const d = DEFAULT_LSE_LIMITS;
  const num = (key: string, fallback: number): number => (obj[key] === undefined ? fallback : asNumber(obj[key], key, Number.MIN_VALUE, 100));
  const int = (key: string, fallback: number, low: number): number => (obj[key] === undefined ? fallback : asInt(obj[key], key, low, 1 << 16));
  const config: LseSpaceConfig = {
    name: spaceName(obj, fallbackName),
    description: optionalDescription(obj),
    initialLearningRate: num('initialLearningRate', d.initialLearningRate),
    minLearningRate: num('minLearningRate', d.minLearningRate),
    maxLearningRate: num('maxLearningRate', d.maxLearningRate),
    initialChannels: int('initialChannels', d.initialChannels, 1),
    maxChannels: int('maxChannels', d.maxChannels, 1),
    maxKernel: int('maxKernel', d.maxKernel, 1),
    strides: obj.strides === undefined ? d.strides : strideList(obj.strides),
    maxLayers: int('maxLayers', d.maxLayers, 0),
    mutations: obj.mutations === undefined ? d.mutations : asArray(obj.mutations, 'mutations').map((m, i) => asChoice(m, fieldPath('mutations', i), LSE_MUTATIONS)),
  };
  if (config.maxKernel % 2 !== 1) throw new ValidationError(`maxKernel ${config.maxKernel} is even`, { field: 'maxKernel' }, 'an odd integer');
  const { minLearningRate: lo, maxLearningRate: hi, initialLearningRate: lr } = config;
  if (!(lo <= lr && lr <= hi)) {
    throw new ValidationError(`initialLearningRate ${lr} is outside [${lo}, ${hi}]`, { field: 'initialLearningRate' }, 'minLearningRate <= initialLearningRate <= maxLearningRate');
  }
  if (config.initialChannels > config.maxChannels) {
    throw new ValidationError(`initialChannels ${config.initialChannels} exceeds maxChannels ${config.maxChannels}`, { field: 'initialChannels' }, `at most ${config.maxChannels}`);
  }
  return config;
}

/** The large-scale-evolution space. */
export class LargeScaleSpace implements SearchSpace<LargeScaleGenome> {
  readonly type = LSE_SPACE_TYPE;
  readonly name: string;
  readonly config: Readonly<LseSpaceConfig>;

  constructor(config: Partial<LseSpaceConfig> = {}) {
    this.config = { ...DEFAULT_LSE_SPACE, ...config };
    this.name = this.config.name;
  }

  /** The paper's starting individual with a fresh lineage. */
  sample(rng: Rng): LargeScaleGenome {
    return initialLargeScale(rng, this.config);
  }

  mutate(value: LargeScaleGenome, rng: Rng): LargeScaleGenome {
    return mutateLargeScale(value, rng, this.config).genome;
  }

  /** Checks a genome's structure and this space's bounds (channels, kernel, strides, length). */
  validate(value: unknown): LargeScaleGenome {
    const g = validateLargeScaleGenome(value);
    const c = this.config;
    if (g.layers.length > c.maxLayers) throw new ValidationError(`${g.layers.length} layers`, { field: 'layers' }, `at most ${c.maxLayers} (maxLayers)`);
    g.layers.forEach((l, i) => {
      if (l.kind !== 'conv') return;
      const f = fieldPath('layers', i);
      if (l.filters > c.maxChannels) throw new ValidationError(`${l.filters} filters`, { field: `${f}.filters` }, `at most ${c.maxChannels} (maxChannels)`);
      if (Math.max(...l.kernel) > c.maxKernel) throw new ValidationError(`kernel ${l.kernel.join('x')}`, { field: `${f}.kernel` }, `odd sizes up to ${c.maxKernel} (maxKernel)`);
      if (!c.strides.includes(l.stride)) throw new ValidationError(`stride ${l.stride}`, { field: `${f}.stride` }, `one of ${c.strides.join(', ')}`);
    });
    return g;
  }

  hash(value: LargeScaleGenome): string {
    return hashLargeScale(value);
  }

  /** The backbone and its skips as one graph; the learning rate (log-normalised as in `encode`) as a number. */
  graphView(value: LargeScaleGenome): GraphView {
    return { cells: [largeScaleGraph(value)], numbers: { learningRate: this.encode(value)[0] } };
  }

  /** log learning rate, then the numbers of convolutions, one-to-one layers and skips. */
  dims(): readonly EncodingDim[] {
    const c = this.config;
    const n = c.maxLayers;
    return [
      { kind: 'float', name: 'learningRate', low: c.minLearningRate, high: c.maxLearningRate, log: true },
      { kind: 'int', name: 'convolutions', low: 0, high: n },
      { kind: 'int', name: 'oneToOne', low: 0, high: n },
      { kind: 'int', name: 'skips', low: 0, high: n },
    ];
  }

  encode(value: LargeScaleGenome): number[] {
    const c = this.config;
    const counts = largeScaleCounts(value);
    const n = Math.max(1, c.maxLayers);
    const logLr = (Math.log(value.learningRate) - Math.log(c.minLearningRate)) / (Math.log(c.maxLearningRate) - Math.log(c.minLearningRate) || 1);
    return [logLr, counts.convs / n, counts.oneToOne / n, Math.min(counts.skips, n) / n];
  }

  /** A plain network with those counts: 3x3 stride-1 convolutions, then bn-relu layers, residual skips. */
  decode(vector: readonly number[]): LargeScaleGenome {
    if (vector.length !== 4) throw new RangeError(`decode needs 4 numbers, got ${vector.length}`);
    const c = this.config;
    const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
    const lr = Math.exp(Math.log(c.minLearningRate) + clamp01(vector[0]) * (Math.log(c.maxLearningRate) - Math.log(c.minLearningRate)));
    const convs = Math.round(clamp01(vector[1]) * c.maxLayers);
    const ones = Math.min(c.maxLayers - convs, Math.round(clamp01(vector[2]) * c.maxLayers));
    const layers: LseLayer[] = [];
    const k = Math.min(3, c.maxKernel);
    for (let i = 0; i < convs; i++) layers.push({ kind: 'conv', id: layers.length + 1, filters: c.initialChannels, kernel: [k, k], stride: c.strides.includes(1) ? 1 : c.strides[0] });
    for (let i = 0; i < ones; i++) layers.push({ kind: 'bn-relu', id: layers.length + 1 });
    const skips = layers.slice(0, Math.round(clamp01(vector[3]) * c.maxLayers)).map((l, k) => ({ id: layers.length + 1 + k, from: k === 0 ? 0 : layers[k - 1].id, to: l.id }));
    const lineage = digest(`decode|${vector.join(',')}`);
    return { kind: 'large-scale', learningRate: lr, layers, skips, nextId: layers.length + skips.length + 1, lineage, origin: 'initial' };
  }

  toJSON(value: LargeScaleGenome): unknown {
    return largeScaleToJSON(value);
  }

  size(): number {
    return Infinity;
  }

  describe(): string {
    const c = this.config;
    return [
      `${c.name} (type ${this.type})${c.description ? `: ${c.description}` : ''}`,
      `  start: input -> global average pool -> dense (no convolution), learning rate ${c.initialLearningRate}`,
      `  layers: convolution (conv + batch norm + ReLU), bn-relu, identity; skips add an earlier point to a layer's output`,
      `  bounds: up to ${c.maxLayers} layers, ${c.maxChannels} channels, kernels up to ${c.maxKernel}, strides ${c.strides.join('/')}, learning rate in [${c.minLearningRate}, ${c.maxLearningRate}]`,
      `  mutations (${c.mutations.length}): ${c.mutations.join(', ')}`,
      `  a child inherits the trained weights of every layer whose name and shape its mutation left unchanged`,
      `  size: unbounded; e.g. ${largeScaleArchitecture(this.decode([0.5, 0.2, 0.1, 0.1])) || '(empty)'}`,
    ].join('\n');
  }
}

/** Factory for the space loader, naming the space after the file. */
export function lseSpaceFromJSON(json: unknown, fallbackName: string = LSE_SPACE_TYPE): LargeScaleSpace {
  return new LargeScaleSpace(parseLseSpaceConfig(json, fallbackName));
}
