/**
 * A run interrupted after any event (the journal then ends there, the snapshot is whatever was last
 * written) and resumed, as often as it takes, ends with exactly the journal results and best child of
 * an uninterrupted run. Interruptions here are in-process; test/resume-sigkill.test.ts kills real
 * processes.
 */
import { appendFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import type { RunConfig } from '../src/run/config.ts';
import { resumeRun, startRun, type RunSummary, type RuntimeOptions } from '../src/run/session.ts';
import { readJournal } from '../src/store/journal.ts';
import { results } from './helpers/journal-results.ts';
import { nb201TableFixture } from './helpers/fixtures.ts';

const CSV = nb201TableFixture();

function config(workers: number, budget = 60): RunConfig {
  return {
    format: 1, command: 'evolve', space: 'nas-bench-201', strategy: 'aging', strategyOptions: { population: 10, sample: 3 },
    budget, seed: 4242, evaluator: `table:${CSV}`, workers, evaluatorOptions: {}, baseDir: process.cwd(),
  };
}

class Interrupt extends Error {}

const quiet: RuntimeOptions = { executor: 'inline', fsync: false, log: () => undefined };

/** Runs to the end, interrupting after a random number of events each time and resuming. */
async function interrupted(cfg: RunConfig, seed: number, snapshotEvery: number, tornLines: boolean): Promise<{ summary: RunSummary; stops: number; dir: string }> {
  const dir = join(mkdtempSync(join(tmpdir(), 'nas-resume-')), 'run');
  const rng = Rng.seeded(seed);
  let stops = 0;
  for (let attempt = 0; attempt < 200; attempt++) {
    let left = rng.intBetween(1, 40);
    const runtime: RuntimeOptions = {
      ...quiet, snapshotEvery,
      onEvent: () => {
        if (--left === 0) throw new Interrupt(`stop ${attempt}`);
      },
    };
    try {
      const summary = existsSync(join(dir, 'config.json')) ? await resumeRun(dir, {}, runtime) : await startRun(cfg, dir, runtime);
      return { summary, stops, dir };
    } catch (err) {
      if (!(err instanceof Interrupt)) throw err;
      stops++;
      if (tornLines && rng.next() < 0.5) appendFileSync(join(dir, 'journal.jsonl'), '{"e":"finished","id":');
    }
  }
  throw new Error('the run never finished');
}

describe.each([
  { workers: 1, snapshotEvery: 5, torn: true },
  { workers: 1, snapshotEvery: 100000, torn: false },
  { workers: 3, snapshotEvery: 7, torn: true },
])('resume with $workers worker(s), a snapshot every $snapshotEvery outcomes', ({ workers, snapshotEvery, torn }) => {
  it('ends with the same journal results and best child as an uninterrupted run', async () => {
    const cfg = config(workers);
    const refDir = join(mkdtempSync(join(tmpdir(), 'nas-ref-')), 'run');
    const reference = await startRun(cfg, refDir, quiet);
    const refEvents = readJournal(join(refDir, 'journal.jsonl')).events;
    expect(reference.evaluations).toBe(60);
    for (const seed of [1, 2, 3]) {
      const { summary, stops, dir } = await interrupted(cfg, seed * 10 + workers, snapshotEvery, torn);
      expect(stops).toBeGreaterThan(5);
      expect(results(readJournal(join(dir, 'journal.jsonl')).events)).toEqual(results(refEvents));
      expect(summary.best).toEqual(reference.best);
      expect(summary.resumes).toBe(stops);
      expect({ ...summary, runDir: '', resumes: 0 }).toEqual({ ...reference, runDir: '', resumes: 0 });
    }
  });
});
