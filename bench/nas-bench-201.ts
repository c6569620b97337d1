/**
 * NAS-Bench-201 protocol on the shared CIFAR-10 table: each strategy searches with `valid_12` (the
 * 12-epoch validation accuracy) for 100 evaluations, and the child it picks (the best by valid_12) is
 * reported by `test_200` (never used to choose). Mean ± std over many seeds, next to the published
 * figures. Runs through the same Runner as `nas evolve` and `nas search` (in memory, inline table
 * lookups), so duplicates (same canonical hash: cells equal up to dead edges) are not evaluated twice
 * and do not count against the budget: every run makes `budget` distinct evaluations (with
 * --count-duplicates a run stops after `budget` children instead, as a simulation that re-looks-up
 * duplicates would).
 *
 *   npx tsx bench/nas-bench-201.ts [--strategies all|aging,random,...] [--seeds 100] [--budget 100] [--table <csv>]
 *                                  [--population 10] [--sample 3] [--count-duplicates]
 *                                  [--options <strategy>=<json> ...]
 *
 * Option sets of this protocol (PROTOCOL_OPTIONS; --options replaces a strategy's):
 * - aging: population 10, sample 3 (--population/--sample), the paper's setting; large-scale:
 *   population 10 (its tournaments are pairs);
 * - grid: shuffle (a seeded order over the 15,625 cells; unshuffled, every seed would evaluate the
 *   same first 100 cells);
 * - hyperband, sh, bohb: the table has no lower-fidelity column that the protocol allows (valid_200
 *   and test_200 may not choose), so the fidelity is ignored, as in `nas search` on a table: a
 *   promotion is a free duplicate, and the strategy runs without a trial limit until the runner has
 *   made `budget` distinct evaluations (src/run/fidelity.ts, as in every run);
 * - bo: 1,000 EI candidates, 2 + 2 local refinements of 20 L-BFGS steps, 1 random restart of the
 *   hyperparameter fit (its defaults cost about 65 s of CPU per run here, 13 times as much, which
 *   makes 100 seeds impractical on two cores);
 * - random, tpe: their defaults. NAS-Bench-201 cells are encoded one categorical per edge: TPE samples
 *   each edge from Parzen categoricals, the GP sees one-hot columns.
 */
import { sharedDataPath, stringArg } from './args.ts';
import { Rng, deriveSeed } from '../src/core/rng.ts';
import { strategyBudget } from '../src/run/fidelity.ts';
import { Runner } from '../src/run/runner.ts';
import '../src/search/all.ts';
import { createStrategy, strategyNames } from '../src/search/registry.ts';
import { loadSpace } from '../src/spaces/load.ts';
import { TableEvaluator } from '../src/evaluators/table.ts';
import { InlineExecutor } from '../src/workers/inline.ts';

const CSV = stringArg('table', sharedDataPath('benchmarks/nas-bench-201/cifar10.csv'));

/** Published CIFAR-10 figures (NAS-Bench-201 paper, Table 5) and a simulation on this table (shared/README.md). */
const PUBLISHED: Record<string, string> = {
  aging: 'REA 93.92 ± 0.30 (paper); 93.94 ± 0.39 (simulation on this table, 500 runs)',
  random: 'RS 93.70 ± 0.36 (paper); 93.76 ± 0.35 (simulation on this table, 500 runs)',
  bohb: 'BOHB 93.61 ± 0.52 (paper)',
};

/** The option set of each strategy on this protocol (header); aging and large-scale take the flags. */
function protocolOptions(name: string, args: Args): Record<string, unknown> {
  if (args.options[name]) return args.options[name];
  if (name === 'aging') return { population: args.population, sample: args.sample };
  if (name === 'large-scale') return { population: args.population };
  if (name === 'grid') return { shuffle: true };
  if (name === 'bo') return { candidates: 1000, localStarts: 2, observedStarts: 2, localIter: 20, restarts: 1 };
  return {};
}

interface Args {
  strategies: string[];
  /** Strategy options by name (`--options name=<json>`, repeatable), instead of the protocol's. */
  options: Record<string, Record<string, unknown>>;
  seeds: number;
  budget: number;
  population: number;
  sample: number;
  /** Count duplicates against the budget too (stop after `budget` children). */
  countDuplicates: boolean;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, fallback: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
  };
  const options: Record<string, Record<string, unknown>> = {};
  argv.forEach((a, i) => {
    if (a !== '--options') return;
    const v = argv[i + 1] ?? '';
    const eq = v.indexOf('=');
    if (eq < 1) throw new Error(`--options needs <strategy>=<json>, got ${v}`);
    options[v.slice(0, eq)] = JSON.parse(v.slice(eq + 1)) as Record<string, unknown>;
  });
  const strategies = get('strategies', 'all');
  return {
    options,
    strategies: (strategies === 'all' ? strategyNames() : strategies.split(',')).filter(Boolean),
    seeds: Number(get('seeds', '100')),
    budget: Number(get('budget', '100')),
    population: Number(get('population', '10')),
    sample: Number(get('sample', '3')),
    countDuplicates: argv.includes('--count-duplicates'),
  };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

interface Pick {
  valid: number;
  test: number;
  children: number;
  evaluations: number;
}

/** One search of `budget` evaluations; returns the picked child's valid_12 and test_200. */
async function searchOnce(name: string, seed: number, args: Args, evaluator: TableEvaluator): Promise<Pick> {
  const space = loadSpace('nas-bench-201');
  const budget = strategyBudget({ strategy: name, budget: args.budget });
  const strategy = createStrategy(name, { space, rng: Rng.seeded(seed).split('strategy'), budget, options: protocolOptions(name, args) });
  const maxChildren = args.countDuplicates ? args.budget : undefined;
  const runner = new Runner({ strategy, space, executor: new InlineExecutor(evaluator), budget: args.budget, seed, maxChildren, ignoreFidelity: true });
  const book = await runner.run();
  if (!book.best) throw new Error(`${name} seed ${seed}: no child finished`);
  return { valid: book.best.score as number, test: book.best.report as number, children: book.children, evaluations: book.evaluations };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const unknown = args.strategies.filter((s) => !strategyNames().includes(s));
  if (unknown.length) throw new Error(`unknown strategies ${unknown.join(', ')}; known: ${strategyNames().join(', ')}`);
  const evaluator = new TableEvaluator({ file: CSV, metric: 'valid_12', report: 'test_200' });
  const optimum = Math.max(...[...evaluator.table.rows.values()].map((r) => r[evaluator.table.columns.indexOf('test_200')]));
  console.log(`NAS-Bench-201 CIFAR-10 (${evaluator.table.rows.size} cells): search valid_12, report test_200 of the pick`);
  console.log(`${args.seeds} seeds x ${args.budget} evaluations${args.countDuplicates ? ' (duplicates counted)' : ''}; aging population ${args.population}, sample ${args.sample}; best cell test_200 ${optimum}\n`);
  const header = 'strategy      test_200 mean ± std   valid_12 mean   evaluations/run   children/run   optimum hits   seconds   published';
  console.log(header);
  const means: Array<[string, number]> = [];
  for (const name of args.strategies) {
    const started = performance.now();
    const picks: Pick[] = [];
    for (let i = 0; i < args.seeds; i++) picks.push(await searchOnce(name, deriveSeed('nas-bench-201', name, i), args, evaluator));
    const seconds = (performance.now() - started) / 1000;
    const tests = picks.map((p) => p.test);
    const hits = tests.filter((t) => t >= optimum - 1e-9).length;
    const [m, sd, v, e, c] = [mean(tests), std(tests), mean(picks.map((p) => p.valid)), mean(picks.map((p) => p.evaluations)), mean(picks.map((p) => p.children))];
    means.push([name, m]);
    const opts = JSON.stringify(protocolOptions(name, args));
    console.log(`${name.padEnd(12)}  ${m.toFixed(2)} ± ${sd.toFixed(2)}        ${v.toFixed(2)}           ${e.toFixed(1).padStart(6)}            ${c.toFixed(1).padStart(6)}         ${String(hits).padStart(4)}        ${seconds.toFixed(1).padStart(6)}   ${PUBLISHED[name] ?? ''}${opts !== '{}' ? `  options ${opts}` : ''}`);
  }
  const [bestName, bestMean] = means.reduce((a, b) => (b[1] > a[1] ? b : a));
  console.log(`\nbest: ${bestName} ${bestMean.toFixed(2)} (issue target: at least 94.05; published regularized evolution 93.92; best cell ${optimum})`);
}

await main();
