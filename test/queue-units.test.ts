/**
 * The pieces of distributed runs: queue addresses, --gpus and the environment each worker process gets
 * (one GPU, memory growth), the pool serving several evaluators, job and result checks, the delay
 * evaluator, and the runner's ordered mode.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../src/core/errors.ts';
import type { EvalRequest, EvalResult, WorkerIdentity } from '../src/core/trial.ts';
import { delayOf, parseDelaySpec } from '../src/evaluators/delay.ts';
import { innerSpec } from '../src/evaluators/registry.ts';
import { Runner } from '../src/run/runner.ts';
import '../src/search/all.ts';
import { createStrategy } from '../src/search/registry.ts';
import { loadSpace } from '../src/spaces/load.ts';
import { Rng } from '../src/core/rng.ts';
import type { JournalEvent } from '../src/store/journal.ts';
import type { Executor, SubmitHooks } from '../src/workers/executor.ts';
import { gpuEnvironment, gpuOfSlot, parseGpus } from '../src/workers/gpus.ts';
import { ProcessPool } from '../src/workers/pool.ts';
import { QueueExecutor } from '../src/workers/queue-executor.ts';
import { jobIdOf, problemOfJob, problemOfResult, trialOfJob } from '../src/workers/queue-job.ts';
import { checkQueueName, parseQueueUrl } from '../src/workers/queue-url.ts';
import { QueueWorker } from '../src/workers/queue-worker.ts';
import { nas } from './helpers/run-cli.ts';
import { RedisServer, skipWithoutRedis } from './helpers/redis.ts';

const FAULTY = new URL('./fixtures/faulty-evaluator.ts', import.meta.url).href;
const tmp = mkdtempSync(join(tmpdir(), 'nas-queue-units-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('queue addresses', () => {
  it('parses redis:// URLs and hides passwords; refuses anything else naming the option', () => {
    expect(parseQueueUrl('redis://10.0.0.5:6380/2')).toMatchObject({ host: '10.0.0.5', port: 6380, db: 2, tls: false, display: 'redis://10.0.0.5:6380/2' });
    expect(parseQueueUrl('redis://localhost')).toMatchObject({ port: 6379, db: 0 });
    const auth = parseQueueUrl('rediss://:s3cret@cache.example:6390');
    expect(auth).toMatchObject({ password: 's3cret', tls: true });
    expect(auth.display).not.toContain('s3cret');
    for (const bad of ['localhost:6379', 'http://x:1', 'redis://h:1/x', 'redis://h:1/0?a=1']) {
      expect(() => parseQueueUrl(bad)).toThrow(/field '--queue'.*accepted: redis:\/\/HOST:PORT/);
    }
    expect(() => checkQueueName('a:b')).toThrow(ValidationError);
    expect(checkQueueName('nas-gpu.2')).toBe('nas-gpu.2');
  });

  it('job ids are the run id and the child; another run\'s jobs are not ours', () => {
    expect(jobIdOf('abc', 7)).toBe('abc-7');
    expect(trialOfJob('abc', 'abc-7')).toBe(7);
    expect(trialOfJob('abc', 'abcd-7')).toBeUndefined();
    expect(trialOfJob('abc', 'abc-7x')).toBeUndefined();
  });

  it('checks job data and results, naming what is wrong', () => {
    const job = { format: 1, runId: 'r', request: { trialId: 1, config: {}, seed: 2 }, evaluator: { spec: 'branin', options: {} }, space: { name: 'branin', text: '{}' }, files: [] };
    expect(problemOfJob(job)).toBeUndefined();
    expect(problemOfJob({ ...job, format: 2 })).toMatch(/job format 2; this worker reads format 1/);
    expect(problemOfJob({ ...job, space: { name: '../x', text: '' } })).toMatch(/not a file name/);
    const result = { format: 1, runId: 'r', trialId: 1, result: { trialId: 1, status: 'ok', score: 1 }, where: { host: 'h', pid: 1 }, files: [], dropped: [] };
    expect(problemOfResult(result, 'r', 1)).toBeUndefined();
    expect(problemOfResult(result, 'other', 1)).toMatch(/result of run r child 1/);
    expect(problemOfResult(result, 'r', 2)).toMatch(/result of run r child 1/);
  });
});

describe('--gpus', () => {
  it('parses lists and all; refuses repeats and nonsense', () => {
    expect(parseGpus('0,1, 3')).toEqual(['0', '1', '3']);
    expect(parseGpus('all', () => ['0', '1'])).toEqual(['0', '1']);
    expect(parseGpus('GPU-8f2c1d,1')).toEqual(['GPU-8f2c1d', '1']);
    expect(() => parseGpus('0,0')).toThrow(/GPU 0 is listed twice/);
    expect(() => parseGpus('one')).toThrow(/field '--gpus'.*accepted: 'all'/);
    expect(gpuOfSlot(['0', '1'], 3)).toBe('1');
    expect(gpuOfSlot(undefined, 3)).toBeUndefined();
    expect(gpuEnvironment('2')).toEqual({ CUDA_VISIBLE_DEVICES: '2', TF_FORCE_GPU_ALLOW_GROWTH: 'true' });
  });

  it('gives each process of the local pool one GPU in turn, with memory growth, and says so when a child starts', async () => {
    const pool = new ProcessPool({ evaluatorModule: FAULTY, spec: 'faulty', evaluatorOptions: { space: 'x' }, echoStderr: false, workers: 3, gpus: ['4', '7'] });
    try {
      const seen: WorkerIdentity[] = [];
      const results = await Promise.all([0, 1, 2].map((i) => pool.submit({ trialId: i, config: { action: 'env' }, seed: i }, { onRunning: (w) => seen.push(w) })));
      expect(results.map((r) => r.metrics?.gpu).sort()).toEqual([4, 4, 7]);
      expect(results.every((r) => r.metrics?.growth === 1)).toBe(true);
      expect(seen.map((w) => w.gpu).sort()).toEqual(['4', '4', '7']);
      for (const r of results) expect(seen.find((w) => w.pid === r.metrics?.pid)?.gpu).toBe(String(r.metrics?.gpu));
    } finally {
      await pool.close();
    }
    const plain = new ProcessPool({ evaluatorModule: FAULTY, spec: 'faulty', evaluatorOptions: { space: 'x' }, echoStderr: false });
    try {
      const r = await plain.submit({ trialId: 0, config: { action: 'env' }, seed: 0 });
      expect(r.metrics?.gpu).toBe(process.env.CUDA_VISIBLE_DEVICES === undefined ? -1 : Number(process.env.CUDA_VISIBLE_DEVICES));
    } finally {
      await plain.close();
    }
  });

  it('bad --gpus and --queue options fail clearly, naming the option', async () => {
    let listed = true;
    try {
      parseGpus('all');
    } catch {
      listed = false;
    }
    if (!listed) {
      const run = await nas('worker', '--queue', 'redis://127.0.0.1:1', '--gpus', 'all');
      expect(run.code).toBe(2);
      expect(run.err).toMatch(/field '--gpus': 'all' needs nvidia-smi|field '--gpus': 'all': nvidia-smi lists no GPU/);
    }
    expect((await nas('worker', '--queue', 'localhost:6379')).err).toMatch(/not a URL|not a redis:\/\/ URL/);
    expect((await nas('worker', '--queue', 'redis://127.0.0.1:1', '--gpus', '0,0')).err).toMatch(/GPU 0 is listed twice/);
    const inline = await nas('search', '--objective', 'branin', '--queue', 'redis://127.0.0.1:1', '--executor', 'inline');
    expect(inline.code).toBe(2);
    expect(inline.err).toMatch(/--executor inline evaluates in this process and --queue on the workers of a queue/);
    expect((await nas('search', '--objective', 'branin', '--queue', 'redis://127.0.0.1:1', '--timeout', '5')).err).toMatch(/--timeout apply to this machine's worker processes.*give it to nas worker/);
    expect((await nas('search', '--objective', 'branin', '--queue-name', 'q')).err).toMatch(/give --queue redis:\/\/HOST:PORT too/);
    expect((await nas('worker', '--queue', 'redis://127.0.0.1:1', '--concurrency', '0')).err).toMatch(/--concurrency: got 0.*accepted: an integer from 1 to 1024/);
  });
});

describe('a pool serving several evaluators', () => {
  it('gives each submission the evaluator it names, replacing idle processes of another; one that cannot start fails its child', async () => {
    const pool = new ProcessPool({ echoStderr: false, workers: 2, initFailure: 'fail' });
    const faulty = { module: FAULTY, spec: 'faulty', options: { space: 'x' } };
    try {
      const a = await Promise.all([1, 2].map((v) => pool.submit({ trialId: v, config: { action: 'score', value: v }, seed: v }, { evaluator: faulty })));
      expect(a.map((r) => r.score)).toEqual([1, 2]);
      const other = { module: FAULTY, spec: 'faulty', options: { space: 'y' } };
      expect((await pool.submit({ trialId: 3, config: { action: 'score', value: 3 }, seed: 3 }, { evaluator: other })).score).toBe(3);
      const broken = await pool.submit({ trialId: 4, config: {}, seed: 4 }, { evaluator: { module: FAULTY, spec: 'broken', options: { space: 'x' } } });
      expect(broken).toMatchObject({ status: 'failed', failure: 'setup' });
      expect(broken.error).toMatch(/the evaluator 'broken' cannot start on .*: unknown spec broken/);
      expect(pool.liveWorkers).toBeLessThanOrEqual(2);
    } finally {
      await pool.close();
    }
  });
});

describe.skipIf(skipWithoutRedis())('nas worker --gpus', () => {
  it('each child process of a queue worker sees its own GPU, and the run hears which', async () => {
    const redis = await RedisServer.start();
    const worker = await QueueWorker.start({ url: redis.url, evaluatorModule: FAULTY, gpus: ['1', '3'], echoStderr: false, log: () => undefined });
    const executor = await QueueExecutor.open({ url: redis.url, runId: 'gpu-test', capacity: 4, runDir: join(tmp, 'gpu-run'), log: () => undefined, job: { evaluator: { spec: 'faulty', options: {} }, space: { name: 'x', text: '{}' } } });
    try {
      expect(worker.concurrency).toBe(2);
      const seen: WorkerIdentity[] = [];
      const results = await Promise.all([0, 1, 2, 3].map((i) => executor.submit({ trialId: i, config: { action: 'env' }, seed: i }, { onRunning: (w) => seen.push(w) })));
      expect(new Set(results.map((r) => r.metrics?.gpu))).toEqual(new Set([1, 3]));
      expect(results.every((r) => r.metrics?.growth === 1)).toBe(true);
      expect(new Set(seen.map((w) => w.gpu))).toEqual(new Set(['1', '3']));
    } finally {
      await executor.close();
      await worker.stop(5);
      await redis.stop();
    }
  });
});

describe('the delay evaluator', () => {
  it('parses fixed and ranged delays; a child always waits as long', () => {
    expect(parseDelaySpec('0.5:branin')).toEqual({ min: 0.5, max: 0.5, inner: 'branin' });
    const ranged = parseDelaySpec('0.2-0.8:table:x.csv');
    expect(ranged).toEqual({ min: 0.2, max: 0.8, inner: 'table:x.csv' });
    const request: EvalRequest = { trialId: 1, config: {}, seed: 42 };
    expect(delayOf(ranged, request)).toBe(delayOf(ranged, request));
    expect(delayOf(ranged, request)).toBeGreaterThanOrEqual(0.2);
    expect(delayOf(ranged, request)).toBeLessThanOrEqual(0.8);
    expect(() => parseDelaySpec('x:branin')).toThrow(/accepted: delay:<seconds>:<evaluator>/);
    expect(() => parseDelaySpec('0.5')).toThrow(ValidationError);
    expect(() => parseDelaySpec('0.8-0.2:branin')).toThrow(/ends before it starts/);
    expect(innerSpec('delay:0.5:delay:1:table:a:b.csv')).toBe('table:a:b.csv');
  });
});

/** An executor whose results come back in the reverse order of submission, every `batch` submissions. */
class ReversingExecutor implements Executor {
  readonly capacity = 3;
  private held: Array<() => void> = [];
  acknowledged: number[] = [];
  submit(request: EvalRequest, hooks?: SubmitHooks): Promise<EvalResult> {
    hooks?.onRunning?.({ host: 'test', pid: 1000 + request.trialId });
    const score = -Math.abs((request.config as { x1: number }).x1);
    return new Promise((resolve) => {
      this.held.push(() => resolve({ trialId: request.trialId, status: 'ok', score }));
      if (this.held.length === this.capacity) setTimeout(() => this.flush());
    });
  }
  acknowledge(trialId: number): void {
    this.acknowledged.push(trialId);
  }
  flush(): void {
    for (const f of this.held.splice(0).reverse()) f();
  }
  async close(): Promise<void> {}
}

describe('the runner\'s ordered mode', () => {
  async function run(ordered: boolean): Promise<JournalEvent[]> {
    const space = loadSpace('branin');
    const strategy = createStrategy('tpe', { space, rng: Rng.seeded(5).split('strategy'), budget: 12, options: {} });
    const events: JournalEvent[] = [];
    const executor = new ReversingExecutor();
    const runner = new Runner({ strategy, space, executor, budget: 12, seed: 5, ordered, sink: { append: (e) => events.push(e) } });
    await runner.run();
    executor.flush();
    expect([...executor.acknowledged].sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
    return events;
  }

  it('tells results in the order children were sent out, whatever order they finish in', async () => {
    const told = (events: JournalEvent[]): number[] => events.filter((e) => e.e === 'finished').map((e) => e.id);
    const ordered = await run(true);
    expect(told(ordered)).toEqual([...told(ordered)].sort((a, b) => a - b));
    const unordered = await run(false);
    expect(told(unordered)).not.toEqual([...told(unordered)].sort((a, b) => a - b));
    // Where each child ran is journalled.
    expect(ordered.filter((e) => e.e === 'running').map((e) => (e.e === 'running' ? e.pid - 1000 : -1))).toEqual(ordered.filter((e) => e.e === 'started').map((e) => e.id));
  });
});
