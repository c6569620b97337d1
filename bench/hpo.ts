/**
 * Hyperparameter-optimisation benchmark: every strategy on Branin and Hartmann-6, a fixed number of
 * evaluations per run, many seeds; prints the mean and standard deviation of the regret (best value
 * found minus the known optimum) per strategy and objective, next to the Python peers' figures
 * measured on the same protocol.
 *
 *   npx tsx bench/hpo.ts [--strategies tpe,random,...] [--objectives branin,hartmann6]
 *                        [--evals 50] [--seeds 50] [--batch 1] [--options tpe='{"multivariate":false}'] [--json]
 *
 * `--json` also gives each run's regret (seeds in order), for medians and paired comparisons.
 *
 * `--batch K` runs synchronous batches: K asks in a row, then all K told (the evaluation count stays
 * `--evals`); K = 1 is the sequential protocol. `--options bo='{"pending":"believer"}'` picks how bo
 * models the trials of a batch still pending.
 *
 * Default strategies: every registered one that can be built over a continuous hyperparameter space.
 */
import { readFileSync } from 'node:fs';
import { Rng } from '../src/core/rng.ts';
import '../src/search/all.ts';
import { createStrategy, strategyNames } from '../src/search/registry.ts';
import type { Strategy } from '../src/search/strategy.ts';
import { hparamsSpaceFromJSON, type HparamsSpace } from '../src/spaces/hparams.ts';
import { type SyntheticObjective, syntheticObjective, syntheticPoint } from '../src/evaluators/synthetic.ts';

/** Regret figures of the Python peers on the same protocol (50 evaluations, >= 20 seeds). */
const REFERENCE: Record<string, Record<string, number>> = {
  'bayes_opt GP-EI': { branin: 0.0017, hartmann6: 0.092 },
  'optuna TPE': { branin: 0.22, hartmann6: 0.73 },
};

interface Args {
  strategies?: string[];
  objectives: string[];
  evals: number;
  seeds: number;
  /** Asks per synchronous batch (all told before the next batch). */
  batch: number;
  json: boolean;
  /** Strategy options by strategy name (`--options name=<json>`, repeatable). */
  options: Record<string, Record<string, unknown>>;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { objectives: ['branin', 'hartmann6'], evals: 50, seeds: 50, batch: 1, json: false, options: {} };
  for (let i = 0; i < argv.length; i++) {
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    switch (argv[i]) {
      case '--strategies': args.strategies = value().split(','); break;
      case '--objectives': args.objectives = value().split(','); break;
      case '--evals': args.evals = Number(value()); break;
      case '--seeds': args.seeds = Number(value()); break;
      case '--batch': {
        args.batch = Number(value());
        if (!Number.isInteger(args.batch) || args.batch < 1) throw new Error(`--batch needs an integer >= 1, got ${argv[i]}`);
        break;
      }
      case '--json': args.json = true; break;
      case '--options': {
        const v = value();
        const eq = v.indexOf('=');
        if (eq < 1) throw new Error(`--options needs <strategy>=<json>, got ${v}`);
        args.options[v.slice(0, eq)] = JSON.parse(v.slice(eq + 1)) as Record<string, unknown>;
        break;
      }
      default: throw new Error(`unknown argument ${argv[i]}; accepted: --strategies, --objectives, --evals, --seeds, --batch, --options, --json`);
    }
  }
  return args;
}

function loadSpace(name: string): HparamsSpace {
  const url = new URL(`../search-spaces/${name}.json`, import.meta.url);
  return hparamsSpaceFromJSON(JSON.parse(readFileSync(url, 'utf8')), { file: `search-spaces/${name}.json` });
}

/**
 * One run: `evals` evaluations (told results) in synchronous batches of `batch` asks (fewer when a
 * strategy answers `wait` or `done`, or for the last batch), each batch told in ask order before the
 * next; returns the best value found.
 */
export function runOnce(strategy: Strategy<unknown>, objective: SyntheticObjective, evals: number, batch = 1): number {
  let best = Number.POSITIVE_INFINITY;
  let told = 0;
  let done = false;
  while (told < evals && !done) {
    const pending: Array<{ id: number; value: number }> = [];
    while (pending.length < Math.min(batch, evals - told)) {
      const r = strategy.ask();
      if (r.kind === 'done') done = true;
      if (r.kind !== 'suggestion') break;
      pending.push({ id: r.suggestion.id, value: objective.value(syntheticPoint(objective, r.suggestion.config)) });
    }
    if (pending.length === 0 && !done) throw new Error(`${strategy.name} waits with nothing pending`);
    for (const next of pending) {
      strategy.tell(next.id, { status: 'ok', score: -next.value });
      best = Math.min(best, next.value);
      told++;
    }
  }
  return best;
}

function meanStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const objectives = args.objectives.map((name) => ({ objective: syntheticObjective(name), space: loadSpace(name) }));
  const names = args.strategies ?? strategyNames();
  const rows: Array<{ strategy: string; objective: string; mean: number; std: number; seconds: number; regrets: number[] } | { strategy: string; objective: string; skipped: string }> = [];
  for (const strategy of names) {
    for (const { objective, space } of objectives) {
      const regrets: number[] = [];
      const t0 = performance.now();
      try {
        for (let seed = 1; seed <= args.seeds; seed++) {
          const rng = Rng.seeded(`bench-hpo/${objective.name}/${seed}`).split(strategy);
          const s = createStrategy(strategy, { space, rng, budget: args.evals, options: args.options[strategy] ?? {} });
          regrets.push(runOnce(s, objective, args.evals, args.batch) - objective.optimum);
        }
      } catch (err) {
        if (args.strategies) throw err;
        rows.push({ strategy, objective: objective.name, skipped: (err as Error).message.split('\n')[0] });
        continue;
      }
      rows.push({ strategy, objective: objective.name, ...meanStd(regrets), seconds: (performance.now() - t0) / 1000, regrets });
    }
  }
  if (args.json) {
    console.log(JSON.stringify({ evals: args.evals, seeds: args.seeds, batch: args.batch, options: args.options, rows, reference: REFERENCE }, null, 2));
    return;
  }
  const batches = args.batch > 1 ? `, synchronous batches of ${args.batch}` : '';
  console.log(`regret = best value found - known optimum; ${args.evals} evaluations${batches}, ${args.seeds} seeds (mean ± std)\n`);
  const header = ['strategy', ...objectives.map((o) => o.objective.name), 'seconds'];
  const table: string[][] = [header];
  for (const strategy of names) {
    const cells = objectives.map(({ objective }) => {
      const row = rows.find((r) => r.strategy === strategy && r.objective === objective.name);
      if (!row) return '-';
      return 'skipped' in row ? `skipped (${row.skipped.slice(0, 40)})` : `${row.mean.toFixed(4)} ± ${row.std.toFixed(4)}`;
    });
    const secs = rows.filter((r) => r.strategy === strategy && 'seconds' in r).reduce((s, r) => s + ('seconds' in r ? r.seconds : 0), 0);
    table.push([strategy, ...cells, secs.toFixed(1)]);
  }
  for (const [peer, figures] of Object.entries(REFERENCE)) {
    table.push([`${peer} (Python, reference)`, ...objectives.map((o) => (figures[o.objective.name] ?? Number.NaN).toFixed(4)), '']);
  }
  const widths = header.map((_, c) => Math.max(...table.map((r) => r[c].length)));
  for (const r of table) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('  '));
}

main();
