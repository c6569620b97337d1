/**
 * How closely the graph path follows the eager path over the steps of one child: `nas train`'s default
 * child (a random member of the nasnet-cell space drawn with `--seed`, the built-in Fashion-MNIST slice
 * limited to `--limit` images, SGD with Nesterov momentum and a cosine schedule) trained with the same seed
 * on both paths, and, for scale, on the graph path once more with TensorFlow's oneDNN kernels turned off
 * (TF_ENABLE_ONEDNN_OPTS=0: the same graph computed with Eigen's kernels, which round differently), and on
 * graph variants that compute the same thing in another order (1x1 convolutions as Conv2D instead of
 * matrix products; repeated layers computed each time, which changes the order gradients are summed in).
 * Each run is a fresh process; the bench prints every step's loss and the differences.
 *
 *   npx tsx bench/path-agreement.ts [--seed 3] [--limit 640] [--steps 6]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TrainPath } from '../src/backends/native/graph/path.ts';
import type { TrainOptions } from '../src/train/train-options.ts';
import { trainOne } from '../src/train/train-one.ts';
import { numberArg, stringArg } from './args.ts';

const seed = numberArg('seed', 3);
const limit = numberArg('limit', 640);
const steps = numberArg('steps', 6);

/** Graph-path variants that compute the same thing in another order: 1x1 convolutions as Conv2D, repeated layers computed each time. */
const TUNINGS: Record<string, NonNullable<TrainOptions['graphTuning']>> = {
  graph: {},
  'graph-conv2d': { pointwiseMatMul: false },
  'graph-unshared': { shareRepeats: false },
};

async function losses(path: string): Promise<number[]> {
  const out: number[] = [];
  const tuning = TUNINGS[path];
  const trainPath: TrainPath = tuning !== undefined ? 'graph' : 'eager';
  const r = await trainOne({ genome: 'random', seed, epochs: 1, limit, trainPath, graphTuning: tuning, onStep: (s) => out.push(s.loss) });
  if (r.status !== 'ok' && out.length === 0) throw new Error(`${path} path failed: ${r.error ?? ''}`);
  return out.slice(0, steps);
}

function run(path: string, env: Record<string, string> = {}): number[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--one', path, '--seed', String(seed), '--limit', String(limit), '--steps', String(steps)],
    { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...env } });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('NAS_LOSSES '));
  if (r.status !== 0 || line === undefined) throw new Error(`${path} run failed (exit ${r.status}):\n${(r.stderr ?? '').slice(-1500)}`);
  return JSON.parse(line.slice('NAS_LOSSES '.length)) as number[];
}

const one = stringArg('one', '');
if (one !== '') {
  console.log(`NAS_LOSSES ${JSON.stringify(await losses(one))}`);
} else {
  const graph = run('graph');
  const eager = run('eager');
  const eigen = run('graph', { TF_ENABLE_ONEDNN_OPTS: '0' });
  const variants = ['graph-conv2d', 'graph-unshared'].map((v) => [v, run(v)] as const);
  console.log(`nas train's default child, --seed ${seed}, ${limit} images: step losses`);
  console.log('step  graph       eager       |graph-eager|  graph (Eigen kernels)  |oneDNN-Eigen| (both graph)');
  graph.forEach((g, i) => {
    const e = eager[i] ?? Number.NaN;
    const k = eigen[i] ?? Number.NaN;
    console.log(`${String(i + 1).padStart(4)}  ${g.toFixed(6)}  ${e.toFixed(6)}  ${Math.abs(g - e).toExponential(2).padStart(12)}  ${k.toFixed(6).padStart(21)}  ${Math.abs(g - k).toExponential(2).padStart(12)}`);
  });
  console.log('\nthe same graph computed in another order (oneDNN): step losses and their difference from the graph path and from the eager path');
  for (const [name, ls] of variants) {
    console.log(`${name}: ${ls.map((l, i) => `${l.toFixed(6)} (${Math.abs(l - (graph[i] ?? Number.NaN)).toExponential(1)}, ${Math.abs(l - (eager[i] ?? Number.NaN)).toExponential(1)})`).join('  ')}`);
  }
}
