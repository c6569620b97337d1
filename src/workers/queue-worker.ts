/**
 * A queue worker (`nas worker`): a BullMQ worker taking children of any run from the queue, K at a time,
 * and evaluating each in a local process pool (the pool a run uses itself, so a child that crashes or
 * runs out of memory fails alone), slot i of the pool on GPU i when GPUs are given.
 *
 * For each child it stages what the job carries in a folder of its own per run (the space file; the
 * per-trial folders the child needs, from Redis), builds the evaluator the job names with the run's
 * options (relative data paths under `dataRoot` when given, and the run's data fingerprint, so other
 * data is refused), and returns the result with the folders the evaluation wrote for the run to keep.
 *
 * Stopping: `stop` takes no new child and lets those running finish within a grace period, then hands
 * them back to the queue (another worker starts them afresh). Killed outright, it loses nothing either:
 * its pool's processes end with it, and BullMQ gives its children to another worker once their locks
 * lapse (`lockSeconds`).
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { WaitingError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { EvalResult, WorkerIdentity } from '../core/trial.ts';
import { ProcessPool, type EvaluatorRef } from './pool.ts';
import { problemOfJob, type ChildJob, type ChildJobResult, type TrialFileRef } from './queue-job.ts';
import { DEFAULT_QUEUE_NAME, filesPrefix } from './queue-executor.ts';
import { parseQueueUrl, redisOptions, type QueueAddress } from './queue-url.ts';
import { RunStage } from './run-stage.ts';
import { refKey } from './trial-files.ts';

/** Options of a queue worker. */
export interface QueueWorkerOptions {
  /** The queue's Redis, `redis://HOST:PORT[/DB]`. */
  url: string;
  /** Queue name. Default `nas`. */
  queueName?: string;
  /** URL of the evaluator module the pool's processes load (src/evaluators/all.ts). */
  evaluatorModule: string;
  /** Children evaluated at once, each in its own process. Default: the number of GPUs, else 1. */
  concurrency?: number;
  /** GPUs the processes take in turn (CUDA_VISIBLE_DEVICES, memory growth). Default: none. */
  gpus?: readonly string[];
  /** Where relative data paths of a run (its tables, datasets) are read; default: where the run was started, the same path as on the run's machine. */
  dataRoot?: string;
  /** Folder for staged files (one sub-folder per run). Default: a new temporary folder, removed on stop. */
  workDir?: string;
  /** Seconds a child's lock lasts without renewal: how soon another worker takes over the children of a killed one. Default 30. */
  lockSeconds?: number;
  /** Times a child may lose its worker before it fails (BullMQ maxStalledCount). Default 2. */
  maxStalls?: number;
  /** Evaluations per process before a fresh one replaces it. Default 50. */
  recycleAfter?: number;
  /** Heap limit of each process in MiB. Node's default when absent. */
  maxOldSpaceMb?: number;
  /** Seconds a child may take before its process is killed and it fails with `timeout`. No limit by default. */
  timeoutSeconds?: number;
  /** Copy the processes' stderr to this process's stderr. Default true. */
  echoStderr?: boolean;
  /** Where the worker says what it does. Default: stderr. */
  log?: (line: string) => void;
}


export class QueueWorker {
  readonly address: QueueAddress;
  readonly concurrency: number;
  readonly workDir: string;
  private readonly o: QueueWorkerOptions;
  private readonly redis: Redis;
  private readonly pool: ProcessPool;
  private readonly worker: Worker;
  private readonly stages = new Map<string, RunStage>();
  private readonly ownsWorkDir: boolean;
  private handingBack = false;
  private stopping: Promise<void> | undefined;

  private constructor(o: QueueWorkerOptions) {
    this.o = o;
    this.address = parseQueueUrl(o.url);
    this.concurrency = o.concurrency ?? (o.gpus && o.gpus.length > 0 ? o.gpus.length : 1);
    this.ownsWorkDir = o.workDir === undefined;
    this.workDir = o.workDir ?? mkdtempSync(join(tmpdir(), 'nas-worker-'));
    const connection = redisOptions(this.address);
    this.redis = new Redis({ ...connection, connectionName: `nas-worker-${hostname()}-${process.pid}` });
    let lost = false;
    this.redis.on('error', (err: Error) => {
      if (!lost) this.log(`lost the connection to Redis (${err.message}); retrying`);
      lost = true;
    });
    this.redis.on('ready', () => {
      if (lost) this.log('connected to Redis again');
      lost = false;
    });
    this.pool = new ProcessPool({
      workers: this.concurrency, gpus: o.gpus, initFailure: 'fail', recycleAfter: o.recycleAfter,
      maxOldSpaceMb: o.maxOldSpaceMb, timeoutSeconds: o.timeoutSeconds, echoStderr: o.echoStderr,
    });
    const lock = (o.lockSeconds ?? 30) * 1000;
    this.worker = new Worker(o.queueName ?? DEFAULT_QUEUE_NAME, (job, token) => this.process(job, token), {
      connection, concurrency: this.concurrency, lockDuration: lock, stalledInterval: lock, maxStalledCount: o.maxStalls ?? 2,
      name: `${hostname()}:${process.pid}`, autorun: false,
    });
    this.worker.on('error', (err: Error) => {
      if (!lost) this.log(`queue error: ${err.message}`);
    });
  }

  /** Connects and starts taking children. */
  static async start(o: QueueWorkerOptions): Promise<QueueWorker> {
    const w = new QueueWorker(o);
    await w.worker.waitUntilReady();
    void w.worker.run().catch((err: unknown) => w.log(`stopped taking children: ${(err as Error).message}`));
    const gpus = o.gpus && o.gpus.length > 0 ? ` on GPUs ${o.gpus.join(',')}` : '';
    w.log(`serving queue '${o.queueName ?? DEFAULT_QUEUE_NAME}' on ${w.address.display}: ${w.concurrency} child(ren) at a time${gpus}; data root ${o.dataRoot ?? "each run's own"}; staging in ${w.workDir}`);
    return w;
  }

  /**
   * Takes no new child; lets the running ones finish for up to `graceSeconds`, then hands them back to
   * the queue; closes the pool and the connections. A second call (or `handBack`) does not wait.
   */
  stop(graceSeconds = 30): Promise<void> {
    if (this.stopping) {
      this.handBack();
      return this.stopping;
    }
    this.log(`stopping: no new children; ${graceSeconds} s for those running, then they go back to the queue`);
    const timer = setTimeout(() => this.handBack(), graceSeconds * 1000);
    this.stopping = (async () => {
      await this.worker.close();
      clearTimeout(timer);
      await this.pool.close();
      this.redis.disconnect();
      if (this.ownsWorkDir) await rm(this.workDir, { recursive: true, force: true });
      this.log('stopped');
    })();
    return this.stopping;
  }

  /** Hands the children running now back to the queue (their processes are killed). */
  handBack(): void {
    if (this.handingBack) return;
    this.handingBack = true;
    this.log('handing the running children back to the queue');
    void this.pool.close({ force: true });
  }

  private log(line: string): void {
    (this.o.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(`nas worker ${hostname()}:${process.pid}: ${line}`);
  }

  private async process(job: Job, token: string | undefined): Promise<ChildJobResult> {
    const problem = problemOfJob(job.data);
    if (problem !== undefined) throw new Error(problem);
    const data = job.data as ChildJob;
    const { trialId } = data.request;
    const name = `run ${data.runId} child ${trialId}`;
    let stage: RunStage | undefined;
    try {
      const staged = await this.stage(data);
      stage = staged.stage;
      for (const ref of staged.missing) this.log(`${name}: ${refKey(ref)} is not in the run's files; the child runs without it${ref.kind === 'checkpoints' ? ' (trains from its first epoch)' : ''}`);
      let where: WorkerIdentity = { host: hostname(), pid: process.pid };
      const started = performance.now();
      this.log(`${name}: ${data.evaluator.spec}, seed ${data.request.seed}${data.request.fidelity !== undefined ? `, fidelity ${data.request.fidelity}` : ''}`);
      const result = await this.pool.submit(data.request, {
        evaluator: this.evaluatorOf(data, stage),
        onRunning: (w) => {
          where = w;
          job.updateProgress({ ...w }).catch(() => undefined);
        },
      });
      if (this.handingBack) throw new HandBack();
      const { files, dropped } = await stage.publish(trialId, data.files);
      stage = undefined;
      this.log(`${name}: ${describe(result)} in ${((performance.now() - started) / 1000).toFixed(1)} s${files.length ? ` (${files.map(refKey).join(', ')} sent)` : ''}`);
      return { format: 1, runId: data.runId, trialId, result, where, files, dropped };
    } catch (err) {
      await stage?.release(data.files).catch(() => undefined);
      if (!this.handingBack) throw err;
      await job.moveToWait(token);
      this.log(`${name}: handed back to the queue`);
      throw new WaitingError();
    }
  }

  private evaluatorOf(data: ChildJob, stage: RunStage): EvaluatorRef {
    const options = data.evaluator.options;
    return {
      module: this.o.evaluatorModule, spec: data.evaluator.spec,
      options: { ...options, space: stage.spaceFile, runDir: stage.dir, ...(this.o.dataRoot !== undefined ? { baseDir: this.o.dataRoot } : {}) },
    };
  }

  /** The run's staging folder, ready for this child (its space file and the items it needs), and the items missing. */
  private async stage(data: ChildJob): Promise<{ stage: RunStage; missing: TrialFileRef[] }> {
    let stage = this.stages.get(data.runId);
    if (!stage) {
      stage = new RunStage(join(this.workDir, data.runId), data.space.name, this.redis, filesPrefix(this.o.queueName ?? DEFAULT_QUEUE_NAME, data.runId));
      this.stages.set(data.runId, stage);
    }
    return { stage, missing: await stage.prepare(data) };
  }
}

/** Thrown inside a job being handed back. */
class HandBack extends Error {}

function describe(result: EvalResult): string {
  if (result.status === 'ok') return `score ${result.score}`;
  return `failed (${result.failure ?? 'crash'}${result.error ? `: ${result.error.split('\n')[0]}` : ''})`;
}
