/**
 * Mutations of the large-scale-evolution genome (Real et al. 2017, section 3 and its supplement):
 * each makes a child that differs from its parent by one change. A mutation that cannot apply (no
 * convolution to remove, the backbone at its maximum length) is never drawn. Pure data: no tfjs.
 */
import type { Rng } from '../core/rng.ts';
import { cloneLargeScale, LSE_MUTATIONS } from './large-scale.ts';
import type { LargeScaleGenome, LseConv, LseMutation } from './large-scale.ts';

/** Bounds and starting values of the large-scale space. */
export interface LseLimits {
  /** Learning rate of the initial individuals. Default 0.1 (the paper's). */
  initialLearningRate: number;
  /** Smallest learning rate `alter-learning-rate` may reach. Default 1e-4. */
  minLearningRate: number;
  /** Largest learning rate `alter-learning-rate` may reach. Default 1. */
  maxLearningRate: number;
  /** Filters of a convolution inserted where the image itself flows (no convolution before it). Default 16. */
  initialChannels: number;
  /** Most filters a convolution may have. Default 256. */
  maxChannels: number;
  /** Largest (odd) kernel height or width. Default 7. */
  maxKernel: number;
  /** Strides a convolution may have (powers of two). Default [1, 2]. */
  strides: readonly number[];
  /** Most layers (convolutions and one-to-one layers) in the backbone. Default 16. */
  maxLayers: number;
  /** The mutations that may be drawn. Default all of LSE_MUTATIONS. */
  mutations: readonly LseMutation[];
}

export const DEFAULT_LSE_LIMITS: Readonly<LseLimits> = {
  initialLearningRate: 0.1,
  minLearningRate: 1e-4,
  maxLearningRate: 1,
  initialChannels: 16,
  maxChannels: 256,
  maxKernel: 7,
  strides: [1, 2],
  maxLayers: 16,
  mutations: LSE_MUTATIONS,
};

/** 16 hex digits drawn from `rng`: a new lineage tag. */
export function drawLineage(rng: Rng): string {
  const hex = (n: number): string => n.toString(16).padStart(8, '0');
  return hex(rng.seedUint32()) + hex(rng.seedUint32());
}

/** The paper's starting individual: no convolution, the initial learning rate, a fresh lineage. */
export function initialLargeScale(rng: Rng, limits: Readonly<LseLimits> = DEFAULT_LSE_LIMITS): LargeScaleGenome {
  return { kind: 'large-scale', learningRate: limits.initialLearningRate, layers: [], skips: [], nextId: 1, lineage: drawLineage(rng), origin: 'initial' };
}

/** What a mutation did. */
export interface LseMutationResult {
  genome: LargeScaleGenome;
  mutation: LseMutation;
  /** Ids of the layers or skips the mutation added, altered or removed (empty for identity, learning rate, reset). */
  touched: number[];
}

const convs = (g: LargeScaleGenome): LseConv[] => g.layers.filter((l): l is LseConv => l.kind === 'conv');

/** Channels flowing out of backbone position `k` (0 = the input): the last convolution's filters, or undefined. */
function channelsBefore(g: LargeScaleGenome, k: number): number | undefined {
  for (let i = k - 1; i >= 0; i--) {
    const l = g.layers[i];
    if (l.kind === 'conv') return l.filters;
  }
  return undefined;
}

/** Pairs (from, to) of points a new skip may join: forward, not already joined. */
function skipCandidates(g: LargeScaleGenome): Array<[number, number]> {
  const existing = new Set(g.skips.map((s) => `${s.from}>${s.to}`));
  const out: Array<[number, number]> = [];
  const sources = [0, ...g.layers.map((l) => l.id)];
  g.layers.forEach((target, k) => {
    for (let i = 0; i <= k; i++) {
      if (!existing.has(`${sources[i]}>${target.id}`)) out.push([sources[i], target.id]);
    }
  });
  return out;
}

/** Whether `mutation` can change `g` under `limits`. */
export function canApply(g: LargeScaleGenome, mutation: LseMutation, limits: Readonly<LseLimits>): boolean {
  switch (mutation) {
    case 'insert-convolution':
    case 'insert-one-to-one':
      return g.layers.length < limits.maxLayers;
    case 'remove-convolution':
    case 'alter-channels':
    case 'alter-filter-size':
      return convs(g).length > 0;
    case 'alter-stride':
      return convs(g).length > 0 && limits.strides.length > 1;
    case 'add-skip':
      return skipCandidates(g).length > 0;
    case 'remove-skip':
      return g.skips.length > 0;
    default:
      return true;
  }
}

/** The kernel size of an inserted convolution: 3, or the largest allowed if smaller. */
const k3 = (l: Readonly<LseLimits>): number => Math.min(3, l.maxKernel);

/** A factor 2^u with u uniform in [-1, 1]: halves to doubles, symmetric in log space. */
const factor = (rng: Rng): number => 2 ** rng.uniform(-1, 1);

type Apply = (g: LargeScaleGenome, rng: Rng, limits: Readonly<LseLimits>) => number[];

const APPLY: Record<LseMutation, Apply> = {
  'alter-learning-rate': (g, rng, l) => {
    g.learningRate = Math.min(l.maxLearningRate, Math.max(l.minLearningRate, g.learningRate * factor(rng)));
    return [];
  },
  identity: () => [],
  'reset-weights': () => [],
  'insert-convolution': (g, rng, l) => {
    const k = rng.int(g.layers.length + 1);
    const id = g.nextId++;
    g.layers.splice(k, 0, { kind: 'conv', id, filters: channelsBefore(g, k) ?? l.initialChannels, kernel: [k3(l), k3(l)], stride: l.strides.includes(1) ? 1 : l.strides[0] });
    return [id];
  },
  'remove-convolution': (g, rng) => {
    const victim = rng.choice(convs(g));
    g.layers = g.layers.filter((x) => x.id !== victim.id);
    const dropped = g.skips.filter((s) => s.from === victim.id || s.to === victim.id).map((s) => s.id);
    g.skips = g.skips.filter((s) => !dropped.includes(s.id));
    return [victim.id, ...dropped];
  },
  'alter-stride': (g, rng, l) => {
    const c = rng.choice(convs(g));
    c.stride = rng.choice(l.strides.filter((s) => s !== c.stride));
    return [c.id];
  },
  'alter-channels': (g, rng, l) => {
    const c = rng.choice(convs(g));
    let next = Math.min(l.maxChannels, Math.max(1, Math.round(c.filters * factor(rng))));
    if (next === c.filters) next = c.filters < l.maxChannels ? c.filters + 1 : c.filters - 1;
    c.filters = Math.max(1, next);
    return [c.id];
  },
  'alter-filter-size': (g, rng, l) => {
    const c = rng.choice(convs(g));
    const axis = rng.int(2);
    const size = c.kernel[axis];
    const options = [size - 2, size + 2].filter((s) => s >= 1 && s <= l.maxKernel);
    c.kernel[axis] = options.length > 0 ? rng.choice(options) : size;
    return [c.id];
  },
  'insert-one-to-one': (g, rng) => {
    const k = rng.int(g.layers.length + 1);
    const id = g.nextId++;
    g.layers.splice(k, 0, { kind: rng.next() < 0.5 ? 'identity' : 'bn-relu', id });
    return [id];
  },
  'add-skip': (g, rng) => {
    const [from, to] = rng.choice(skipCandidates(g));
    const id = g.nextId++;
    g.skips.push({ id, from, to });
    return [id];
  },
  'remove-skip': (g, rng) => {
    const victim = rng.choice(g.skips);
    g.skips = g.skips.filter((s) => s.id !== victim.id);
    return [victim.id];
  },
};

/** Applies one named mutation (it must be applicable); the child gets a fresh lineage and `origin`. */
export function applyLargeScaleMutation(
  parent: LargeScaleGenome,
  mutation: LseMutation,
  rng: Rng,
  limits: Readonly<LseLimits> = DEFAULT_LSE_LIMITS,
): LseMutationResult {
  if (!canApply(parent, mutation, limits)) throw new RangeError(`mutation '${mutation}' cannot apply to this genome`);
  const genome = cloneLargeScale(parent);
  const touched = APPLY[mutation](genome, rng, limits);
  genome.origin = mutation;
  genome.lineage = drawLineage(rng);
  return { genome, mutation, touched };
}

/** One mutation drawn uniformly from the enabled ones that can apply. */
export function mutateLargeScale(parent: LargeScaleGenome, rng: Rng, limits: Readonly<LseLimits> = DEFAULT_LSE_LIMITS): LseMutationResult {
  const options = limits.mutations.filter((m) => canApply(parent, m, limits));
  const mutation = options.length > 0 ? rng.choice(options) : 'identity';
  return applyLargeScaleMutation(parent, mutation, rng, mutation === 'identity' ? { ...limits, mutations: ['identity'] } : limits);
}
