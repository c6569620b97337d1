/**
 * The queue executor: a run's children go to a BullMQ queue on Redis, where `nas worker` processes on
 * any number of machines take them. The run process keeps the strategy, the journal and the snapshots
 * as with the other executors; this class only moves requests out and results back.
 *
 * What it leans on BullMQ for: job ids chosen here (`<runId>-<trialId>`) make a second send of a child a
 * no-op; a worker holds a lock on its job, and a job whose worker died is handed to another worker when
 * the lock lapses; results stay in Redis until this run has journalled them (`acknowledge` removes the
 * job). Results arrive by the queue's event stream; after a reconnection, and every `checkSeconds`, the
 * executor also asks Redis for the state of every child in flight, which collects results finished
 * while the run was away (a resume) and sends again a child whose job Redis no longer has (Redis
 * restarted without its data, or emptied).
 */
import { hostname } from 'node:os';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { rm } from 'node:fs/promises';
import type { EvalRequest, EvalResult, WorkerIdentity } from '../core/trial.ts';
import { checkScore, type Executor, type SubmitHooks } from './executor.ts';
import { JOB_FORMAT, JOB_NAME, jobIdOf, problemOfResult, trialOfJob, type ChildJob, type ChildJobResult, type TrialFileRef } from './queue-job.ts';
import { parseQueueUrl, redisOptions, type QueueAddress } from './queue-url.ts';
import { trialPath, TrialFiles } from './trial-files.ts';

/** Options of the queue executor. */
export interface QueueExecutorOptions {
  /** The queue's Redis, `redis://HOST:PORT[/DB]`. */
  url: string;
  /** Queue name; workers must serve the same one. Default `nas`. */
  queueName?: string;
  /** The run's id: the prefix of its job ids. */
  runId: string;
  /** Children in flight at once. */
  capacity: number;
  /** What every job of the run carries besides the request: evaluator and space. */
  job: Pick<ChildJob, 'evaluator' | 'space'>;
  /** The run directory: per-trial folders the workers publish are written under it. */
  runDir: string;
  /** Per-trial folders a child needs on its worker (its parent's weights), uploaded from the run directory. Default: none. */
  needs?: (request: EvalRequest) => TrialFileRef[];
  /** Seconds between checks of the children in flight against Redis. Default 5. */
  checkSeconds?: number;
  /** Where notices go (lost connection, a child sent again). Default: stderr. */
  log?: (line: string) => void;
}

interface Pending {
  request: EvalRequest;
  hooks: SubmitHooks;
  resolve: (result: EvalResult) => void;
  /** Files collected with its result, dropped from Redis on acknowledge. */
  collected?: TrialFileRef[];
  done?: boolean;
}

/** The queue name of the default queue. */
export const DEFAULT_QUEUE_NAME = 'nas';

/** Redis key prefix of a run's travelling folders. */
export function filesPrefix(queueName: string, runId: string): string {
  return `nas:${queueName}:files:${runId}`;
}

export class QueueExecutor implements Executor {
  readonly capacity: number;
  readonly address: QueueAddress;
  private readonly o: QueueExecutorOptions;
  private readonly redis: Redis;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly files: TrialFiles;
  private readonly pending = new Map<number, Pending>();
  /** Per-trial chains of operations (send, check, collect), so that they never overlap for one child. */
  private readonly chains = new Map<number, Promise<void>>();
  private readonly acks = new Set<Promise<void>>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private lost = false;
  private closed = false;

  private constructor(o: QueueExecutorOptions) {
    this.o = o;
    this.capacity = o.capacity;
    this.address = parseQueueUrl(o.url);
    const connection = redisOptions(this.address);
    const name = o.queueName ?? DEFAULT_QUEUE_NAME;
    this.redis = new Redis({ ...connection, connectionName: `nas-run-${o.runId}` });
    this.queue = new Queue(name, { connection: this.redis });
    this.events = new QueueEvents(name, { connection });
    this.files = new TrialFiles(this.redis, filesPrefix(name, o.runId));
    this.redis.on('error', (err: Error) => this.onLost(err));
    this.redis.on('ready', () => this.onReady());
    this.queue.on('error', () => undefined);
    this.events.on('error', () => undefined);
    this.events.on('completed', ({ jobId, returnvalue }) => this.onEvent(jobId, (trialId) => this.collect(trialId, returnvalue)));
    this.events.on('failed', ({ jobId, failedReason }) => this.onEvent(jobId, (trialId) => this.fail(trialId, failedReason)));
    this.events.on('progress', ({ jobId, data }) => this.onProgress(jobId, data));
  }

  /** Connects to the queue (waiting for Redis if it is not up yet) and listens to its events. */
  static async open(o: QueueExecutorOptions): Promise<QueueExecutor> {
    const executor = new QueueExecutor(o);
    await executor.events.waitUntilReady();
    await executor.queue.waitUntilReady();
    executor.timer = setInterval(() => executor.checkAll(), (o.checkSeconds ?? 5) * 1000);
    executor.timer.unref();
    return executor;
  }

  submit(request: EvalRequest, hooks: SubmitHooks = {}): Promise<EvalResult> {
    if (this.closed) return Promise.reject(new Error('the queue executor is closed'));
    return new Promise((resolve) => {
      this.pending.set(request.trialId, { request, hooks, resolve });
      this.chain(request.trialId, () => this.send(request.trialId));
    });
  }

  acknowledge(trialId: number): void {
    const p = this.pending.get(trialId);
    this.pending.delete(trialId);
    if (!p) return;
    const ack = (async () => {
      await this.queue.remove(jobIdOf(this.o.runId, trialId));
      for (const ref of p.collected ?? []) await this.files.drop(ref);
    })().catch((err: unknown) => this.log(`could not remove the job of child ${trialId} from the queue: ${(err as Error).message}`));
    this.acks.add(ack);
    void ack.finally(() => this.acks.delete(ack));
  }

  /** Stops listening; children still in flight stay in the queue for a resume to collect. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.acks]);
    await Promise.allSettled([...this.chains.values()]);
    await this.events.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    this.redis.disconnect();
  }

  private log(line: string): void {
    (this.o.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(`nas: queue ${this.address.display}: ${line}`);
  }

  private chain(trialId: number, op: () => Promise<void>): void {
    const previous = this.chains.get(trialId) ?? Promise.resolve();
    const next = previous.then(op).catch((err: unknown) => {
      if (!this.closed) this.log(`child ${trialId}: ${(err as Error).message}`);
    });
    this.chains.set(trialId, next);
    void next.finally(() => {
      if (this.chains.get(trialId) === next) this.chains.delete(trialId);
    });
  }

  private onEvent(jobId: string, op: (trialId: number) => Promise<void>): void {
    const trialId = trialOfJob(this.o.runId, jobId);
    if (trialId !== undefined && this.pending.has(trialId)) this.chain(trialId, () => op(trialId));
  }

  private onProgress(jobId: string, data: unknown): void {
    const trialId = trialOfJob(this.o.runId, jobId);
    const p = trialId !== undefined ? this.pending.get(trialId) : undefined;
    const where = data as Partial<WorkerIdentity> | null;
    if (!p || p.done || typeof where?.host !== 'string' || typeof where.pid !== 'number') return;
    p.hooks.onRunning?.({ host: where.host, pid: where.pid, ...(typeof where.gpu === 'string' ? { gpu: where.gpu } : {}) });
  }

  /** Uploads what the child needs and adds its job (a no-op when the job is there), then looks at its state. */
  private async send(trialId: number): Promise<void> {
    const p = this.pending.get(trialId);
    if (!p || p.done) return;
    const files: TrialFileRef[] = [];
    const needs = this.o.needs?.(p.request) ?? [];
    // An acknowledgement in progress may be dropping from Redis the very item this child needs (the
    // checkpoint or weights its predecessor sent back): let it finish before uploading the item again.
    if (needs.length > 0) await Promise.allSettled([...this.acks]);
    for (const ref of needs) {
      if (await this.files.put(this.o.runDir, ref)) files.push(ref);
    }
    const data: ChildJob = { format: JOB_FORMAT, runId: this.o.runId, request: p.request, ...this.o.job, files };
    await this.queue.add(JOB_NAME, data, { jobId: jobIdOf(this.o.runId, trialId), removeOnComplete: false, removeOnFail: false, attempts: 1 });
    await this.check(trialId, false);
  }

  /** Collects a finished child, fails a failed one, and (with `resend`) sends again one Redis no longer has. */
  private async check(trialId: number, resend: boolean): Promise<void> {
    const p = this.pending.get(trialId);
    if (!p || p.done) return;
    const id = jobIdOf(this.o.runId, trialId);
    const state = await this.queue.getJobState(id);
    if (state === 'completed') {
      const job = await this.queue.getJob(id);
      if (job) await this.collect(trialId, job.returnvalue);
    } else if (state === 'failed') {
      const job = await this.queue.getJob(id);
      await this.fail(trialId, job?.failedReason ?? 'unknown reason');
    } else if (state === 'unknown' && resend) {
      this.log(`Redis no longer holds child ${trialId}; sending it again`);
      await this.send(trialId);
    }
  }

  private checkAll(): void {
    if (this.closed || this.lost) return;
    for (const trialId of this.pending.keys()) {
      if (!this.chains.has(trialId)) this.chain(trialId, () => this.check(trialId, true));
    }
  }

  private async collect(trialId: number, value: unknown): Promise<void> {
    const p = this.pending.get(trialId);
    if (!p || p.done) return;
    const problem = problemOfResult(value, this.o.runId, trialId);
    if (problem !== undefined) {
      this.finish(p, { trialId, status: 'failed', failure: 'crash', error: `the queue returned a bad result: ${problem}` });
      return;
    }
    const v = value as ChildJobResult;
    const collected: TrialFileRef[] = [];
    for (const ref of v.files) {
      if (await this.files.fetch(this.o.runDir, ref)) collected.push(ref);
      else this.log(`the ${ref.kind} of child ${ref.trialId} were not in Redis any more; the run keeps none for it`);
    }
    for (const ref of v.dropped) await rm(trialPath(this.o.runDir, ref), { recursive: true, force: true });
    p.collected = collected;
    this.finish(p, checkScore({ ...v.result, trialId }));
  }

  private async fail(trialId: number, reason: string): Promise<void> {
    const p = this.pending.get(trialId);
    if (!p || p.done) return;
    const stalled = /stalled/i.test(reason);
    const error = stalled ? `the workers evaluating it died too often (${reason})` : `the queue failed it: ${reason}`;
    this.finish(p, { trialId, status: 'failed', failure: 'crash', error });
  }

  private finish(p: Pending, result: EvalResult): void {
    p.done = true;
    p.resolve(result);
  }

  private onLost(err: Error): void {
    if (this.lost || this.closed) return;
    this.lost = true;
    this.log(`lost the connection (${err.message}); waiting for Redis, the run goes on when it is back`);
  }

  private onReady(): void {
    if (!this.lost || this.closed) return;
    this.lost = false;
    this.log(`connected again on ${hostname()}; checking the ${this.pending.size} children in flight`);
    this.checkAll();
  }
}
