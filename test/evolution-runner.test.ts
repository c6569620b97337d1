import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../src/cli/progress.ts';
import { Rng } from '../src/core/rng.ts';
import { networkCost } from '../src/genome/cost.ts';
import { validateGenome } from '../src/genome/genome.ts';
import type { RunConfig } from '../src/run/config.ts';
import { Runner } from '../src/run/runner.ts';
import { executeRun, resumeRun, startRun, type RuntimeOptions } from '../src/run/session.ts';
import { runStatus } from '../src/run/status.ts';
import { AgingEvolution } from '../src/search/evolution/aging.ts';
import { Nb201Space } from '../src/spaces/nas-bench-201.ts';
import { readJournal, type JournalEvent } from '../src/store/journal.ts';
import { ProcessPool } from '../src/workers/pool.ts';
import { nb201TableFixture } from './helpers/fixtures.ts';

const CSV = nb201TableFixture();
const FAULTY = new URL('./fixtures/faulty-evaluator.ts', import.meta.url).href;
const quiet: RuntimeOptions = { executor: 'inline', fsync: false, log: () => undefined };
const newDir = (): string => join(mkdtempSync(join(tmpdir(), 'nas-runner-')), 'run');

function config(over: Partial<RunConfig> = {}): RunConfig {
  return {
    format: 1, command: 'evolve', space: 'nas-bench-201', strategy: 'aging', strategyOptions: { population: 10, sample: 3 },
    budget: 80, seed: 31, evaluator: `table:${CSV}`, workers: 1, evaluatorOptions: {}, baseDir: process.cwd(), ...over,
  };
}

const journalOf = (dir: string): JournalEvent[] => readJournal(join(dir, 'journal.jsonl')).events;

describe('runner', () => {
  it('never evaluates a canonical hash twice and gives duplicates the original result', async () => {
    const dir = newDir();
    const summary = await startRun(config({ budget: 150 }), dir, quiet);
    const events = journalOf(dir);
    const asked = new Map(events.filter((e) => e.e === 'asked').map((e) => [e.id, e]));
    const startedHashes = events.filter((e) => e.e === 'started').map((e) => asked.get(e.id)!.hash);
    expect(new Set(startedHashes).size).toBe(startedHashes.length);
    expect(startedHashes.length).toBe(150);
    const finished = new Map(events.filter((e) => e.e === 'finished').map((e) => [e.id, e]));
    const dups = [...finished.values()].filter((e) => e.duplicateOf !== undefined);
    expect(dups.length).toBeGreaterThan(0);
    expect(summary.duplicates).toBe(dups.length);
    for (const d of dups) {
      const original = finished.get(d.duplicateOf!)!;
      expect(asked.get(d.id)!.hash).toBe(asked.get(original.id)!.hash);
      expect([d.score, d.report]).toEqual([original.score, original.report]);
      expect(original.duplicateOf).toBeUndefined();
    }
  });

  it('rejects children above --max-params before evaluating them; they do not count as evaluations', async () => {
    const dir = newDir();
    const maxParams = 800_000;
    const summary = await startRun(config({ budget: 40, maxParams }), dir, quiet);
    const events = journalOf(dir);
    const rejected = events.flatMap((e) => (e.e === 'failed' && e.failure === 'rejected' ? [e.id] : []));
    const started = new Set(events.filter((e) => e.e === 'started').map((e) => e.id));
    expect(rejected.length).toBeGreaterThan(0);
    expect(started.size).toBe(40);
    expect(summary.evaluations).toBe(40);
    const net = { inputShape: [32, 32, 3] as [number, number, number], numClasses: 10 };
    for (const e of events) {
      if (e.e !== 'asked') continue;
      const params = networkCost(validateGenome(e.config), net).params;
      expect(rejected.includes(e.id)).toBe(params > maxParams && !events.some((f) => f.e === 'finished' && f.id === e.id));
      if (started.has(e.id)) expect(params).toBeLessThanOrEqual(maxParams);
    }
  });

  it('keeps going when workers crash or return NaN, and never tells the strategy NaN', async () => {
    const space = new Nb201Space();
    const strategy = new AgingEvolution(space, Rng.seeded(5), { population: 12, sample: 3 });
    const pool = new ProcessPool({ evaluatorModule: FAULTY, spec: 'faulty', evaluatorOptions: { space: 'nas-bench-201' }, workers: 2, echoStderr: false });
    const events: JournalEvent[] = [];
    try {
      const runner = new Runner({ strategy: strategy as AgingEvolution<unknown>, space: space as Nb201Space, executor: pool, budget: 24, seed: 9, sink: { append: (e) => events.push(e) } });
      const book = await runner.run();
      expect(book.evaluations).toBe(24);
      const failures = events.filter((e) => e.e === 'failed').map((e) => (e.e === 'failed' ? e.failure : ''));
      expect(failures).toContain('crash');
      expect(failures).toContain('nan');
      expect(events.filter((e) => e.e === 'finished').every((e) => e.e === 'finished' && Number.isFinite(e.score))).toBe(true);
      expect(strategy.population().every((m) => Number.isFinite(m.score))).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('runs K children at once in worker processes and spends exactly the budget', async () => {
    const dir = newDir();
    const summary = await startRun(config({ budget: 30, workers: 3 }), dir, { log: () => undefined, fsync: false });
    expect(summary.evaluations).toBe(30);
    const slots = new Set(journalOf(dir).filter((e) => e.e === 'started').map((e) => (e.e === 'started' ? e.worker : -1)));
    expect([...slots].sort()).toEqual([0, 1, 2]);
  });

  it('refuses a resume with other options, naming each difference', async () => {
    const dir = newDir();
    await startRun(config({ budget: 12 }), dir, quiet);
    const attempt = resumeRun(dir, { budget: 20, strategyOptions: { population: 10, sample: 5 }, evaluator: `table:${CSV}` }, quiet);
    await expect(attempt).rejects.toThrow(/refusing to resume .*\n {2}strategyOptions.sample: the run has 3, given 5\n {2}budget: the run has 12, given 20/);
    await expect(resumeRun(dir, { budget: 12, seed: 31 }, quiet)).resolves.toMatchObject({ evaluations: 12 });
  });

  it('draws a seed for 0, says so and stores it', async () => {
    const dir = newDir();
    const lines: string[] = [];
    const summary = await executeRun({
      given: { ...config({ budget: 5 }), seed: 0 }, defaults: { space: 'x', strategy: 'aging', strategyOptions: {} },
      runDir: dir, runtime: { ...quiet, log: (l) => lines.push(l) },
    });
    expect(summary.seed).not.toBe(0);
    expect(lines.join('\n')).toContain(`drew seed ${summary.seed}`);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).seed).toBe(summary.seed);
  });

  it('status reads a run stopped mid-way: progress, in-flight children and the exact population', async () => {
    const dir = newDir();
    let left = 100;
    const stop = new Error('stop');
    await expect(startRun(config({ budget: 60, workers: 2 }), dir, { ...quiet, snapshotEvery: 7, onEvent: () => { if (--left === 0) throw stop; } })).rejects.toBe(stop);
    const s = runStatus(dir, 3);
    const events = journalOf(dir);
    const told = events.filter((e) => e.e === 'finished').map((e) => e.id);
    expect(s.population.map((p) => p.id)).toEqual(told.slice(-10));
    expect(s.top).toHaveLength(3);
    expect(s.best?.score).toBe(Math.max(...events.map((e) => (e.e === 'finished' ? e.score : -1))));
    const outcomes = new Set(events.filter((e) => e.e === 'finished' || e.e === 'failed').map((e) => e.id));
    expect(s.inFlight).toEqual(events.flatMap((e) => (e.e === 'asked' && !outcomes.has(e.id) ? [e.id] : [])));
    expect(s.children).toBe(events.filter((e) => e.e === 'asked').length);
  });

  it('shows children done, the best so far, children per hour and an ETA', async () => {
    const written: string[] = [];
    const stream = { isTTY: false, write: (t: string) => written.push(t) } as unknown as NodeJS.WriteStream;
    let clock = 0;
    const bar = new ProgressBar({ budget: 20, stream, now: () => clock });
    await startRun(config({ budget: 20 }), newDir(), { ...quiet, onEvent: (e, book) => { clock += 1000; bar.update(e, book); } });
    expect(written.length).toBe(11);
    expect(written[written.length - 1]).toMatch(/^\[#{24}\] 20\/20 children \| best \d+\.\d{3} \(#\d+\) \| \d+\/h \| ETA 0:00\n$/);
    expect(written[5]).toMatch(/ 10\/20 children .* ETA 0:\d\d\n$/);
  });
});
