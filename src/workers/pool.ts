/**
 * The local process pool: K worker processes (child_process.fork of child.ts through tsx), one
 * evaluation each at a time. A worker that crashes, runs out of memory or is killed fails only the
 * evaluation it was running (recorded as `crash` or `oom`); a fresh worker takes its place. Workers are
 * recycled after `recycleAfter` evaluations so that memory stays flat over thousands of children.
 *
 * A worker process builds one evaluator. A run's pool has one (the options' default); a `nas worker`
 * serving several runs names the evaluator with each submission, and a slot whose process holds another
 * evaluator gets a fresh process. With `gpus`, slot i's process sees GPU gpus[i mod n] alone
 * (CUDA_VISIBLE_DEVICES) with TensorFlow's memory growth on, so K processes share a box's GPUs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EvaluatorOptions } from '../core/evaluator.ts';
import { NasError } from '../core/errors.ts';
import type { EvalRequest, EvalResult } from '../core/trial.ts';
import type { Executor, SubmitHooks } from './executor.ts';
import { gpuEnvironment, gpuOfSlot } from './gpus.ts';
import { PARENT_PID_ENV, type FromWorker, type ToWorker } from './protocol.ts';

/** An evaluator a worker process builds: `createEvaluator(spec, options)` of `module`. */
export interface EvaluatorRef {
  /** URL of the module that exports `createEvaluator(spec, options)`. */
  module: string;
  /** The evaluator spec, e.g. `table:data/benchmarks/nas-bench-201/cifar10.csv` or `train`. */
  spec: string;
  /** Options handed to the evaluator factory. */
  options: EvaluatorOptions;
}

/** Options of the process pool. */
export interface ProcessPoolOptions {
  /** URL of the module that exports `createEvaluator(spec, options)` in each worker (the default evaluator). */
  evaluatorModule?: string;
  /** The default evaluator's spec. Without it every submission must name its evaluator. */
  spec?: string;
  /** Options handed to the default evaluator's factory. Default `{ space: '' }`. */
  evaluatorOptions?: EvaluatorOptions;
  /** Number of worker processes K. Default 1. */
  workers?: number;
  /** Evaluations a worker runs before it is replaced by a fresh process. Default 50. */
  recycleAfter?: number;
  /** Heap limit of each worker in MiB (node's --max-old-space-size); node's default when absent. */
  maxOldSpaceMb?: number;
  /** Seconds an evaluation may take, counted from when the worker begins it (after building its evaluator), before the worker is killed and it fails with `timeout`. None by default. */
  timeoutSeconds?: number;
  /** Copy each worker's stderr to this process's stderr (it is always kept to classify failures). Default true. */
  echoStderr?: boolean;
  /** GPUs the worker processes take in turn (slot i gets gpus[i mod n]). Default: none (each sees what the pool sees). */
  gpus?: readonly string[];
  /**
   * An evaluator that cannot start (bad spec, missing dataset, other data than the run's): `reject` the
   * submission (a run's own pool: the run stops with the reason) or resolve it as a `setup` failure (a
   * queue worker: the child fails with the reason and the worker goes on). Default `reject`.
   */
  initFailure?: 'reject' | 'fail';
}

/** What `submit` accepts beyond the request: progress hooks and, for pools serving several runs, the evaluator. */
export interface PoolSubmitOptions extends SubmitHooks {
  /** The evaluator of this submission. Default: the pool's. */
  evaluator?: EvaluatorRef;
}

interface Job {
  request: EvalRequest;
  evaluator: EvaluatorRef;
  key: string;
  hooks: SubmitHooks;
  resolve: (result: EvalResult) => void;
  reject: (err: Error) => void;
}

interface Worker {
  process: ChildProcess;
  slot: number;
  key: string;
  spec: string;
  job?: Job;
  done: number;
  stderrTail: string;
  timer?: ReturnType<typeof setTimeout>;
  timedOut?: boolean;
}

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export class ProcessPool implements Executor {
  readonly capacity: number;
  private readonly options: ProcessPoolOptions;
  private readonly recycleAfter: number;
  private readonly workers = new Set<Worker>();
  private readonly queue: Job[] = [];
  private closed = false;

  constructor(options: ProcessPoolOptions) {
    this.options = options;
    this.capacity = options.workers ?? 1;
    this.recycleAfter = options.recycleAfter ?? 50;
  }

  submit(request: EvalRequest, options: PoolSubmitOptions = {}): Promise<EvalResult> {
    if (this.closed) return Promise.reject(new Error('the process pool is closed'));
    const { evaluator: given, ...hooks } = options;
    const o = this.options;
    const evaluator = given ?? (o.evaluatorModule !== undefined && o.spec !== undefined ? { module: o.evaluatorModule, spec: o.spec, options: o.evaluatorOptions ?? { space: '' } } : undefined);
    if (!evaluator) return Promise.reject(new Error('the process pool has no default evaluator and the submission names none'));
    const key = JSON.stringify([evaluator.module, evaluator.spec, evaluator.options]);
    return new Promise((resolve, reject) => {
      this.queue.push({ request, evaluator, key, hooks, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Stops every worker; evaluations still running resolve as failed, those not yet begun reject. `force`
   * kills the processes at once instead of letting each finish its evaluator's clean-up (up to 5 s).
   */
  async close(options: { force?: boolean } = {}): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the process pool closed before the evaluation began'));
    const exits = [...this.workers].map((w) => (options.force ? this.kill(w) : this.retire(w)));
    this.workers.clear();
    await Promise.all(exits);
  }

  /** Number of live worker processes (for tests of recycling). */
  get liveWorkers(): number {
    return this.workers.size;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const job = this.queue[0];
      const worker = this.placeFor(job);
      if (!worker) return;
      this.queue.shift();
      worker.job = job;
      worker.process.send({ type: 'eval', request: job.request } satisfies ToWorker);
    }
  }

  /** An idle worker for `job`: one holding its evaluator, a new one in a free slot, or one replacing an idle worker of another evaluator. */
  private placeFor(job: Job): Worker | undefined {
    const idle = [...this.workers].filter((w) => !w.job);
    const same = idle.find((w) => w.key === job.key);
    if (same) return same;
    if (this.workers.size < this.capacity) return this.spawn(job.evaluator, job.key, this.freeSlot());
    const other = idle[0];
    if (!other) return undefined;
    this.workers.delete(other);
    void this.retire(other);
    return this.spawn(job.evaluator, job.key, other.slot);
  }

  private freeSlot(): number {
    const used = new Set([...this.workers].map((w) => w.slot));
    let slot = 0;
    while (used.has(slot)) slot++;
    return slot;
  }

  private spawn(evaluator: EvaluatorRef, key: string, slot: number): Worker {
    const execArgv = ['--import', TSX_LOADER];
    if (this.options.maxOldSpaceMb !== undefined) execArgv.push(`--max-old-space-size=${this.options.maxOldSpaceMb}`);
    const gpu = gpuOfSlot(this.options.gpus, slot);
    const env = { ...process.env, [PARENT_PID_ENV]: String(process.pid), ...(gpu !== undefined ? gpuEnvironment(gpu) : {}) };
    const child = fork(CHILD, [], { execArgv, stdio: ['ignore', 'inherit', 'pipe', 'ipc'], env });
    const worker: Worker = { process: child, slot, key, spec: evaluator.spec, done: 0, stderrTail: '' };
    child.stderr?.on('data', (chunk: Buffer) => {
      if (this.options.echoStderr ?? true) process.stderr.write(chunk);
      worker.stderrTail = (worker.stderrTail + chunk.toString('utf8')).slice(-4000);
    });
    child.on('message', (message: FromWorker) => this.onMessage(worker, message));
    child.on('exit', (code, signal) => this.onExit(worker, code, signal));
    child.on('error', () => undefined);
    child.send({ type: 'init', module: evaluator.module, spec: evaluator.spec, options: evaluator.options } satisfies ToWorker);
    this.workers.add(worker);
    return worker;
  }

  /** Starts the per-evaluation time limit once the worker has begun (building the evaluator does not count). */
  private startTimer(worker: Worker): void {
    const timeout = this.options.timeoutSeconds;
    if (timeout === undefined) return;
    worker.timer = setTimeout(() => {
      worker.timedOut = true;
      worker.process.kill('SIGKILL');
    }, timeout * 1000);
  }

  private onMessage(worker: Worker, message: FromWorker): void {
    const job = worker.job;
    if (!job) return;
    if (message.type === 'started') {
      this.startTimer(worker);
      const gpu = gpuOfSlot(this.options.gpus, worker.slot);
      job.hooks.onRunning?.({ host: hostname(), pid: worker.process.pid ?? 0, ...(gpu !== undefined ? { gpu } : {}) });
      return;
    }
    if (worker.timer) clearTimeout(worker.timer);
    worker.job = undefined;
    if (message.type === 'init-error') {
      const reason = `the evaluator '${job.evaluator.spec}' cannot start on ${hostname()}: ${message.message}`;
      if (this.options.initFailure === 'fail') job.resolve({ trialId: job.request.trialId, status: 'failed', failure: 'setup', error: reason });
      else job.reject(new NasError(reason));
      this.workers.delete(worker);
      void this.retire(worker);
      this.dispatch();
      return;
    }
    worker.done++;
    job.resolve({ ...message.result, trialId: job.request.trialId });
    if (worker.done >= this.recycleAfter) {
      this.workers.delete(worker);
      void this.retire(worker);
    }
    this.dispatch();
  }

  private onExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    if (worker.timer) clearTimeout(worker.timer);
    const had = this.workers.delete(worker);
    const job = worker.job;
    worker.job = undefined;
    if (job) job.resolve(this.failure(worker, job.request.trialId, code, signal));
    if (had && !this.closed) this.dispatch();
  }

  private failure(worker: Worker, trialId: number, code: number | null, signal: NodeJS.Signals | null): EvalResult {
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    const tail = worker.stderrTail.trim().split('\n').slice(-3).join(' | ');
    if (worker.timedOut) {
      return { trialId, status: 'failed', failure: 'timeout', error: `killed after ${this.options.timeoutSeconds} s` };
    }
    const oom = /heap out of memory|Allocation failed|out of memory|OOM/i.test(worker.stderrTail);
    return { trialId, status: 'failed', failure: oom ? 'oom' : 'crash', error: `worker died (${how})${tail ? `: ${tail}` : ''}` };
  }

  /** Kills a worker at once and waits for it to go. */
  private kill(worker: Worker): Promise<void> {
    const child = worker.process;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** Asks a worker to exit and waits for it; kills it if it does not go within 5 s. */
  private retire(worker: Worker): Promise<void> {
    const child = worker.process;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (child.connected) child.send({ type: 'exit' } satisfies ToWorker);
      else child.kill('SIGKILL');
    });
  }
}
