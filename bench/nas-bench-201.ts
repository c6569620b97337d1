/**
 * NAS-Bench-201 protocol on the shared CIFAR-10 table: each strategy searches with `valid_12` (the
 * 12-epoch validation accuracy) for 100 evaluations, and the child it picks (the best by valid_12) is
 * reported by `test_200` (never used to choose). Mean ± std over many seeds, next to the published
 * figures. Runs through the same Runner as `nas evolve` (in memory, inline table lookups), so
 * duplicates are not evaluated twice and do not count against the budget (with --count-duplicates
 * they do: a run stops after `budget` children, as a simulation that re-looks-up duplicates would).
 *
 *   npx tsx bench/nas-bench-201.ts [--strategies aging,random] [--seeds 100] [--budget 100]
 *                                  [--population 10] [--sample 3] [--count-duplicates]
 *
 * Any strategy of the registry can be named; aging gets --population/--sample, large-scale --population
 * (its tournaments are pairs), the others their defaults.
 */
import { fileURLToPath } from 'node:url';
import { Rng, deriveSeed } from '../src/core/rng.ts';
import { Runner } from '../src/run/runner.ts';
import '../src/search/all.ts';
import { createStrategy, strategyNames } from '../src/search/registry.ts';
import { loadSpace } from '../src/spaces/load.ts';
import { TableEvaluator } from '../src/train/evaluators/table.ts';
import { InlineExecutor } from '../src/workers/inline.ts';

const CSV = fileURLToPath(new URL('../../shared/benchmarks/nas-bench-201/cifar10.csv', import.meta.url));

/** Published CIFAR-10 figures (NAS-Bench-201 paper, Table 5) and a simulation on this table (shared/README.md). */
const PUBLISHED: Record<string, string> = {
  aging: 'REA 93.92 ± 0.30 (paper); 93.94 ± 0.39 (simulation on this table, 500 runs)',
  random: 'RS 93.70 ± 0.36 (paper); 93.76 ± 0.35 (simulation on this table, 500 runs)',
  bohb: 'BOHB 93.61 ± 0.52 (paper)',
};

interface Args {
  strategies: string[];
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
  return {
    strategies: get('strategies', 'aging,random').split(',').filter(Boolean),
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
}

/** One search of `budget` evaluations; returns the picked child's valid_12 and test_200. */
async function searchOnce(name: string, seed: number, args: Args, evaluator: TableEvaluator): Promise<Pick> {
  const space = loadSpace('nas-bench-201');
  const options = name === 'aging' ? { population: args.population, sample: args.sample } : name === 'large-scale' ? { population: args.population } : {};
  const strategy = createStrategy(name, { space, rng: Rng.seeded(seed).split('strategy'), budget: args.budget, options });
  const maxChildren = args.countDuplicates ? args.budget : undefined;
  const runner = new Runner({ strategy, space, executor: new InlineExecutor(evaluator), budget: args.budget, seed, maxChildren });
  const book = await runner.run();
  if (!book.best) throw new Error(`${name} seed ${seed}: no child finished`);
  return { valid: book.best.score as number, test: book.best.report as number, children: book.children };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const unknown = args.strategies.filter((s) => !strategyNames().includes(s));
  if (unknown.length) throw new Error(`unknown strategies ${unknown.join(', ')}; known: ${strategyNames().join(', ')}`);
  const evaluator = new TableEvaluator({ file: CSV, metric: 'valid_12', report: 'test_200' });
  const optimum = Math.max(...[...evaluator.table.rows.values()].map((r) => r[evaluator.table.columns.indexOf('test_200')]));
  console.log(`NAS-Bench-201 CIFAR-10 (${evaluator.table.rows.size} cells): search valid_12, report test_200 of the pick`);
  console.log(`${args.seeds} seeds x ${args.budget} evaluations${args.countDuplicates ? ' (duplicates counted)' : ''}; aging population ${args.population}, sample ${args.sample}; best cell test_200 ${optimum}\n`);
  const rows: Array<[string, number, number, number, number, number, number]> = [];
  for (const name of args.strategies) {
    const started = performance.now();
    const picks: Pick[] = [];
    for (let i = 0; i < args.seeds; i++) picks.push(await searchOnce(name, deriveSeed('nas-bench-201', name, i), args, evaluator));
    const seconds = (performance.now() - started) / 1000;
    const tests = picks.map((p) => p.test);
    rows.push([name, mean(tests), std(tests), mean(picks.map((p) => p.valid)), mean(picks.map((p) => p.children)), seconds, tests.filter((t) => t >= optimum - 1e-9).length]);
  }
  console.log('strategy      test_200 mean ± std   valid_12 mean   children/run   optimum hits   seconds   published');
  for (const [name, m, s, v, c, sec, hits] of rows) {
    console.log(`${name.padEnd(12)}  ${m.toFixed(2)} ± ${s.toFixed(2)}        ${v.toFixed(2)}           ${c.toFixed(1).padStart(6)}         ${String(hits).padStart(4)}        ${sec.toFixed(1).padStart(6)}   ${PUBLISHED[name] ?? ''}`);
  }
}

await main();
