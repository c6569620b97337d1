/**
 * The run's append-only journal: one JSON object per line, one line per event (asked, started, running,
 * finished, failed, resumed). Each append is one write followed by fsync, so an event is on disk before
 * the run acts on it; appends are O(1). Only newline-terminated lines count: a last line cut short by a
 * kill is ignored on read and cut off by the next writer (the run directory's lock holder) before it
 * appends. Any other bad line is an error naming the file and the line.
 */
import { closeSync, constants, existsSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { FileFormatError, UsageError, withStorage } from '../core/errors.ts';
import type { FailureKind } from '../core/trial.ts';
import type { RunLock } from './run-lock.ts';

/**
 * The first event of a run's journal: the configuration the run was created with and its checksum,
 * so a config.json edited afterwards is detected (and what changed named) instead of silently
 * changing the run. Journals written before this event existed start with `asked`; they still load.
 */
export interface CreatedEvent {
  e: 'created';
  /** SHA-256 (hex) of the configuration's canonical JSON (keys sorted). */
  configSha256: string;
  /** The configuration itself, as config.json held it. */
  config: Record<string, unknown>;
  t: number;
}

/** A child was proposed by the strategy. */
export interface AskedEvent {
  e: 'asked';
  /** Trial id (0, 1, 2, ... in ask order). */
  id: number;
  /** Canonical hash of the configuration. */
  hash: string;
  /** Seed of the evaluation, derived from the run seed and the id. */
  seed: number;
  /** The configuration in its JSON form. */
  config: unknown;
  parentId?: number;
  fidelity?: number;
  /** Trial whose checkpoint the child continues. */
  continueFrom?: number;
  /** Largest fidelity of the strategy (the schedule's horizon), for children that continue or are continued. */
  horizon?: number;
  /** The child keeps a checkpoint (a later child may continue it). */
  checkpoint?: boolean;
  /** Wall-clock time (ms since the epoch). */
  t: number;
}

/** A child was handed to a worker. */
export interface StartedEvent {
  e: 'started';
  id: number;
  /** Which worker slot runs it. */
  worker: number;
  t: number;
}

/**
 * A worker process began the child (informational: where it runs; replay skips it). A child whose worker
 * died and that another worker took over has one per attempt.
 */
export interface RunningEvent {
  e: 'running';
  id: number;
  /** Host name of the machine evaluating it. */
  host: string;
  /** Process id of the evaluating process. */
  pid: number;
  /** GPU given to that process (CUDA_VISIBLE_DEVICES), if any. */
  gpu?: string;
  t: number;
}

/** A child has a score (trained, looked up, or copied from an earlier child with the same hash). */
export interface FinishedEvent {
  e: 'finished';
  id: number;
  score: number;
  report?: number;
  metrics?: Record<string, number>;
  seconds?: number;
  /** Set when the child was not evaluated because trial `duplicateOf` has the same canonical hash. */
  duplicateOf?: number;
  /** Score after each epoch, when measured (the median rule). */
  curve?: number[];
  /** The median rule stopped the child after this epoch; its score is the score then. */
  stoppedAt?: number;
  /** Epochs the evaluation trained (less than the fidelity when it continued a checkpoint or stopped early). */
  epochsTrained?: number;
  t: number;
}

/** A child has no score: it crashed, ran out of memory, gave NaN or was rejected before training. */
export interface FailedEvent {
  e: 'failed';
  id: number;
  failure: FailureKind;
  error?: string;
  duplicateOf?: number;
  t: number;
}

/** The run was resumed by a new process (informational; replay skips it). */
export interface ResumedEvent {
  e: 'resumed';
  pid: number;
  t: number;
}

export type JournalEvent = CreatedEvent | AskedEvent | StartedEvent | RunningEvent | FinishedEvent | FailedEvent | ResumedEvent;

/** What `readJournal` found. */
export interface JournalContents {
  /** Every complete event, in file order. */
  events: JournalEvent[];
  /** Byte length of the complete lines (where the next append must start). */
  validBytes: number;
  /** True when the file ended in a line without its newline (cut short by a kill). */
  truncatedTail: boolean;
}

/** What `scanJournal` found, without the events themselves. */
export type JournalScan = Omit<JournalContents, 'events'> & {
  /** Complete lines (events) read. */
  lines: number;
};

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Checks one parsed line; returns a problem description or undefined. */
function problemOf(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  if (typeof o.t !== 'number') return "missing numeric field 't'";
  switch (o.e) {
    case 'asked':
      if (!isInt(o.id) || typeof o.hash !== 'string' || !isInt(o.seed) || !('config' in o)) {
        return "an 'asked' event needs integer 'id', string 'hash', integer 'seed' and 'config'";
      }
      return undefined;
    case 'started':
      return isInt(o.id) && isInt(o.worker) ? undefined : "a 'started' event needs integer 'id' and 'worker'";
    case 'running':
      return isInt(o.id) && typeof o.host === 'string' && isInt(o.pid) ? undefined : "a 'running' event needs integer 'id', string 'host' and integer 'pid'";
    case 'finished':
      return isInt(o.id) && typeof o.score === 'number' ? undefined : "a 'finished' event needs integer 'id' and numeric 'score'";
    case 'failed':
      return isInt(o.id) && typeof o.failure === 'string' ? undefined : "a 'failed' event needs integer 'id' and string 'failure'";
    case 'resumed':
      return undefined;
    case 'created':
      return typeof o.configSha256 === 'string' && typeof o.config === 'object' && o.config !== null && !Array.isArray(o.config)
        ? undefined : "a 'created' event needs string 'configSha256' and object 'config'";
    default:
      return `unknown event '${String(o.e)}' (accepted: created, asked, started, running, finished, failed, resumed)`;
  }
}

const CHUNK = 1 << 20;

/**
 * Streams a journal's complete lines to `onEvent` (event, 1-based line number) in file order, holding
 * one chunk of the file at a time, so reading a long run costs memory for what `onEvent` keeps only.
 * A missing file is an empty journal; a last line without its newline is skipped (a write cut short);
 * any other bad line throws a FileFormatError naming the file and the line.
 */
export function scanJournal(file: string, onEvent: (event: JournalEvent, line: number) => void): JournalScan {
  if (!existsSync(file)) return { lines: 0, validBytes: 0, truncatedTail: false };
  const fd = withStorage('read', file, () => openSync(file, 'r'));
  try {
    const buf = Buffer.alloc(CHUNK);
    let carry: Buffer = Buffer.alloc(0);
    let line = 0;
    let validBytes = 0;
    let pos = 0;
    for (;;) {
      const n = withStorage('read', file, () => readSync(fd, buf, 0, CHUNK, pos));
      if (n === 0) break;
      pos += n;
      const data = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
      let from = 0;
      for (let nl = data.indexOf(0x0a, from); nl >= 0; nl = data.indexOf(0x0a, from)) {
        onEvent(parseLine(file, data.toString('utf8', from, nl), ++line), line);
        validBytes += nl + 1 - from;
        from = nl + 1;
      }
      carry = Buffer.from(data.subarray(from));
    }
    return { lines: line, validBytes, truncatedTail: carry.length > 0 };
  } finally {
    closeSync(fd);
  }
}

/** The first event of a journal (its `created` event in runs since it exists), or undefined when it has none. */
export function readFirstEvent(file: string): JournalEvent | undefined {
  if (!existsSync(file)) return undefined;
  const fd = withStorage('read', file, () => openSync(file, 'r'));
  try {
    const chunks: Buffer[] = [];
    for (let pos = 0; ;) {
      const buf = Buffer.alloc(64 * 1024);
      const n = withStorage('read', file, () => readSync(fd, buf, 0, buf.length, pos));
      if (n === 0) return undefined;
      pos += n;
      const nl = buf.subarray(0, n).indexOf(0x0a);
      chunks.push(buf.subarray(0, nl >= 0 ? nl : n));
      if (nl >= 0) return parseLine(file, Buffer.concat(chunks).toString('utf8'), 1);
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads a whole journal into memory (tests and small runs; long runs stream with `scanJournal`). */
export function readJournal(file: string): JournalContents {
  const events: JournalEvent[] = [];
  const { validBytes, truncatedTail } = scanJournal(file, (e) => events.push(e));
  return { events, validBytes, truncatedTail };
}

function parseLine(file: string, line: string, lineNo: number): JournalEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new FileFormatError(file, `corrupt journal line (not JSON: ${(err as Error).message})`, lineNo);
  }
  const problem = problemOf(value);
  if (problem) throw new FileFormatError(file, `corrupt journal line: ${problem}`, lineNo);
  return value as JournalEvent;
}

/** Options of a journal writer. */
export interface JournalWriterOptions {
  /** fsync after every append. Default true; benchmarks that keep no run may turn it off. */
  fsync?: boolean;
}

/**
 * Appends events to a journal file, one fsynced line each. The file is opened for appending only
 * (O_APPEND): every write lands at the end whatever else happened to the file. Only the holder of the
 * run directory's lock may construct one, which is what makes it the one writer.
 */
export class JournalWriter {
  private fd: number | undefined;
  private readonly fsync: boolean;
  /** Set once an append failed: the file may end in a torn line, so nothing more is appended. */
  private broken: Error | undefined;
  readonly file: string;

  /**
   * Opens `file` for appending. A last line without its newline (a write cut short by a kill or a full
   * disk) is cut off first, so the next event starts on a fresh line: a repair only the lock holder
   * (`lock`, proof that this process owns the run directory) may make.
   */
  constructor(file: string, lock: RunLock, options: JournalWriterOptions = {}) {
    if (!lock.held) throw new UsageError(`journal ${file}: the run directory's lock is not held`);
    this.file = file;
    this.fsync = options.fsync ?? true;
    const { validBytes, truncatedTail } = scanJournal(file, () => undefined);
    if (truncatedTail) {
      withStorage('repair the torn last line of', file, () => {
        const fd = openSync(file, 'r+');
        try {
          ftruncateSync(fd, validBytes);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      });
    }
    this.fd = withStorage('open for appending', file, () => openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o644));
  }

  /** Appends one event and (by default) fsyncs it before returning. */
  append(event: JournalEvent): void {
    if (this.broken) throw this.broken;
    if (this.fd === undefined) throw new UsageError(`journal ${this.file} is closed`);
    const fd = this.fd;
    const bytes = Buffer.from(`${JSON.stringify(event)}\n`, 'utf8');
    try {
      withStorage('append to', this.file, () => {
        // One write call per line: with O_APPEND it lands whole at the end of the file.
        let off = writeSync(fd, bytes, 0, bytes.length);
        while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
        if (this.fsync) fsyncSync(fd);
      });
    } catch (err) {
      this.broken = err as Error;
      throw err;
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
