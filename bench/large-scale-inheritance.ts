/**
 * What weight inheritance buys large-scale evolution (Real et al. 2017): the same search (same seed,
 * space, population, budget, data, epochs per child) run twice side by side, once with children
 * inheriting their parent's trained weights and once training every child from scratch. Prints, per
 * variant, the best validation accuracy, the mean over the last quarter of the children, the layers
 * inherited and the wall-clock time, and the ratios between the two.
 *
 *   npx tsx bench/large-scale-inheritance.ts [--dataset cifar10:<dir>] (default: the CIFAR-10 files of the shared data folder, NAS_SHARED_DIR)
 *        [--limit 3000] [--budget 60] [--population 10] [--epochs 1] [--seeds 1] [--backend auto]
 */
import { Rng } from '../src/core/rng.ts';
import { Runner } from '../src/run/runner.ts';
import '../src/search/all.ts';
import { createStrategy } from '../src/search/registry.ts';
import { loadSpace } from '../src/spaces/load.ts';
import { selectBackend, type BackendName } from '../src/backends/backend.ts';
import { evaluateLargeScale, largeScaleSettings, loadSettingsData, trainDataOf } from '../src/evaluators/large-scale.ts';
import { MemoryWeightStore } from '../src/model/weight-inheritance.ts';
import { InlineExecutor } from '../src/workers/inline.ts';
import { numberArg, sharedDataPath, stringArg } from './args.ts';


const dataset = stringArg('dataset', `cifar10:${sharedDataPath('datasets/cifar-10-batches-bin')}`);
const limit = numberArg('limit', 3000);
const budget = numberArg('budget', 60);
const population = numberArg('population', 10);
const epochs = numberArg('epochs', 1);
const seeds = numberArg('seeds', 1);

interface Outcome {
  best: number;
  lateMean: number;
  inherited: number;
  seconds: number;
}

async function search(seed: number, inherit: boolean): Promise<Outcome> {
  const space = loadSpace('large-scale');
  const settings = largeScaleSettings({ dataset, limit, epochs, inherit });
  const loaded = await loadSettingsData(settings, process.cwd());
  const ctx = {
    space, settings, data: trainDataOf(loaded, settings), weights: new MemoryWeightStore(),
    network: { inputShape: loaded.info.shape, numClasses: loaded.info.numClasses },
  };
  const strategy = createStrategy('large-scale', { space, rng: Rng.seeded(seed).split('strategy'), budget, options: { population } });
  const executor = new InlineExecutor({ evaluate: (request) => evaluateLargeScale(ctx, request) });
  const started = performance.now();
  const book = await new Runner({ strategy, space, executor, budget, seed }).run();
  const seconds = (performance.now() - started) / 1000;
  const scores = book.trials.filter((t) => t.state === 'finished').map((t) => t.score as number);
  const late = scores.slice(Math.floor((scores.length * 3) / 4));
  const inherited = book.trials.reduce((n, t) => n + (t.metrics?.inheritedLayers ?? 0), 0);
  return { best: Math.max(...scores), lateMean: late.reduce((a, b) => a + b, 0) / late.length, inherited, seconds };
}

const backend = await selectBackend(stringArg('backend', 'auto') as BackendName);
console.log(`large-scale evolution, ${dataset} (first ${limit} training images), population ${population}, ${budget} children, ${epochs} epoch(s) each, backend ${backend.description}`);
console.log('seed  variant      best val   mean val (last 25%)   layers inherited   seconds');
const ratios: number[] = [];
for (let seed = 1; seed <= seeds; seed++) {
  const on = await search(seed, true);
  const off = await search(seed, false);
  for (const [name, o] of [['inherit', on], ['scratch', off]] as const) {
    console.log(`${String(seed).padEnd(5)} ${name.padEnd(12)} ${o.best.toFixed(4).padEnd(10)} ${o.lateMean.toFixed(4).padEnd(21)} ${String(o.inherited).padEnd(18)} ${o.seconds.toFixed(1)}`);
  }
  ratios.push(on.lateMean / off.lateMean);
  console.log(`      ratio inherit/scratch: best ${(on.best / off.best).toFixed(3)}, late mean ${(on.lateMean / off.lateMean).toFixed(3)}, time ${(on.seconds / off.seconds).toFixed(3)}`);
}
if (seeds > 1) console.log(`mean late-mean ratio over ${seeds} seeds: ${(ratios.reduce((a, b) => a + b, 0) / ratios.length).toFixed(3)}`);
