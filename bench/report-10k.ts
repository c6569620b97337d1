/**
 * The report of large runs, measured side by side with a small one: the first 10,000 children of an
 * aging-evolution search on the NAS-Bench-201 table (population 10, sample 3; most children are
 * duplicates, as the table has 6,466 distinct cells), the first 10,000 of a random search on Branin
 * (10,000 evaluations), and the first 500 of the aging search. Each is written to a temporary run
 * directory, then reported with `nas report`: time to read the run
 * and build the page, file size, and in headless Chromium the time to first contentful paint and to the
 * load event (median of several loads, each in a fresh page). Also the dashboard's response time for the
 * large run's page, first (rendered) and cached.
 *
 *   npx tsx bench/report-10k.ts [--children 10000] [--small 500] [--loads 3] [--table <csv>] [--keep <dir>]
 *
 * The table is NAS_SHARED_DIR's NAS-Bench-201 CIFAR-10 table when present, else `--table`, else the
 * generated table of test/helpers/fixtures.ts. Chromium: NAS_CHROMIUM, else /usr/bin/chromium.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startDashboard } from '../src/report/dashboard.ts';
import { buildReport, writeReport } from '../src/report/report.ts';
import { loadRunData } from '../src/report/run-data.ts';
import type { RunConfig } from '../src/run/config.ts';
import { Runner } from '../src/run/runner.ts';
import { snapshotOf, spaceOf, strategyOf } from '../src/run/session.ts';
import { createEvaluator } from '../src/evaluators/all.ts';
import { createRunDir } from '../src/store/run-dir.ts';
import { writeSnapshot } from '../src/store/snapshot.ts';
import { InlineExecutor } from '../src/workers/inline.ts';
import { writeNb201TableFixture } from '../test/helpers/fixtures.ts';
import { numberArg, sharedDataPath, stringArg } from './args.ts';

const CHILDREN = numberArg('children', 10_000);
const SMALL = numberArg('small', 500);
/** The budget of the search the runs are the start of. */
const EVALUATIONS = 10_000;
const LOADS = numberArg('loads', 3);
const CHROMIUM = process.env.NAS_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function tableFile(work: string): string {
  const given = stringArg('table', '');
  if (given) return given;
  const shared = sharedDataPath('benchmarks/nas-bench-201/cifar10.csv');
  return existsSync(shared) ? shared : writeNb201TableFixture(work);
}

/** The runs measured: the first children of an aging search on the table, and a random search on Branin. */
function configs(table: string): Record<string, RunConfig> {
  const base = { format: 1 as const, command: 'search', budget: EVALUATIONS, seed: 1, workers: 1, evaluatorOptions: {}, baseDir: process.cwd() };
  const aging = { ...base, space: 'nas-bench-201', strategy: 'aging', strategyOptions: { population: 10, sample: 3 }, evaluator: `table:${table}`, metric: 'valid_12', report: 'test_200' };
  return { small: aging, nb201: aging, branin: { ...base, space: 'branin', strategy: 'random', strategyOptions: {}, evaluator: 'branin' } };
}

/**
 * Writes a run directory holding the first `children` children (duplicates included) of the search
 * `config` names: config.json, the journal (not fsynced) and snapshots, as `nas search` writes them,
 * stopped after that many children as if interrupted (and not stopped earlier when many children in a
 * row are duplicates, as `nas search` would).
 */
async function makeRun(dir: string, config: RunConfig, children: number): Promise<number> {
  const started = performance.now();
  const run = createRunDir(dir, config as unknown as Record<string, unknown>, { fsync: false });
  const { paths, journal } = run;
  const space = spaceOf(config);
  const evaluator = await createEvaluator(config.evaluator, { space: config.space, metric: config.metric, report: config.report });
  const runner = new Runner({
    strategy: strategyOf(config, space), space, executor: new InlineExecutor(evaluator), budget: config.budget, seed: config.seed, sink: journal,
    maxChildren: children, maxIdleStreak: children, ignoreFidelity: true,
    snapshot: (d) => writeSnapshot(paths.snapshot, snapshotOf(config, space, d)),
  });
  try {
    await runner.run();
  } finally {
    run.close();
  }
  return (performance.now() - started) / 1000;
}

/** Median first contentful paint and load-event time (ms) of `file` over `LOADS` fresh pages. */
async function paint(file: string): Promise<{ fcp: number; load: number }> {
  const profile = mkdtempSync(join(tmpdir(), 'nas-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: FLAGS, headless: true, viewport: { width: 1280, height: 900 } });
  const fcp: number[] = [];
  const load: number[] = [];
  try {
    for (let i = 0; i < LOADS; i++) {
      const page = await context.newPage();
      await page.goto(`file://${file}`, { waitUntil: 'load', timeout: 300_000 });
      // Evaluated in the page (a string: this project's TypeScript has no DOM types).
      const t = (await page.evaluate(`new Promise((resolve) => {
        const load = performance.getEntriesByType('navigation')[0].loadEventEnd;
        new PerformanceObserver((list) => {
          const e = list.getEntriesByName('first-contentful-paint')[0];
          if (e) resolve({ fcp: e.startTime, load });
        }).observe({ type: 'paint', buffered: true });
        setTimeout(() => resolve({ fcp: NaN, load }), 10000);
      })`)) as { fcp: number; load: number };
      fcp.push(t.fcp);
      load.push(t.load);
      await page.close();
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return { fcp: median(fcp), load: median(load) };
}

interface Measured {
  children: number;
  evaluations: number;
  readSeconds: number;
  buildSeconds: number;
  bytes: number;
  fcp: number;
  load: number;
}

async function measure(runDir: string, out: string): Promise<Measured> {
  const t0 = performance.now();
  const run = loadRunData(runDir);
  const readSeconds = (performance.now() - t0) / 1000;
  const s = await writeReport({ runDirs: [runDir], out });
  const { fcp, load } = await paint(out);
  return { children: run.children.length, evaluations: run.evaluated.length, readSeconds, buildSeconds: s.buildMs / 1000, bytes: statSync(out).size, fcp, load };
}

async function dashboardTimes(runsDir: string): Promise<{ first: number; cached: number }> {
  const d = await startDashboard({ dir: runsDir, port: 0, log: () => {} });
  try {
    const time = async (): Promise<number> => {
      const t = performance.now();
      const r = await fetch(`${d.url}run/nb201`);
      await r.text();
      return performance.now() - t;
    };
    const first = await time();
    const cached = median([await time(), await time(), await time()]);
    return { first, cached };
  } finally {
    await d.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}; apt-get install chromium or set NAS_CHROMIUM`);
  const keep = stringArg('keep', '');
  const work = keep || mkdtempSync(join(tmpdir(), 'nas-bench-report-'));
  try {
    const table = tableFile(work);
    console.log(`table: ${table}`);
    const sizes: Record<string, number> = { small: SMALL, nb201: CHILDREN, branin: CHILDREN };
    const m: Record<string, Measured> = {};
    for (const [name, config] of Object.entries(configs(table))) {
      const seconds = await makeRun(join(work, 'runs', name), config, sizes[name]);
      console.log(`run ${name}: the first ${sizes[name]} children of ${config.strategy} ${JSON.stringify(config.strategyOptions)} on ${config.space}, seed 1 (${seconds.toFixed(1)} s to write)`);
    }
    // The first report in a process also loads vega and Graphviz: built once before measuring, so the rows compare alike.
    const warm = performance.now();
    await buildReport([join(work, 'runs', 'small')]);
    console.log(`warm-up: the small report once, loading vega and Graphviz: ${((performance.now() - warm) / 1000).toFixed(2)} s`);
    for (const name of Object.keys(sizes)) m[name] = await measure(join(work, 'runs', name), join(work, `${name}.html`));
    console.log('\nrun     children  evaluations  read run (s)  build report (s)  file (MiB)  first paint (ms)  load event (ms)');
    for (const [name, r] of Object.entries(m)) {
      console.log(`${name.padEnd(6)} ${String(r.children).padStart(9)}  ${String(r.evaluations).padStart(11)}  ${r.readSeconds.toFixed(2).padStart(12)}  ${r.buildSeconds.toFixed(2).padStart(16)}  ${(r.bytes / 2 ** 20).toFixed(2).padStart(10)}  ${r.fcp.toFixed(0).padStart(16)}  ${r.load.toFixed(0).padStart(15)}`);
    }
    for (const name of ['nb201', 'branin']) {
      const ratio = (k: keyof Measured): string => (m[name][k] / m.small[k]).toFixed(1);
      console.log(`${name} / small: children ${ratio('children')}x, evaluations ${ratio('evaluations')}x, build ${ratio('buildSeconds')}x, file ${ratio('bytes')}x, first paint ${ratio('fcp')}x, load ${ratio('load')}x`);
    }
    const d = await dashboardTimes(join(work, 'runs'));
    console.log(`dashboard, page of the nb201 run: first request ${d.first.toFixed(0)} ms (reads and renders), then ${d.cached.toFixed(1)} ms (cached until the run changes)`);
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

await main();
