/**
 * Runs on the queue executor against a real redis-server, served by queue workers in this process (each
 * with its own pool of worker processes): the ordered mode ends exactly as local runs with the same seed;
 * two runs on one queue and one set of workers never mix results; a worker that cannot start the
 * evaluator (its data missing, or different from the run's) fails the children with the reason, shown
 * by `nas status`, and the run ends; data is found under a worker's data root.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunConfig } from '../src/run/config.ts';
import { EVALUATOR_MODULE, runIdOf } from '../src/run/executors.ts';
import { startRun, type RuntimeOptions } from '../src/run/session.ts';
import { runStatus } from '../src/run/status.ts';
import { formatStatus } from '../src/cli/status.ts';
import { readJournal, type JournalEvent } from '../src/store/journal.ts';
import { QueueWorker, type QueueWorkerOptions } from '../src/workers/queue-worker.ts';
import { nb201TableFixture, writeNb201TableFixture } from './helpers/fixtures.ts';
import { results } from './helpers/journal-results.ts';
import { RedisServer, skipWithoutRedis } from './helpers/redis.ts';

const SKIP = skipWithoutRedis();
const CSV = nb201TableFixture();
const tmp = mkdtempSync(join(tmpdir(), 'nas-queue-run-'));
let redis: RedisServer;
let runs = 0;
const runDir = (): string => join(tmp, `run-${runs++}`);

beforeAll(async () => {
  if (!SKIP) redis = await RedisServer.start();
});
afterAll(async () => {
  await redis?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function config(over: Partial<RunConfig> = {}): RunConfig {
  return {
    format: 1, command: 'evolve', space: 'nas-bench-201', strategy: 'aging', strategyOptions: { population: 6, sample: 2 },
    budget: 18, seed: 31, evaluator: `delay:0.02-0.25:table:${CSV}`, workers: 3, evaluatorOptions: {}, baseDir: process.cwd(),
    ordered: true, ...over,
  };
}

const quiet: RuntimeOptions = { fsync: false, log: () => undefined, queueCheckSeconds: 1 };
const eventsOf = (dir: string): JournalEvent[] => readJournal(join(dir, 'journal.jsonl')).events;

async function startWorkers(n: number, options: Partial<QueueWorkerOptions> = {}): Promise<{ workers: QueueWorker[]; log: string[] }> {
  const log: string[] = [];
  const workers = await Promise.all(Array.from({ length: n }, () => QueueWorker.start({
    url: redis.url, evaluatorModule: EVALUATOR_MODULE, concurrency: 2, lockSeconds: 5, echoStderr: false, log: (l) => log.push(l), ...options,
  })));
  return { workers, log };
}

const stopAll = (workers: QueueWorker[]): Promise<void[]> => Promise.all(workers.map((w) => w.stop(5)));

describe.skipIf(SKIP)('queue runs', () => {
  it('ordered: a queue run over two workers ends exactly as local runs with the same seed, and leaves no job behind', async () => {
    const inline = runDir();
    await startRun(config(), inline, { ...quiet, executor: 'inline' });
    const pool = runDir();
    await startRun(config(), pool, { ...quiet, executor: 'process' });
    const { workers } = await startWorkers(2);
    try {
      const queued = runDir();
      const summary = await startRun(config(), queued, { ...quiet, queue: redis.url });
      expect(summary.evaluations).toBe(18);
      const reference = results(eventsOf(inline));
      expect(results(eventsOf(pool))).toEqual(reference);
      expect(results(eventsOf(queued))).toEqual(reference);
      // Every child was run by a worker process that said where it ran.
      const running = eventsOf(queued).filter((e) => e.e === 'running');
      expect(new Set(running.map((e) => e.id)).size).toBe(eventsOf(queued).filter((e) => e.e === 'started').length);
      const queue = new Queue('nas', { connection: { host: '127.0.0.1', port: redis.port } });
      const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
      await queue.close();
      expect(counts).toEqual({ completed: 0, failed: 0, waiting: 0, active: 0, delayed: 0 });
    } finally {
      await stopAll(workers);
    }
  });

  it('two runs sharing one queue and its workers never mix results', async () => {
    const table = config({ seed: 5, budget: 12 });
    const branin: RunConfig = { ...config(), space: 'branin', strategy: 'random', strategyOptions: {}, evaluator: 'delay:0.02-0.2:branin', seed: 6, budget: 10 };
    const refs = [runDir(), runDir()];
    await startRun(table, refs[0], { ...quiet, executor: 'inline' });
    await startRun(branin, refs[1], { ...quiet, executor: 'inline' });
    const { workers } = await startWorkers(2);
    try {
      const dirs = [runDir(), runDir()];
      await Promise.all([startRun(table, dirs[0], { ...quiet, queue: redis.url }), startRun(branin, dirs[1], { ...quiet, queue: redis.url })]);
      expect(results(eventsOf(dirs[0]))).toEqual(results(eventsOf(refs[0])));
      expect(results(eventsOf(dirs[1]))).toEqual(results(eventsOf(refs[1])));
      expect(runIdOf(table, dirs[0])).not.toBe(runIdOf(branin, dirs[1]));
    } finally {
      await stopAll(workers);
    }
  });

  it('relative data paths resolve under a worker\'s data root; missing or different data fails each child with the reason, and the run ends', async () => {
    // The run's machine: the table under <base>/tables/. Three worker machines: one with the same file
    // under its data root, one with nothing there, one with a table of other numbers.
    const base = join(tmp, 'run-machine');
    mkdirSync(join(base, 'tables'), { recursive: true });
    copyFileSync(CSV, join(base, 'tables', 'nb201.csv'));
    const same = join(tmp, 'same-root');
    mkdirSync(join(same, 'tables'), { recursive: true });
    copyFileSync(CSV, join(same, 'tables', 'nb201.csv'));
    const empty = join(tmp, 'empty-root');
    mkdirSync(empty, { recursive: true });
    const other = join(tmp, 'other-root');
    const otherCsv = writeNb201TableFixture(join(other, 'tables'), 'nb201.csv');
    writeFileSync(otherCsv, readFileSync(otherCsv, 'utf8').replace(/,4(\d)\./g, ',5$1.'));
    const cfg = config({ baseDir: base, evaluator: 'table:tables/nb201.csv', budget: 4, workers: 2 });

    const good = await startWorkers(1, { dataRoot: same });
    const goodDir = runDir();
    try {
      await startRun(cfg, goodDir, { ...quiet, queue: redis.url });
    } finally {
      await stopAll(good.workers);
    }
    expect(eventsOf(goodDir).filter((e) => e.e === 'finished').length).toBe(4);

    for (const [root, reason] of [[empty, /cannot start.*tables\/nb201\.csv/s], [other, /is not the run's data \(fingerprint sha256:/]] as const) {
      const bad = await startWorkers(1, { dataRoot: root });
      const dir = runDir();
      try {
        // Nothing could be scored: the run says so (exit 4 on the command line) and keeps what it journalled.
        await expect(startRun(cfg, dir, { ...quiet, queue: redis.url })).rejects.toThrow(/no child could be scored \(4 failed\)/);
      } finally {
        await stopAll(bad.workers);
      }
      const failed = eventsOf(dir).filter((e) => e.e === 'failed');
      expect(failed.map((e) => (e.e === 'failed' ? e.failure : ''))).toEqual(['setup', 'setup', 'setup', 'setup']);
      for (const e of failed) expect(e.e === 'failed' ? e.error : '').toMatch(reason);
      const shown = formatStatus(runStatus(dir));
      expect(shown).toMatch(/last 4 failure\(s\):/);
      expect(shown).toMatch(reason);
    }
  });
});
