/**
 * NAS-Bench-201 protocol on the shared CIFAR-10 table: each strategy searches with `valid_12` (the
 * 12-epoch validation accuracy) for 100 evaluations, and the child it picks (the best by valid_12) is
 * reported by `test_200` (never used to choose). Mean ± std over many seeds, next to the published
 * figures and a Welch t against a reference measured on the same protocol (Optuna's TPE, by
 * bench/optuna-nas-bench-201.py; --reference). Runs through the same Runner as `nas evolve` and
 * `nas search` (in memory, inline table lookups).
 *
 * Two counting rules (--rules, both by default):
 * - `distinct`: duplicates (same canonical hash: cells equal up to dead edges) are not evaluated twice
 *   and do not count against the budget: every run makes `budget` distinct evaluations;
 * - `counted`: a run stops after `budget` children, duplicates included, as a simulation that looks
 *   duplicates up again does (the peers' protocol, and Optuna's).
 * A `counted` run with no duplicate is the `distinct` run of the same seed (the runner makes the same
 * asks and stops at the same child), so its pick is reused there and the line says how many were.
 *
 *   npx tsx bench/nas-bench-201.ts [--strategies all|aging,random,...] [--seeds 200] [--first-seed 0] [--budget 100]
 *        [--rules distinct,counted] [--workers 1] [--population 10] [--sample 3] [--table <csv>]
 *        [--reference bench/reference/optuna-tpe-nas-bench-201.json] [--options <strategy>=<json> ...]
 *        [--out picks.json]
 *
 * `--workers K` keeps K children in flight (the strategies ask K at a time before results arrive).
 * `--out` writes every pick (strategy, rule, seed, valid_12, test_200).
 *
 * Option sets of this protocol (--options replaces a strategy's):
 * - aging: population 10, sample 3 (--population/--sample), the paper's setting; large-scale:
 *   population 10 (its tournaments are pairs);
 * - grid: shuffle (a seeded order over the 15,625 cells; unshuffled, every seed would evaluate the
 *   same first 100 cells);
 * - hyperband, sh, bohb, asha: the table has no lower-fidelity column that the protocol allows (valid_200
 *   and test_200 may not choose), so the fidelity is ignored, as in `nas search` on a table: a
 *   promotion is a free duplicate, and the strategy runs without a trial limit until the runner has
 *   made `budget` distinct evaluations (src/run/fidelity.ts, as in every run);
 * - bo: 1,000 EI candidates, 2 + 2 local refinements of 20 L-BFGS steps, 1 random restart of the
 *   hyperparameter fit (its defaults cost about 65 s of CPU per run here, 13 times as much);
 * - random, tpe, bananas, local-search, screened-aging: their defaults (the same on every space);
 * - pbt refuses the space (it explores hyperparameters; an architecture space has none): a line says so.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ValidationError } from '../src/core/errors.ts';
import { Rng, deriveSeed } from '../src/core/rng.ts';
import { TableEvaluator } from '../src/evaluators/table.ts';
import { strategyBudget } from '../src/run/fidelity.ts';
import { Runner } from '../src/run/runner.ts';
import '../src/search/all.ts';
import { createStrategy, strategyNames } from '../src/search/registry.ts';
import { loadSpace } from '../src/spaces/load.ts';
import { InlineExecutor } from '../src/workers/inline.ts';
import { sharedDataPath } from './args.ts';
import { mean, type SampleSummary, std, welch } from './stats.ts';

/** Published CIFAR-10 figures (NAS-Bench-201 paper, Table 5) and a simulation on this table (shared/README.md). */
const PUBLISHED: Record<string, string> = {
  aging: 'REA 93.92 ± 0.30 (paper); 93.94 ± 0.39 (simulation on this table, 500 runs)',
  random: 'RS 93.70 ± 0.36 (paper); 93.76 ± 0.35 (simulation on this table, 500 runs)',
  bohb: 'BOHB 93.61 ± 0.52 (paper)',
};

const RULES = ['distinct', 'counted'] as const;
type Rule = (typeof RULES)[number];

interface Args {
  strategies: string[];
  /** Strategy options by name (`--options name=<json>`, repeatable), instead of the protocol's. */
  options: Record<string, Record<string, unknown>>;
  seeds: number;
  /** Index of the first seed (`--first-seed`): seeds first..first+seeds-1, so a second set of runs shares none with the first. */
  firstSeed: number;
  budget: number;
  rules: Rule[];
  workers: number;
  population: number;
  sample: number;
  table: string;
  reference: string;
  out?: string;
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
  const rules = get('rules', RULES.join(',')).split(',');
  const badRule = rules.find((r) => !(RULES as readonly string[]).includes(r));
  if (badRule !== undefined) throw new Error(`--rules: unknown rule '${badRule}'; accepted: ${RULES.join(', ')}`);
  const out = get('out', '');
  return {
    options,
    strategies: (strategies === 'all' ? strategyNames() : strategies.split(',')).filter(Boolean),
    seeds: Number(get('seeds', '200')),
    firstSeed: Number(get('first-seed', '0')),
    budget: Number(get('budget', '100')),
    rules: rules as Rule[],
    workers: Number(get('workers', '1')),
    population: Number(get('population', '10')),
    sample: Number(get('sample', '3')),
    table: get('table', sharedDataPath('benchmarks/nas-bench-201/cifar10.csv')),
    reference: get('reference', new URL('reference/optuna-tpe-nas-bench-201.json', import.meta.url).pathname),
    ...(out ? { out } : {}),
  };
}

/** The option set of each strategy on this protocol (header); aging and large-scale take the flags. */
function protocolOptions(name: string, args: Args): Record<string, unknown> {
  if (args.options[name]) return args.options[name];
  if (name === 'aging') return { population: args.population, sample: args.sample };
  if (name === 'large-scale') return { population: args.population };
  if (name === 'grid') return { shuffle: true };
  if (name === 'bo') return { candidates: 1000, localStarts: 2, observedStarts: 2, localIter: 20, restarts: 1 };
  return {};
}

interface Pick {
  seed: number;
  valid: number;
  test: number;
  children: number;
  evaluations: number;
}

/** One search under `rule`; returns the picked child's valid_12 and test_200. */
async function searchOnce(name: string, seed: number, rule: Rule, args: Args, evaluator: TableEvaluator): Promise<Pick> {
  const space = loadSpace('nas-bench-201');
  const budget = strategyBudget({ strategy: name, budget: args.budget });
  const strategy = createStrategy(name, { space, rng: Rng.seeded(seed).split('strategy'), budget, options: protocolOptions(name, args) });
  const maxChildren = rule === 'counted' ? args.budget : undefined;
  const executor = new InlineExecutor(evaluator, args.workers);
  const runner = new Runner({ strategy, space, executor, budget: args.budget, seed, maxChildren, ignoreFidelity: true });
  const book = await runner.run();
  if (!book.best) throw new Error(`${name} seed ${seed}: no child finished`);
  return { seed, valid: book.best.score as number, test: book.best.report as number, children: book.children, evaluations: book.evaluations };
}

/** The message of a strategy that refuses the NAS-Bench-201 space by design (pbt: no hyperparameters), else undefined. */
function refuses(name: string, args: Args): string | undefined {
  try {
    createStrategy(name, { space: loadSpace('nas-bench-201'), rng: Rng.seeded(0), budget: args.budget, options: protocolOptions(name, args) });
    return undefined;
  } catch (err) {
    if (err instanceof ValidationError) return err.message;
    throw err;
  }
}

/** The reference's summary (n, mean, std of its picks' test_200) and its name. */
function readReference(file: string): { name: string; summary: SampleSummary } | undefined {
  let json: { peer?: string; picks?: Array<{ test_200: number }> };
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as typeof json;
  } catch (err) {
    console.log(`no reference (${file}: ${(err as Error).message}); run bench/optuna-nas-bench-201.py to measure one`);
    return undefined;
  }
  const tests = (json.picks ?? []).map((p) => p.test_200);
  if (tests.length < 2) throw new Error(`${file}: field 'picks' needs at least two picks with test_200`);
  return { name: json.peer ?? file, summary: { n: tests.length, mean: mean(tests), std: std(tests) } };
}

/** Every seed's pick of one strategy under one rule; `reuse` holds counted picks without duplicates. */
async function picksFor(name: string, rule: Rule, args: Args, evaluator: TableEvaluator, reuse: Map<number, Pick>): Promise<{ picks: Pick[]; reused: number }> {
  const picks: Pick[] = [];
  let reused = 0;
  for (let i = args.firstSeed; i < args.firstSeed + args.seeds; i++) {
    const seed = deriveSeed('nas-bench-201', name, i);
    const again = rule === 'distinct' && args.workers === 1 ? reuse.get(seed) : undefined;
    if (again) reused++;
    const pick = again ?? (await searchOnce(name, seed, rule, args, evaluator));
    if (rule === 'counted' && pick.children === pick.evaluations) reuse.set(seed, pick);
    picks.push(pick);
  }
  return { picks, reused };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const unknown = args.strategies.filter((s) => !strategyNames().includes(s));
  if (unknown.length) throw new Error(`unknown strategies ${unknown.join(', ')}; known: ${strategyNames().join(', ')}`);
  const evaluator = new TableEvaluator({ file: args.table, metric: 'valid_12', report: 'test_200' });
  const optimum = Math.max(...[...evaluator.table.rows.values()].map((r) => r[evaluator.table.columns.indexOf('test_200')]));
  const reference = readReference(args.reference);
  console.log(`NAS-Bench-201 CIFAR-10 (${evaluator.table.rows.size} cells): search valid_12, report test_200 of the pick; best cell test_200 ${optimum}`);
  console.log(`${args.seeds} seeds x ${args.budget} evaluations, ${args.workers} worker(s); rules: ${args.rules.join(', ')}`);
  if (reference) console.log(`reference: ${reference.name}, ${reference.summary.n} seeds, ${reference.summary.mean.toFixed(3)} ± ${reference.summary.std.toFixed(3)} (t below: strategy minus reference, Welch)`);
  console.log('\nstrategy       rule       test_200 mean ± std   t vs ref   valid_12   evals/run   children/run   optimum hits   seconds   notes');
  const rows: Array<{ strategy: string; rule: Rule; picks: Pick[] }> = [];
  for (const name of args.strategies) {
    const refusal = refuses(name, args);
    if (refusal) {
      console.log(`${name.padEnd(13)}  refuses this space: ${refusal}`);
      continue;
    }
    const reuse = new Map<number, Pick>();
    const order = [...args.rules].sort((a, b) => (a === 'counted' ? -1 : b === 'counted' ? 1 : 0));
    for (const rule of order) {
      const started = performance.now();
      const { picks, reused } = await picksFor(name, rule, args, evaluator, reuse);
      const seconds = (performance.now() - started) / 1000;
      rows.push({ strategy: name, rule, picks });
      const tests = picks.map((p) => p.test);
      const s = { n: tests.length, mean: mean(tests), std: std(tests) };
      const t = reference ? welch(s, reference.summary).t.toFixed(1) : '-';
      const hits = tests.filter((x) => x >= optimum - 1e-9).length;
      const opts = JSON.stringify(protocolOptions(name, args));
      const notes = [reused > 0 ? `${reused} picks from the counted runs (no duplicates)` : '', PUBLISHED[name] ?? '', opts !== '{}' ? `options ${opts}` : ''].filter(Boolean).join('; ');
      console.log(
        `${name.padEnd(13)}  ${rule.padEnd(9)}  ${s.mean.toFixed(2)} ± ${s.std.toFixed(2)}        ${t.padStart(6)}     ${mean(picks.map((p) => p.valid)).toFixed(2)}     ${mean(picks.map((p) => p.evaluations)).toFixed(1).padStart(6)}      ${mean(picks.map((p) => p.children)).toFixed(1).padStart(6)}         ${String(hits).padStart(4)}       ${seconds.toFixed(1).padStart(7)}   ${notes}`,
      );
    }
  }
  if (args.out) {
    const out = rows.flatMap((r) => r.picks.map((p) => ({ strategy: r.strategy, rule: r.rule, seed: p.seed, valid_12: p.valid, test_200: p.test })));
    writeFileSync(`${args.out}.tmp`, `${JSON.stringify(out)}\n`);
    renameSync(`${args.out}.tmp`, args.out);
  }
}

await main();
