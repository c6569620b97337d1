/**
 * Multi-fidelity runs on the learning-curve objective (no tfjs): promotions continue checkpoints kept in
 * the run directory and train only the epochs they lack (7/9 of successive halving's epochs with eta 3
 * and three rungs), continuing equals training straight through, checkpoints are deleted as soon as no
 * rung can promote them, and a run interrupted anywhere and resumed ends exactly as an uninterrupted one.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointsDirOf } from '../src/core/checkpoint-dir.ts';
import { Rng } from '../src/core/rng.ts';
import { CurveFamily, observe } from '../src/evaluators/curves.ts';
import type { RunConfig } from '../src/run/config.ts';
import { resumeRun, startRun, type RunSummary, type RuntimeOptions } from '../src/run/session.ts';
import { loadSpace } from '../src/spaces/load.ts';
import { readJournal, type AskedEvent, type FinishedEvent } from '../src/store/journal.ts';
import { results } from './helpers/journal-results.ts';

const quiet: RuntimeOptions = { executor: 'inline', fsync: false, log: () => undefined };

function config(strategy: string, strategyOptions: Record<string, unknown>, budget: number, workers = 1): RunConfig {
  return {
    format: 1, command: 'search', space: 'curves', strategy, strategyOptions, budget, seed: 31, evaluator: 'curves', workers,
    evaluatorOptions: {}, baseDir: process.cwd(),
  };
}

const newDir = (): string => join(mkdtempSync(join(tmpdir(), 'nas-mf-')), 'run');
const checkpointFiles = (dir: string): string[] => (existsSync(checkpointsDirOf(dir)) ? readdirSync(checkpointsDirOf(dir)) : []);
const events = (dir: string) => readJournal(join(dir, 'journal.jsonl')).events;

describe('successive halving with continued promotions', () => {
  it('trains 21 of the 27 epochs of training each rung from scratch, and continuing equals training straight through', async () => {
    const sh = { minBudget: 1, maxBudget: 9, eta: 3, iterations: 1 };
    const seen: number[] = [];
    const dir = newDir();
    const continued = await startRun(config('sh', sh, 100), dir, { ...quiet, onEvent: () => void seen.push(checkpointFiles(dir).length) });
    const scratch = await startRun(config('sh', { ...sh, continuePromotions: false }, 100), newDir(), quiet);
    expect([continued.evaluations, scratch.evaluations]).toEqual([13, 13]);
    expect(continued.epochs).toBe(9 * 1 + 3 * 2 + 1 * 6);
    expect(scratch.epochs).toBe(9 * 1 + 3 * 3 + 1 * 9);
    expect(continued.epochs / scratch.epochs).toBeCloseTo(7 / 9, 12);
    // At most one rung's checkpoints at a time, none once the run is over.
    expect(Math.max(...seen)).toBe(9);
    expect(checkpointFiles(dir)).toEqual([]);

    // The top trial continued its parent, which continued its own: its observation is the lineage's after 9 epochs.
    const evs = events(dir);
    const asked = new Map(evs.flatMap((e) => (e.e === 'asked' ? [[e.id, e] as const] : [])));
    const top = [...asked.values()].find((e) => e.fidelity === 9) as AskedEvent;
    let root = top;
    while (root.continueFrom !== undefined) root = asked.get(root.continueFrom) as AskedEvent;
    expect(root.fidelity).toBe(1);
    const finished = evs.find((e): e is FinishedEvent => e.e === 'finished' && e.id === top.id) as FinishedEvent;
    const family = new CurveFamily(loadSpace('curves'));
    expect(finished.epochsTrained).toBe(6);
    expect(finished.score).toBe(observe(family.valueAt(top.config, 9), root.seed, 9, 0.02));
    expect(finished.curve).toHaveLength(9);
  });
});

class Interrupt extends Error {}

/** Runs to the end, stopping after a random number of events each time and resuming. */
async function interrupted(cfg: RunConfig, seed: number): Promise<{ summary: RunSummary; stops: number; dir: string }> {
  const dir = newDir();
  const rng = Rng.seeded(seed);
  let stops = 0;
  for (let attempt = 0; attempt < 300; attempt++) {
    let left = rng.intBetween(1, 30);
    const runtime: RuntimeOptions = { ...quiet, snapshotEvery: 4, onEvent: () => {
      if (--left === 0) throw new Interrupt();
    } };
    try {
      const summary = existsSync(join(dir, 'config.json')) ? await resumeRun(dir, {}, runtime) : await startRun(cfg, dir, runtime);
      return { summary, stops, dir };
    } catch (err) {
      if (!(err instanceof Interrupt)) throw err;
      stops++;
    }
  }
  throw new Error('the run never finished');
}

describe.each([
  { strategy: 'asha', options: { minBudget: 1, maxBudget: 9, eta: 3, brackets: 2 }, budget: 50, workers: 1 },
  { strategy: 'asha', options: { minBudget: 1, maxBudget: 9, eta: 3 }, budget: 40, workers: 3 },
  { strategy: 'hyperband', options: { minBudget: 1, maxBudget: 9, eta: 3 }, budget: 40, workers: 1 },
  { strategy: 'pbt', options: { population: 6, interval: 1, maxBudget: 8 }, budget: 40, workers: 2 },
])('$strategy with $workers worker(s), interrupted and resumed', ({ strategy, options, budget, workers }) => {
  it('ends with the journal results of an uninterrupted run and no checkpoint left', async () => {
    const cfg = config(strategy, options, budget, workers);
    const refDir = newDir();
    const reference = await startRun(cfg, refDir, quiet);
    expect(reference.epochs).toBeGreaterThan(0);
    expect(events(refDir).some((e) => e.e === 'asked' && e.continueFrom !== undefined)).toBe(true);
    for (const seed of [1, 2]) {
      const { summary, stops, dir } = await interrupted(cfg, seed * 7 + workers);
      expect(stops).toBeGreaterThan(3);
      // A continuation whose checkpoint had been deleted would train from scratch with its own seed and score otherwise.
      expect(results(events(dir))).toEqual(results(events(refDir)));
      expect({ ...summary, runDir: '', resumes: 0 }).toEqual({ ...reference, runDir: '', resumes: 0 });
      expect(checkpointFiles(dir)).toEqual([]);
    }
  });
});
