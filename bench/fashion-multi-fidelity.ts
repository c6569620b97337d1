/**
 * One real multi-fidelity run on the built-in Fashion-MNIST slice with the `train` evaluator: hyperband
 * (promotions continue their checkpoints) and asha, min 1, max 9 epochs, eta 3, over NAS-Bench-201 cells in
 * a small skeleton (8 channels, one cell per stage). Prints the best validation accuracy found against the
 * total epochs trained so far (read from each run's journal), side by side, and keeps both run directories.
 *
 *   nice npx tsx bench/fashion-multi-fidelity.ts [--seed 1] [--hyperband-budget 22] [--asha-budget 45]
 *                                                [--backend auto] [--out runs/fashion-mf]
 *
 * A full Hyperband cycle over 1..9 epochs is 22 evaluations and 69 epochs with continued promotions.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { numberArg, stringArg } from './args.ts';
import type { RunConfig } from '../src/run/config.ts';
import { startRun } from '../src/run/session.ts';
import { readJournal, type JournalEvent } from '../src/store/journal.ts';

const seed = numberArg('seed', 1);
const out = resolve(stringArg('out', join('runs', `fashion-mf-${seed}`)));
const TRAINING = { dataset: 'fashion-mnist-mini', valFraction: 0.2, batchSize: 32, augment: false, optimizer: 'sgd', lr: 0.05, backend: stringArg('backend', 'auto'), keepWeights: 'best' };
const SPACE = {
  type: 'nas-bench-201', name: 'nb201-small', description: 'NAS-Bench-201 cells in a small skeleton for CPU runs',
  ops: ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'], cellsPerStack: 1, stacks: 3, initialFilters: 8,
};

/** Best score so far after each evaluation, with the epochs trained so far. */
function progress(events: readonly JournalEvent[]): Array<{ epochs: number; best: number }> {
  const points: Array<{ epochs: number; best: number }> = [];
  let epochs = 0;
  let best = 0;
  for (const e of events) {
    if (e.e !== 'finished' || e.duplicateOf !== undefined) continue;
    epochs += e.epochsTrained ?? 0;
    best = Math.max(best, e.score);
    points.push({ epochs, best });
  }
  return points;
}

/** The best score once `epochs` epochs had been trained (the last point at or below it). */
function bestAt(points: ReadonlyArray<{ epochs: number; best: number }>, epochs: number): number | undefined {
  let found: number | undefined;
  for (const p of points) if (p.epochs <= epochs) found = p.best;
  return found;
}

async function run(strategy: string, budget: number): Promise<{ points: Array<{ epochs: number; best: number }>; seconds: number; dir: string }> {
  const dir = join(out, strategy);
  const config: RunConfig = {
    format: 1, command: 'search', space: join(out, 'nb201-small.json'), strategy, strategyOptions: { minBudget: 1, maxBudget: 9, eta: 3 },
    budget, seed, evaluator: 'train', workers: 1, evaluatorOptions: TRAINING, baseDir: process.cwd(),
  };
  const started = performance.now();
  await startRun(config, dir, { executor: 'inline', log: () => undefined });
  return { points: progress(readJournal(join(dir, 'journal.jsonl')).events), seconds: (performance.now() - started) / 1000, dir };
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'nb201-small.json'), JSON.stringify(SPACE, null, 2));
  const hyperband = await run('hyperband', numberArg('hyperband-budget', 22));
  const asha = await run('asha', numberArg('asha-budget', 45));
  const total = (r: typeof hyperband): number => r.points[r.points.length - 1]?.epochs ?? 0;
  console.log(`Fashion-MNIST slice (1,600 training, 400 validation images), NAS-Bench-201 cells (8 channels), seed ${seed}`);
  for (const [name, r] of [['hyperband (continued)', hyperband], ['asha', asha]] as const) {
    console.log(`${name}: ${r.points.length} evaluations, ${total(r)} epochs, ${r.seconds.toFixed(0)} s (${r.dir})`);
  }
  const marks = [5, 10, 20, 30, 40, 50, 60, Math.min(total(hyperband), total(asha))].filter((m, i, a) => a.indexOf(m) === i && m <= Math.min(total(hyperband), total(asha)));
  console.log('\nbest validation accuracy after a total of epochs');
  console.log(['epochs', 'hyperband', 'asha'].join('\t'));
  for (const m of marks) console.log([m, bestAt(hyperband.points, m)?.toFixed(4) ?? '-', bestAt(asha.points, m)?.toFixed(4) ?? '-'].join('\t'));
}

await main();
