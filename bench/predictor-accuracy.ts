/**
 * Accuracy and fit time of the predictors on real results: the NAS-Bench-201 CIFAR-10 table. Each
 * predictor is fitted on `n` random cells with their `valid_12` and predicts 1,000 other random
 * cells; the figures are the rank correlations (Spearman's rho, Kendall's tau) between prediction and
 * truth, and the CPU time of one fit plus prediction, mean over `--repeats` draws. Predictors: the GP
 * on path features, the GP with a Weisfeiler-Lehman kernel (NASBOWL), and BANANAS's MLP ensemble at several numbers of Adam steps (the accuracy the
 * `steps` option buys).
 *
 *   npx tsx bench/predictor-accuracy.ts [--n 20,50,100,300] [--repeats 5] [--steps 300,150,100] [--table <csv>]
 */
import { Rng } from '../src/core/rng.ts';
import { loadBenchmarkTable } from '../src/evaluators/table.ts';
import { nb201FromArch } from '../src/genome/nb201.ts';
import type { Nb201Genome } from '../src/genome/types.ts';
import { Predictor, type ModelOptions } from '../src/search/predictor/surrogate.ts';
import { loadSpace } from '../src/spaces/load.ts';
import type { SearchSpace } from '../src/spaces/space.ts';
import { numberArg, sharedDataPath, stringArg } from './args.ts';

const sizes = stringArg('n', '20,50,100,300').split(',').map(Number);
const repeats = numberArg('repeats', 5);
const stepsList = stringArg('steps', '300,150,100').split(',').map(Number);
const table = loadBenchmarkTable(stringArg('table', sharedDataPath('benchmarks/nas-bench-201/cifar10.csv')));
const column = table.columns.indexOf('valid_12');
if (column < 0) throw new Error(`the table has no valid_12 column (columns: ${table.columns.join(', ')})`);
const cells = [...table.rows].map(([arch, row]) => ({ genome: nb201FromArch(arch), score: row[column] }));
const space = loadSpace('nas-bench-201') as SearchSpace<Nb201Genome>;

/** Ranks (0-based, ties averaged). */
function ranks(x: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Float64Array(x.length);
  for (let s = 0; s < order.length; ) {
    let e = s;
    while (e + 1 < order.length && x[order[e + 1]] === x[order[s]]) e++;
    for (let k = s; k <= e; k++) r[order[k]] = (s + e) / 2;
    s = e + 1;
  }
  return r;
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let [ma, mb] = [0, 0];
  for (let i = 0; i < n; i++) [ma, mb] = [ma + a[i] / n, mb + b[i] / n];
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < n; i++) [sab, saa, sbb] = [sab + (a[i] - ma) * (b[i] - mb), saa + (a[i] - ma) ** 2, sbb + (b[i] - mb) ** 2];
  return sab / Math.sqrt(saa * sbb);
}

function kendall(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  let pairs = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < i; j++) {
      s += Math.sign(a[i] - a[j]) * Math.sign(b[i] - b[j]);
      pairs++;
    }
  }
  return s / pairs;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const configs: Array<{ label: string; options: ModelOptions }> = [
  { label: 'gp', options: { predictor: 'gp', members: 5, steps: 300 } },
  { label: 'wl-gp', options: { predictor: 'wl-gp', members: 5, steps: 300 } },
  ...stepsList.map((steps) => ({ label: `mlp ${steps} steps`, options: { predictor: 'mlp' as const, members: 5, steps } })),
];
console.log(`NAS-Bench-201 CIFAR-10 valid_12: fit on n random cells, predict 1,000 others; mean of ${repeats} draws`);
console.log('n     predictor          spearman   kendall   cpu ms per fit+predict');
for (const n of sizes) {
  for (const { label, options } of configs) {
    let [rho, tau, cpu] = [0, 0, 0];
    for (let r = 0; r < repeats; r++) {
      const rng = Rng.seeded(1000 * n + r);
      const idx = rng.sampleIndices(cells.length, n + 1000);
      const train = idx.slice(0, n).map((i) => cells[i]);
      const test = idx.slice(n).map((i) => cells[i]);
      const predictor = new Predictor(space, options);
      const c0 = cpuMs();
      const fitted = predictor.fit(train.map((c) => c.genome), train.map((c) => c.score), rng.seedUint32());
      const mean = fitted.predict(test.map((c) => c.genome)).mean;
      cpu += cpuMs() - c0;
      const truth = test.map((c) => c.score);
      rho += pearson(ranks(mean), ranks(truth));
      tau += kendall(mean, truth);
    }
    console.log(`${String(n).padEnd(5)} ${label.padEnd(18)} ${(rho / repeats).toFixed(3).padStart(7)}   ${(tau / repeats).toFixed(3).padStart(7)}   ${(cpu / repeats).toFixed(0).padStart(8)}`);
  }
}
