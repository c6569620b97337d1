/**
 * Continued promotions with real training: successive halving over NAS-Bench-201 cells (a tiny skeleton) on
 * the built-in Fashion-MNIST slice with the train evaluator. The promoted child restores its parent's
 * checkpoint from the run directory and trains only the epochs it lacks, and scores exactly what a child
 * trained straight through (same lineage seed, same schedule) scores.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkpointsDirOf } from '../src/core/checkpoint-dir.ts';
import { createTrainEvaluator } from '../src/evaluators/train.ts';
import type { RunConfig } from '../src/run/config.ts';
import { startRun } from '../src/run/session.ts';
import { readJournal, type AskedEvent, type FinishedEvent } from '../src/store/journal.ts';

const TINY = fileURLToPath(new URL('./fixtures/nb201-tiny.json', import.meta.url));
const TRAINING = { dataset: 'fashion-mnist-mini', limit: 150, valFraction: 0.2, batchSize: 32, augment: false, keepWeights: 'none' };

describe('successive halving with the train evaluator', () => {
  it('continues the promoted child from its checkpoint and matches training it straight through', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'nas-train-mf-')), 'run');
    const config: RunConfig = {
      format: 1, command: 'search', space: TINY, strategy: 'sh', strategyOptions: { minBudget: 1, maxBudget: 3, eta: 3, iterations: 1 },
      budget: 10, seed: 8, evaluator: 'train', workers: 1, baseDir: process.cwd(), evaluatorOptions: TRAINING,
    };
    const summary = await startRun(config, dir, { executor: 'inline', log: () => undefined });
    expect(summary.evaluations).toBe(4);
    expect(summary.epochs).toBe(3 * 1 + 1 * 2);
    expect(existsSync(checkpointsDirOf(dir)) ? readdirSync(checkpointsDirOf(dir)) : []).toEqual([]);

    const events = readJournal(join(dir, 'journal.jsonl')).events;
    const promoted = events.find((e): e is AskedEvent => e.e === 'asked' && e.fidelity === 3) as AskedEvent;
    const parent = events.find((e): e is AskedEvent => e.e === 'asked' && e.id === promoted.continueFrom) as AskedEvent;
    const result = events.find((e): e is FinishedEvent => e.e === 'finished' && e.id === promoted.id) as FinishedEvent;
    expect(parent).toMatchObject({ fidelity: 1, checkpoint: true, horizon: 3 });
    expect(result.epochsTrained).toBe(2);
    expect(result.metrics?.startEpoch).toBe(1);

    const evaluator = await createTrainEvaluator('', { space: TINY, extra: TRAINING });
    const straight = await evaluator.evaluate({ trialId: 50, config: promoted.config, seed: parent.seed, fidelity: 3, horizon: 3 });
    expect(straight.status).toBe('ok');
    expect(straight.epochsTrained).toBe(3);
    expect(result.score).toBe(straight.score);
  });
});
