/**
 * What travels through the queue: a job is one child of one run, with everything a worker needs to
 * evaluate it (the request, the evaluator and its options, the space file, the data fingerprint, the
 * per-trial folders it needs); its return value is the child's result, the worker that computed it and
 * the folders the worker published. Both carry a format number and are checked on arrival, so a job from
 * another version of `nas` fails with a reason instead of being misread.
 *
 * Job ids are `<runId>-<trialId>`: a run that sends a child again (after a resume, or when Redis lost the
 * job) gets the job that is already there, so nothing is evaluated twice for one send, and results of two
 * runs on one queue never meet.
 */
import type { EvaluatorOptions } from '../core/evaluator.ts';
import type { EvalRequest, EvalResult, WorkerIdentity } from '../core/trial.ts';

/** Format of job data and job results. */
export const JOB_FORMAT = 1;

/** Name of the jobs (BullMQ job name). */
export const JOB_NAME = 'child';

/** A per-trial folder that travels: `<root>/<kind>/<trialId>/` (kind `weights`: model.json + weights.bin). */
export interface TrialFileRef {
  kind: string;
  trialId: number;
}

/** A job's data. */
export interface ChildJob {
  format: typeof JOB_FORMAT;
  /** The run's id (config.json `runId`). */
  runId: string;
  request: EvalRequest;
  evaluator: {
    spec: string;
    /** The evaluator options of the run; the worker sets `space`, `runDir` and (with --data-root) `baseDir`. */
    options: Omit<EvaluatorOptions, 'space' | 'runDir'>;
  };
  /** The run's space file: its name (file name without .json) and text. */
  space: { name: string; text: string };
  /** Per-trial folders the evaluation needs (a parent's weights), uploaded by the run. */
  files: TrialFileRef[];
}

/** A job's return value. */
export interface ChildJobResult {
  format: typeof JOB_FORMAT;
  runId: string;
  trialId: number;
  result: EvalResult;
  /** The process that evaluated the child. */
  where: WorkerIdentity;
  /** Per-trial folders the worker uploaded for the run to keep (the child's trained weights). */
  files: TrialFileRef[];
  /** Folders uploaded earlier that the evaluator has since deleted (a best no longer kept). */
  dropped: TrialFileRef[];
}

/** The job id of a run's child. */
export function jobIdOf(runId: string, trialId: number): string {
  return `${runId}-${trialId}`;
}

/** The trial id of one of a run's job ids, or undefined for another run's job. */
export function trialOfJob(runId: string, jobId: string | undefined): number | undefined {
  if (jobId === undefined || !jobId.startsWith(`${runId}-`)) return undefined;
  const rest = jobId.slice(runId.length + 1);
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRefs = (v: unknown): v is TrialFileRef[] =>
  Array.isArray(v) && v.every((r) => isObject(r) && typeof r.kind === 'string' && /^[a-z][a-z0-9-]*$/.test(r.kind) && Number.isInteger(r.trialId));

/** Checks a job's data; returns what is wrong, or undefined. */
export function problemOfJob(data: unknown): string | undefined {
  if (!isObject(data)) return 'the job data is not an object';
  if (data.format !== JOB_FORMAT) return `job format ${String(data.format)}; this worker reads format ${JOB_FORMAT} (run and workers must run the same version of nas)`;
  if (typeof data.runId !== 'string' || !isObject(data.request) || !Number.isInteger(data.request.trialId)) return 'the job has no runId or request';
  if (!isObject(data.evaluator) || typeof data.evaluator.spec !== 'string' || !isObject(data.evaluator.options)) return 'the job has no evaluator';
  if (!isObject(data.space) || typeof data.space.name !== 'string' || typeof data.space.text !== 'string') return 'the job has no space';
  if (!/^[\w.-]+$/.test(data.space.name)) return `the job's space name '${data.space.name}' is not a file name`;
  if (!isRefs(data.files)) return "the job's files are not a list of {kind, trialId}";
  return undefined;
}

/** Checks a job's return value for run `runId` and child `trialId`; returns what is wrong, or undefined. */
export function problemOfResult(value: unknown, runId: string, trialId: number): string | undefined {
  if (!isObject(value)) return 'the job returned no object';
  if (value.format !== JOB_FORMAT) return `result format ${String(value.format)}; this run reads format ${JOB_FORMAT} (run and workers must run the same version of nas)`;
  if (value.runId !== runId || value.trialId !== trialId) return `the job returned the result of run ${String(value.runId)} child ${String(value.trialId)}`;
  const r = value.result;
  if (!isObject(r) || (r.status !== 'ok' && r.status !== 'failed')) return 'the job returned no result';
  if (!isObject(value.where) || typeof value.where.host !== 'string') return 'the job does not say which worker computed it';
  if (!isRefs(value.files) || !isRefs(value.dropped)) return "the job's files are not lists of {kind, trialId}";
  return undefined;
}
