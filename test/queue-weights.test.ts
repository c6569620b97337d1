/**
 * Files that must travel, through Redis: in a large-scale evolution run on the queue, each child
 * inherits its parent's trained weights although the worker never sees the run directory, and the run
 * directory gets every child's weights, so the run ends exactly as a local run (scores and weight bytes)
 * and `nas export` takes the kept weights. A train run keeping only its best children keeps the same
 * ones as a local run. An ASHA run's promoted children continue, on whichever worker takes them, the
 * checkpoints other workers wrote, and train only the epochs they lack, as in a local run.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunConfig } from '../src/run/config.ts';
import { EVALUATOR_MODULE } from '../src/run/executors.ts';
import { exportRun } from '../src/run/export.ts';
import { startRun, type RuntimeOptions } from '../src/run/session.ts';
import { readJournal } from '../src/store/journal.ts';
import { QueueWorker } from '../src/workers/queue-worker.ts';
import { results } from './helpers/journal-results.ts';
import { RedisServer, skipWithoutRedis } from './helpers/redis.ts';

const SKIP = skipWithoutRedis();
const TINY_SPACE = fileURLToPath(new URL('./fixtures/nb201-tiny.json', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'nas-queue-weights-'));
let redis: RedisServer;
let worker: QueueWorker;

beforeAll(async () => {
  if (SKIP) return;
  redis = await RedisServer.start();
  worker = await QueueWorker.start({ url: redis.url, evaluatorModule: EVALUATOR_MODULE, concurrency: 2, echoStderr: false, log: () => undefined });
});
afterAll(async () => {
  await worker?.stop(5);
  await redis?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const quiet: RuntimeOptions = { fsync: false, log: () => undefined, queueCheckSeconds: 1 };
const events = (dir: string) => readJournal(join(dir, 'journal.jsonl')).events;
const kept = (dir: string): string[] => (existsSync(join(dir, 'weights')) ? readdirSync(join(dir, 'weights')).sort() : []);

describe.skipIf(SKIP)('weights over the queue', () => {
  it('large-scale children inherit their parents\' weights through Redis; the run keeps every child\'s, as a local run does', async () => {
    const config: RunConfig = {
      format: 1, command: 'evolve', space: 'large-scale', strategy: 'large-scale', strategyOptions: { population: 3 }, budget: 7, seed: 99,
      evaluator: 'train', workers: 2, ordered: true, baseDir: process.cwd(),
      evaluatorOptions: { dataset: 'fashion-mnist-mini', limit: 40, valFraction: 0.25, epochs: 1, batchSize: 10, backend: 'cpu' },
    };
    const local = join(tmp, 'lse-local');
    await startRun(config, local, { ...quiet, executor: 'process' });
    const queued = join(tmp, 'lse-queue');
    await startRun(config, queued, { ...quiet, queue: redis.url });
    expect(results(events(queued))).toEqual(results(events(local)));
    expect(events(queued).some((e) => e.e === 'finished' && (e.metrics?.inheritedLayers ?? 0) > 0)).toBe(true);
    expect(kept(queued)).toEqual(kept(local));
    expect(kept(queued).length).toBe(7);
    for (const id of kept(local)) {
      const bytes = (d: string): Buffer => readFileSync(join(d, 'weights', id, 'weights.bin'));
      expect(bytes(queued).equals(bytes(local)), `weights of child ${id}`).toBe(true);
    }
    const exported = await exportRun({ runDir: queued, out: join(tmp, 'lse-export'), backend: 'cpu' });
    expect(exported.source).toBe('kept');
  }, 240_000);

  it('promoted children continue checkpoints written on other workers, training each epoch once as a local run does', async () => {
    const config: RunConfig = {
      format: 1, command: 'search', space: 'curves', strategy: 'asha', strategyOptions: { minBudget: 1, maxBudget: 9, brackets: 2 }, budget: 30, seed: 5,
      evaluator: 'delay:0.01-0.1:curves', workers: 3, ordered: true, baseDir: process.cwd(), evaluatorOptions: {},
    };
    const local = join(tmp, 'asha-local');
    const a = await startRun(config, local, { ...quiet, executor: 'inline' });
    const queued = join(tmp, 'asha-queue');
    const b = await startRun(config, queued, { ...quiet, queue: redis.url });
    const trained = (dir: string): string[] => events(dir).flatMap((e) => (e.e === 'finished' ? [`${e.id} ${e.epochsTrained ?? '-'}`] : []));
    const continued = (dir: string): string[] => events(dir).flatMap((e) => (e.e === 'asked' && e.continueFrom !== undefined ? [`${e.id}<${e.continueFrom}`] : []));
    expect(results(events(queued))).toEqual(results(events(local)));
    expect(trained(queued)).toEqual(trained(local));
    expect(continued(queued).length).toBeGreaterThan(5);
    expect(continued(queued)).toEqual(continued(local));
    expect(b.best).toEqual(a.best);
    // The run owned every checkpoint, wherever it was written, and deleted them all at the end.
    expect(existsSync(join(queued, 'checkpoints')) ? readdirSync(join(queued, 'checkpoints')) : []).toEqual([]);
  }, 240_000);

  it('a train run keeping its best children keeps those a local run keeps', async () => {
    const config: RunConfig = {
      format: 1, command: 'search', space: TINY_SPACE, strategy: 'random', strategyOptions: {}, budget: 3, seed: 3,
      evaluator: 'train', workers: 1, ordered: true, baseDir: process.cwd(),
      evaluatorOptions: { dataset: 'fashion-mnist-mini', limit: 60, valFraction: 0.25, epochs: 1, batchSize: 15, backend: 'cpu', augment: false, keepWeights: 'best' },
    };
    const local = join(tmp, 'train-local');
    await startRun(config, local, { ...quiet, executor: 'process' });
    const queued = join(tmp, 'train-queue');
    await startRun(config, queued, { ...quiet, queue: redis.url });
    expect(results(events(queued))).toEqual(results(events(local)));
    expect(kept(queued)).toEqual(kept(local));
    expect(kept(queued).length).toBeGreaterThan(0);
  }, 240_000);
});
