/**
 * The learning-curve benchmark: multi-fidelity strategies on the `curves` objective (synthetic learning
 * curves from one parametric family with seeded noise, src/evaluators/curves.ts), whose final accuracy
 * after 27 epochs is known for each of the 10,000 configurations of the `curves` space. Runs in seconds.
 *
 *   npx tsx bench/learning-curves.ts [--seeds 100] [--epochs 270,540,1080] [--horizon 540] [--threads N] [--json]
 *
 * Seeds are spread over `--threads` worker threads (default: one per core); each seed's figures depend on
 * the seed alone, so the output is the same for any number of threads.
 *
 * 1. Regret against total epochs trained (one worker): regret = best final accuracy of the space minus
 *    the noise-free accuracy of the strategy's pick (the best observed score among the trials at the
 *    largest fidelity reached so far), after each total of epochs, mean ± standard error over the seeds.
 *    Random search trains every configuration for 27 epochs; hyperband, bohb and asha run min 1, max 27,
 *    eta 3 (continued promotions, and hyperband also from scratch); pbt runs 16 members in steps of 3.
 * 2. Workers' busy fraction with 1, 4 and 16 asynchronous workers in simulated time: each trial occupies a
 *    worker for its epochs times its configuration's epoch cost (0.5 to 1.5); a strategy that answers
 *    `wait` leaves the worker idle until a trial finishes. Fraction of worker time busy up to `--horizon`
 *    (or, for a strategy that finishes earlier, up to its last trial's end).
 * 3. Epochs trained by successive halving (eta 3, rungs at 1, 3 and 9 epochs, 9 + 3 + 1 configurations)
 *    with continued promotions and from scratch, over the same brackets, with the regret each reaches.
 *
 * Every evaluation goes through the objective's evaluator with checkpoints in memory, as in a run.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { flagArg, numberArg, stringArg } from './args.ts';
import { MemoryCheckpointStore } from '../src/core/checkpoint.ts';
import { deriveSeed, Rng } from '../src/core/rng.ts';
import { curveOptimum, CurveFamily, evaluateCurve, type CurveSettings } from '../src/evaluators/curves.ts';
import '../src/search/all.ts';
import { createStrategy } from '../src/search/registry.ts';
import type { Strategy, Suggestion } from '../src/search/strategy.ts';
import { loadSpace } from '../src/spaces/load.ts';

const FINAL = 27;
const SETTINGS: CurveSettings = { epochs: FINAL, noise: 0.02 };
const space = loadSpace('curves');
const family = new CurveFamily(space);
const optimum = curveOptimum(family, FINAL).value;

/** The strategies compared, by label: registry name and options. */
const STRATEGIES: Record<string, { name: string; options: Record<string, unknown> }> = {
  random: { name: 'random', options: {} },
  'hyperband (from scratch)': { name: 'hyperband', options: { minBudget: 1, maxBudget: FINAL, eta: 3, continuePromotions: false } },
  hyperband: { name: 'hyperband', options: { minBudget: 1, maxBudget: FINAL, eta: 3 } },
  bohb: { name: 'bohb', options: { minBudget: 1, maxBudget: FINAL, eta: 3 } },
  asha: { name: 'asha', options: { minBudget: 1, maxBudget: FINAL, eta: 3 } },
  'asha (3 brackets)': { name: 'asha', options: { minBudget: 1, maxBudget: FINAL, eta: 3, brackets: 3 } },
  'asha (kde sampler)': { name: 'asha', options: { minBudget: 1, maxBudget: FINAL, eta: 3, sampler: 'kde' } },
  pbt: { name: 'pbt', options: { population: 16, interval: 3, maxBudget: FINAL } },
};

/** One simulated search: a strategy, its evaluations (checkpoints in memory) and what they cost. */
class Search {
  readonly strategy: Strategy<unknown>;
  private readonly store = new MemoryCheckpointStore();
  epochs = 0;
  private best: { fidelity: number; score: number; value: number } | undefined;

  constructor(label: string, readonly seed: number, options: Record<string, unknown> = {}) {
    const s = STRATEGIES[label] ?? { name: label, options: {} };
    this.strategy = createStrategy(s.name, { space, rng: Rng.seeded(`bench-curves/${seed}`).split(s.name), budget: 0, options: { ...s.options, ...options } });
  }

  /** Evaluates a suggestion now; returns what to tell and the simulated time it takes. */
  evaluate(s: Suggestion<unknown>): { score: number; cost: number } {
    const r = evaluateCurve(family, SETTINGS, this.store, {
      trialId: s.id, config: space.toJSON(s.config), seed: deriveSeed(this.seed, 'child', s.id), fidelity: s.fidelity ?? FINAL,
      ...(s.continueFrom !== undefined ? { continueFrom: s.continueFrom } : {}), ...(s.horizon !== undefined ? { horizon: s.horizon } : {}),
      ...(s.checkpoint ? { checkpoint: true } : {}),
    });
    const trained = r.epochsTrained ?? 0;
    this.epochs += trained;
    const fidelity = s.fidelity ?? FINAL;
    const value = r.metrics?.value as number;
    const b = this.best;
    if (!b || fidelity > b.fidelity || (fidelity === b.fidelity && (r.score as number) > b.score)) this.best = { fidelity, score: r.score as number, value };
    return { score: r.score as number, cost: trained * family.params(s.config).epochCost };
  }

  /** Regret of the current pick (1 before any). */
  regret(): number {
    return this.best ? optimum - this.best.value : 1;
  }
}

/** Regret after each total of epochs, one worker. */
function regretAt(label: string, seed: number, totals: readonly number[]): number[] {
  const search = new Search(label, seed);
  const out: number[] = [];
  let next = 0;
  while (next < totals.length) {
    const r = search.strategy.ask();
    if (r.kind !== 'suggestion') break;
    const before = search.regret();
    const { score } = search.evaluate(r.suggestion);
    // A total passed during this evaluation: report the pick before it.
    while (next < totals.length && search.epochs > totals[next]) {
      out.push(before);
      next++;
    }
    search.strategy.tell(r.suggestion.id, { status: 'ok', score });
  }
  while (out.length < totals.length) out.push(search.regret());
  return out;
}

/** Busy fraction of `workers` asynchronous workers up to simulated time `horizon`. */
function busyFraction(label: string, seed: number, workers: number, horizon: number): number {
  const search = new Search(label, seed);
  const running: Array<{ id: number; end: number; score: number; start: number }> = [];
  let now = 0;
  let busy = 0;
  let done = false;
  for (;;) {
    while (!done && running.length < workers) {
      const r = search.strategy.ask();
      if (r.kind === 'done') done = true;
      if (r.kind !== 'suggestion') break;
      const { score, cost } = search.evaluate(r.suggestion);
      running.push({ id: r.suggestion.id, end: now + cost, score, start: now });
    }
    // A strategy that is done (PBT, once every member is trained) ends the measured span.
    if (running.length === 0) return now > 0 ? busy / (workers * Math.min(now, horizon)) : 0;
    running.sort((a, b) => a.end - b.end || a.id - b.id);
    const next = running.shift() as (typeof running)[number];
    busy += Math.min(next.end, horizon) - Math.min(next.start, horizon);
    now = next.end;
    if (now >= horizon) {
      for (const r of running) busy += horizon - Math.min(r.start, horizon);
      return busy / (workers * horizon);
    }
    search.strategy.tell(next.id, { status: 'ok', score: next.score });
  }
}

/** Successive halving over `brackets` brackets (1, 3, 9 epochs), continued or from scratch. */
function halving(seed: number, continued: boolean, brackets: number): { epochs: number; regret: number } {
  const search = new Search('sh', seed, { minBudget: 1, maxBudget: 9, eta: 3, iterations: brackets, continuePromotions: continued });
  for (;;) {
    const r = search.strategy.ask();
    if (r.kind !== 'suggestion') break;
    search.strategy.tell(r.suggestion.id, { status: 'ok', score: search.evaluate(r.suggestion).score });
  }
  return { epochs: search.epochs, regret: search.regret() };
}

function meanSe(values: readonly number[]): { mean: number; se: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1);
  return { mean, se: Math.sqrt(variance / values.length) };
}

const fmt = ({ mean, se }: { mean: number; se: number }, digits = 4): string => `${mean.toFixed(digits)} ± ${se.toFixed(digits)}`;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ')).join('\n');
}

/** Every figure of one seed, in the order main() aggregates them. */
interface SeedFigures {
  regret: number[][];
  busy: number[][];
  sh: Array<{ epochs: number; regret: number }>;
}

const BUSY_LABELS = ['hyperband', 'bohb', 'asha', 'asha (3 brackets)', 'pbt', 'random'];
const WORKER_COUNTS = [1, 4, 16];

function seedFigures(seed: number, totals: readonly number[], horizon: number): SeedFigures {
  return {
    regret: Object.keys(STRATEGIES).map((label) => regretAt(label, seed, totals)),
    busy: BUSY_LABELS.map((label) => WORKER_COUNTS.map((k) => busyFraction(label, seed, k, horizon))),
    sh: [true, false].map((continued) => halving(seed, continued, 10)),
  };
}

interface Job {
  seeds: number[];
  totals: number[];
  horizon: number;
}

/** The figures of every seed, computed on `threads` worker threads (seed order kept). */
async function allSeeds(job: Job, threads: number): Promise<SeedFigures[]> {
  const n = Math.max(1, Math.min(threads, job.seeds.length));
  if (n === 1) return job.seeds.map((seed) => seedFigures(seed, job.totals, job.horizon));
  const parts = Array.from({ length: n }, (_, t) => job.seeds.filter((_, i) => i % n === t));
  const results = await Promise.all(parts.map((seeds) => new Promise<SeedFigures[]>((resolveResult, reject) => {
    // A worker thread's entry must be JavaScript: it registers tsx's loader, then imports this file.
    const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
    const entry = `import(${tsx}).then((t) => { t.register(); return import(${JSON.stringify(import.meta.url)}); }).catch((e) => { console.error(e); process.exit(1); });`;
    const worker = new Worker(entry, { eval: true, workerData: { ...job, seeds } satisfies Job });
    worker.once('message', resolveResult);
    worker.once('error', reject);
    worker.once('exit', (code) => { if (code !== 0) reject(new Error(`worker thread exited with code ${code}`)); });
  })));
  return job.seeds.map((_, i) => results[i % n][Math.floor(i / n)]);
}

async function main(): Promise<void> {
  const seeds = numberArg('seeds', 100);
  const totals = stringArg('epochs', '270,540,1080').split(',').map(Number);
  const horizon = numberArg('horizon', 540);
  const threads = numberArg('threads', availableParallelism());
  const started = performance.now();
  const ids = Array.from({ length: seeds }, (_, i) => i + 1);
  const figures = await allSeeds({ seeds: ids, totals, horizon }, threads);

  const regret = Object.keys(STRATEGIES).map((label, l) => ({ label, byTotal: totals.map((_, i) => meanSe(figures.map((f) => f.regret[l][i]))) }));
  const busy = BUSY_LABELS.map((label, l) => ({ label, byWorkers: WORKER_COUNTS.map((_, k) => meanSe(figures.map((f) => f.busy[l][k]))) }));
  const sh = [true, false].map((continued, c) => {
    const runs = figures.map((f) => f.sh[c]);
    return { continued, epochs: meanSe(runs.map((r) => r.epochs)), regret: meanSe(runs.map((r) => r.regret)) };
  });
  const seconds = (performance.now() - started) / 1000;

  if (flagArg('json')) {
    console.log(JSON.stringify({ seeds, totals, horizon, threads, optimum, regret, busy, sh, seconds }, null, 2));
    return;
  }
  console.log(`curves objective: best final accuracy after ${FINAL} epochs ${optimum.toFixed(4)}; ${seeds} seeds, mean ± standard error\n`);
  console.log('Regret against total epochs trained (one worker)');
  console.log(table([['strategy', ...totals.map((t) => `${t} epochs`)], ...regret.map((r) => [r.label, ...r.byTotal.map((v) => fmt(v))])]));
  console.log(`\nWorkers' busy fraction up to simulated time ${horizon} (asynchronous workers)`);
  console.log(table([['strategy', '1 worker', '4 workers', '16 workers'], ...busy.map((b) => [b.label, ...b.byWorkers.map((v) => fmt(v, 3))])]));
  const [cont, scratch] = sh;
  console.log('\nSuccessive halving, eta 3, rungs 9 x 1, 3 x 3, 1 x 9 epochs, 10 brackets');
  console.log(table([
    ['promotions', 'epochs trained', 'regret'],
    ['continued', fmt(cont.epochs, 1), fmt(cont.regret)],
    ['from scratch', fmt(scratch.epochs, 1), fmt(scratch.regret)],
  ]));
  console.log(`continued / from scratch: ${(cont.epochs.mean / scratch.epochs.mean).toFixed(4)} of the epochs (7/9 = ${(7 / 9).toFixed(4)})`);
  console.log(`\n${seconds.toFixed(1)} s on ${Math.min(threads, seeds)} thread(s)`);
}

if (isMainThread) {
  await main();
} else {
  const job = workerData as Job;
  parentPort?.postMessage(job.seeds.map((seed) => seedFigures(seed, job.totals, job.horizon)));
}
