/**
 * The genome of large-scale evolution (Real et al. 2017, "Large-Scale Evolution of Image
 * Classifiers"): a network that starts as a single layer with no convolution (input -> global pool ->
 * linear classifier) and grows through mutations. Pure data: no tfjs.
 *
 * The genome is a backbone of layers from the input to the classifier plus skip connections between
 * points of the backbone. Point 0 is the input image; the output of backbone layer k is point k + 1.
 * A skip connection adds the output of an earlier point to a layer's output (resized by average
 * pooling and a 1x1 projection when the shapes differ, see ./network/large-scale-plan.ts).
 *
 * Every layer and skip carries an id that never changes and is never reused (`nextId` counts them), so
 * its weights keep one name (`conv_<id>`, `bn_<id>`, `skip_<id>_proj`) through a lineage: a child
 * inherits the trained weights of each layer whose name and shape the mutation left unchanged.
 *
 * `lineage` tells individuals with the same architecture apart: an individual is its architecture AND
 * the weights it starts training from (inherited along its ancestry), so two children of the same
 * architecture are different individuals and both are trained, as in the paper. Each new individual
 * draws a fresh lineage tag; the canonical hash covers architecture, learning rate and lineage.
 */
import { ValidationError } from '../core/errors.ts';
import { asArray, asChoice, asInt, asNumber, asObject, asString, fieldPath, onlyKeys } from './check.ts';
import { digest } from './hash.ts';

/** The mutations of the paper, in its order. */
export const LSE_MUTATIONS = [
  'alter-learning-rate',
  'identity',
  'reset-weights',
  'insert-convolution',
  'remove-convolution',
  'alter-stride',
  'alter-channels',
  'alter-filter-size',
  'insert-one-to-one',
  'add-skip',
  'remove-skip',
] as const;
export type LseMutation = (typeof LSE_MUTATIONS)[number];

/** How an individual came to be: one of the mutations, or `initial` for the starting population. */
export type LseOrigin = LseMutation | 'initial';
const ORIGINS: readonly LseOrigin[] = ['initial', ...LSE_MUTATIONS];

/** A convolution (no bias) followed by batch norm and ReLU. Weights: `conv_<id>`, `conv_<id>_bn`. */
export interface LseConv {
  kind: 'conv';
  /** Stable id (>= 1), unique in the genome. */
  id: number;
  /** Output channels. */
  filters: number;
  /** Kernel height and width (odd). */
  kernel: [number, number];
  /** Stride, the same along height and width (a power of two). */
  stride: number;
}

/** A one-to-one layer: `bn-relu` (batch norm `bn_<id>` then ReLU) or `identity` (builds nothing). */
export interface LseOneToOne {
  kind: 'bn-relu' | 'identity';
  /** Stable id (>= 1), unique in the genome. */
  id: number;
}

export type LseLayer = LseConv | LseOneToOne;
export const LSE_LAYER_KINDS = ['conv', 'bn-relu', 'identity'] as const;

/** A skip connection: the output of point `from` is added to the output of layer `to`. */
export interface LseSkip {
  /** Stable id (>= 1), unique among layers and skips. */
  id: number;
  /** Id of the source layer, or 0 for the input image. Must come before `to` in the backbone. */
  from: number;
  /** Id of the layer whose output receives the sum. */
  to: number;
}

/** A large-scale-evolution individual. */
export interface LargeScaleGenome {
  kind: 'large-scale';
  /** Learning rate of this individual's training (evolved by `alter-learning-rate`). */
  learningRate: number;
  /** The backbone, from the input to the classifier. */
  layers: LseLayer[];
  /** Skip connections, in creation order. */
  skips: LseSkip[];
  /** The id the next new layer or skip gets (greater than every id in the genome). */
  nextId: number;
  /** 16 hex digits naming the weights this individual starts from (see the file comment). */
  lineage: string;
  /** The mutation that made this individual (`reset-weights`: it inherits no weights). */
  origin: LseOrigin;
}

/** Point index (0 = input, k + 1 = output of layer k) of every layer id, and 0 for the input. */
export function pointIndex(genome: LargeScaleGenome): Map<number, number> {
  const out = new Map<number, number>([[0, 0]]);
  genome.layers.forEach((l, k) => out.set(l.id, k + 1));
  return out;
}

/** A deep copy. */
export function cloneLargeScale(genome: LargeScaleGenome): LargeScaleGenome {
  return {
    ...genome,
    layers: genome.layers.map((l) => (l.kind === 'conv' ? { ...l, kernel: [l.kernel[0], l.kernel[1]] } : { ...l })),
    skips: genome.skips.map((s) => ({ ...s })),
  };
}

/**
 * The human-readable JSON form (a fresh plain object that `validateLargeScaleGenome` reads back). Its
 * `arch` is a one-line summary for people (`largeScaleSummary`); it is ignored on input.
 */
export function largeScaleToJSON(genome: LargeScaleGenome): Record<string, unknown> {
  const g = cloneLargeScale(genome);
  return {
    kind: g.kind, arch: largeScaleSummary(g),
    learningRate: g.learningRate, layers: g.layers, skips: g.skips, nextId: g.nextId, lineage: g.lineage, origin: g.origin,
  };
}

function validateLayer(value: unknown, field: string): LseLayer {
  const obj = asObject(value, field);
  const kind = asChoice(obj.kind, fieldPath(field, 'kind'), LSE_LAYER_KINDS);
  const id = asInt(obj.id, fieldPath(field, 'id'), 1, Number.MAX_SAFE_INTEGER);
  if (kind !== 'conv') {
    onlyKeys(obj, ['kind', 'id'], field);
    return { kind, id };
  }
  onlyKeys(obj, ['kind', 'id', 'filters', 'kernel', 'stride'], field);
  const kernel = asArray(obj.kernel, fieldPath(field, 'kernel'), 2).map((k, i) => {
    const f = fieldPath(fieldPath(field, 'kernel'), i);
    const v = asInt(k, f, 1, 99);
    if (v % 2 !== 1) throw new ValidationError(`kernel size ${v} is even`, { field: f }, 'an odd integer');
    return v;
  });
  const stride = asInt(obj.stride, fieldPath(field, 'stride'), 1, 64);
  if ((stride & (stride - 1)) !== 0) throw new ValidationError(`stride ${stride}`, { field: fieldPath(field, 'stride') }, 'a power of two');
  return { kind, id, filters: asInt(obj.filters, fieldPath(field, 'filters'), 1, 1 << 16), kernel: [kernel[0], kernel[1]], stride };
}

function validateSkips(value: unknown, layers: LseLayer[]): LseSkip[] {
  const points = new Map<number, number>([[0, 0]]);
  layers.forEach((l, k) => points.set(l.id, k + 1));
  const pairs = new Set<string>();
  return asArray(value, 'skips').map((v, i) => {
    const field = fieldPath('skips', i);
    const obj = asObject(v, field);
    onlyKeys(obj, ['id', 'from', 'to'], field);
    const id = asInt(obj.id, fieldPath(field, 'id'), 1, Number.MAX_SAFE_INTEGER);
    const from = asInt(obj.from, fieldPath(field, 'from'), 0, Number.MAX_SAFE_INTEGER);
    const to = asInt(obj.to, fieldPath(field, 'to'), 1, Number.MAX_SAFE_INTEGER);
    const ids = `0 (the input) or a layer id: ${[...points.keys()].join(', ')}`;
    if (!points.has(from)) throw new ValidationError(`no layer ${from}`, { field: fieldPath(field, 'from') }, ids);
    if (!points.has(to) || to === 0) throw new ValidationError(`no layer ${to}`, { field: fieldPath(field, 'to') }, `a layer id: ${layers.map((l) => l.id).join(', ')}`);
    if ((points.get(from) as number) >= (points.get(to) as number)) {
      throw new ValidationError(`skip from ${from} to ${to} does not go forward`, { field }, 'a source before its target in the backbone');
    }
    if (pairs.has(`${from}>${to}`)) throw new ValidationError(`a second skip from ${from} to ${to}`, { field }, 'one skip per pair of points');
    pairs.add(`${from}>${to}`);
    return { id, from, to };
  });
}

/** Checks an untyped value (parsed JSON) and returns the typed genome; errors name the field. */
export function validateLargeScaleGenome(value: unknown): LargeScaleGenome {
  const obj = asObject(value, '');
  if (obj.kind !== 'large-scale') asChoice(obj.kind, 'kind', ['large-scale']);
  onlyKeys(obj, ['kind', 'arch', 'learningRate', 'layers', 'skips', 'nextId', 'lineage', 'origin'], '');
  const learningRate = asNumber(obj.learningRate, 'learningRate', Number.MIN_VALUE, 100);
  const layers = asArray(obj.layers, 'layers').map((l, i) => validateLayer(l, fieldPath('layers', i)));
  const skips = validateSkips(obj.skips ?? [], layers);
  const ids = [...layers.map((l) => l.id), ...skips.map((s) => s.id)];
  const maxId = ids.reduce((a, b) => Math.max(a, b), 0);
  const nextId = asInt(obj.nextId, 'nextId', maxId + 1, Number.MAX_SAFE_INTEGER);
  const seen = new Set<number>();
  for (const id of ids) {
    if (seen.has(id)) throw new ValidationError(`id ${id} is used twice`, { field: 'layers' }, 'a distinct id for every layer and skip');
    seen.add(id);
  }
  const lineage = asString(obj.lineage, 'lineage');
  if (!/^[0-9a-f]{16}$/.test(lineage)) throw new ValidationError(`got ${JSON.stringify(lineage)}`, { field: 'lineage' }, '16 lower-case hex digits');
  const origin = obj.origin === undefined ? 'initial' : asChoice(obj.origin, 'origin', ORIGINS);
  return { kind: 'large-scale', learningRate, layers, skips, nextId, lineage, origin };
}

/**
 * Canonical text of the architecture alone: layers by position (ids left out), identity layers
 * dropped (they build nothing), skips as sorted pairs of positions.
 */
export function largeScaleArchitecture(genome: LargeScaleGenome): string {
  const pos = new Map<number, number>([[0, 0]]);
  const parts: string[] = [];
  for (const l of genome.layers) {
    if (l.kind === 'identity') {
      pos.set(l.id, parts.length);
      continue;
    }
    parts.push(l.kind === 'conv' ? `conv${l.kernel[0]}x${l.kernel[1]}/${l.stride}:${l.filters}` : 'bnrelu');
    pos.set(l.id, parts.length);
  }
  const skips = genome.skips.map((s) => `${pos.get(s.from)}>${pos.get(s.to)}`).sort();
  return `${parts.join(',')}|${skips.join(',')}`;
}

/** A one-line summary: `conv3x3/1:16,bnrelu skips 0>2 lr 0.1` (layers by position, identity layers left out). */
export function largeScaleSummary(genome: LargeScaleGenome): string {
  const [layers, skips] = largeScaleArchitecture(genome).split('|');
  return `${layers || 'no layers'}${skips ? ` skips ${skips}` : ''} lr ${Number(genome.learningRate.toPrecision(4))}`;
}

/** Canonical hash of an individual: its architecture, learning rate and lineage (16 hex digits). */
export function hashLargeScale(genome: LargeScaleGenome): string {
  return digest(`large-scale|${largeScaleArchitecture(genome)}|lr=${genome.learningRate}|${genome.lineage}`);
}

/** Counts used by summaries and the space's encoding. */
export function largeScaleCounts(genome: LargeScaleGenome): { convs: number; oneToOne: number; skips: number } {
  const convs = genome.layers.filter((l) => l.kind === 'conv').length;
  return { convs, oneToOne: genome.layers.length - convs, skips: genome.skips.length };
}
