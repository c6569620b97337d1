/**
 * `nas search` runs through the evolve run machinery (src/run/session.ts): interrupted after random
 * events (torn last lines, snapshots or none) and resumed, every strategy ends with the uninterrupted
 * run's journal results and best; multi-fidelity strategies send their fidelity to the train evaluator
 * as epochs (a promotion is a new evaluation) and to the fidelity-free objectives not at all (a
 * promotion is a free duplicate); joint configurations train with their own hyperparameters.
 */
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { TrialBook } from '../src/run/book.ts';
import type { RunConfig } from '../src/run/config.ts';
import { resumeRun, startRun, type RunSummary, type RuntimeOptions } from '../src/run/session.ts';
import { readJournal, type JournalEvent } from '../src/store/journal.ts';
import { createTrainEvaluator } from '../src/evaluators/train.ts';
import { results } from './helpers/journal-results.ts';

const TINY = fileURLToPath(new URL('./fixtures/nb201-tiny.json', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'nas-search-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const dir = (): string => join(tmp, `run-${dirs++}`);

function config(strategy: string, budget: number, strategyOptions: Record<string, unknown> = {}, evaluator = 'branin', space = 'branin'): RunConfig {
  return { format: 1, command: 'search', space, strategy, strategyOptions, budget, seed: 777, evaluator, workers: 1, evaluatorOptions: {}, baseDir: process.cwd() };
}

class Interrupt extends Error {}
const quiet: RuntimeOptions = { executor: 'inline', fsync: false, log: () => undefined };
const eventsOf = (d: string): JournalEvent[] => readJournal(join(d, 'journal.jsonl')).events;

/** Runs to the end, interrupting after a random number of events each time and resuming. */
async function interrupted(cfg: RunConfig, seed: number, snapshotEvery: number): Promise<{ summary: RunSummary; stops: number; dir: string }> {
  const d = dir();
  const rng = Rng.seeded(seed);
  let stops = 0;
  for (let attempt = 0; attempt < 300; attempt++) {
    let left = rng.intBetween(1, 15);
    const runtime: RuntimeOptions = { ...quiet, snapshotEvery, onEvent: () => {
      if (--left === 0) throw new Interrupt(`stop ${attempt}`);
    } };
    try {
      const summary = existsSync(join(d, 'config.json')) ? await resumeRun(d, {}, runtime) : await startRun(cfg, d, runtime);
      return { summary, stops, dir: d };
    } catch (err) {
      if (!(err instanceof Interrupt)) throw err;
      stops++;
      if (rng.next() < 0.3) appendFileSync(join(d, 'journal.jsonl'), '{"e":"finished","id":');
    }
  }
  throw new Error('the run never finished');
}

describe.each([
  { strategy: 'tpe', budget: 30, options: {} },
  { strategy: 'bo', budget: 14, options: { candidates: 500, localStarts: 2, initialPoints: 4 } },
  { strategy: 'hyperband', budget: 30, options: { maxBudget: 9 } },
  { strategy: 'sh', budget: 20, options: { maxBudget: 9 } },
  { strategy: 'bohb', budget: 30, options: { maxBudget: 9 } },
  { strategy: 'grid', budget: 20, options: {} },
  { strategy: 'random', budget: 20, options: {} },
  { strategy: 'bananas', budget: 25, options: {} },
  { strategy: 'local-search', budget: 25, options: { order: 'predictor', restart: 'predictor', initial: 5 } },
])('$strategy on Branin, interrupted and resumed', ({ strategy, budget, options }) => {
  it('ends with the uninterrupted journal results and best', async () => {
    const cfg = config(strategy, budget, options);
    const refDir = dir();
    const reference = await startRun(cfg, refDir, quiet);
    for (const [seed, snapshotEvery] of [[1, 3], [2, 100000]]) {
      const { summary, stops, dir: d } = await interrupted(cfg, seed, snapshotEvery);
      expect(stops).toBeGreaterThan(2);
      expect(results(eventsOf(d))).toEqual(results(eventsOf(refDir)));
      expect(summary.best).toEqual(reference.best);
      expect({ ...summary, runDir: '', resumes: 0 }).toEqual({ ...reference, runDir: '', resumes: 0 });
    }
  });
});

describe('fidelity', () => {
  it('a child duplicates only an earlier one with the same hash and the same fidelity', () => {
    const book = new TrialBook({ keepAll: true });
    const asked = (id: number, hash: string, fidelity?: number): JournalEvent => ({ e: 'asked', id, hash, seed: id, config: {}, t: 0, ...(fidelity !== undefined ? { fidelity } : {}) });
    book.apply(asked(0, 'a', 1));
    book.apply(asked(1, 'a', 3));
    book.apply(asked(2, 'a', 1));
    book.apply(asked(3, 'b'));
    book.apply(asked(4, 'b'));
    expect(book.trials.map((t) => t.duplicateOf)).toEqual([undefined, undefined, 0, undefined, 3]);
    expect(book.evaluations).toBe(3);
  });

  it('on Branin (no fidelity) hyperband promotions are free duplicates: the budget buys distinct points', async () => {
    const d = dir();
    const summary = await startRun(config('hyperband', 25, { maxBudget: 9 }), d, quiet);
    const asked = eventsOf(d).flatMap((e) => (e.e === 'asked' ? [e] : []));
    expect(asked.every((e) => e.fidelity === undefined)).toBe(true);
    expect(summary.duplicates).toBeGreaterThan(0);
    // The runner, not the strategy's trial count, ends the run: the budget buys distinct evaluations.
    expect(summary.evaluations).toBe(25);
    expect(new Set(asked.map((e) => e.hash)).size).toBe(25);
  });

  it('with the train evaluator the fidelity is the epochs, and a promoted child is trained again', async () => {
    const d = dir();
    const cfg: RunConfig = {
      ...config('hyperband', 4, { minBudget: 1, maxBudget: 2, eta: 2 }, 'train', TINY),
      evaluatorOptions: { dataset: 'fashion-mnist-mini', limit: 120, valFraction: 0.25, batchSize: 30, augment: false },
    };
    const summary = await startRun(cfg, d, quiet);
    const events = eventsOf(d);
    const asked = events.flatMap((e) => (e.e === 'asked' ? [e] : []));
    const finished = events.flatMap((e) => (e.e === 'finished' ? [e] : []));
    expect(asked.map((e) => e.fidelity)).toEqual([1, 1, 2, 2]);
    // The promoted child (rung 2) has the hash of one of rung 1 yet is evaluated, for 2 epochs.
    expect(asked.slice(0, 2).map((e) => e.hash)).toContain(asked[2].hash);
    expect(summary.duplicates).toBe(0);
    expect(summary.evaluations).toBe(4);
    expect(finished.map((f) => f.metrics?.epochs)).toEqual([1, 1, 2, 2]);
  });
});

describe('joint search with the train evaluator', () => {
  const joint = join(tmp, 'joint-tiny.json');
  writeFileSync(joint, JSON.stringify({
    type: 'joint', name: 'joint-tiny', architecture: TINY,
    hyperparameters: { parameters: {
      learning_rate: { kind: 'float', low: 0.001, high: 0.3, log: true },
      weight_decay: { kind: 'float', low: 0.00001, high: 0.001, log: true },
      batch_size: { kind: 'categorical', choices: [16, 32] },
    } },
  }));
  const evaluatorOptions = { dataset: 'fashion-mnist-mini', limit: 120, valFraction: 0.25, epochs: 1, augment: false };

  it('every child trains with the learning rate, weight decay and batch size of its hyperparameters', async () => {
    const d = dir();
    const summary = await startRun({ ...config('tpe', 3, {}, 'train', joint), evaluatorOptions }, d, quiet);
    expect(summary.evaluations).toBe(3);
    const events = eventsOf(d);
    for (const f of events.flatMap((e) => (e.e === 'finished' ? [e] : []))) {
      const asked = events.find((e) => e.e === 'asked' && e.id === f.id) as Extract<JournalEvent, { e: 'asked' }>;
      const hp = (asked.config as { hparams: Record<string, number> }).hparams;
      expect(f.metrics).toMatchObject({ lr: hp.learning_rate, weightDecay: hp.weight_decay, batchSize: hp.batch_size });
    }
  });

  it('the hyperparameters change what training gives for one architecture and one seed', async () => {
    const evaluator = await createTrainEvaluator('', { space: joint, extra: evaluatorOptions });
    const arch = { kind: 'nb201', edges: ['nor_conv_3x3', 'skip_connect', 'nor_conv_1x1', 'avg_pool_3x3', 'nor_conv_3x3', 'skip_connect'] };
    const run = (learning_rate: number, batch_size: number) =>
      evaluator.evaluate({ trialId: 0, seed: 5, config: { arch, hparams: { learning_rate, weight_decay: 0.0001, batch_size } } });
    const before = tf.memory().numTensors;
    const [a, a2, b, c] = [await run(0.001, 32), await run(0.001, 32), await run(0.3, 32), await run(0.001, 16)];
    expect(tf.memory().numTensors).toBe(before);
    expect(a.status).toBe('ok');
    expect(a2.metrics?.valLoss).toBe(a.metrics?.valLoss);
    expect(b.metrics?.valLoss).not.toBe(a.metrics?.valLoss);
    expect(c.metrics?.valLoss).not.toBe(a.metrics?.valLoss);
  });
});
