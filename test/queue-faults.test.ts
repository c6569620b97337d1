/**
 * Faults of a queue run, each against a real redis-server and real `nas worker` processes: a worker
 * SIGKILLed mid-child, a worker stopped with SIGTERM (finishing its child, or handing it back), the run
 * process SIGKILLed while the workers go on and then resumed, Redis restarted mid-run with its data, and
 * Redis emptied mid-run. Every run is ordered, so each must end exactly as an uninterrupted local run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrialBook } from '../src/run/book.ts';
import type { RunConfig } from '../src/run/config.ts';
import { startRun } from '../src/run/session.ts';
import { readJournal, type JournalEvent } from '../src/store/journal.ts';
import { nb201TableFixture } from './helpers/fixtures.ts';
import { results } from './helpers/journal-results.ts';
import { RedisServer, skipWithoutRedis, WorkerProcess } from './helpers/redis.ts';

const SKIP = skipWithoutRedis();
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CSV = nb201TableFixture();
const tmp = mkdtempSync(join(tmpdir(), 'nas-queue-faults-'));
let redis: RedisServer;
let runs = 0;
const runDir = (): string => join(tmp, `run-${runs++}`);

beforeAll(async () => {
  if (!SKIP) redis = await RedisServer.start({ appendonly: true });
});
afterAll(async () => {
  await redis?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function config(over: Partial<RunConfig> = {}): RunConfig {
  return {
    format: 1, command: 'search', space: 'nas-bench-201', strategy: 'aging', strategyOptions: { population: 6, sample: 2 },
    budget: 12, seed: 9, evaluator: `delay:0.1-0.5:table:${CSV}`, workers: 3, evaluatorOptions: {}, baseDir: process.cwd(),
    ordered: true, ...over,
  };
}

const eventsOf = (dir: string): JournalEvent[] => readJournal(join(dir, 'journal.jsonl')).events;
const finishedCount = (dir: string): number => (existsSync(join(dir, 'journal.jsonl')) ? eventsOf(dir).filter((e) => e.e === 'finished' || e.e === 'failed').length : 0);

async function until(cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The journal results of an uninterrupted local run of `cfg`. */
async function reference(cfg: RunConfig): Promise<string[]> {
  const dir = runDir();
  await startRun(cfg, dir, { executor: 'inline', fsync: false, log: () => undefined });
  return results(eventsOf(dir));
}

async function workers(n: number, ...args: string[]): Promise<WorkerProcess[]> {
  return started(Array.from({ length: n }, () => args));
}

/** Worker processes, one per argument list, started together. */
async function started(argLists: string[][]): Promise<WorkerProcess[]> {
  const ws = argLists.map((args) => new WorkerProcess(['--queue', redis.url, '--lock-seconds', '2', ...args]));
  for (const w of ws) expect(await w.waitFor(/serving queue/), w.log).toBe(true);
  return ws;
}

/** Times each child began evaluating, over the logs of `ws`. */
function evaluations(ws: WorkerProcess[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const w of ws) for (const m of w.log.matchAll(/child (\d+): delay:/g)) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
  return counts;
}

/** Each child has exactly one outcome in the journal. */
function expectOneOutcomeEach(events: JournalEvent[]): void {
  const outcomes = events.filter((e) => e.e === 'finished' || e.e === 'failed').map((e) => e.id);
  expect(new Set(outcomes).size).toBe(outcomes.length);
  expect(outcomes.length).toBe(events.filter((e) => e.e === 'asked').length);
}

describe.skipIf(SKIP)('queue faults', () => {
  it('a worker SIGKILLed mid-child: another worker finishes the child; the journal records it once', async () => {
    const cfg = config({ evaluator: `delay:1:table:${CSV}`, budget: 5, workers: 2 });
    const ref = await reference(cfg);
    const ws = await workers(2, '--concurrency', '1');
    try {
      const dir = runDir();
      const run = startRun(cfg, dir, { fsync: false, log: () => undefined, queue: redis.url });
      const [victim, survivor] = ws as [WorkerProcess, WorkerProcess];
      await victim.waitFor(/child \d+: delay:/);
      const killed = Number(/child (\d+): delay:/.exec(victim.log)?.[1]);
      // Killed once its child is being evaluated (the journal says where).
      await until(() => existsSync(join(dir, 'journal.jsonl')) && eventsOf(dir).some((e) => e.e === 'running' && e.id === killed));
      await victim.stop('SIGKILL');
      await run;
      const events = eventsOf(dir);
      expect(results(events)).toEqual(ref);
      expectOneOutcomeEach(events);
      const pids = new Set(events.filter((e) => e.e === 'running' && e.id === killed).map((e) => (e.e === 'running' ? e.pid : 0)));
      expect(pids.size, `running events of child ${killed}`).toBeGreaterThanOrEqual(2);
      expect(survivor.log).toMatch(new RegExp(`child ${killed}: score`));
    } finally {
      for (const w of ws) await w.stop();
    }
  });

  it('SIGTERM: a worker finishes its child within the grace period, or hands it back to the queue after it', async () => {
    // Children long enough that the signal lands while both are being evaluated, however loaded the machine.
    const cfg = config({ evaluator: `delay:4:table:${CSV}`, budget: 3, workers: 2 });
    const ref = await reference(cfg);
    const [patient, quick] = await started([['--concurrency', '1', '--grace', '20'], ['--concurrency', '1', '--grace', '0.2']]);
    let spare: WorkerProcess | undefined;
    try {
      const dir = runDir();
      const run = startRun(cfg, dir, { fsync: false, log: () => undefined, queue: redis.url });
      await patient!.waitFor(/child \d+: delay:/);
      await quick!.waitFor(/child \d+: delay:/);
      [spare] = await workers(1, '--concurrency', '1');
      // Both children are being evaluated (the journal says where each runs).
      await until(() => existsSync(join(dir, 'journal.jsonl')) && new Set(eventsOf(dir).filter((e) => e.e === 'running').map((e) => e.id)).size >= 2);
      await Promise.all([patient!.stop('SIGTERM'), quick!.stop('SIGTERM')]);
      await run;
      const handed = Number(/child (\d+): handed back/.exec(quick!.log)?.[1]);
      expect(patient!.log).toMatch(/child \d+: score[\s\S]*stopped/);
      expect(patient!.process.exitCode).toBe(0);
      expect(quick!.log).toMatch(new RegExp(`child ${handed}: handed back to the queue[\\s\\S]*stopped`));
      expect(quick!.process.exitCode).toBe(0);
      expect(spare!.log).toMatch(new RegExp(`child ${handed}: score`));
      const events = eventsOf(dir);
      expect(results(events)).toEqual(ref);
      expectOneOutcomeEach(events);
    } finally {
      for (const w of [patient!, quick!, spare]) await w?.stop();
    }
  });

  it('the run process SIGKILLed while workers go on, then --resume: finished children are collected, not retrained', async () => {
    const cfg = config({ budget: 12 });
    const ref = await reference(cfg);
    const ws = await workers(2, '--concurrency', '2');
    try {
      const dir = runDir();
      const args = ['bin/nas.js', 'search', '--strategy', 'aging', '--space', 'nas-bench-201', '--population', '6', '--sample', '2',
        '--objective', cfg.evaluator, '--budget', '12', '--workers', '3', '--ordered', '--seed', '9', '--queue', redis.url, '--json'];
      const first = spawn(process.execPath, [...args, '--run-dir', dir], { cwd: ROOT, stdio: 'ignore' });
      await until(() => finishedCount(dir) >= 4);
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      const book = new TrialBook();
      for (const e of eventsOf(dir)) book.apply(e);
      expect(book.unfinished().length).toBeGreaterThan(0);
      // The workers finish what the run had sent out while no run process is there to hear it.
      await new Promise((r) => setTimeout(r, 1000));
      const sent = [...evaluations(ws).keys()];
      const inFlight = book.unfinished().map((t) => t.id).filter((id) => sent.includes(id));
      expect(inFlight.length).toBeGreaterThan(0);
      await until(() => inFlight.every((id) => ws.some((w) => new RegExp(`child ${id}: score`).test(w.log))));
      const resumed = spawn(process.execPath, ['bin/nas.js', 'search', '--resume', dir, '--queue', redis.url, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      resumed.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise((r) => resumed.once('exit', r));
      expect(code, out).toBe(0);
      const events = eventsOf(dir);
      expect(results(events)).toEqual(ref);
      expectOneOutcomeEach(events);
      const counts = evaluations(ws);
      for (const id of inFlight) expect(counts.get(id), `evaluations of child ${id}`).toBe(1);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      expect(JSON.parse(out.trim().split('\n').pop() as string).resumes).toBe(1);
    } finally {
      for (const w of ws) await w.stop();
    }
  });

  it('Redis restarted mid-run with the same data: the run and the workers reconnect and finish', async () => {
    const cfg = config({ budget: 10 });
    const ref = await reference(cfg);
    const ws = await workers(2, '--concurrency', '2');
    const notices: string[] = [];
    try {
      const dir = runDir();
      const run = startRun(cfg, dir, { fsync: false, log: (l) => notices.push(l), queue: redis.url, queueCheckSeconds: 1 });
      await until(() => finishedCount(dir) >= 4);
      await redis.down('SIGKILL');
      await new Promise((r) => setTimeout(r, 1500));
      await redis.up();
      await run;
      const events = eventsOf(dir);
      expect(results(events)).toEqual(ref);
      expectOneOutcomeEach(events);
      expect(notices.join('\n')).toMatch(/lost the connection[\s\S]*connected again/);
      for (const w of ws) expect(w.log).toMatch(/lost the connection to Redis[\s\S]*connected to Redis again/);
    } finally {
      for (const w of ws) await w.stop();
    }
  });

  it('Redis emptied mid-run: the run sends again what its journal says is in flight', async () => {
    const cfg = config({ budget: 10, seed: 10 });
    const ref = await reference(cfg);
    const ws = await workers(2, '--concurrency', '2');
    const notices: string[] = [];
    try {
      const dir = runDir();
      const run = startRun(cfg, dir, { fsync: false, log: (l) => notices.push(l), queue: redis.url, queueCheckSeconds: 1 });
      await until(() => finishedCount(dir) >= 4);
      await redis.flushAll();
      await run;
      const events = eventsOf(dir);
      expect(results(events)).toEqual(ref);
      expectOneOutcomeEach(events);
      expect(notices.join('\n')).toMatch(/Redis no longer holds child \d+; sending it again/);
    } finally {
      for (const w of ws) await w.stop();
    }
  });
});
