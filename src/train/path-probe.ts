/**
 * `nas doctor`'s probe of the training paths: a small NASNet child (AmoebaNet-A-like cells, 1 cell per
 * stack, 2 stacks, 16 filters, 32x32x3 inputs) trained by the project's trainer on seeded noise images,
 * on the graph path (where the backend runs graphs) and on the eager path, side by side. It reports the
 * images/s of the steps after the first and, for the graph path, the one-time cost of building and
 * loading the graph plus its first step (TensorFlow optimises the graph then).
 */
import { chooseTrainPath } from '../backends/native/graph/path.ts';
import type { TrainPath } from '../backends/native/graph/path.ts';
import { Rng } from '../core/rng.ts';
import type { ImageSet } from '../data/types.ts';
import { networkPlan } from '../genome/network/network.ts';
import type { NasnetGenome } from '../genome/types.ts';
import { buildModelFromPlan } from '../model/builder.ts';
import { trainModel } from './trainer.ts';

/** Options of {@link trainPathProbe}. */
export interface PathProbeOptions {
  /** Timed steps on each path (after one untimed step). Default 5. */
  steps?: number;
  /** Images per step. Default 32. */
  batch?: number;
}

/** One path's figures. */
export interface PathProbeResult {
  path: TrainPath;
  /** Images per second of the steps after the first. */
  imagesPerSecond: number;
  /** Seconds from the start of training to the end of the first step (graph building, loading and optimising included). */
  firstStepSeconds: number;
  params: number;
}

const CELL: NasnetGenome['normal'] = { blocks: [
  { inputs: [0, 1], ops: ['sep_conv_3x3', 'max_pool_3x3'] },
  { inputs: [0, 2], ops: ['sep_conv_5x5', 'identity'] },
  { inputs: [1, 3], ops: ['avg_pool_3x3', 'sep_conv_3x3'] },
] };

function noise(count: number): ImageSet {
  const rng = Rng.seeded('path-probe');
  return { height: 32, width: 32, channels: 3, numClasses: 10, count,
    pixels: Uint8Array.from({ length: count * 3072 }, () => rng.int(256)), labels: Uint8Array.from({ length: count }, (_, i) => i % 10) };
}

/** Trains the probe child on each path the active backend has (graph first, where it runs graphs). */
export async function trainPathProbe(options: PathProbeOptions = {}): Promise<PathProbeResult[]> {
  const steps = options.steps ?? 5;
  const batch = options.batch ?? 32;
  const plan = networkPlan({ kind: 'nasnet', normal: CELL, reduction: CELL },
    { inputShape: [32, 32, 3], numClasses: 10, cellsPerStack: 1, stacks: 2, initialFilters: 16 });
  const paths: TrainPath[] = chooseTrainPath('auto').path === 'graph' ? ['graph', 'eager'] : ['eager'];
  const data = { train: noise(batch * (steps + 1)), val: noise(0) };
  const results: PathProbeResult[] = [];
  for (const path of paths) {
    const model = buildModelFromPlan(plan, { seed: 1 });
    const times: number[] = [];
    try {
      const start = performance.now();
      await trainModel(model, plan, data, { epochs: 1, seed: 1, batchSize: batch, schedule: 'constant', trainPath: path, onStep: () => times.push(performance.now()) });
      const timed = (times[times.length - 1] - times[0]) / 1000;
      results.push({ path, imagesPerSecond: timed > 0 ? (batch * (times.length - 1)) / timed : 0, firstStepSeconds: (times[0] - start) / 1000, params: model.countParams() });
    } finally {
      model.dispose();
    }
  }
  return results;
}
