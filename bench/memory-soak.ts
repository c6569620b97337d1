/**
 * Memory over a long run: trains `--children` children of a small NASNet-cell space one after another in
 * this process with the `train` evaluator (the component a run's worker uses: the real trainer, dataset,
 * backend and failure handling), and prints the live tfjs tensors, their bytes, the open TensorFlow graph
 * sessions (the graph path's; each child's is deleted when it ends) and the process RSS every
 * `--every` children, then the growth per child (least-squares slope over the second half of the run, after
 * allocators and caches have warmed up) and in total. A leak of one tensor or one kernel buffer per child
 * shows as a positive slope; RSS moves by allocator noise of a few MiB either way.
 *
 * Workers of `nas evolve --workers K` also recycle their process after `--recycle` evaluations; this bench
 * measures a single process with no recycling, the worst case.
 *
 *   nice node --expose-gc --import tsx bench/memory-soak.ts [--children 300] [--every 25] [--backend auto]
 *        [--path auto|graph|eager] [--filters 8] [--limit 320] [--batch 32] [--seed 1]
 *
 * (`npx tsx bench/memory-soak.ts` works too; --expose-gc lets it collect garbage before each reading.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../src/core/rng.ts';
import { loadSpace } from '../src/spaces/load.ts';
import { createEvaluator } from '../src/evaluators/all.ts';
import { numberArg, stringArg } from './args.ts';
import { chooseTrainPath } from '../src/backends/native/graph/path.ts';
import type { TrainPathOption } from '../src/backends/native/graph/path.ts';
import { openGraphSessions } from '../src/backends/native/graph/session.ts';

const children = numberArg('children', 300);
const every = numberArg('every', 25);
const backend = stringArg('backend', 'auto');
const filters = numberArg('filters', 8);
const limit = numberArg('limit', 320);
const batchSize = numberArg('batch', 32);
const seed = numberArg('seed', 1);
const trainPath = stringArg('path', 'auto') as TrainPathOption;

/** Least-squares slope of ys over xs. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

// The shipped space's cells on a smaller skeleton, so hundreds of children train in minutes.
const dir = mkdtempSync(join(os.tmpdir(), 'nas-soak-'));
const shipped = JSON.parse(readFileSync(new URL('../search-spaces/nasnet-cell.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const spaceFile = join(dir, 'soak-space.json');
writeFileSync(spaceFile, JSON.stringify({ ...shipped, name: 'soak', cellsPerStack: 1, stacks: 2, initialFilters: filters }));
const space = loadSpace(spaceFile);
const evaluator = await createEvaluator('train', {
  space: spaceFile,
  extra: { dataset: 'fashion-mnist-mini', limit, epochs: 1, batchSize, backend, keepWeights: 'none', trainPath },
});
console.log(`${children} children of ${spaceFile.split('/').pop()} (nasnet cells, 1 cell per stack, 2 stacks, ${filters} filters), ` +
  `fashion-mnist-mini ${limit} images, batch ${batchSize}, one epoch each, backend ${tf.getBackend()}; load ${os.loadavg()[0]?.toFixed(2)}`);
console.log(`training path: ${chooseTrainPath(trainPath).path}`);
console.log('children  ok  failed  tensors  tensor MiB  sessions   RSS MiB  heap MiB  s/child');

const rng = Rng.seeded(seed);
const xs: number[] = [];
const rss: number[] = [];
const tensors: number[] = [];
const bytes: number[] = [];
const heap: number[] = [];
let ok = 0;
let failed = 0;
let last = performance.now();
const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
for (let i = 1; i <= children; i++) {
  const config = space.sample(rng);
  const result = await evaluator.evaluate({ trialId: i - 1, config: space.toJSON(config), seed: seed * 100000 + i });
  if (result.status === 'ok') ok++;
  else failed++;
  // With node --expose-gc, collect first, so the JS heap's sawtooth does not hide or fake a trend.
  (globalThis as { gc?: () => void }).gc?.();
  const mem = tf.memory();
  const usage = process.memoryUsage();
  xs.push(i);
  rss.push(usage.rss);
  tensors.push(mem.numTensors);
  bytes.push(mem.numBytes);
  heap.push(usage.heapUsed);
  if (i % every === 0 || i === 1) {
    const now = performance.now();
    const per = (now - last) / 1000 / (i === 1 ? 1 : every);
    last = now;
    console.log(`${String(i).padStart(8)} ${String(ok).padStart(3)} ${String(failed).padStart(7)} ${String(mem.numTensors).padStart(8)} ` +
      `${mib(mem.numBytes).padStart(11)} ${String(openGraphSessions()).padStart(9)} ${mib(usage.rss).padStart(9)} ${mib(usage.heapUsed).padStart(9)} ${per.toFixed(2).padStart(8)}`);
  }
}
await evaluator.close?.();
rmSync(dir, { recursive: true, force: true });

const half = Math.floor(children / 2);
const tail = (a: number[]): number[] => a.slice(half);
console.log(`\nsecond half (children ${half + 1}-${children}), growth per child: RSS ${(slope(tail(xs), tail(rss)) / 1024).toFixed(1)} KiB, ` +
  `JS heap ${(slope(tail(xs), tail(heap)) / 1024).toFixed(1)} KiB, ` +
  `tensors ${slope(tail(xs), tail(tensors)).toFixed(3)}, tensor bytes ${(slope(tail(xs), tail(bytes)) / 1024).toFixed(2)} KiB`);
console.log(`whole run: RSS ${mib(rss[0] as number)} -> ${mib(rss[rss.length - 1] as number)} MiB (peak ${mib(Math.max(...rss))}), ` +
  `tensors ${tensors[0]} -> ${tensors[tensors.length - 1]}, tensor bytes ${mib(bytes[0] as number)} -> ${mib(bytes[bytes.length - 1] as number)} MiB`);
