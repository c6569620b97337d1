/**
 * A large-scale-evolution run with the train evaluator keeps every child's trained weights under
 * weights/<id>/, and children inherit them: a run interrupted and resumed again and again ends with
 * the journal results, best child and kept weights of an uninterrupted run.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunConfig } from '../src/run/config.ts';
import { resumeRun, startRun, type RuntimeOptions } from '../src/run/session.ts';
import { readJournal } from '../src/store/journal.ts';
import { results } from './helpers/journal-results.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const fresh = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'nas-lse-resume-'));
  dirs.push(d);
  return join(d, 'run');
};

const config: RunConfig = {
  format: 1, command: 'evolve', space: 'large-scale', strategy: 'large-scale', strategyOptions: { population: 3 }, budget: 10, seed: 99,
  evaluator: 'train', workers: 1, baseDir: process.cwd(),
  evaluatorOptions: { dataset: 'fashion-mnist-mini', limit: 40, valFraction: 0.25, epochs: 1, batchSize: 10, backend: 'cpu' },
};

class Interrupt extends Error {}
const quiet: RuntimeOptions = { executor: 'inline', fsync: false, log: () => undefined, snapshotEvery: 3 };

describe('large-scale evolution resumes exactly', () => {
  it('interrupted after every few events, it ends like the uninterrupted run, weights included', async () => {
    const refDir = fresh();
    const reference = await startRun(config, refDir, quiet);
    const refEvents = readJournal(join(refDir, 'journal.jsonl')).events;
    // Children really inherit: some finished with inherited layers.
    expect(refEvents.some((e) => e.e === 'finished' && (e.metrics?.inheritedLayers ?? 0) > 0)).toBe(true);

    const dir = fresh();
    let stops = 0;
    for (let attempt = 0; attempt < 100; attempt++) {
      let left = 5 + (attempt % 4);
      const runtime: RuntimeOptions = { ...quiet, onEvent: () => { if (--left === 0) throw new Interrupt(); } };
      try {
        const summary = existsSync(join(dir, 'config.json')) ? await resumeRun(dir, {}, runtime) : await startRun(config, dir, runtime);
        expect(summary.best).toEqual(reference.best);
        break;
      } catch (err) {
        if (!(err instanceof Interrupt)) throw err;
        stops++;
      }
    }
    expect(stops).toBeGreaterThan(3);
    expect(results(readJournal(join(dir, 'journal.jsonl')).events)).toEqual(results(refEvents));
    for (let id = 0; id < reference.children; id++) {
      const file = (d: string): Buffer => readFileSync(join(d, 'weights', String(id), 'weights.bin'));
      expect(file(dir).equals(file(refDir))).toBe(true);
    }
  }, 240_000);
});
