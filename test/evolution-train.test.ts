import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../src/run/config.ts';
import { startRun } from '../src/run/session.ts';
import { readJournal } from '../src/store/journal.ts';
import { trainSettings } from '../src/evaluators/train.ts';

const TINY = fileURLToPath(new URL('./fixtures/nb201-tiny.json', import.meta.url));

describe('train evaluator', () => {
  it('trains children in worker processes and records validation accuracy, size and time', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'nas-train-')), 'run');
    const config: RunConfig = {
      format: 1, command: 'evolve', space: TINY, strategy: 'aging', strategyOptions: { population: 2, sample: 1 },
      budget: 2, seed: 12, evaluator: 'train', workers: 1, baseDir: process.cwd(),
      evaluatorOptions: { dataset: 'fashion-mnist-mini', limit: 300, valFraction: 0.2, epochs: 1, batchSize: 32, augment: false },
    };
    const summary = await startRun(config, dir, { log: () => undefined });
    expect(summary.evaluations).toBe(2);
    const finished = readJournal(join(dir, 'journal.jsonl')).events.flatMap((e) => (e.e === 'finished' ? [e] : []));
    expect(finished).toHaveLength(2);
    for (const f of finished) {
      expect(f.score).toBeGreaterThanOrEqual(0);
      expect(f.score).toBeLessThanOrEqual(1);
      expect(f.metrics?.params).toBeGreaterThan(0);
      expect(f.metrics?.trainSeconds).toBeGreaterThan(0);
    }
    expect(summary.best?.score).toBe(Math.max(...finished.map((f) => f.score)));
  });

  it('rejects unknown or malformed training options, naming them', () => {
    expect(() => trainSettings({ epoch: 2 })).toThrow(/unknown training option 'epoch'.*accepted: dataset, limit/);
    expect(() => trainSettings({ epochs: 0 })).toThrow(/field 'epochs'.*a positive integer/);
    expect(trainSettings({ epochs: 3 })).toMatchObject({ epochs: 3, dataset: 'fashion-mnist-mini', schedule: 'cosine' });
  });
});
