/**
 * The local process pool: K worker processes (child_process.fork of child.ts through tsx), one
 * evaluation each at a time. A worker that crashes, runs out of memory or is killed fails only the
 * evaluation it was running (recorded as `crash` or `oom`); a fresh worker takes its place. Workers are
 * recycled after `recycleAfter` evaluations so that memory stays flat over thousands of children.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EvaluatorOptions } from '../core/evaluator.ts';
import { NasError } from '../core/errors.ts';
import type { EvalRequest, EvalResult } from '../core/trial.ts';
import type { Executor } from './executor.ts';
import { PARENT_PID_ENV, type FromWorker, type ToWorker } from './protocol.ts';

/** Options of the process pool. */
export interface ProcessPoolOptions {
  /** URL of the module that exports `createEvaluator(spec, options)` in each worker. */
  evaluatorModule: string;
  /** The evaluator spec, e.g. `table:data/benchmarks/nas-bench-201/cifar10.csv` or `train`. */
  spec: string;
  /** Options handed to the evaluator factory. */
  evaluatorOptions: EvaluatorOptions;
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
}

interface Job {
  request: EvalRequest;
  resolve: (result: EvalResult) => void;
  reject: (err: Error) => void;
}

interface Worker {
  process: ChildProcess;
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

  submit(request: EvalRequest): Promise<EvalResult> {
    if (this.closed) return Promise.reject(new Error('the process pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const exits = [...this.workers].map((w) => this.retire(w));
    this.workers.clear();
    await Promise.all(exits);
  }

  /** Number of live worker processes (for tests of recycling). */
  get liveWorkers(): number {
    return this.workers.size;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let idle = [...this.workers].find((w) => !w.job);
      if (!idle && this.workers.size < this.capacity) idle = this.spawn();
      if (!idle) return;
      const job = this.queue.shift() as Job;
      idle.job = job;
      idle.process.send({ type: 'eval', request: job.request } satisfies ToWorker);
    }
  }

  private spawn(): Worker {
    const execArgv = ['--import', TSX_LOADER];
    if (this.options.maxOldSpaceMb !== undefined) execArgv.push(`--max-old-space-size=${this.options.maxOldSpaceMb}`);
    const child = fork(CHILD, [], { execArgv, stdio: ['ignore', 'inherit', 'pipe', 'ipc'], env: { ...process.env, [PARENT_PID_ENV]: String(process.pid) } });
    const worker: Worker = { process: child, done: 0, stderrTail: '' };
    child.stderr?.on('data', (chunk: Buffer) => {
      if (this.options.echoStderr ?? true) process.stderr.write(chunk);
      worker.stderrTail = (worker.stderrTail + chunk.toString('utf8')).slice(-4000);
    });
    child.on('message', (message: FromWorker) => this.onMessage(worker, message));
    child.on('exit', (code, signal) => this.onExit(worker, code, signal));
    child.on('error', () => undefined);
    const { evaluatorModule, spec, evaluatorOptions } = this.options;
    child.send({ type: 'init', module: evaluatorModule, spec, options: evaluatorOptions } satisfies ToWorker);
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
      return;
    }
    if (worker.timer) clearTimeout(worker.timer);
    worker.job = undefined;
    if (message.type === 'init-error') {
      job.reject(new NasError(`the evaluator '${this.options.spec}' cannot start: ${message.message}`));
      this.workers.delete(worker);
      void this.retire(worker);
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
