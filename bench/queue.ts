/**
 * The queue executor (BullMQ on a redis-server this benchmark starts on 127.0.0.1) against the local
 * process pool, with an evaluator that sleeps a set time per child (`delay:<s>:branin`), so the two
 * cores are not what limits the figures:
 *
 * 1. overhead: one child in flight at a time; wall time per child minus the sleep, in steady state
 *    (from the first result to the last), for the inline executor, the process pool and the queue with
 *    one `nas worker`;
 * 2. scaling: children per second through the queue with W = 1, 2, 4, 8, 16 worker processes (W in
 *    flight), against the ideal W / sleep, over the middle of each run (ramp-up and drain left out);
 * 3. soak: 1,000 children over 16 worker processes, 0.5 s each, 3 workers SIGKILLed at random moments:
 *    counts results, duplicates and children lost, and how many children were evaluated twice.
 *
 *   nice npx tsx bench/queue.ts [--parts overhead,scaling,soak] [--delay 0.2] [--children 40]
 *     [--workers 1,2,4,8,16] [--rate-delay 0.5] [--per-worker 15] [--soak 1000] [--soak-workers 16]
 *     [--kills 3] [--lock 5] [--seed 1]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/rng.ts';
import type { RunConfig } from '../src/run/config.ts';
import { startRun, type RuntimeOptions } from '../src/run/session.ts';
import { readJournal, type JournalEvent } from '../src/store/journal.ts';
import { RedisServer, WorkerProcess } from '../test/helpers/redis.ts';
import { numberArg, stringArg } from './args.ts';

const parts = stringArg('parts', 'overhead,scaling,soak').split(',');
const delay = numberArg('delay', 0.2);
const children = numberArg('children', 40);
const workerCounts = stringArg('workers', '1,2,4,8,16').split(',').map(Number);
const rateDelay = numberArg('rate-delay', 0.5);
const perWorker = numberArg('per-worker', 15);
const soakChildren = numberArg('soak', 1000);
const soakWorkers = numberArg('soak-workers', 16);
const kills = numberArg('kills', 3);
const lock = numberArg('lock', 5);
const seed = numberArg('seed', 1);

const tmp = mkdtempSync(join(tmpdir(), 'nas-bench-queue-'));
let runs = 0;
const quiet: RuntimeOptions = { log: () => undefined, queueCheckSeconds: 5 };

function config(budget: number, workers: number, seconds: number): RunConfig {
  return {
    format: 1, command: 'search', space: 'branin', strategy: 'random', strategyOptions: {}, budget, seed: 7, evaluator: `delay:${seconds}:branin`,
    workers, evaluatorOptions: {}, baseDir: process.cwd(), ordered: false,
  };
}

/** Times (ms) of the outcomes of a run's journal, in journal order. */
function outcomeTimes(events: JournalEvent[]): number[] {
  return events.filter((e) => e.e === 'finished' || e.e === 'failed').map((e) => e.t);
}

/**
 * Children per second once every one of `w` worker processes has begun its first child (each starts its
 * evaluating process then), up to the last `w` outcomes (the drain, when fewer than `w` remain in flight).
 */
function steadyRate(events: JournalEvent[], w: number): { rate: number; counted: number } {
  const firstByPid = new Map<number, number>();
  for (const e of events) if (e.e === 'running' && !firstByPid.has(e.pid)) firstByPid.set(e.pid, e.t);
  const ready = Math.max(...[...firstByPid.values()].slice(0, w));
  const times = outcomeTimes(events).filter((t) => t > ready).slice(0, -w);
  return { rate: (times.length - 1) / (((times[times.length - 1] as number) - (times[0] as number)) / 1000), counted: times.length };
}

/** Seconds per child between the `skip`-th outcome and the one `drop` before the last. */
function perChild(times: number[], skip = 0, drop = 0): number {
  const a = times[skip] as number;
  const b = times[times.length - 1 - drop] as number;
  return (b - a) / 1000 / (times.length - 1 - skip - drop);
}

async function run(cfg: RunConfig, runtime: RuntimeOptions): Promise<JournalEvent[]> {
  const dir = join(tmp, `run-${runs++}`);
  await startRun(cfg, dir, runtime);
  return readJournal(join(dir, 'journal.jsonl')).events;
}

async function startWorkers(redis: RedisServer, n: number): Promise<WorkerProcess[]> {
  const ws = Array.from({ length: n }, () => new WorkerProcess(['--queue', redis.url, '--concurrency', '1', '--lock-seconds', String(lock), '--grace', '0']));
  for (const w of ws) if (!(await w.waitFor(/serving queue/, 180_000))) throw new Error(`a worker did not start:\n${w.log}`);
  return ws;
}

const stopWorkers = (ws: WorkerProcess[]): Promise<void[]> => Promise.all(ws.map((w) => w.stop('SIGTERM')));

async function overhead(redis: RedisServer): Promise<void> {
  const cfg = config(children, 1, delay);
  const rows: Array<[string, number]> = [];
  rows.push(['inline (in the run process)', perChild(outcomeTimes(await run(cfg, { ...quiet, executor: 'inline' })), 1)]);
  rows.push(['process pool, 1 worker process', perChild(outcomeTimes(await run(cfg, { ...quiet, executor: 'process' })), 1)]);
  const ws = await startWorkers(redis, 1);
  try {
    rows.push(['queue, 1 nas worker', perChild(outcomeTimes(await run(cfg, { ...quiet, queue: redis.url })), 1)]);
  } finally {
    await stopWorkers(ws);
  }
  console.log(`\n1. Overhead per child, one in flight, ${children} children sleeping ${delay} s each (steady state)`);
  console.log('| executor | wall time per child | overhead per child |\n| --- | --- | --- |');
  for (const [name, s] of rows) console.log(`| ${name} | ${(s * 1000).toFixed(1)} ms | ${((s - delay) * 1000).toFixed(1)} ms |`);
  const pool = rows[1]![1] - delay;
  const queue = rows[2]![1] - delay;
  console.log(`queue overhead - pool overhead: ${((queue - pool) * 1000).toFixed(1)} ms per child`);
}

async function scaling(redis: RedisServer): Promise<void> {
  console.log(`\n2. Children per second through the queue, W worker processes, W in flight, ${rateDelay} s per child`);
  console.log('| workers W | children | children/s (steady state) | ideal W/sleep | efficiency |\n| --- | --- | --- | --- | --- |');
  let base: number | undefined;
  for (const w of workerCounts) {
    const ws = await startWorkers(redis, w);
    try {
      const budget = perWorker * w;
      const { rate, counted } = steadyRate(await run(config(budget, w, rateDelay), { ...quiet, queue: redis.url }), w);
      base ??= rate;
      const ideal = w / rateDelay;
      console.log(`| ${w} | ${budget} (${counted} counted) | ${rate.toFixed(2)} | ${ideal.toFixed(1)} | ${((100 * rate) / ideal).toFixed(1)}% (x${(rate / base).toFixed(2)} of 1 worker) |`);
    } finally {
      await stopWorkers(ws);
    }
  }
}

async function soak(redis: RedisServer): Promise<void> {
  const ws = await startWorkers(redis, soakWorkers);
  const rng = Rng.seeded(seed).split('kills');
  const ideal = (soakChildren * rateDelay) / soakWorkers;
  const victims = [...ws].sort(() => rng.next() - 0.5).slice(0, kills);
  const at = victims.map(() => 2 + rng.next() * ideal * 0.8).sort((a, b) => a - b);
  const killed: string[] = [];
  const started = Date.now();
  const timers = victims.map((v, i) => setTimeout(() => {
    killed.push(`pid ${v.pid} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
    void v.stop('SIGKILL');
  }, (at[i] as number) * 1000));
  try {
    const events = await run(config(soakChildren, soakWorkers, rateDelay), { ...quiet, queue: redis.url });
    const seconds = (Date.now() - started) / 1000;
    const outcomes = events.filter((e) => e.e === 'finished' || e.e === 'failed');
    const ids = outcomes.map((e) => e.id);
    const asked = events.filter((e) => e.e === 'asked').length;
    const distinct = new Set(ids).size;
    const evaluated = new Map<number, number>();
    for (const w of ws) for (const m of w.log.matchAll(/child (\d+): delay:/g)) evaluated.set(Number(m[1]), (evaluated.get(Number(m[1])) ?? 0) + 1);
    const twice = [...evaluated.values()].filter((n) => n > 1).length;
    console.log(`\n3. ${soakChildren} children over ${soakWorkers} worker processes, ${rateDelay} s each, ${kills} workers SIGKILLed (${killed.join(', ')}); locks ${lock} s`);
    console.log(`results: ${outcomes.length} outcomes for ${asked} children asked; ${distinct} distinct; duplicated: ${outcomes.length - distinct}; lost: ${asked - distinct}; failed: ${events.filter((e) => e.e === 'failed').length}`);
    const { rate } = steadyRate(events, soakWorkers - kills);
    console.log(`evaluated twice (their worker was killed mid-child): ${twice}; wall time ${seconds.toFixed(1)} s, workers' start included (ideal ${ideal.toFixed(1)} s without kills); ${rate.toFixed(1)} children/s once all workers were up (ideal ${(soakWorkers / rateDelay).toFixed(0)} with ${soakWorkers} workers, ${((soakWorkers - kills) / rateDelay).toFixed(0)} with ${soakWorkers - kills})`);
  } finally {
    for (const t of timers) clearTimeout(t);
    await stopWorkers(ws);
  }
}

const redis = await RedisServer.start();
try {
  console.log(`redis-server on port ${redis.port}; ${process.platform} ${process.arch}, node ${process.version}`);
  if (parts.includes('overhead')) await overhead(redis);
  if (parts.includes('scaling')) await scaling(redis);
  if (parts.includes('soak')) await soak(redis);
} finally {
  await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
}
